//! Pinned messages: who may pin, `Chat.pinnedMessages`, the system messages
//! and `PINNED`/`UNPINNED` events, and their replay.

use serde_json::{Value, json};

use crate::helpers::{RedisServer, TestApp, TestUser, WsClient, await_numsub};

const PIN: &str = "mutation($input: PinMessageInput!) { pinMessage(input: $input) { id } }";
const UNPIN: &str = "mutation($input: PinMessageInput!) { unpinMessage(input: $input) { id } }";
const PINNED: &str = "query($id: ID!) { chat(id: $id) { myPermissions { canPin } pinnedMessages { pinnedAt pinnedBy { handle } message { id text cursor } } } }";
const UPDATE: &str =
    "mutation($input: UpdateChatInput!) { updateChat(input: $input) { permissions { pin } } }";
const DELETE: &str =
    "mutation($input: DeleteMessageInput!) { deleteMessage(input: $input) { id } }";
const EVENTS: &str = "subscription($chat: ID!, $after: String) { messageEvents(chatId: $chat, after: $after) { kind cursor user { handle } message { id text type system { action value } } } }";
const CHAT_CURSOR: &str = "query($id: ID!) { chat(id: $id) { cursor } }";

fn input(message: &Value) -> Value {
    json!({ "input": { "messageId": message["id"] } })
}

/// The texts of `chat`'s pinned messages as `user` sees them.
async fn pinned(app: &TestApp, user: &TestUser, chat: &str) -> Vec<String> {
    let data = app
        .gql_ok(Some(&user.token), PINNED, json!({ "id": chat }))
        .await;
    data["chat"]["pinnedMessages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["message"]["text"].as_str().unwrap().to_owned())
        .collect()
}

async fn can_pin(app: &TestApp, user: &TestUser, chat: &str) -> bool {
    let data = app
        .gql_ok(Some(&user.token), PINNED, json!({ "id": chat }))
        .await;
    data["chat"]["myPermissions"]["canPin"].as_bool().unwrap()
}

async fn next_event(socket: &mut WsClient) -> Value {
    socket.next_data("m").await["data"]["messageEvents"].clone()
}

#[tokio::test]
async fn pin__in_a_group_is_for_admins_unless_the_group_lets_members() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.group(&ada, &[&bob], "Club").await;
    let first = app.say(&bob, &chat, "first").await;
    let second = app.say(&bob, &chat, "second").await;
    assert!(!can_pin(&app, &bob, &chat).await);
    let body = app.gql(Some(&bob.token), PIN, input(&first)).await;
    assert_eq!(crate::helpers::error_code(&body), "FORBIDDEN");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "ADMINS_ONLY");
    assert!(
        pinned(&app, &ada, &chat).await.is_empty(),
        "nothing changed"
    );

    assert!(can_pin(&app, &ada, &chat).await);
    app.gql_ok(Some(&ada.token), PIN, input(&first)).await;
    // The owner lets every member pin.
    let open = json!({ "input": { "chatId": chat, "permissions": { "send": "MEMBERS", "editInfo": "ADMINS", "addMembers": "ADMINS", "pin": "MEMBERS" } } });
    let data = app.gql_ok(Some(&ada.token), UPDATE, open).await;
    assert_eq!(data["updateChat"]["permissions"]["pin"], "MEMBERS");
    assert!(can_pin(&app, &bob, &chat).await);
    app.gql_ok(Some(&bob.token), PIN, input(&second)).await;
    // Newest pin first, for every member alike.
    assert_eq!(pinned(&app, &bob, &chat).await, ["second", "first"]);
    assert_eq!(pinned(&app, &ada, &chat).await, ["second", "first"]);
    app.gql_ok(Some(&bob.token), UNPIN, input(&first)).await;
    assert_eq!(pinned(&app, &ada, &chat).await, ["second"]);
    // Permissions sent without `pin` put it back to ADMINS.
    let closed = json!({ "input": { "chatId": chat, "permissions": { "send": "MEMBERS", "editInfo": "ADMINS", "addMembers": "ADMINS" } } });
    let data = app.gql_ok(Some(&ada.token), UPDATE, closed).await;
    assert_eq!(data["updateChat"]["permissions"]["pin"], "ADMINS");
    assert_eq!(
        app.gql_err(Some(&bob.token), UNPIN, input(&second)).await,
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn pin__in_a_direct_chat_is_either_persons_and_nobody_elses() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    let chat = app.direct(&ada, &bob).await;
    let hello = app.say(&ada, &chat, "hello").await;
    assert!(can_pin(&app, &bob, &chat).await);
    app.gql_ok(Some(&bob.token), PIN, input(&hello)).await;
    assert_eq!(pinned(&app, &ada, &chat).await, ["hello"]);
    // A stranger cannot even tell the message exists.
    assert_eq!(
        app.gql_err(Some(&cat.token), PIN, input(&hello)).await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.gql_err(Some(&cat.token), UNPIN, input(&hello)).await,
        "NOT_FOUND"
    );
    let bad = json!({ "input": { "messageId": "nope" } });
    assert_eq!(
        app.gql_err(Some(&ada.token), PIN, bad).await,
        "BAD_USER_INPUT"
    );
    app.gql_ok(Some(&ada.token), UNPIN, input(&hello)).await;
    assert!(pinned(&app, &bob, &chat).await.is_empty());
}

#[tokio::test]
async fn pinned_messages__leave_out_deleted_messages_and_refuse_to_pin_them() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.direct(&ada, &bob).await;
    let mine = app.say(&ada, &chat, "mine").await;
    let gone = app.say(&ada, &chat, "gone").await;
    app.gql_ok(Some(&ada.token), PIN, input(&mine)).await;
    app.gql_ok(Some(&ada.token), PIN, input(&gone)).await;
    // Bob deletes one for himself: only his list loses it.
    let hide = json!({ "input": { "messageId": mine["id"], "forEveryone": false } });
    app.gql_ok(Some(&bob.token), DELETE, hide).await;
    assert_eq!(pinned(&app, &bob, &chat).await, ["gone"]);
    assert_eq!(pinned(&app, &ada, &chat).await, ["gone", "mine"]);
    assert_eq!(
        app.gql_err(Some(&bob.token), PIN, input(&mine)).await,
        "NOT_FOUND"
    );
    // Ada deletes one for everyone: nobody's list has it, nor can it be pinned.
    let wipe = json!({ "input": { "messageId": gone["id"], "forEveryone": true } });
    app.gql_ok(Some(&ada.token), DELETE, wipe).await;
    assert_eq!(pinned(&app, &ada, &chat).await, ["mine"]);
    // Its pin is gone with it, so it no longer counts towards the 50.
    let chat_id = chat_server::domain::ChatId::parse("chatId", &chat).unwrap();
    assert_eq!(app.db.pins().count(chat_id).await.unwrap(), 1);
    app.gql_ok(Some(&ada.token), UNPIN, input(&gone)).await;
    assert_eq!(
        app.gql_err(Some(&ada.token), PIN, input(&gone)).await,
        "CONFLICT"
    );
}

#[tokio::test]
async fn pin__a_chat_holds_at_most_50_pins() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.direct(&ada, &bob).await;
    let mut sent = Vec::new();
    for i in 0..51 {
        sent.push(app.say(&ada, &chat, &format!("m{i}")).await);
    }
    for message in &sent[..50] {
        app.gql_ok(Some(&ada.token), PIN, input(message)).await;
    }
    assert_eq!(
        app.gql_err(Some(&ada.token), PIN, input(&sent[50])).await,
        "CONFLICT"
    );
    // Pinning a pinned one again is still fine.
    app.gql_ok(Some(&ada.token), PIN, input(&sent[3])).await;
    let list = pinned(&app, &bob, &chat).await;
    assert_eq!(list.len(), 50);
    assert_eq!(list[0], "m49");
}

#[tokio::test]
async fn pin__is_announced_live_once_and_replayed_after_a_reconnect() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.group(&ada, &[&bob], "Club").await;
    let note = app.say(&bob, &chat, "note").await;
    let mut socket = app.ws(&bob.token).await;
    socket
        .subscribe(
            "m",
            EVENTS,
            json!({ "chat": chat, "after": note["cursor"] }),
        )
        .await;
    socket.expect_quiet().await;

    app.gql_ok(Some(&ada.token), PIN, input(&note)).await;
    // Again: already pinned, so nothing new is announced.
    app.gql_ok(Some(&ada.token), PIN, input(&note)).await;
    app.gql_ok(Some(&ada.token), UNPIN, input(&note)).await;
    let mut live = Vec::new();
    for _ in 0..4 {
        live.push(next_event(&mut socket).await);
    }
    socket.expect_quiet().await;
    let summary = |events: &[Value]| -> Vec<(String, String)> {
        events
            .iter()
            .map(|e| {
                let detail = match e["kind"].as_str().unwrap() {
                    "CREATED" => e["message"]["system"]["action"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                    _ => e["message"]["id"].as_str().unwrap().to_owned(),
                };
                (e["kind"].as_str().unwrap().to_owned(), detail)
            })
            .collect()
    };
    let note_id = note["id"].as_str().unwrap().to_owned();
    assert_eq!(
        summary(&live),
        [
            ("CREATED".to_owned(), "MESSAGE_PINNED".to_owned()),
            ("PINNED".to_owned(), note_id.clone()),
            ("CREATED".to_owned(), "MESSAGE_UNPINNED".to_owned()),
            ("UNPINNED".to_owned(), note_id.clone()),
        ]
    );
    assert_eq!(live[0]["message"]["system"]["value"], note_id.as_str());
    assert_eq!(live[1]["user"]["handle"], "ada");
    socket.close().await;

    // A client back from being away resumes from the note's cursor and
    // gets the same events, in the same order, with the same cursors.
    let mut resumed = app.ws(&bob.token).await;
    resumed
        .subscribe(
            "m",
            EVENTS,
            json!({ "chat": chat, "after": note["cursor"] }),
        )
        .await;
    let mut replayed = Vec::new();
    for _ in 0..4 {
        replayed.push(next_event(&mut resumed).await);
    }
    assert_eq!(summary(&replayed), summary(&live));
    let cursors =
        |events: &[Value]| -> Vec<Value> { events.iter().map(|e| e["cursor"].clone()).collect() };
    assert_eq!(cursors(&replayed), cursors(&live));
    let head = app
        .gql_ok(Some(&bob.token), CHAT_CURSOR, json!({ "id": chat }))
        .await;
    assert_eq!(head["chat"]["cursor"], live[3]["cursor"]);
}

#[tokio::test]
async fn pin__on_one_instance_reaches_a_follower_on_another() {
    let redis = RedisServer::start().await;
    let url = redis.url();
    let a = TestApp::spawn_with(|s| s.cluster.redis_url = Some(url.clone().into())).await;
    let b = a.spawn_peer(|_| {}).await;
    let (ada, bob) = (a.sign_up("ada").await, a.sign_up("bob").await);
    let chat = a.direct(&ada, &bob).await;
    let hello = a.say(&ada, &chat, "hello").await;
    let mut on_b = b.ws(&bob.token).await;
    on_b.subscribe("m", EVENTS, json!({ "chat": chat })).await;
    await_numsub(&url, &format!("chat:ev:chat:{chat}"), 1).await;
    a.gql_ok(Some(&ada.token), PIN, input(&hello)).await;
    let system = next_event(&mut on_b).await;
    assert_eq!(system["message"]["system"]["action"], "MESSAGE_PINNED");
    let event = next_event(&mut on_b).await;
    assert_eq!(event["kind"], "PINNED");
    assert_eq!(event["message"]["text"], "hello");
    assert_eq!(pinned(&b, &bob, &chat).await, ["hello"]);
}

#[tokio::test]
async fn pinned_messages__count_at_50_in_the_query_cost() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    // 100 chats x 50 pins x a message with 100 readers: far over the
    // default limit, though ada has no chat at all.
    let query = "{ chats(first: 100) { nodes { pinnedMessages { message { readBy(first: 100) { id handle } } } } } }";
    let body = app.gql(Some(&ada.token), query, json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["limit"], "complexity",
        "{body}"
    );
    let small =
        "{ chats(first: 10) { nodes { pinnedMessages { pinnedAt message { id text } } } } }";
    app.gql_ok(Some(&ada.token), small, json!({})).await;
}
