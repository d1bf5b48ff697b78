//! Mentions: who may be mentioned, the MENTIONED notifications, exact
//! unread mention counts (the same on every device, live on `chatEvents`),
//! edits that add mentions.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestRedis, TestUser, WsClient, error_code, eventually};

const SEND: &str = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id cursor mentionsAll mentions { handle } } }";
const EDIT: &str = "mutation($input: EditMessageInput!) { editMessage(input: $input) { id mentionsAll mentions { handle } } }";
const COUNTS: &str = "query($id: ID!) { chat(id: $id) { unreadCount unreadMentionCount } }";
const NOTIFICATIONS: &str =
    "{ notifications(first: 50) { edges { node { kind chatId messageId actor { handle } } } } }";
const CHAT_EVENTS: &str =
    "subscription { chatEvents { kind chatId unreadCount unreadMentionCount } }";

async fn send(app: &TestApp, user: &TestUser, input: Value) -> Value {
    app.gql(Some(&user.token), SEND, json!({ "input": input }))
        .await
}

/// `(unreadCount, unreadMentionCount)` of `chat` for the holder of `token`.
async fn counts(app: &TestApp, token: &str, chat: &str) -> (u64, u64) {
    let data = app.gql_ok(Some(token), COUNTS, json!({ "id": chat })).await;
    let chat = &data["chat"];
    (
        chat["unreadCount"].as_u64().unwrap(),
        chat["unreadMentionCount"].as_u64().unwrap(),
    )
}

/// `user`'s MENTIONED notifications as (chatId, messageId, actor handle).
async fn mentioned(app: &TestApp, user: &TestUser) -> Vec<(String, String, String)> {
    let data = app
        .gql_ok(Some(&user.token), NOTIFICATIONS, json!({}))
        .await;
    data["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .filter(|n| n["kind"] == "MENTIONED")
        .map(|n| {
            (
                n["chatId"].as_str().unwrap().to_owned(),
                n["messageId"].as_str().unwrap().to_owned(),
                n["actor"]["handle"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Waits until `user` has `count` MENTIONED notifications.
async fn await_mentions(app: &TestApp, user: &TestUser, count: usize) {
    eventually(&format!("{} has {count} mentions", user.handle), || async {
        mentioned(app, user).await.len() >= count
    })
    .await;
    assert_eq!(mentioned(app, user).await.len(), count);
}

async fn second_device(app: &TestApp, user: &TestUser) -> String {
    let data = app
        .gql_ok(
            None,
            "mutation($input: SignInInput!) { signIn(input: $input) { token } }",
            json!({ "input": { "login": user.handle, "password": user.password } }),
        )
        .await;
    data["signIn"]["token"].as_str().unwrap().to_owned()
}

async fn chat_events(app: &TestApp, token: &str) -> WsClient {
    let mut socket = app.ws(token).await;
    socket.subscribe("c", CHAT_EVENTS, json!({})).await;
    socket.expect_quiet().await;
    socket
}

async fn next_kind(socket: &mut WsClient, kind: &str) -> Value {
    loop {
        let event = socket.next_data("c").await;
        if event["data"]["chatEvents"]["kind"] == kind {
            return event["data"]["chatEvents"].clone();
        }
    }
}

#[tokio::test]
async fn send_message__with_mentions__notifies_them_and_counts_exactly_on_every_device() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    let chat = app.group(&ada, &[&bob, &cat], "team").await;
    let bob_phone = second_device(&app, &bob).await;
    let mut bob_feed = chat_events(&app, &bob.token).await;

    let sent = send(
        &app,
        &ada,
        json!({ "chatId": chat, "text": "hi @bob", "mentions": [bob.id, bob.id] }),
    )
    .await;
    let message = &sent["data"]["sendMessage"];
    assert_eq!(message["mentions"], json!([{ "handle": "bob" }]));
    assert_eq!(message["mentionsAll"], false);
    let live = next_kind(&mut bob_feed, "NEW_MESSAGE").await;
    assert_eq!(
        (
            live["unreadCount"].as_u64(),
            live["unreadMentionCount"].as_u64()
        ),
        (Some(1), Some(1))
    );
    app.say(&ada, &chat, "no mention").await;
    let live = next_kind(&mut bob_feed, "NEW_MESSAGE").await;
    assert_eq!(
        (
            live["unreadCount"].as_u64(),
            live["unreadMentionCount"].as_u64()
        ),
        (Some(2), Some(1))
    );

    await_mentions(&app, &bob, 1).await;
    let id = message["id"].as_str().unwrap();
    assert_eq!(
        mentioned(&app, &bob).await[0],
        (chat.clone(), id.to_owned(), "ada".to_owned())
    );
    assert_eq!(counts(&app, &bob.token, &chat).await, (2, 1));
    assert_eq!(counts(&app, &bob_phone, &chat).await, (2, 1));
    assert_eq!(counts(&app, &cat.token, &chat).await, (2, 0));
    assert!(mentioned(&app, &cat).await.is_empty());
    let synced = app
        .gql_ok(
            Some(&bob.token),
            "{ sync { chats { id unreadMentionCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        synced["sync"]["chats"],
        json!([{ "id": chat, "unreadMentionCount": 1 }])
    );

    // Reading on the phone clears the count everywhere, live too.
    app.gql_ok(
        Some(&bob_phone),
        "mutation($input: MarkMessagesInput!) { markMessagesRead(input: $input) { upTo } }",
        json!({ "input": { "chatId": chat } }),
    )
    .await;
    let live = next_kind(&mut bob_feed, "UNREAD_CHANGED").await;
    assert_eq!(
        (
            live["unreadCount"].as_u64(),
            live["unreadMentionCount"].as_u64()
        ),
        (Some(0), Some(0))
    );
    assert_eq!(counts(&app, &bob.token, &chat).await, (0, 0));
}

#[tokio::test]
async fn send_message__mentioning_a_stranger_or_more_than_fifty__is_refused_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let (ada, bob, eve) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("eve").await,
    );
    let chat = app.group(&ada, &[&bob], "team").await;
    let stranger = send(
        &app,
        &ada,
        json!({ "chatId": chat, "text": "x", "mentions": [eve.id] }),
    )
    .await;
    assert_eq!(error_code(&stranger), "BAD_USER_INPUT");
    let bad_id = send(
        &app,
        &ada,
        json!({ "chatId": chat, "text": "x", "mentions": ["nope"] }),
    )
    .await;
    assert_eq!(error_code(&bad_id), "BAD_USER_INPUT");
    let many: Vec<String> = (0..51)
        .map(|_| bson::oid::ObjectId::new().to_hex())
        .collect();
    let too_many = send(
        &app,
        &ada,
        json!({ "chatId": chat, "text": "x", "mentions": many }),
    )
    .await;
    assert_eq!(error_code(&too_many), "BAD_USER_INPUT");
    assert_eq!(counts(&app, &bob.token, &chat).await, (0, 0));
}

#[tokio::test]
async fn mentions_all__is_for_admins_unless_the_group_opens_it_to_members() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    let chat = app.group(&ada, &[&bob, &cat], "team").await;
    let refused = send(
        &app,
        &bob,
        json!({ "chatId": chat, "text": "@all", "mentionsAll": true }),
    )
    .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    assert_eq!(refused["errors"][0]["extensions"]["reason"], "ADMINS_ONLY");
    assert_eq!(counts(&app, &cat.token, &chat).await, (0, 0));

    let by_admin = send(
        &app,
        &ada,
        json!({ "chatId": chat, "text": "@all", "mentionsAll": true }),
    )
    .await;
    assert_eq!(by_admin["data"]["sendMessage"]["mentionsAll"], true);
    await_mentions(&app, &bob, 1).await;
    await_mentions(&app, &cat, 1).await;
    assert!(mentioned(&app, &ada).await.is_empty());
    assert_eq!(counts(&app, &cat.token, &chat).await, (1, 1));

    app.gql_ok(
        Some(&ada.token),
        "mutation($input: UpdateChatInput!) { updateChat(input: $input) { permissions { mentionAll } } }",
        json!({ "input": { "chatId": chat, "permissions": { "send": "MEMBERS", "editInfo": "ADMINS", "addMembers": "ADMINS", "mentionAll": "MEMBERS" } } }),
    )
    .await;
    let by_member = send(
        &app,
        &bob,
        json!({ "chatId": chat, "text": "@all", "mentionsAll": true }),
    )
    .await;
    assert_eq!(
        by_member["data"]["sendMessage"]["mentionsAll"], true,
        "{by_member}"
    );
    await_mentions(&app, &cat, 2).await;
}

#[tokio::test]
async fn edit_message__adding_a_mention__notifies_only_the_user_it_adds() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    let chat = app.group(&ada, &[&bob, &cat], "team").await;
    let sent = send(
        &app,
        &ada,
        json!({ "chatId": chat, "text": "hi", "mentions": [bob.id] }),
    )
    .await;
    let id = sent["data"]["sendMessage"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    await_mentions(&app, &bob, 1).await;
    let mut cat_feed = chat_events(&app, &cat.token).await;
    // The count is known to the feed before the edit moves it.
    assert_eq!(counts(&app, &cat.token, &chat).await, (1, 0));

    let edited = app
        .gql_ok(
            Some(&ada.token),
            EDIT,
            json!({ "input": { "messageId": id, "text": "hi both", "mentions": [bob.id, cat.id] } }),
        )
        .await;
    assert_eq!(
        edited["editMessage"]["mentions"],
        json!([{ "handle": "bob" }, { "handle": "cat" }])
    );
    let live = next_kind(&mut cat_feed, "UNREAD_CHANGED").await;
    assert_eq!(live["unreadMentionCount"], 1);
    await_mentions(&app, &cat, 1).await;
    // Notified in the same write as cat, so a second one would be here now.
    assert_eq!(mentioned(&app, &bob).await.len(), 1);
    assert_eq!(counts(&app, &cat.token, &chat).await, (1, 1));

    // Text alone keeps the mentions.
    let kept = app
        .gql_ok(
            Some(&ada.token),
            EDIT,
            json!({ "input": { "messageId": id, "text": "hi again" } }),
        )
        .await;
    assert_eq!(kept["editMessage"]["mentions"].as_array().unwrap().len(), 2);
    let live = next_kind(&mut cat_feed, "UNREAD_CHANGED").await;
    assert_eq!(live["unreadMentionCount"], 1);
    // Removing a mention moves the count back.
    app.gql_ok(
        Some(&ada.token),
        EDIT,
        json!({ "input": { "messageId": id, "text": "hi bob", "mentions": [bob.id] } }),
    )
    .await;
    let live = next_kind(&mut cat_feed, "UNREAD_CHANGED").await;
    assert_eq!(live["unreadMentionCount"], 0);
}

#[tokio::test]
async fn mentions__sent_on_one_instance__count_and_notify_on_the_other() {
    let redis = TestRedis::shared().await;
    let url = redis.url.clone();
    let app = TestApp::spawn_with(|s| s.cluster.redis_url = Some(url.into())).await;
    let peer = app.spawn_peer(|_| {}).await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.group(&ada, &[&bob], "team").await;
    let mut bob_feed = chat_events(&peer, &bob.token).await;
    let mut notes = peer.ws(&bob.token).await;
    notes
        .subscribe(
            "n",
            "subscription { notificationEvents { notification { kind messageId } } }",
            json!({}),
        )
        .await;
    notes.expect_quiet().await;

    let sent = send(
        &app,
        &ada,
        json!({ "chatId": chat, "text": "@bob", "mentions": [bob.id] }),
    )
    .await;
    let id = sent["data"]["sendMessage"]["id"].clone();
    let live = next_kind(&mut bob_feed, "NEW_MESSAGE").await;
    assert_eq!(live["unreadMentionCount"], 1);
    let note = notes.next_data("n").await;
    assert_eq!(
        note["data"]["notificationEvents"]["notification"],
        json!({ "kind": "MENTIONED", "messageId": id })
    );
    assert_eq!(counts(&peer, &bob.token, &chat).await, (1, 1));
}
