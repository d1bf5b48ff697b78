//! Typing indicators across instances: two instances behind one Redis and
//! one database decide typing together.
//!
//! "Nothing else was announced" is checked with a marker: another user's
//! `startTyping` after the step under test must be the watcher's next event.

use serde_json::{Value, json};

use chat_server::config::Settings;

use crate::helpers::{TestApp, TestRedis, TestUser, WsClient, await_numsub};

const START: &str = "mutation($input: TypingInput!) { startTyping(input: $input) { isTyping } }";
const STOP: &str = "mutation($input: TypingInput!) { stopTyping(input: $input) { isTyping } }";
const TYPING: &str =
    "subscription($chat: ID!) { typingEvents(chatId: $chat) { chatId user { handle } isTyping } }";

fn chat_input(chat: &str) -> Value {
    json!({ "input": { "chatId": chat } })
}

fn quick(s: &mut Settings) {
    s.messaging.typing_timeout_ms = 3_000;
    s.messaging.typing_throttle_ms = 100;
    s.messaging.presence_grace_ms = 300;
    s.cluster.presence_heartbeat_ms = 100;
    s.cluster.presence_instance_timeout_ms = 1_000;
}

/// Two instances sharing `redis_url` and one database, `configure`d alike.
async fn two_instances(redis_url: &str, configure: fn(&mut Settings)) -> (TestApp, TestApp) {
    let url = redis_url.to_owned();
    let a = TestApp::spawn_with(|s| {
        s.cluster.redis_url = Some(url.into());
        configure(s);
    })
    .await;
    let b = a.spawn_peer(configure).await;
    (a, b)
}

/// Ada, Bob and Cat in one group, Bob watching its typing on `watch_on`.
async fn trio_watched_on(
    redis: &str,
    a: &TestApp,
    watch_on: &TestApp,
) -> (TestUser, TestUser, String, WsClient) {
    let (ada, bob, cat) = (
        a.sign_up("ada").await,
        a.sign_up("bob").await,
        a.sign_up("cat").await,
    );
    let chat = a.group(&ada, &[&bob, &cat], "Club").await;
    let mut socket = watch_on.ws(&bob.token).await;
    socket.subscribe("t", TYPING, json!({ "chat": chat })).await;
    socket.expect_quiet().await;
    await_numsub(redis, &format!("chat:ev:chat:{chat}"), 1).await;
    (ada, cat, chat, socket)
}

/// The next typing event as (handle, isTyping).
async fn next_typing(socket: &mut WsClient) -> (String, bool) {
    let event = socket.next_data("t").await["data"]["typingEvents"].clone();
    (
        event["user"]["handle"].as_str().unwrap().to_owned(),
        event["isTyping"].as_bool().unwrap(),
    )
}

#[tokio::test]
async fn typing__renewed_on_the_other_instance__is_announced_once_and_stops_once() {
    let redis = TestRedis::shared().await;
    let (a, b) = two_instances(&redis.url, quick).await;
    let (ada, cat, chat, mut bob_watch) = trio_watched_on(&redis.url, &a, &b).await;

    let started = tokio::time::Instant::now();
    a.gql_ok(Some(&ada.token), START, chat_input(&chat)).await;
    assert_eq!(next_typing(&mut bob_watch).await, ("ada".into(), true));
    // Renewed on B halfway; A's timer (due at 3 s) must then stay quiet
    // while B's (due at about 4.5 s) has not run out yet. The sleeps let
    // deadlines pass, with over a second of slack either side for a busy
    // machine; no event is awaited by sleeping.
    tokio::time::sleep_until(started + std::time::Duration::from_millis(1_500)).await;
    b.gql_ok(Some(&ada.token), START, chat_input(&chat)).await;
    tokio::time::sleep_until(started + std::time::Duration::from_millis(3_300)).await;
    a.gql_ok(Some(&cat.token), START, chat_input(&chat)).await;
    assert_eq!(
        next_typing(&mut bob_watch).await,
        ("cat".into(), true),
        "no repeat of ada and no stop from A's timer before cat"
    );
    // Without another renewal, exactly one stop.
    assert_eq!(next_typing(&mut bob_watch).await, ("ada".into(), false));
    b.gql_ok(Some(&cat.token), STOP, chat_input(&chat)).await;
    assert_eq!(
        next_typing(&mut bob_watch).await,
        ("cat".into(), false),
        "no second stop of ada"
    );
}

#[tokio::test]
async fn typing__stops_at_once_when_the_typers_last_socket_closes_on_another_instance() {
    let redis = TestRedis::shared().await;
    let (a, b) = two_instances(&redis.url, |s| {
        quick(s);
        s.messaging.typing_timeout_ms = 600_000;
    })
    .await;
    let (ada, cat, chat, mut bob_watch) = trio_watched_on(&redis.url, &a, &a).await;
    let ada_on_b = b.ws(&ada.token).await;
    a.gql_ok(Some(&ada.token), START, chat_input(&chat)).await;
    assert_eq!(next_typing(&mut bob_watch).await, ("ada".into(), true));
    ada_on_b.close().await;
    assert_eq!(next_typing(&mut bob_watch).await, ("ada".into(), false));
    a.gql_ok(Some(&cat.token), START, chat_input(&chat)).await;
    assert_eq!(
        next_typing(&mut bob_watch).await,
        ("cat".into(), true),
        "one stop only"
    );
}
