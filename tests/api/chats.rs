//! Direct and group chats: creation, settings, membership, admins.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, WsClient};

const CREATE: &str = "mutation($input: CreateChatInput!) { createChat(input: $input) { id isGroup name members { id } admins { id } createdBy { id } } }";
const UPDATE: &str =
    "mutation($input: UpdateChatInput!) { updateChat(input: $input) { name description privacy } }";
const ADD: &str =
    "mutation($input: AddChatMembersInput!) { addChatMembers(input: $input) { members { id } } }";
const REMOVE: &str =
    "mutation($input: ChatMemberInput!) { removeChatMember(input: $input) { members { id } } }";
const LEAVE: &str = "mutation($input: ChatIdInput!) { leaveChat(input: $input) { id } }";
const PROMOTE: &str =
    "mutation($input: ChatMemberInput!) { promoteAdmin(input: $input) { admins { id } } }";
const DEMOTE: &str =
    "mutation($input: ChatMemberInput!) { demoteAdmin(input: $input) { admins { id } } }";
const JOIN: &str = "mutation($input: ChatIdInput!) { joinChat(input: $input) { members { id } } }";
const CHAT: &str =
    "query($id: ID!) { chat(id: $id) { id name members { id } admins { id } createdBy { id } } }";
const HISTORY: &str = "query($chat: ID!) { messages(chatId: $chat, first: 100) { edges { cursor node { type text system { action targets { id } value } } } } }";
const CHAT_EVENTS: &str = "subscription { chatEvents { kind chatId users { id } chat { name } } }";

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect()
}

fn of(users: &[&TestUser]) -> Vec<String> {
    users.iter().map(|u| u.id.clone()).collect()
}

fn member(chat: &str, user: &TestUser) -> Value {
    json!({ "input": { "chatId": chat, "userId": user.id } })
}

/// System messages of a chat, in history order: (action, text).
async fn system_log(app: &TestApp, viewer: &TestUser, chat: &str) -> Vec<(String, String)> {
    let data = app
        .gql_ok(Some(&viewer.token), HISTORY, json!({ "chat": chat }))
        .await;
    let edges = data["messages"]["edges"].as_array().unwrap().clone();
    let cursors: Vec<i64> = edges
        .iter()
        .map(|e| e["cursor"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(
        cursors.windows(2).all(|w| w[0] < w[1]),
        "cursors increase: {cursors:?}"
    );
    edges
        .iter()
        .filter(|e| e["node"]["type"] == "SYSTEM")
        .map(|e| {
            (
                e["node"]["system"]["action"].as_str().unwrap().to_owned(),
                e["node"]["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The next chat change on operation "c", skipping NEW_MESSAGE events (the
/// system messages a change writes arrive as those first).
async fn next_change(socket: &mut WsClient) -> Value {
    loop {
        let event = socket.next_data("c").await;
        if event["data"]["chatEvents"]["kind"] != "NEW_MESSAGE" {
            return event;
        }
    }
}

async fn chat_events(app: &TestApp, user: &TestUser) -> WsClient {
    let mut socket = app.ws(&user.token).await;
    socket.subscribe("c", CHAT_EVENTS, json!({})).await;
    socket.expect_quiet().await;
    socket
}

#[tokio::test]
async fn create_direct__returns_one_chat_per_pair_whoever_asks() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let first = app.direct(&ada, &bob).await;
    assert_eq!(app.direct(&bob, &ada).await, first);
    assert_eq!(app.direct(&ada, &bob).await, first);
    let chat = app
        .gql_ok(Some(&bob.token), CHAT, json!({ "id": first }))
        .await;
    assert_eq!(chat["chat"]["name"], Value::Null);
    assert_eq!(ids(&chat["chat"]["members"]).len(), 2);
}

#[tokio::test]
async fn create_direct__concurrently_from_both_sides__gives_one_chat() {
    let app = TestApp::spawn().await;
    for round in 0..5 {
        let (a, b) = (
            app.sign_up(&format!("ann{round}")).await,
            app.sign_up(&format!("ben{round}")).await,
        );
        let (x, y) = tokio::join!(app.direct(&a, &b), app.direct(&b, &a));
        assert_eq!(x, y);
    }
}

#[tokio::test]
async fn create_direct__refusals() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    let direct = |ids: Vec<&str>| json!({ "input": { "participantIds": ids, "isGroup": false } });
    assert_eq!(
        app.gql_err(Some(&ada.token), CREATE, direct(vec![])).await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.gql_err(Some(&ada.token), CREATE, direct(vec![&ada.id]))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.gql_err(Some(&ada.token), CREATE, direct(vec![&bob.id, &cat.id]))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.gql_err(
            Some(&ada.token),
            CREATE,
            direct(vec!["0123456789abcdef01234567"])
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.gql_err(Some(&ada.token), CREATE, direct(vec!["bad"]))
            .await,
        "BAD_USER_INPUT"
    );
    app.block(&bob, &ada).await;
    assert_eq!(
        app.gql_err(Some(&ada.token), CREATE, direct(vec![&bob.id]))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql_err(Some(&bob.token), CREATE, direct(vec![&ada.id]))
            .await,
        "FORBIDDEN"
    );
    let chats = app
        .gql_ok(
            Some(&ada.token),
            "{ chats { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(chats["chats"]["edges"], json!([]));
}

#[tokio::test]
async fn create_group__makes_the_creator_owner_and_admin_and_tells_everyone() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    let mut bob_events = chat_events(&app, &bob).await;
    let mut bob_notes = app.ws(&bob.token).await;
    bob_notes
        .subscribe(
            "n",
            "subscription { notificationEvents { notification { kind chatId actor { id } } } }",
            json!({}),
        )
        .await;
    bob_notes.expect_quiet().await;
    let data = app
        .gql_ok(Some(&ada.token), CREATE, json!({ "input": { "participantIds": [bob.id, cat.id, bob.id], "isGroup": true, "name": " Book club " } }))
        .await;
    let chat = &data["createChat"];
    assert_eq!(chat["name"], "Book club");
    assert_eq!(ids(&chat["members"]), of(&[&ada, &bob, &cat]));
    assert_eq!(ids(&chat["admins"]), of(&[&ada]));
    assert_eq!(chat["createdBy"]["id"], ada.id.as_str());
    let event = bob_events.next_data("c").await;
    assert_eq!(event["data"]["chatEvents"]["kind"], "CREATED");
    assert_eq!(event["data"]["chatEvents"]["chatId"], chat["id"]);
    let note = bob_notes.next_data("n").await;
    assert_eq!(
        note["data"]["notificationEvents"]["notification"]["kind"],
        "ADDED_TO_CHAT"
    );
    assert_eq!(
        note["data"]["notificationEvents"]["notification"]["chatId"],
        chat["id"]
    );
    let log = system_log(&app, &bob, chat["id"].as_str().unwrap()).await;
    assert_eq!(
        log,
        [(
            "CHAT_CREATED".to_owned(),
            "@ada created the group “Book club”".to_owned()
        )]
    );
}

#[tokio::test]
async fn create_group__refusals_create_nothing() {
    let app = TestApp::spawn_with(|s| s.messaging.max_group_members = 3).await;
    let (ada, bob, cat, dan, eve) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
        app.sign_up("dan").await,
        app.sign_up("eve").await,
    );
    app.block(&eve, &ada).await;
    let group = |ids: Vec<&str>, name: Value| json!({ "input": { "participantIds": ids, "isGroup": true, "name": name } });
    let cases = [
        (group(vec![&bob.id], Value::Null), "BAD_USER_INPUT"),
        (group(vec![&bob.id], json!("   ")), "BAD_USER_INPUT"),
        (
            group(vec![&bob.id], json!("n".repeat(101))),
            "BAD_USER_INPUT",
        ),
        (
            group(vec![&bob.id, &cat.id, &dan.id], json!("too many")),
            "BAD_USER_INPUT",
        ),
        (
            group(vec![&bob.id, "0123456789abcdef01234567"], json!("ghost")),
            "NOT_FOUND",
        ),
        (group(vec![&bob.id, &eve.id], json!("blocked")), "FORBIDDEN"),
    ];
    for (input, code) in cases {
        assert_eq!(
            app.gql_err(Some(&ada.token), CREATE, input.clone()).await,
            code,
            "{input}"
        );
    }
    let chats = app
        .gql_ok(
            Some(&ada.token),
            "{ chats { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(chats["chats"]["edges"], json!([]));
}

#[tokio::test]
async fn update_chat__admins_only__with_system_messages_in_order() {
    let app = TestApp::spawn().await;
    let (ada, bob, eve) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("eve").await,
    );
    let chat = app.group(&ada, &[&bob], "Club").await;
    let rename = |name: &str| json!({ "input": { "chatId": chat, "name": name } });
    assert_eq!(
        app.gql_err(Some(&bob.token), UPDATE, rename("Mine")).await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql_err(Some(&eve.token), UPDATE, rename("Mine")).await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.gql_err(Some(&ada.token), UPDATE, rename("")).await,
        "BAD_USER_INPUT"
    );
    let mut bob_events = chat_events(&app, &bob).await;
    let data = app
        .gql_ok(Some(&ada.token), UPDATE, json!({ "input": { "chatId": chat, "name": "Readers", "description": "We read", "privacy": "PUBLIC" } }))
        .await;
    assert_eq!(
        data["updateChat"],
        json!({ "name": "Readers", "description": "We read", "privacy": "PUBLIC" })
    );
    let event = next_change(&mut bob_events).await;
    assert_eq!(event["data"]["chatEvents"]["kind"], "UPDATED");
    assert_eq!(event["data"]["chatEvents"]["chat"]["name"], "Readers");
    let actions: Vec<String> = system_log(&app, &bob, &chat)
        .await
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert_eq!(
        actions,
        [
            "CHAT_CREATED",
            "RENAMED",
            "DESCRIPTION_CHANGED",
            "PRIVACY_CHANGED"
        ]
    );
    let direct = app.direct(&ada, &bob).await;
    let code = app
        .gql_err(
            Some(&ada.token),
            UPDATE,
            json!({ "input": { "chatId": direct, "name": "x" } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}

#[tokio::test]
async fn add_chat_members__admins_only_with_every_refusal() {
    let app = TestApp::spawn_with(|s| s.messaging.max_group_members = 4).await;
    let (ada, bob, cat, dan, eve, fay) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
        app.sign_up("dan").await,
        app.sign_up("eve").await,
        app.sign_up("fay").await,
    );
    let chat = app.group(&ada, &[&bob], "Club").await;
    let add = |users: Vec<&str>| json!({ "input": { "chatId": chat, "userIds": users } });
    assert_eq!(
        app.gql_err(Some(&bob.token), ADD, add(vec![&cat.id])).await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql_err(Some(&cat.token), ADD, add(vec![&dan.id])).await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.gql_err(Some(&ada.token), ADD, add(vec![&bob.id])).await,
        "CONFLICT"
    );
    assert_eq!(
        app.gql_err(Some(&ada.token), ADD, add(vec!["0123456789abcdef01234567"]))
            .await,
        "NOT_FOUND"
    );
    app.block(&eve, &ada).await;
    assert_eq!(
        app.gql_err(Some(&ada.token), ADD, add(vec![&eve.id])).await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql_err(Some(&ada.token), ADD, add(vec![&cat.id, &dan.id, &fay.id]))
            .await,
        "BAD_USER_INPUT"
    );

    let mut cat_events = chat_events(&app, &cat).await;
    let mut bob_events = chat_events(&app, &bob).await;
    let data = app
        .gql_ok(Some(&ada.token), ADD, add(vec![&cat.id, &dan.id]))
        .await;
    assert_eq!(
        ids(&data["addChatMembers"]["members"]),
        of(&[&ada, &bob, &cat, &dan])
    );
    for socket in [&mut cat_events, &mut bob_events] {
        let event = next_change(socket).await;
        assert_eq!(event["data"]["chatEvents"]["kind"], "MEMBERS_ADDED");
        assert_eq!(
            ids(&event["data"]["chatEvents"]["users"]),
            of(&[&cat, &dan])
        );
    }
    // Cat now follows the chat: its next change reaches her.
    app.gql_ok(
        Some(&ada.token),
        UPDATE,
        json!({ "input": { "chatId": chat, "name": "Bigger club" } }),
    )
    .await;
    assert_eq!(
        cat_events.next_data("c").await["data"]["chatEvents"]["kind"],
        "NEW_MESSAGE"
    );
    assert_eq!(
        next_change(&mut cat_events).await["data"]["chatEvents"]["kind"],
        "UPDATED"
    );
    let unread = app
        .gql_ok(Some(&cat.token), "{ unreadNotificationCount }", json!({}))
        .await;
    assert_eq!(unread["unreadNotificationCount"], 1);
}

#[tokio::test]
async fn remove_chat_member__permission_layers() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat, dan) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
        app.sign_up("dan").await,
    );
    let chat = app.group(&ada, &[&bob, &cat, &dan], "Club").await;
    app.gql_ok(Some(&ada.token), PROMOTE, member(&chat, &bob))
        .await;
    assert_eq!(
        app.gql_err(Some(&cat.token), REMOVE, member(&chat, &dan))
            .await,
        "FORBIDDEN",
        "members cannot remove"
    );
    assert_eq!(
        app.gql_err(Some(&bob.token), REMOVE, member(&chat, &ada))
            .await,
        "FORBIDDEN",
        "nobody removes the creator"
    );
    app.gql_ok(Some(&ada.token), PROMOTE, member(&chat, &cat))
        .await;
    assert_eq!(
        app.gql_err(Some(&bob.token), REMOVE, member(&chat, &cat))
            .await,
        "FORBIDDEN",
        "only the creator removes admins"
    );
    let data = app
        .gql_ok(Some(&bob.token), REMOVE, member(&chat, &dan))
        .await;
    assert_eq!(
        ids(&data["removeChatMember"]["members"]),
        of(&[&ada, &bob, &cat])
    );
    assert_eq!(
        app.gql_err(Some(&bob.token), REMOVE, member(&chat, &dan))
            .await,
        "NOT_FOUND"
    );
    app.gql_ok(Some(&ada.token), REMOVE, member(&chat, &cat))
        .await;
}

#[tokio::test]
async fn a_removed_member__stops_receiving_the_chat_and_is_refused_at_once() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.group(&ada, &[&bob], "Club").await;
    let mut bob_socket = app.ws(&bob.token).await;
    bob_socket
        .subscribe(
            "m",
            "subscription($chat: ID!) { messageEvents(chatId: $chat) { kind } }",
            json!({ "chat": chat }),
        )
        .await;
    bob_socket.subscribe("c", CHAT_EVENTS, json!({})).await;
    bob_socket.expect_quiet().await;
    app.gql_ok(Some(&ada.token), REMOVE, member(&chat, &bob))
        .await;
    // The chat stream ends; the chat events report the removal (the two
    // operations run independently, so in either order).
    let (mut completed, mut told) = (false, false);
    while !(completed && told) {
        let message = bob_socket.recv().await;
        completed |= message["type"] == "complete" && message["id"] == "m";
        told |= message["id"] == "c"
            && message["payload"]["data"]["chatEvents"]["kind"] == "MEMBER_REMOVED";
    }
    app.say(&ada, &chat, "after bob left").await;
    let code = app
        .gql_err(
            Some(&bob.token),
            "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }",
            json!({ "input": { "chatId": chat, "text": "hi" } }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    assert_eq!(
        app.gql_err(Some(&bob.token), CHAT, json!({ "id": chat }))
            .await,
        "NOT_FOUND"
    );
    // The chat events subscription stays open but no longer carries the chat.
    let other = app.group(&ada, &[&bob], "Second").await;
    let next = next_change(&mut bob_socket).await;
    assert_eq!(next["data"]["chatEvents"]["chatId"], other.as_str());
}

#[tokio::test]
async fn leave_chat__passes_ownership_then_deletes_the_empty_group() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    let chat = app.group(&ada, &[&bob, &cat], "Club").await;
    app.gql_ok(Some(&ada.token), PROMOTE, member(&chat, &cat))
        .await;
    let leave = json!({ "input": { "chatId": chat } });
    app.gql_ok(Some(&ada.token), LEAVE, leave.clone()).await;
    let after = app
        .gql_ok(Some(&bob.token), CHAT, json!({ "id": chat }))
        .await;
    assert_eq!(
        after["chat"]["createdBy"]["id"],
        cat.id.as_str(),
        "the longest-standing admin"
    );
    app.gql_ok(Some(&cat.token), LEAVE, leave.clone()).await;
    let after = app
        .gql_ok(Some(&bob.token), CHAT, json!({ "id": chat }))
        .await;
    assert_eq!(
        after["chat"]["createdBy"]["id"],
        bob.id.as_str(),
        "else the longest-standing member"
    );
    assert_eq!(ids(&after["chat"]["admins"]), of(&[&bob]));
    let log: Vec<String> = system_log(&app, &bob, &chat)
        .await
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert_eq!(
        log,
        [
            "CHAT_CREATED",
            "ADMIN_PROMOTED",
            "MEMBER_LEFT",
            "OWNER_CHANGED",
            "MEMBER_LEFT",
            "OWNER_CHANGED"
        ]
    );
    app.gql_ok(Some(&bob.token), LEAVE, leave.clone()).await;
    assert_eq!(
        app.gql_err(Some(&bob.token), CHAT, json!({ "id": chat }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.gql_err(Some(&bob.token), LEAVE, leave).await,
        "NOT_FOUND"
    );
    let direct = app.direct(&ada, &bob).await;
    assert_eq!(
        app.gql_err(
            Some(&ada.token),
            LEAVE,
            json!({ "input": { "chatId": direct } })
        )
        .await,
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn promote_and_demote__creator_only() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat, eve) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
        app.sign_up("eve").await,
    );
    let chat = app.group(&ada, &[&bob, &cat], "Club").await;
    let mut cat_events = chat_events(&app, &cat).await;
    let data = app
        .gql_ok(Some(&ada.token), PROMOTE, member(&chat, &bob))
        .await;
    assert_eq!(ids(&data["promoteAdmin"]["admins"]), of(&[&ada, &bob]));
    assert_eq!(
        cat_events.next_data("c").await["data"]["chatEvents"]["kind"],
        "NEW_MESSAGE"
    );
    assert_eq!(
        cat_events.next_data("c").await["data"]["chatEvents"]["kind"],
        "ADMIN_PROMOTED"
    );
    assert_eq!(
        app.gql_err(Some(&bob.token), PROMOTE, member(&chat, &cat))
            .await,
        "FORBIDDEN",
        "admins are not the creator"
    );
    assert_eq!(
        app.gql_err(Some(&ada.token), PROMOTE, member(&chat, &bob))
            .await,
        "CONFLICT"
    );
    assert_eq!(
        app.gql_err(Some(&ada.token), PROMOTE, member(&chat, &eve))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.gql_err(Some(&ada.token), DEMOTE, member(&chat, &ada))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql_err(Some(&ada.token), DEMOTE, member(&chat, &cat))
            .await,
        "CONFLICT"
    );
    assert_eq!(
        app.gql_err(Some(&bob.token), DEMOTE, member(&chat, &bob))
            .await,
        "FORBIDDEN"
    );
    let data = app
        .gql_ok(Some(&ada.token), DEMOTE, member(&chat, &bob))
        .await;
    assert_eq!(ids(&data["demoteAdmin"]["admins"]), of(&[&ada]));
}

#[tokio::test]
async fn public_groups__are_found_and_joined__private_ones_are_not() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let public = app.group(&ada, &[], "Rustaceans").await;
    app.gql_ok(
        Some(&ada.token),
        UPDATE,
        json!({ "input": { "chatId": public, "privacy": "PUBLIC" } }),
    )
    .await;
    let private = app.group(&ada, &[], "Rust secrets").await;
    let search = app
        .gql_ok(
            Some(&bob.token),
            "{ searchChats(query: \"RUST\") { edges { node { id name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        search["searchChats"]["edges"],
        json!([{ "node": { "id": public, "name": "Rustaceans" } }])
    );
    assert_eq!(
        app.gql_err(Some(&bob.token), CHAT, json!({ "id": private }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.gql_err(
            Some(&bob.token),
            JOIN,
            json!({ "input": { "chatId": private } })
        )
        .await,
        "NOT_FOUND"
    );
    let joined = app
        .gql_ok(
            Some(&bob.token),
            JOIN,
            json!({ "input": { "chatId": public } }),
        )
        .await;
    assert_eq!(ids(&joined["joinChat"]["members"]), of(&[&ada, &bob]));
    app.gql_ok(
        Some(&bob.token),
        JOIN,
        json!({ "input": { "chatId": public } }),
    )
    .await;
    let log: Vec<String> = system_log(&app, &bob, &public)
        .await
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert_eq!(log, ["CHAT_CREATED", "PRIVACY_CHANGED", "MEMBER_JOINED"]);
}

#[tokio::test]
async fn chats__most_recent_activity_first_and_paged() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let first = app.group(&ada, &[&bob], "First").await;
    let second = app.group(&ada, &[&bob], "Second").await;
    let third = app.group(&ada, &[&bob], "Third").await;
    app.say(&bob, &first, "bump").await;
    let query = "query($after: String) { chats(first: 2, after: $after) { edges { node { id lastMessage { text } } } pageInfo { hasNextPage endCursor } } }";
    let page = app.gql_ok(Some(&ada.token), query, json!({})).await;
    let order: Vec<&str> = page["chats"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(order, [first.as_str(), third.as_str()]);
    assert_eq!(
        page["chats"]["edges"][0]["node"]["lastMessage"]["text"],
        "bump"
    );
    let next = app
        .gql_ok(
            Some(&ada.token),
            query,
            json!({ "after": page["chats"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(next["chats"]["edges"][0]["node"]["id"], second.as_str());
    assert_eq!(next["chats"]["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn a_page_of_chats__costs_constant_round_trips() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    for i in 0..50 {
        let chat = app.group(&ada, &[&bob, &cat], &format!("Chat {i}")).await;
        app.say(&bob, &chat, "hello").await;
    }
    let query = |n: usize| {
        format!(
            "{{ chats(first: {n}) {{ edges {{ node {{ name unreadCount members {{ handle }} admins {{ handle }} createdBy {{ handle }} lastMessage {{ text sender {{ handle }} }} }} }} }} }}"
        )
    };
    let count = async |n: usize| {
        let before = app.db_commands();
        let data = app.gql_ok(Some(&ada.token), &query(n), json!({})).await;
        assert_eq!(data["chats"]["edges"].as_array().unwrap().len(), n);
        assert_eq!(data["chats"]["edges"][0]["node"]["unreadCount"], 1);
        app.db_commands() - before
    };
    // Bounded whatever the page size: without batching a page of 50 would
    // cost 50 more. Batches form in a short time window, so a busy machine
    // may split one in two; the bound leaves room for that.
    let (small, large) = (count(5).await, count(50).await);
    assert!(
        small <= 20 && large <= 20,
        "{small} and {large} round trips for pages of 5 and 50"
    );
}

#[tokio::test]
async fn last_activity__moves_with_every_message_except_in_large_groups() {
    use bson::{Document, doc};
    use chat_server::domain::{ACTIVITY_EXACT_MEMBERS, ChatPrivacy, UserId};
    use chat_server::storage::chats::NewGroup;
    use secrecy::ExposeSecret;

    let app = TestApp::spawn().await;
    let client = mongodb::Client::with_uri_str(app.settings.database.mongodb_uri.expose_secret())
        .await
        .unwrap();
    let raw = client
        .database(&app.settings.database.mongodb_database)
        .collection::<Document>("chats");
    let chats = app.db.chats();
    let group = async |size: usize| {
        let members: Vec<UserId> = (0..size)
            .map(|_| UserId(bson::oid::ObjectId::new()))
            .collect();
        let new = NewGroup {
            name: format!("{size} members"),
            description: None,
            image: None,
            privacy: ChatPrivacy::Private,
            creator: members[0],
            participants: members,
        };
        chats.insert_group(new).await.unwrap().id
    };
    // Whether a message moves the chat's activity when it last moved `ago`.
    let moves = async |chat: chat_server::domain::ChatId, ago: i64| {
        let then = bson::DateTime::from_millis(bson::DateTime::now().timestamp_millis() - ago);
        raw.update_one(
            doc! { "_id": chat.oid() },
            doc! { "$set": { "lastActivity": then } },
        )
        .await
        .unwrap();
        chats.touch(chat).await.unwrap();
        let after = chats.find(chat).await.unwrap().unwrap().last_activity;
        after.timestamp_millis() != then.timestamp_millis()
    };
    let (small, large) = (group(2).await, group(ACTIVITY_EXACT_MEMBERS + 1).await);
    assert!(moves(small, 500).await, "a small chat is exact");
    assert!(
        !moves(large, 500).await,
        "a large group waits out the resolution"
    );
    assert!(moves(large, 2_000).await, "then it moves");
}

#[tokio::test]
async fn counters_kept_on_chats_by_earlier_versions__move_to_heads_at_start() {
    use bson::{Document, doc};
    use secrecy::ExposeSecret;

    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.group(&ada, &[&bob], "Old").await;
    let first = app.say(&ada, &chat, "before the upgrade").await;
    // As an earlier version stored it: the counter and the last message on
    // the chat, no head.
    let client = mongodb::Client::with_uri_str(app.settings.database.mongodb_uri.expose_secret())
        .await
        .unwrap();
    let db = client.database(&app.settings.database.mongodb_database);
    let oid = bson::oid::ObjectId::parse_str(&chat).unwrap();
    let last = bson::oid::ObjectId::parse_str(first["id"].as_str().unwrap()).unwrap();
    db.collection::<Document>("chats")
        .update_one(
            doc! { "_id": oid },
            doc! { "$set": { "seq": 41_i64, "lastMessageId": last } },
        )
        .await
        .unwrap();
    let heads = db.collection::<Document>("chat_heads");
    heads.delete_one(doc! { "_id": oid }).await.unwrap();

    // Twice: a start after the move changes nothing.
    for _ in 0..2 {
        app.db.ensure_indexes().await.unwrap();
        app.db.migrate().await.unwrap();
    }
    let chat_doc = db
        .collection::<Document>("chats")
        .find_one(doc! { "_id": oid })
        .await
        .unwrap()
        .unwrap();
    assert!(!chat_doc.contains_key("seq") && !chat_doc.contains_key("lastMessageId"));
    let head = heads.find_one(doc! { "_id": oid }).await.unwrap().unwrap();
    assert_eq!(head.get_i64("seq").unwrap(), 41);
    assert_eq!(head.get_object_id("lastMessageId").unwrap(), last);
    let next = app.say(&bob, &chat, "after").await;
    assert_eq!(
        next["cursor"], "42",
        "numbering carries on from the old counter"
    );
}
