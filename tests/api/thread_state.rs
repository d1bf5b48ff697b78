//! Per-user thread state: automatic and explicit following, `threads`
//! newest reply first, and `Thread.unreadCount` the same on every device.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, eventually};

const SEND: &str =
    "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id cursor } }";
const FIELDS: &str = "root { id text } chatId following unreadCount lastReplyAt readUpTo";
const DELETE: &str =
    "mutation($input: DeleteMessageInput!) { deleteMessage(input: $input) { id } }";

fn threads_query() -> String {
    format!(
        "query($chat: ID, $first: Int, $after: String) {{ threads(chatId: $chat, first: $first, after: $after) {{ edges {{ cursor node {{ {FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    )
}

async fn reply(app: &TestApp, user: &TestUser, chat: &str, root: &Value, text: &str) -> Value {
    app.gql_ok(
        Some(&user.token),
        SEND,
        json!({ "input": { "chatId": chat, "text": text, "threadRootId": root["id"] } }),
    )
    .await["sendMessage"]
        .clone()
}

/// The followed threads as `token` sees them: (root text, unread count).
async fn followed(app: &TestApp, token: &str, chat: Option<&str>) -> Vec<(String, u64)> {
    let data = app
        .gql_ok(
            Some(token),
            &threads_query(),
            json!({ "chat": chat, "first": 50 }),
        )
        .await;
    data["threads"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["root"]["text"].as_str().unwrap().to_owned(),
                e["node"]["unreadCount"].as_u64().unwrap(),
            )
        })
        .collect()
}

async fn follow(app: &TestApp, user: &TestUser, root: &Value, on: bool) -> Value {
    let field = if on { "followThread" } else { "unfollowThread" };
    let query =
        format!("mutation($input: ThreadInput!) {{ {field}(input: $input) {{ {FIELDS} }} }}");
    app.gql_ok(
        Some(&user.token),
        &query,
        json!({ "input": { "rootId": root["id"] } }),
    )
    .await[field]
        .clone()
}

async fn mark_read(app: &TestApp, token: &str, root: &Value, up_to: Option<&Value>) -> Value {
    let query = format!(
        "mutation($input: MarkThreadReadInput!) {{ markThreadRead(input: $input) {{ {FIELDS} }} }}"
    );
    app.gql_ok(
        Some(token),
        &query,
        json!({ "input": { "rootId": root["id"], "upTo": up_to } }),
    )
    .await["markThreadRead"]
        .clone()
}

/// A second session of `user` (another device).
async fn second_device(app: &TestApp, user: &TestUser) -> String {
    let data = app
        .gql_ok(
            None,
            "mutation($input: SignInInput!) { signIn(input: $input) { token } }",
            json!({ "input": { "login": user.email, "password": user.password } }),
        )
        .await;
    data["signIn"]["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn thread_unread__is_the_same_on_two_devices_after_reads_and_replies() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    let chat = app.group(&ada, &[&bob, &cat], "Club").await;
    let root = app.say(&ada, &chat, "root").await;
    let phone = second_device(&app, &ada).await;
    let r1 = reply(&app, &bob, &chat, &root, "one").await;
    reply(&app, &cat, &chat, &root, "two").await;
    reply(&app, &bob, &chat, &root, "three").await;
    // The root's author follows it: 3 unread on both devices.
    assert_eq!(
        followed(&app, &ada.token, None).await,
        [("root".to_owned(), 3)]
    );
    assert_eq!(followed(&app, &phone, None).await, [("root".to_owned(), 3)]);

    // Read up to the first reply on the laptop: 2 left on both.
    let state = mark_read(&app, &ada.token, &root, Some(&r1["cursor"])).await;
    assert_eq!(state["unreadCount"], 2);
    assert_eq!(state["readUpTo"], r1["cursor"]);
    assert_eq!(followed(&app, &phone, None).await, [("root".to_owned(), 2)]);
    // Marking an earlier cursor does not move back.
    let state = mark_read(&app, &phone, &root, Some(&root["cursor"])).await;
    assert_eq!(state["unreadCount"], 2);
    // A reply deleted for everyone is not unread.
    let gone = reply(&app, &cat, &chat, &root, "gone").await;
    assert_eq!(
        followed(&app, &ada.token, None).await,
        [("root".to_owned(), 3)]
    );
    app.gql_ok(
        Some(&cat.token),
        DELETE,
        json!({ "input": { "messageId": gone["id"], "forEveryone": true } }),
    )
    .await;
    assert_eq!(followed(&app, &phone, None).await, [("root".to_owned(), 2)]);
    // All of it on the phone: none left on either device.
    assert_eq!(mark_read(&app, &phone, &root, None).await["unreadCount"], 0);
    assert_eq!(
        followed(&app, &ada.token, None).await,
        [("root".to_owned(), 0)]
    );
    reply(&app, &bob, &chat, &root, "four").await;
    assert_eq!(
        followed(&app, &ada.token, None).await,
        [("root".to_owned(), 1)]
    );
    assert_eq!(followed(&app, &phone, None).await, [("root".to_owned(), 1)]);

    let bad = json!({ "input": { "rootId": root["id"], "upTo": "999999" } });
    let query =
        "mutation($input: MarkThreadReadInput!) { markThreadRead(input: $input) { unreadCount } }";
    assert_eq!(
        app.gql_err(Some(&phone), query, bad).await,
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn threads__follow_automatically_and_explicitly_newest_reply_first() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    let chat = app.group(&ada, &[&bob, &cat], "Club").await;
    let first = app.say(&ada, &chat, "first").await;
    let second = app.say(&bob, &chat, "second").await;
    // Nobody follows a thread without replies.
    assert!(followed(&app, &ada.token, None).await.is_empty());
    reply(&app, &cat, &chat, &first, "a").await;
    reply(&app, &cat, &chat, &second, "b").await;
    // The authors and the replier follow; replying marks the thread read
    // up to one's own reply.
    assert_eq!(
        followed(&app, &ada.token, None).await,
        [("first".to_owned(), 1)]
    );
    assert_eq!(
        followed(&app, &bob.token, None).await,
        [("second".to_owned(), 1)]
    );
    assert_eq!(
        followed(&app, &cat.token, None).await,
        [("second".to_owned(), 0), ("first".to_owned(), 0)]
    );
    // A new reply moves its thread to the top.
    reply(&app, &bob, &chat, &first, "c").await;
    assert_eq!(
        followed(&app, &cat.token, None).await,
        [("first".to_owned(), 1), ("second".to_owned(), 0)]
    );
    // Paging, one at a time.
    let data = app
        .gql_ok(Some(&cat.token), &threads_query(), json!({ "first": 1 }))
        .await;
    assert_eq!(data["threads"]["pageInfo"]["hasNextPage"], true);
    let next = app
        .gql_ok(
            Some(&cat.token),
            &threads_query(),
            json!({ "first": 1, "after": data["threads"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(
        next["threads"]["edges"][0]["node"]["root"]["text"],
        "second"
    );
    assert_eq!(next["threads"]["pageInfo"]["hasNextPage"], false);

    // Unfollowing: gone from the list, and replies by others do not bring
    // it back; replying does.
    let state = follow(&app, &ada, &first, false).await;
    assert_eq!(state["following"], false);
    reply(&app, &bob, &chat, &first, "d").await;
    assert!(followed(&app, &ada.token, None).await.is_empty());
    reply(&app, &ada, &chat, &first, "e").await;
    assert_eq!(
        followed(&app, &ada.token, None).await,
        [("first".to_owned(), 0)]
    );
    // Following explicitly starts with everything read.
    let state = follow(&app, &bob, &second, true).await;
    assert_eq!(state["following"], true);
    let state = follow(&app, &ada, &second, true).await;
    assert_eq!(state["unreadCount"], 0);
    assert_eq!(
        followed(&app, &ada.token, Some(&chat)).await,
        [("first".to_owned(), 0), ("second".to_owned(), 0)]
    );
}

#[tokio::test]
async fn threads__only_in_chats_you_are_a_member_of_now() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    let chat = app.group(&ada, &[&bob], "Club").await;
    let root = app.say(&ada, &chat, "root").await;
    reply(&app, &bob, &chat, &root, "hi").await;
    assert_eq!(followed(&app, &bob.token, None).await.len(), 1);
    // A stranger can neither follow nor list the chat's threads.
    let query = "mutation($input: ThreadInput!) { followThread(input: $input) { following } }";
    let input = json!({ "input": { "rootId": root["id"] } });
    assert_eq!(
        app.gql_err(Some(&cat.token), query, input).await,
        "NOT_FOUND"
    );
    let body = app
        .gql(Some(&cat.token), &threads_query(), json!({ "chat": chat }))
        .await;
    assert_eq!(crate::helpers::error_code(&body), "NOT_FOUND");
    // A thread reply is not a root.
    let nested = reply(&app, &ada, &chat, &root, "nested").await;
    let input = json!({ "input": { "rootId": nested["id"] } });
    assert_eq!(
        app.gql_err(Some(&ada.token), query, input).await,
        "BAD_USER_INPUT"
    );
    // bob leaves: the thread is no longer listed for him.
    app.gql_ok(
        Some(&bob.token),
        "mutation($input: ChatIdInput!) { leaveChat(input: $input) { id } }",
        json!({ "input": { "chatId": chat } }),
    )
    .await;
    assert!(followed(&app, &bob.token, None).await.is_empty());
}

/// `token`'s notifications of `kind`: the message ids they name.
async fn notified(app: &TestApp, token: &str, kind: &str) -> Vec<String> {
    let data = app
        .gql_ok(
            Some(token),
            "query { notifications(first: 100) { edges { node { kind messageId } } } }",
            json!({}),
        )
        .await;
    data["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["kind"] == kind)
        .map(|e| e["node"]["messageId"].as_str().unwrap().to_owned())
        .collect()
}

async fn set_level(app: &TestApp, user: &TestUser, chat: &str, level: Option<&str>) {
    app.gql_ok(
        Some(&user.token),
        "mutation($input: SetChatNotificationsInput!) { setChatNotifications(input: $input) { defaultLevel } }",
        json!({ "input": { "chatId": chat, "level": level } }),
    )
    .await;
}

#[tokio::test]
async fn thread_replies__notify_followers_at_level_all_but_not_the_mentioned_or_the_sender() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let (cat, dan) = (app.sign_up("cat").await, app.sign_up("dan").await);
    let chat = app.group(&ada, &[&bob, &cat, &dan], "Club").await;
    let root = app.say(&ada, &chat, "root").await;
    // ada follows as the root's author from the first reply on.
    let r1 = reply(&app, &bob, &chat, &root, "r1").await;
    follow(&app, &cat, &root, true).await;
    set_level(&app, &cat, &chat, Some("MENTIONS")).await;
    let r2 = reply(&app, &bob, &chat, &root, "r2").await;
    set_level(&app, &cat, &chat, None).await;
    let r3 = app
        .gql_ok(
            Some(&bob.token),
            SEND,
            json!({ "input": { "chatId": chat, "text": "r3 @ada", "threadRootId": root["id"], "mentions": [ada.id] } }),
        )
        .await["sendMessage"]
        .clone();
    let id = |m: &Value| m["id"].as_str().unwrap().to_owned();
    eventually("ada hears of r1 and r2, and cat of r3", || async {
        notified(&app, &ada.token, "THREAD_REPLY").await.len() >= 2
            && !notified(&app, &cat.token, "THREAD_REPLY").await.is_empty()
            && !notified(&app, &ada.token, "MENTIONED").await.is_empty()
    })
    .await;
    let mut ada_heard = notified(&app, &ada.token, "THREAD_REPLY").await;
    ada_heard.sort();
    let mut expected = vec![id(&r1), id(&r2)];
    expected.sort();
    // r3 mentions ada: MENTIONED only.
    assert_eq!(ada_heard, expected);
    assert_eq!(notified(&app, &ada.token, "MENTIONED").await, vec![id(&r3)]);
    // cat follows from before r2, but was at MENTIONS for it.
    assert_eq!(
        notified(&app, &cat.token, "THREAD_REPLY").await,
        vec![id(&r3)]
    );
    // The sender, and a member who does not follow, hear nothing.
    assert!(notified(&app, &bob.token, "THREAD_REPLY").await.is_empty());
    assert!(notified(&app, &dan.token, "THREAD_REPLY").await.is_empty());
}
