//! Bans, mutes, roles and permissions, slow mode: each action allowed for
//! the right role and refused for the others.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, error_code};

const BAN: &str =
    "mutation($input: BanMemberInput!) { banMember(input: $input) { members { id } } }";
const UNBAN: &str = "mutation($input: ChatMemberInput!) { unbanMember(input: $input) { id } }";
const MUTE: &str = "mutation($input: MuteMemberInput!) { muteMember(input: $input) { id } }";
const UNMUTE: &str = "mutation($input: ChatMemberInput!) { unmuteMember(input: $input) { id } }";
const BANNED: &str = "query($id: ID!) { chat(id: $id) { bannedMembers { edges { node { user { id } bannedBy { id } reason } } } } }";
const JOIN: &str = "mutation($input: ChatIdInput!) { joinChat(input: $input) { id } }";
const ADD: &str = "mutation($input: AddChatMembersInput!) { addChatMembers(input: $input) { id } }";
const SEND: &str = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }";
const REACT: &str = "mutation($input: ReactionInput!) { addReaction(input: $input) { id } }";
const TYPE: &str = "mutation($input: TypingInput!) { startTyping(input: $input) { isTyping } }";
const UPDATE: &str = "mutation($input: UpdateChatInput!) { updateChat(input: $input) { name permissions { send editInfo addMembers } slowModeSeconds } }";
const MINE: &str = "query($id: ID!) { chat(id: $id) { myRole myPermissions { canSend canReact canEditInfo canAddMembers canModerate canManageAdmins muted } } }";
const PROMOTE: &str = "mutation($input: ChatMemberInput!) { promoteAdmin(input: $input) { id } }";
const HISTORY: &str = "query($chat: ID!) { messages(chatId: $chat, first: 100) { edges { node { text system { action } } } } }";

fn member(chat: &str, user: &TestUser) -> Value {
    json!({ "input": { "chatId": chat, "userId": user.id } })
}

fn send(chat: &str, text: &str) -> Value {
    json!({ "input": { "chatId": chat, "text": text } })
}

/// The first error's code and `extensions.reason`.
fn refusal(body: &Value) -> (String, String) {
    let reason = body["errors"][0]["extensions"]["reason"]
        .as_str()
        .unwrap_or_default();
    (error_code(body), reason.to_owned())
}

/// A public group of ada (owner) with cat as admin and bob, dan members.
async fn club(app: &TestApp) -> (String, [TestUser; 4]) {
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    let dan = app.sign_up("dan").await;
    let data = app
        .gql_ok(
            Some(&ada.token),
            "mutation($input: CreateChatInput!) { createChat(input: $input) { id } }",
            json!({ "input": { "participantIds": [bob.id, cat.id, dan.id], "isGroup": true, "name": "Club", "privacy": "PUBLIC" } }),
        )
        .await;
    let chat = data["createChat"]["id"].as_str().unwrap().to_owned();
    app.gql_ok(Some(&ada.token), PROMOTE, member(&chat, &cat))
        .await;
    (chat, [ada, bob, cat, dan])
}

async fn system_actions(app: &TestApp, viewer: &TestUser, chat: &str) -> Vec<String> {
    let data = app
        .gql_ok(Some(&viewer.token), HISTORY, json!({ "chat": chat }))
        .await;
    data["messages"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["node"]["system"]["action"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn ban_member__removes_ends_streams_and_holds_through_rejoin_and_re_add() {
    let app = TestApp::spawn().await;
    let (chat, [ada, bob, cat, dan]) = club(&app).await;
    // A member may not ban.
    let body = app.gql(Some(&dan.token), BAN, member(&chat, &bob)).await;
    assert_eq!(refusal(&body), ("FORBIDDEN".into(), "ADMINS_ONLY".into()));

    let mut bob_socket = app.ws(&bob.token).await;
    bob_socket
        .subscribe(
            "m",
            "subscription($chat: ID!) { messageEvents(chatId: $chat) { kind } }",
            json!({ "chat": chat }),
        )
        .await;
    bob_socket.expect_quiet().await;
    let input = json!({ "input": { "chatId": chat, "userId": bob.id, "reason": "spam" } });
    app.gql_ok(Some(&cat.token), BAN, input).await;
    loop {
        let message = bob_socket.recv().await;
        if message["type"] == "complete" && message["id"] == "m" {
            break;
        }
    }
    // Leave-and-rejoin, re-adds: refused while the ban stands.
    let body = app
        .gql(
            Some(&bob.token),
            JOIN,
            json!({ "input": { "chatId": chat } }),
        )
        .await;
    assert_eq!(refusal(&body), ("FORBIDDEN".into(), "BANNED".into()));
    let add = json!({ "input": { "chatId": chat, "userIds": [bob.id] } });
    let body = app.gql(Some(&ada.token), ADD, add.clone()).await;
    assert_eq!(refusal(&body), ("FORBIDDEN".into(), "BANNED".into()));
    // Admins see the ban; members do not.
    let data = app
        .gql_ok(Some(&cat.token), BANNED, json!({ "id": chat }))
        .await;
    let ban = &data["chat"]["bannedMembers"]["edges"][0]["node"];
    assert_eq!(
        (&ban["user"]["id"], &ban["bannedBy"]["id"], &ban["reason"]),
        (&json!(bob.id), &json!(cat.id), &json!("spam"))
    );
    let body = app
        .gql(Some(&dan.token), BANNED, json!({ "id": chat }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    // Unbanned, they may join again.
    assert_eq!(
        error_code(&app.gql(Some(&dan.token), UNBAN, member(&chat, &bob)).await),
        "FORBIDDEN"
    );
    app.gql_ok(Some(&cat.token), UNBAN, member(&chat, &bob))
        .await;
    app.gql_ok(
        Some(&bob.token),
        JOIN,
        json!({ "input": { "chatId": chat } }),
    )
    .await;
    let actions = system_actions(&app, &ada, &chat).await;
    assert!(
        actions.ends_with(&[
            "MEMBER_BANNED".into(),
            "MEMBER_UNBANNED".into(),
            "MEMBER_JOINED".into()
        ]),
        "{actions:?}"
    );
}

#[tokio::test]
async fn ban_member__an_admin_only_by_the_owner_and_never_the_owner() {
    let app = TestApp::spawn().await;
    let (chat, [ada, _bob, cat, dan]) = club(&app).await;
    app.gql_ok(Some(&ada.token), PROMOTE, member(&chat, &dan))
        .await;
    let body = app.gql(Some(&cat.token), BAN, member(&chat, &dan)).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let body = app.gql(Some(&cat.token), BAN, member(&chat, &ada)).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let data = app.gql_ok(Some(&ada.token), BAN, member(&chat, &dan)).await;
    let members: Vec<&str> = data["banMember"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(!members.contains(&dan.id.as_str()));
}

#[tokio::test]
async fn mute_member__blocks_send_react_and_type_only() {
    let app = TestApp::spawn().await;
    let (chat, [ada, bob, cat, dan]) = club(&app).await;
    let said = app.say(&ada, &chat, "hello").await;
    assert_eq!(
        error_code(&app.gql(Some(&dan.token), MUTE, member(&chat, &bob)).await),
        "FORBIDDEN"
    );
    let past =
        json!({ "input": { "chatId": chat, "userId": bob.id, "until": "2001-01-01T00:00:00Z" } });
    assert_eq!(
        app.gql_err(Some(&cat.token), MUTE, past).await,
        "BAD_USER_INPUT"
    );
    app.gql_ok(Some(&cat.token), MUTE, member(&chat, &bob))
        .await;

    let muted = ("FORBIDDEN".to_owned(), "MUTED".to_owned());
    assert_eq!(
        refusal(&app.gql(Some(&bob.token), SEND, send(&chat, "hi")).await),
        muted
    );
    let react = json!({ "input": { "messageId": said["id"], "emoji": "👍" } });
    assert_eq!(
        refusal(&app.gql(Some(&bob.token), REACT, react.clone()).await),
        muted
    );
    let typing = json!({ "input": { "chatId": chat } });
    assert_eq!(
        refusal(&app.gql(Some(&bob.token), TYPE, typing.clone()).await),
        muted
    );
    // Reading and receipts go on; the UI is told.
    let history = app
        .gql_ok(Some(&bob.token), HISTORY, json!({ "chat": chat }))
        .await;
    assert!(!history["messages"]["edges"].as_array().unwrap().is_empty());
    app.gql_ok(
        Some(&bob.token),
        "mutation($input: MarkMessagesInput!) { markMessagesRead(input: $input) { upTo } }",
        json!({ "input": { "chatId": chat } }),
    )
    .await;
    let mine = app
        .gql_ok(Some(&bob.token), MINE, json!({ "id": chat }))
        .await;
    assert_eq!(mine["chat"]["myPermissions"]["canSend"], false);
    assert_eq!(mine["chat"]["myPermissions"]["muted"], true);
    // Others are unaffected; unmuted, bob may do it all again.
    app.say(&dan, &chat, "still here").await;
    app.gql_ok(Some(&cat.token), UNMUTE, member(&chat, &bob))
        .await;
    app.gql_ok(Some(&bob.token), SEND, send(&chat, "back"))
        .await;
    app.gql_ok(Some(&bob.token), REACT, react).await;
    app.gql_ok(Some(&bob.token), TYPE, typing).await;
    let actions = system_actions(&app, &ada, &chat).await;
    assert!(
        actions.ends_with(&["MEMBER_MUTED".into(), "MEMBER_UNMUTED".into()]),
        "{actions:?}"
    );
}

#[tokio::test]
async fn permissions__make_announcement_channels_and_open_up_editing_and_adding() {
    let app = TestApp::spawn().await;
    let (chat, [ada, bob, cat, _dan]) = club(&app).await;
    let eve = app.sign_up("eve").await;
    let mine = app
        .gql_ok(Some(&bob.token), MINE, json!({ "id": chat }))
        .await;
    assert_eq!(mine["chat"]["myRole"], "MEMBER");
    assert_eq!(
        mine["chat"]["myPermissions"],
        json!({ "canSend": true, "canReact": true, "canEditInfo": false, "canAddMembers": false, "canModerate": false, "canManageAdmins": false, "muted": false })
    );
    let rename = json!({ "input": { "chatId": chat, "name": "Bob's" } });
    let body = app.gql(Some(&bob.token), UPDATE, rename.clone()).await;
    assert_eq!(refusal(&body), ("FORBIDDEN".into(), "ADMINS_ONLY".into()));
    // A member may not change the permissions either.
    let channel = json!({ "input": { "chatId": chat, "permissions": { "send": "ADMINS", "editInfo": "MEMBERS", "addMembers": "MEMBERS" } } });
    assert_eq!(
        app.gql_err(Some(&bob.token), UPDATE, channel.clone()).await,
        "FORBIDDEN"
    );
    app.gql_ok(Some(&cat.token), UPDATE, channel).await;
    // Announcement channel: admins send, members do not (nor type).
    let body = app.gql(Some(&bob.token), SEND, send(&chat, "hi")).await;
    assert_eq!(refusal(&body), ("FORBIDDEN".into(), "ADMINS_ONLY".into()));
    let typing = json!({ "input": { "chatId": chat } });
    assert_eq!(
        app.gql_err(Some(&bob.token), TYPE, typing).await,
        "FORBIDDEN"
    );
    app.say(&cat, &chat, "news").await;
    app.say(&ada, &chat, "more news").await;
    // Editing and adding opened to members.
    app.gql_ok(Some(&bob.token), UPDATE, rename).await;
    let add = json!({ "input": { "chatId": chat, "userIds": [eve.id] } });
    app.gql_ok(Some(&bob.token), ADD, add).await;
    // Managing admins stays the owner's.
    let body = app
        .gql(Some(&cat.token), PROMOTE, member(&chat, &bob))
        .await;
    assert_eq!(refusal(&body), ("FORBIDDEN".into(), "OWNER_ONLY".into()));
    let mine = app
        .gql_ok(Some(&ada.token), MINE, json!({ "id": chat }))
        .await;
    assert_eq!(mine["chat"]["myRole"], "OWNER");
    assert_eq!(mine["chat"]["myPermissions"]["canManageAdmins"], true);
    let actions = system_actions(&app, &ada, &chat).await;
    assert!(
        actions.contains(&"PERMISSIONS_CHANGED".to_owned()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn slow_mode__a_member_sends_once_per_period_across_instances() {
    let a = TestApp::spawn().await;
    let b = a.spawn_peer(|_| {}).await;
    let (chat, [ada, bob, cat, _dan]) = club(&a).await;
    let slow = json!({ "input": { "chatId": chat, "slowModeSeconds": 60 } });
    assert_eq!(
        a.gql_err(Some(&bob.token), UPDATE, slow.clone()).await,
        "FORBIDDEN"
    );
    let data = a.gql_ok(Some(&cat.token), UPDATE, slow).await;
    assert_eq!(data["updateChat"]["slowModeSeconds"], 60);
    a.gql_ok(Some(&bob.token), SEND, send(&chat, "first")).await;
    // The second, on the other instance, waits for the period.
    let body = b.gql(Some(&bob.token), SEND, send(&chat, "second")).await;
    assert_eq!(error_code(&body), "RATE_LIMITED");
    let wait = body["errors"][0]["extensions"]["retryAfterMs"]
        .as_u64()
        .unwrap();
    assert!((1..=60_000).contains(&wait), "{wait}");
    // Admins are not slowed.
    b.gql_ok(Some(&ada.token), SEND, send(&chat, "admin 1"))
        .await;
    a.gql_ok(Some(&ada.token), SEND, send(&chat, "admin 2"))
        .await;
    // Off again: the member sends at once.
    let off = json!({ "input": { "chatId": chat, "slowModeSeconds": 0 } });
    a.gql_ok(Some(&ada.token), UPDATE, off).await;
    b.gql_ok(Some(&bob.token), SEND, send(&chat, "free")).await;
    let too_long = json!({ "input": { "chatId": chat, "slowModeSeconds": 100000 } });
    assert_eq!(
        a.gql_err(Some(&ada.token), UPDATE, too_long).await,
        "BAD_USER_INPUT"
    );
}

/// A mute or a ban stops a typing indicator already showing at once, on
/// the streams open before it, not when the indicator would time out.
#[tokio::test]
async fn mute_and_ban__stop_a_typing_indicator_at_once() {
    // Indicators that would otherwise last a minute: only the rule stops them.
    let app = TestApp::spawn_with(|s| s.messaging.typing_timeout_ms = 60_000).await;
    let (chat, [ada, bob, cat, dan]) = club(&app).await;
    let mut watcher = app.ws(&ada.token).await;
    watcher
        .subscribe(
            "t",
            "subscription($chat: ID!) { typingEvents(chatId: $chat) { user { id } isTyping } }",
            json!({ "chat": chat }),
        )
        .await;
    watcher.expect_quiet().await;
    let typing = json!({ "input": { "chatId": chat } });
    for (target, action) in [(&bob, MUTE), (&dan, BAN)] {
        app.gql_ok(Some(&target.token), TYPE, typing.clone()).await;
        let started = watcher.next_data("t").await["data"]["typingEvents"].clone();
        assert_eq!(
            started,
            json!({ "user": { "id": target.id }, "isTyping": true })
        );
        app.gql_ok(Some(&cat.token), action, member(&chat, target))
            .await;
        let stopped = watcher.next_data("t").await["data"]["typingEvents"].clone();
        assert_eq!(
            stopped,
            json!({ "user": { "id": target.id }, "isTyping": false })
        );
    }
}

#[tokio::test]
async fn removal_and_leaving__stop_a_typing_indicator_at_once() {
    let app = TestApp::spawn_with(|s| s.messaging.typing_timeout_ms = 60_000).await;
    let (chat, [ada, bob, cat, dan]) = club(&app).await;
    let mut watcher = app.ws(&ada.token).await;
    watcher
        .subscribe(
            "t",
            "subscription($chat: ID!) { typingEvents(chatId: $chat) { user { id } isTyping } }",
            json!({ "chat": chat }),
        )
        .await;
    watcher.expect_quiet().await;
    let typing = json!({ "input": { "chatId": chat } });
    let remove = "mutation($input: ChatMemberInput!) { removeChatMember(input: $input) { id } }";
    let leave = "mutation($input: ChatIdInput!) { leaveChat(input: $input) { id } }";
    for (target, actor, action, input) in [
        (&bob, &cat, remove, member(&chat, &bob)),
        (&dan, &dan, leave, json!({ "input": { "chatId": chat } })),
    ] {
        app.gql_ok(Some(&target.token), TYPE, typing.clone()).await;
        let started = watcher.next_data("t").await["data"]["typingEvents"].clone();
        assert_eq!(
            started,
            json!({ "user": { "id": target.id }, "isTyping": true })
        );
        app.gql_ok(Some(&actor.token), action, input).await;
        let stopped = watcher.next_data("t").await["data"]["typingEvents"].clone();
        assert_eq!(
            stopped,
            json!({ "user": { "id": target.id }, "isTyping": false })
        );
    }
}
