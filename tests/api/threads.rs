//! Threads: `sendMessage(threadRootId)` rules, the root's summary
//! (`replyCount`, `lastReplyAt`, `threadParticipants`), thread paging, the
//! main list without replies, and replay of thread replies.

use serde_json::{Value, json};

use crate::helpers::{RedisServer, TestApp, TestUser, WsClient, await_numsub};

const SEND: &str = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id cursor text threadRootId createdAt } }";
const DELETE: &str =
    "mutation($input: DeleteMessageInput!) { deleteMessage(input: $input) { id } }";
const ROOT: &str = "query($chat: ID!) { messages(chatId: $chat, first: 100) { edges { node { id text threadRootId createdAt replyCount lastReplyAt threadParticipants { handle } } } } }";
const PAGE: &str = "query($chat: ID!, $root: ID, $all: Boolean, $first: Int, $after: String, $last: Int, $before: String) { messages(chatId: $chat, threadRootId: $root, includeThreadReplies: $all, first: $first, after: $after, last: $last, before: $before) { edges { cursor node { text threadRootId } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
const EVENTS: &str = "subscription($chat: ID!, $after: String) { messageEvents(chatId: $chat, after: $after) { kind cursor message { id text threadRootId } } }";

async fn reply(app: &TestApp, user: &TestUser, chat: &str, root: &Value, text: &str) -> Value {
    app.gql_ok(
        Some(&user.token),
        SEND,
        json!({ "input": { "chatId": chat, "text": text, "threadRootId": root["id"] } }),
    )
    .await["sendMessage"]
        .clone()
}

async fn reply_err(app: &TestApp, user: &TestUser, chat: &str, root: &Value) -> String {
    app.gql_err(
        Some(&user.token),
        SEND,
        json!({ "input": { "chatId": chat, "text": "no", "threadRootId": root["id"] } }),
    )
    .await
}

/// The message `id` of `chat` as `user` sees it in the full list.
async fn node(app: &TestApp, user: &TestUser, chat: &str, id: &Value) -> Value {
    let data = app
        .gql_ok(Some(&user.token), ROOT, json!({ "chat": chat }))
        .await;
    data["messages"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .find(|n| n["id"] == *id)
        .expect("the message is listed")
}

async fn page(app: &TestApp, user: &TestUser, variables: Value) -> (Vec<String>, Value) {
    let data = app.gql_ok(Some(&user.token), PAGE, variables).await;
    let texts = data["messages"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["text"].as_str().unwrap().to_owned())
        .collect();
    (texts, data["messages"]["pageInfo"].clone())
}

async fn next_event(socket: &mut WsClient) -> Value {
    socket.next_data("m").await["data"]["messageEvents"].clone()
}

#[tokio::test]
async fn thread_reply__needs_a_root_of_the_same_chat_and_maps_a_reply_to_its_root() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    let chat = app.group(&ada, &[&bob], "Club").await;
    let other = app.direct(&ada, &cat).await;
    let root = app.say(&ada, &chat, "root").await;
    let elsewhere = app.say(&ada, &other, "elsewhere").await;

    // A root of another chat, a system message, a deleted message, no id.
    assert_eq!(
        reply_err(&app, &bob, &chat, &elsewhere).await,
        "BAD_USER_INPUT"
    );
    let listed = app
        .gql_ok(Some(&ada.token), ROOT, json!({ "chat": chat }))
        .await;
    let system = listed["messages"]["edges"][0]["node"].clone();
    assert_eq!(system["text"], "@ada created the group “Club”");
    assert_eq!(
        reply_err(&app, &bob, &chat, &system).await,
        "BAD_USER_INPUT"
    );
    let gone = app.say(&ada, &chat, "gone").await;
    app.gql_ok(
        Some(&ada.token),
        DELETE,
        json!({ "input": { "messageId": gone["id"], "forEveryone": true } }),
    )
    .await;
    assert_eq!(reply_err(&app, &bob, &chat, &gone).await, "BAD_USER_INPUT");
    let nothing = json!({ "id": "000000000000000000000000" });
    assert_eq!(
        reply_err(&app, &bob, &chat, &nothing).await,
        "BAD_USER_INPUT"
    );
    let malformed = json!({ "id": "nope" });
    assert_eq!(
        reply_err(&app, &bob, &chat, &malformed).await,
        "BAD_USER_INPUT"
    );
    // A stranger cannot post in the chat at all.
    assert_eq!(reply_err(&app, &cat, &chat, &root).await, "NOT_FOUND");
    assert_eq!(node(&app, &ada, &chat, &root["id"]).await["replyCount"], 0);

    // A reply to a thread reply lands in the root's thread.
    let first = reply(&app, &bob, &chat, &root, "first").await;
    assert_eq!(first["threadRootId"], root["id"]);
    let nested = reply(&app, &ada, &chat, &first, "nested").await;
    assert_eq!(nested["threadRootId"], root["id"]);
    let shown = node(&app, &ada, &chat, &root["id"]).await;
    assert_eq!(shown["replyCount"], 2);
    // A thread reply has no thread of its own.
    let shown = node(&app, &ada, &chat, &first["id"]).await;
    assert_eq!(shown["replyCount"], 0);
    assert_eq!(shown["threadParticipants"], json!([]));
}

#[tokio::test]
async fn thread_summary__counts_replies_from_two_users_with_the_first_participants() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.group(&ada, &[&bob], "Club").await;
    let root = app.say(&ada, &chat, "root").await;
    let shown = node(&app, &bob, &chat, &root["id"]).await;
    assert_eq!(shown["replyCount"], 0);
    assert_eq!(shown["lastReplyAt"], Value::Null);
    reply(&app, &bob, &chat, &root, "one").await;
    reply(&app, &ada, &chat, &root, "two").await;
    reply(&app, &bob, &chat, &root, "three").await;
    let last = reply(&app, &ada, &chat, &root, "four").await;
    let shown = node(&app, &bob, &chat, &root["id"]).await;
    assert_eq!(shown["replyCount"], 4);
    let last = node(&app, &bob, &chat, &last["id"]).await;
    assert_eq!(shown["lastReplyAt"], last["createdAt"]);
    assert_eq!(
        shown["threadParticipants"],
        json!([{ "handle": "bob" }, { "handle": "ada" }])
    );
    // An idempotent retry is not counted twice.
    let again = json!({ "input": { "chatId": chat, "text": "five", "threadRootId": root["id"], "clientMessageId": "c-5" } });
    app.gql_ok(Some(&bob.token), SEND, again.clone()).await;
    app.gql_ok(Some(&bob.token), SEND, again).await;
    assert_eq!(node(&app, &ada, &chat, &root["id"]).await["replyCount"], 5);
}

#[tokio::test]
async fn thread_participants__keep_the_first_five() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner").await;
    let mut members = Vec::new();
    for n in 0..6 {
        members.push(app.sign_up(&format!("mem{n}")).await);
    }
    let refs: Vec<&TestUser> = members.iter().collect();
    let chat = app.group(&owner, &refs, "Many").await;
    let root = app.say(&owner, &chat, "root").await;
    for member in &members {
        reply(&app, member, &chat, &root, "hi").await;
    }
    let shown = node(&app, &owner, &chat, &root["id"]).await;
    assert_eq!(shown["replyCount"], 6);
    let handles: Vec<&str> = shown["threadParticipants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["handle"].as_str().unwrap())
        .collect();
    assert_eq!(handles, ["mem0", "mem1", "mem2", "mem3", "mem4"]);
}

#[tokio::test]
async fn messages__page_a_thread_and_hide_replies_from_the_main_list_on_request() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    let chat = app.direct(&ada, &bob).await;
    let root = app.say(&ada, &chat, "root").await;
    let other = app.say(&ada, &chat, "other").await;
    for n in 1..=5 {
        let replier = if n % 2 == 0 { &ada } else { &bob };
        reply(&app, replier, &chat, &root, &format!("r{n}")).await;
        if n == 3 {
            app.say(&bob, &chat, "between").await;
            reply(&app, &ada, &chat, &other, "elsewhere").await;
        }
    }
    let vars = |extra: Value| {
        let mut v = json!({ "chat": chat, "root": root["id"] });
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        v
    };
    // Forward, two at a time, with the chat's own cursors.
    let (texts, info) = page(&app, &bob, vars(json!({ "first": 2 }))).await;
    assert_eq!(texts, ["r1", "r2"]);
    assert_eq!(info["hasNextPage"], true);
    let (texts, info) = page(
        &app,
        &bob,
        vars(json!({ "first": 2, "after": info["endCursor"] })),
    )
    .await;
    assert_eq!(texts, ["r3", "r4"]);
    assert_eq!(info["hasPreviousPage"], true);
    let (texts, info) = page(
        &app,
        &bob,
        vars(json!({ "first": 2, "after": info["endCursor"] })),
    )
    .await;
    assert_eq!(texts, ["r5"]);
    assert_eq!(info["hasNextPage"], false);
    // Backward from the end.
    let (texts, info) = page(&app, &bob, vars(json!({ "last": 3 }))).await;
    assert_eq!(texts, ["r3", "r4", "r5"]);
    assert_eq!(info["hasPreviousPage"], true);
    let (texts, _) = page(
        &app,
        &bob,
        vars(json!({ "last": 3, "before": info["startCursor"] })),
    )
    .await;
    assert_eq!(texts, ["r1", "r2"]);

    // The main list: everything by default, no thread replies on request.
    let all = json!({ "chat": chat, "first": 100 });
    let (texts, _) = page(&app, &ada, all).await;
    assert_eq!(
        texts,
        [
            "root",
            "other",
            "r1",
            "r2",
            "r3",
            "between",
            "elsewhere",
            "r4",
            "r5"
        ]
    );
    let main = json!({ "chat": chat, "first": 100, "all": false });
    let (texts, _) = page(&app, &ada, main).await;
    assert_eq!(texts, ["root", "other", "between"]);
    let main_back = json!({ "chat": chat, "last": 2, "all": false });
    let (texts, info) = page(&app, &ada, main_back).await;
    assert_eq!(texts, ["other", "between"]);
    assert_eq!(info["hasPreviousPage"], true);

    // A root of another chat, and a stranger.
    let elsewhere = app.direct(&ada, &cat).await;
    let foreign = app.say(&ada, &elsewhere, "foreign").await;
    let body = app
        .gql(
            Some(&ada.token),
            PAGE,
            json!({ "chat": chat, "root": foreign["id"], "first": 5 }),
        )
        .await;
    assert_eq!(crate::helpers::error_code(&body), "BAD_USER_INPUT");
    let body = app
        .gql(Some(&cat.token), PAGE, vars(json!({ "first": 5 })))
        .await;
    assert_eq!(crate::helpers::error_code(&body), "NOT_FOUND");
    // `around` jumps in the whole list only.
    let around = "query($chat: ID!, $root: ID, $at: String) { messages(chatId: $chat, threadRootId: $root, around: $at, first: 3) { edges { cursor } } }";
    let body = app
        .gql(
            Some(&ada.token),
            around,
            json!({ "chat": chat, "root": root["id"], "at": root["cursor"] }),
        )
        .await;
    assert_eq!(crate::helpers::error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn thread_replies__replay_after_a_reconnect_with_the_same_cursors() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.group(&ada, &[&bob], "Club").await;
    let root = app.say(&ada, &chat, "root").await;
    let mut socket = app.ws(&bob.token).await;
    socket
        .subscribe(
            "m",
            EVENTS,
            json!({ "chat": chat, "after": root["cursor"] }),
        )
        .await;
    socket.expect_quiet().await;
    reply(&app, &bob, &chat, &root, "one").await;
    app.say(&ada, &chat, "main").await;
    reply(&app, &ada, &chat, &root, "two").await;
    let mut live = Vec::new();
    for _ in 0..3 {
        live.push(next_event(&mut socket).await);
    }
    socket.close().await;
    let summary = |events: &[Value]| -> Vec<(Value, Value, Value)> {
        events
            .iter()
            .map(|e| {
                (
                    e["cursor"].clone(),
                    e["message"]["text"].clone(),
                    e["message"]["threadRootId"].clone(),
                )
            })
            .collect()
    };
    let root_id = root["id"].clone();
    let texts: Vec<_> = summary(&live).into_iter().map(|(_, t, r)| (t, r)).collect();
    assert_eq!(
        texts,
        [
            (json!("one"), root_id.clone()),
            (json!("main"), Value::Null),
            (json!("two"), root_id.clone()),
        ]
    );
    let mut resumed = app.ws(&bob.token).await;
    resumed
        .subscribe(
            "m",
            EVENTS,
            json!({ "chat": chat, "after": root["cursor"] }),
        )
        .await;
    let mut replayed = Vec::new();
    for _ in 0..3 {
        replayed.push(next_event(&mut resumed).await);
    }
    assert_eq!(summary(&replayed), summary(&live));
    // And from the middle: only what came after that cursor.
    let mut later = app.ws(&bob.token).await;
    later
        .subscribe(
            "m",
            EVENTS,
            json!({ "chat": chat, "after": live[1]["cursor"] }),
        )
        .await;
    assert_eq!(
        summary(&[next_event(&mut later).await]),
        summary(&live[2..])
    );
}

#[tokio::test]
async fn thread_reply__on_one_instance_reaches_a_follower_on_another() {
    let redis = RedisServer::start().await;
    let url = redis.url();
    let a = TestApp::spawn_with(|s| s.cluster.redis_url = Some(url.clone().into())).await;
    let b = a.spawn_peer(|_| {}).await;
    let (ada, bob) = (a.sign_up("ada").await, a.sign_up("bob").await);
    let chat = a.direct(&ada, &bob).await;
    let root = a.say(&ada, &chat, "root").await;
    let mut on_b = b.ws(&bob.token).await;
    on_b.subscribe("m", EVENTS, json!({ "chat": chat })).await;
    await_numsub(&url, &format!("chat:ev:chat:{chat}"), 1).await;
    reply(&a, &ada, &chat, &root, "in thread").await;
    let event = next_event(&mut on_b).await;
    assert_eq!(event["message"]["text"], "in thread");
    assert_eq!(event["message"]["threadRootId"], root["id"]);
    assert_eq!(node(&b, &bob, &chat, &root["id"]).await["replyCount"], 1);
}

#[tokio::test]
async fn thread_participants__count_at_5_in_the_query_cost() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    // 100 chats x 50 pins x 5 participants x 5 fields: over the limit of
    // 50,000, which it would not be if the participants counted as one.
    let query = "{ chats(first: 100) { nodes { pinnedMessages { message { threadParticipants { id handle name image bio } } } } } }";
    let body = app.gql(Some(&ada.token), query, json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["limit"], "complexity",
        "{body}"
    );
    let small = "{ chats(first: 10) { nodes { pinnedMessages { message { threadParticipants { id handle name image bio } } } } } }";
    app.gql_ok(Some(&ada.token), small, json!({})).await;
}
