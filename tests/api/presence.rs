//! Typing indicators and presence.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, WsClient};

const START: &str = "mutation($input: TypingInput!) { startTyping(input: $input) { isTyping } }";
const STOP: &str = "mutation($input: TypingInput!) { stopTyping(input: $input) { isTyping } }";
const TYPING: &str =
    "subscription($chat: ID!) { typingEvents(chatId: $chat) { chatId user { handle } isTyping } }";
const USER_EVENTS: &str = "subscription { userEvents { kind user { handle status lastSeen } } }";

fn chat_input(chat: &str) -> Value {
    json!({ "input": { "chatId": chat } })
}

async fn watch_typing(app: &TestApp, user: &TestUser, chat: &str) -> WsClient {
    let mut socket = app.ws(&user.token).await;
    socket.subscribe("t", TYPING, json!({ "chat": chat })).await;
    socket.expect_quiet().await;
    socket
}

/// The next typing event as (handle, isTyping).
async fn next_typing(socket: &mut WsClient) -> (String, bool) {
    let event = socket.next_data("t").await["data"]["typingEvents"].clone();
    (
        event["user"]["handle"].as_str().unwrap().to_owned(),
        event["isTyping"].as_bool().unwrap(),
    )
}

fn short_timers(s: &mut chat_server::config::Settings) {
    s.messaging.typing_timeout_ms = 400;
    s.messaging.typing_throttle_ms = 100;
    s.messaging.presence_grace_ms = 300;
}

/// Ada, Bob and Cat in one group.
async fn trio(app: &TestApp) -> (TestUser, TestUser, TestUser, String) {
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    let chat = app.group(&ada, &[&bob, &cat], "Club").await;
    (ada, bob, cat, chat)
}

#[tokio::test]
async fn typing__start_reaches_others_not_the_typer__and_expires_by_itself() {
    let app = TestApp::spawn_with(short_timers).await;
    let (ada, bob, _, chat) = trio(&app).await;
    let mut ada_watch = watch_typing(&app, &ada, &chat).await;
    let mut bob_watch = watch_typing(&app, &bob, &chat).await;
    app.gql_ok(Some(&ada.token), START, chat_input(&chat)).await;
    assert_eq!(next_typing(&mut bob_watch).await, ("ada".into(), true));
    // Without a renewal the server ends it.
    assert_eq!(next_typing(&mut bob_watch).await, ("ada".into(), false));
    // Ada never saw her own: her first event is Bob's.
    app.gql_ok(Some(&bob.token), START, chat_input(&chat)).await;
    assert_eq!(next_typing(&mut ada_watch).await, ("bob".into(), true));
}

#[tokio::test]
async fn typing__renewals_broadcast_nothing_and_stop_ends_it() {
    let app = TestApp::spawn_with(|s| {
        short_timers(s);
        s.messaging.typing_timeout_ms = 60_000;
    })
    .await;
    let (ada, bob, cat, chat) = trio(&app).await;
    let mut bob_watch = watch_typing(&app, &bob, &chat).await;
    for _ in 0..5 {
        app.gql_ok(Some(&ada.token), START, chat_input(&chat)).await;
    }
    assert_eq!(next_typing(&mut bob_watch).await, ("ada".into(), true));
    app.gql_ok(Some(&cat.token), START, chat_input(&chat)).await;
    assert_eq!(
        next_typing(&mut bob_watch).await,
        ("cat".into(), true),
        "no repeat of ada before cat"
    );
    let stopped = app.gql_ok(Some(&ada.token), STOP, chat_input(&chat)).await;
    assert_eq!(stopped["stopTyping"]["isTyping"], false);
    assert_eq!(next_typing(&mut bob_watch).await, ("ada".into(), false));
}

#[tokio::test]
async fn typing__a_flood_is_coalesced_without_errors() {
    let app = TestApp::spawn_with(|s| {
        short_timers(s);
        s.messaging.typing_timeout_ms = 60_000;
        s.messaging.typing_throttle_ms = 1_000;
    })
    .await;
    let (ada, bob, cat, chat) = trio(&app).await;
    let mut bob_watch = watch_typing(&app, &bob, &chat).await;
    for i in 0..30 {
        let query = if i % 2 == 0 { START } else { STOP };
        app.gql_ok(Some(&ada.token), query, chat_input(&chat)).await;
    }
    // The flood ends stopped: one start was announced, the rest coalesced.
    assert_eq!(next_typing(&mut bob_watch).await, ("ada".into(), true));
    app.gql_ok(Some(&cat.token), START, chat_input(&chat)).await;
    assert_eq!(
        next_typing(&mut bob_watch).await,
        ("cat".into(), true),
        "nothing else from ada meanwhile"
    );
    assert_eq!(
        next_typing(&mut bob_watch).await,
        ("ada".into(), false),
        "the final state, once the throttle allows"
    );
}

#[tokio::test]
async fn typing__stops_at_once_when_the_typers_last_socket_closes() {
    let app = TestApp::spawn_with(|s| {
        short_timers(s);
        s.messaging.typing_timeout_ms = 600_000;
        s.messaging.presence_grace_ms = 600_000;
    })
    .await;
    let (ada, bob, _, chat) = trio(&app).await;
    let first = app.ws(&ada.token).await;
    let second = app.ws(&ada.token).await;
    let mut bob_watch = watch_typing(&app, &bob, &chat).await;
    app.gql_ok(Some(&ada.token), START, chat_input(&chat)).await;
    assert_eq!(next_typing(&mut bob_watch).await, ("ada".into(), true));
    first.close().await;
    second.close().await;
    assert_eq!(next_typing(&mut bob_watch).await, ("ada".into(), false));
}

#[tokio::test]
async fn typing__members_only_and_never_across_a_block() {
    let app = TestApp::spawn_with(short_timers).await;
    let (ada, bob, cat, chat) = trio(&app).await;
    let eve = app.sign_up("eve").await;
    assert_eq!(
        app.gql_err(Some(&eve.token), START, chat_input(&chat))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.gql_err(Some(&eve.token), STOP, chat_input("nope"))
            .await,
        "BAD_USER_INPUT"
    );
    let mut socket = app.ws(&eve.token).await;
    socket.subscribe("t", TYPING, json!({ "chat": chat })).await;
    assert_eq!(
        socket.recv().await["payload"][0]["extensions"]["code"],
        "NOT_FOUND"
    );

    app.block(&bob, &ada).await;
    let mut bob_watch = watch_typing(&app, &bob, &chat).await;
    app.gql_ok(Some(&ada.token), START, chat_input(&chat)).await;
    app.gql_ok(Some(&cat.token), START, chat_input(&chat)).await;
    assert_eq!(
        next_typing(&mut bob_watch).await,
        ("cat".into(), true),
        "nothing from the blocked typer"
    );
}

#[tokio::test]
async fn typing__a_block_reaches_streams_already_open__both_ways__and_an_unblock_too() {
    let app = TestApp::spawn_with(short_timers).await;
    let (ada, bob, cat, chat) = trio(&app).await;
    let mut ada_watch = watch_typing(&app, &ada, &chat).await;
    let mut bob_watch = watch_typing(&app, &bob, &chat).await;
    app.block(&bob, &ada).await;

    // Ada types: Bob's open stream shows Cat (the marker) and nothing of Ada.
    app.gql_ok(Some(&ada.token), START, chat_input(&chat)).await;
    app.gql_ok(Some(&cat.token), START, chat_input(&chat)).await;
    assert_eq!(next_typing(&mut bob_watch).await, ("cat".into(), true));
    // Bob types: Ada's open stream shows only Cat's.
    app.gql_ok(Some(&bob.token), START, chat_input(&chat)).await;
    app.gql_ok(Some(&cat.token), STOP, chat_input(&chat)).await;
    assert_eq!(next_typing(&mut ada_watch).await, ("cat".into(), true));
    assert_eq!(next_typing(&mut ada_watch).await, ("cat".into(), false));
    app.gql_ok(Some(&ada.token), STOP, chat_input(&chat)).await;
    app.gql_ok(Some(&bob.token), STOP, chat_input(&chat)).await;
    assert_eq!(next_typing(&mut bob_watch).await, ("cat".into(), false));

    // Lifted: the same open streams show each other again.
    app.gql_ok(
        Some(&bob.token),
        "mutation($input: UserIdInput!) { unblockUser(input: $input) { id } }",
        json!({ "input": { "userId": ada.id } }),
    )
    .await;
    app.gql_ok(Some(&ada.token), START, chat_input(&chat)).await;
    assert_eq!(next_start(&mut bob_watch).await, "ada");
    app.gql_ok(Some(&bob.token), START, chat_input(&chat)).await;
    assert_eq!(next_start(&mut ada_watch).await, "bob");
}

/// Who starts typing next, past the stops of earlier typing (a stop may be
/// held back by the throttle, and be announced late).
async fn next_start(socket: &mut WsClient) -> String {
    loop {
        let (handle, typing) = next_typing(socket).await;
        if typing {
            return handle;
        }
    }
}

#[tokio::test]
async fn typing__an_unblock_one_way_keeps_hiding_while_the_other_block_stands() {
    let app = TestApp::spawn_with(short_timers).await;
    let (ada, bob, cat, chat) = trio(&app).await;
    let mut bob_watch = watch_typing(&app, &bob, &chat).await;
    app.block(&bob, &ada).await;
    app.block(&ada, &bob).await;
    app.gql_ok(
        Some(&bob.token),
        "mutation($input: UserIdInput!) { unblockUser(input: $input) { id } }",
        json!({ "input": { "userId": ada.id } }),
    )
    .await;
    app.gql_ok(Some(&ada.token), START, chat_input(&chat)).await;
    app.gql_ok(Some(&cat.token), START, chat_input(&chat)).await;
    assert_eq!(
        next_typing(&mut bob_watch).await,
        ("cat".into(), true),
        "Ada still blocks Bob"
    );
}

#[tokio::test]
async fn user_events__a_block_reaches_streams_already_open__both_ways() {
    let app = TestApp::spawn_with(short_timers).await;
    let (ada, bob, _cat, _chat) = trio(&app).await;
    let mut ada_watch = app.ws(&ada.token).await;
    ada_watch.subscribe("u", USER_EVENTS, json!({})).await;
    ada_watch.expect_quiet().await;
    let mut bob_watch = app.ws(&bob.token).await;
    bob_watch.subscribe("u", USER_EVENTS, json!({})).await;
    bob_watch.expect_quiet().await;
    // Before the block each hears of the other's profile.
    app.set_bio(&ada, "before").await;
    assert_eq!(profile_updates(&mut bob_watch, "ada", 1).await, ["ada"]);

    app.block(&bob, &ada).await;
    app.set_bio(&ada, "after the block").await;
    app.set_bio(&bob, "after the block too").await;
    app.set_bio(&ada, "ada's marker").await;
    app.set_bio(&bob, "bob's marker").await;
    // Each stream carries its owner's two updates and none of the other's.
    assert_eq!(
        profile_updates(&mut bob_watch, "bob", 2).await,
        ["bob", "bob"]
    );
    assert_eq!(profile_updates(&mut ada_watch, "ada", 3).await, ["ada"; 3]);
}

/// The handles of the profile updates on `socket` until `own` of `me`'s
/// have come (presence changes, which depend on socket timing, skipped).
async fn profile_updates(socket: &mut WsClient, me: &str, own: usize) -> Vec<String> {
    let mut handles = Vec::new();
    while handles.iter().filter(|h| *h == me).count() < own {
        let event = socket.next_data("u").await["data"]["userEvents"].clone();
        if event["kind"] == "PROFILE_UPDATED" {
            handles.push(event["user"]["handle"].as_str().unwrap().to_owned());
        }
    }
    handles
}

// ---- presence ---------------------------------------------------------------

/// Ada and her friend Bob, and Bob watching userEvents.
async fn friends_watching(app: &TestApp) -> (TestUser, TestUser, WsClient) {
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    app.befriend(&ada, &bob).await;
    let mut watcher = app.ws(&bob.token).await;
    watcher.subscribe("u", USER_EVENTS, json!({})).await;
    watcher.expect_quiet().await;
    (ada, bob, watcher)
}

async fn next_presence(socket: &mut WsClient) -> Value {
    let event = socket.next_data("u").await["data"]["userEvents"].clone();
    assert_eq!(event["kind"], "PRESENCE_CHANGED", "{event}");
    event["user"].clone()
}

#[tokio::test]
async fn presence__online_while_any_device_is_connected_then_offline_with_last_seen() {
    let app = TestApp::spawn_with(short_timers).await;
    let (ada, bob, mut watcher) = friends_watching(&app).await;
    let phone = app.ws(&ada.token).await;
    let laptop = app.ws(&ada.token).await;
    let online = next_presence(&mut watcher).await;
    assert_eq!(
        (online["handle"].as_str(), online["status"].as_str()),
        (Some("ada"), Some("ONLINE"))
    );
    phone.close().await;
    let status = "query($id: ID!) { user(id: $id) { status lastSeen } }";
    let seen = app
        .gql_ok(Some(&bob.token), status, json!({ "id": ada.id }))
        .await;
    assert_eq!(
        seen["user"]["status"], "ONLINE",
        "the laptop is still connected"
    );
    laptop.close().await;
    let offline = next_presence(&mut watcher).await;
    assert_eq!(offline["status"], "OFFLINE");
    assert!(offline["lastSeen"].is_string(), "{offline}");
    let seen = app
        .gql_ok(Some(&bob.token), status, json!({ "id": ada.id }))
        .await;
    assert_eq!(seen["user"]["status"], "OFFLINE");
    assert_eq!(seen["user"]["lastSeen"], offline["lastSeen"]);
}

#[tokio::test]
async fn presence__a_reconnect_within_the_grace_period_does_not_flap() {
    let app = TestApp::spawn_with(|s| {
        short_timers(s);
        s.messaging.presence_grace_ms = 5_000;
    })
    .await;
    let (ada, _, mut watcher) = friends_watching(&app).await;
    let socket = app.ws(&ada.token).await;
    assert_eq!(next_presence(&mut watcher).await["status"], "ONLINE");
    socket.close().await;
    let _back = app.ws(&ada.token).await;
    // Nothing about ada went out: her profile change is the next event.
    app.set_bio(&ada, "marker").await;
    let next = watcher.next_data("u").await["data"]["userEvents"].clone();
    assert_eq!(next["kind"], "PROFILE_UPDATED", "{next}");
}

#[tokio::test]
async fn presence__reaches_chat_partners_and_is_hidden_from_strangers_and_across_blocks() {
    let app = TestApp::spawn_with(short_timers).await;
    let (ada, bob, cat, _) = trio(&app).await;
    let (eve, dan) = (app.sign_up("eve").await, app.sign_up("dan").await);
    app.befriend(&ada, &dan).await;
    app.block(&dan, &ada).await;
    // Cat (a chat partner) hears Ada come online; Dan (who blocked her)
    // hears nothing.
    let mut dan_watch = app.ws(&dan.token).await;
    dan_watch.subscribe("u", USER_EVENTS, json!({})).await;
    dan_watch.expect_quiet().await;
    let mut cat_watch = app.ws(&cat.token).await;
    cat_watch.subscribe("u", USER_EVENTS, json!({})).await;
    cat_watch.expect_quiet().await;
    let _ada_online = app.ws(&ada.token).await;
    let online = next_presence(&mut cat_watch).await;
    assert_eq!(
        (online["handle"].as_str(), online["status"].as_str()),
        (Some("ada"), Some("ONLINE"))
    );
    app.set_bio(&dan, "marker").await;
    let next = dan_watch.next_data("u").await["data"]["userEvents"].clone();
    assert_eq!(
        (next["kind"].as_str(), next["user"]["handle"].as_str()),
        (Some("PROFILE_UPDATED"), Some("dan"))
    );

    let status = "query($id: ID!) { user(id: $id) { status lastSeen } }";
    let by_partner = app
        .gql_ok(Some(&bob.token), status, json!({ "id": ada.id }))
        .await;
    assert_eq!(by_partner["user"]["status"], "ONLINE");
    let by_stranger = app
        .gql_ok(Some(&eve.token), status, json!({ "id": ada.id }))
        .await;
    assert_eq!(
        by_stranger["user"],
        json!({ "status": null, "lastSeen": null })
    );
    let across_block = app
        .gql_ok(Some(&dan.token), status, json!({ "id": ada.id }))
        .await;
    assert_eq!(
        across_block["user"],
        json!({ "status": null, "lastSeen": null })
    );
    let mine = app
        .gql_ok(Some(&ada.token), "{ me { status } }", json!({}))
        .await;
    assert_eq!(mine["me"]["status"], "ONLINE");
}
