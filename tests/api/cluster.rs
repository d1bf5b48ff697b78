//! Presence across instances: two instances behind one Redis and one
//! database count a user's sockets together.
//!
//! "Nothing else was announced" is checked with a marker: a profile change
//! published after the step under test must be the watcher's next event.
//! A crash is simulated by cutting an instance off from Redis (through a
//! [`TcpProxy`] that is then stopped): it can no longer beat, exactly as if
//! it had died, while the test keeps running.

use serde_json::{Value, json};

use chat_server::config::Settings;

use crate::helpers::{
    TcpProxy, TestApp, TestRedis, TestUser, WsClient, await_numsub, eventually, hash_len,
    key_exists,
};

const USER_EVENTS: &str = "subscription { userEvents { kind user { handle status bio } } }";
const STATUS: &str = "query($id: ID!) { user(id: $id) { status } }";

/// Short timers so transitions and sweeps happen within a test.
fn quick(s: &mut Settings) {
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

fn user_channel(user: &TestUser) -> String {
    format!("chat:ev:user:{}", user.id)
}

/// Bob's `userEvents` socket on `app`.
async fn watching(app: &TestApp, bob: &TestUser) -> WsClient {
    let mut socket = app.ws(&bob.token).await;
    socket.subscribe("u", USER_EVENTS, json!({})).await;
    socket.expect_quiet().await;
    socket
}

/// The next `userEvents` event as (kind, handle, status, bio).
async fn next_event(socket: &mut WsClient) -> (String, String, String, String) {
    let event = socket.next_data("u").await["data"]["userEvents"].clone();
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    (
        text(&event["kind"]),
        text(&event["user"]["handle"]),
        text(&event["user"]["status"]),
        text(&event["user"]["bio"]),
    )
}

async fn expect_presence(socket: &mut WsClient, status: &str) {
    let (kind, handle, seen, _) = next_event(socket).await;
    assert_eq!(
        (kind.as_str(), handle.as_str(), seen.as_str()),
        ("PRESENCE_CHANGED", "ada", status)
    );
}

/// Proves nothing came before: `ada` changes her bio on `app`, and that
/// must be the next event of every socket.
async fn expect_marker_next(app: &TestApp, ada: &TestUser, sockets: &mut [&mut WsClient]) {
    let marker = uuid::Uuid::new_v4().to_string();
    app.set_bio(ada, &marker).await;
    for socket in sockets.iter_mut() {
        let (kind, _, _, bio) = next_event(socket).await;
        assert_eq!((kind.as_str(), bio.as_str()), ("PROFILE_UPDATED", &*marker));
    }
}

/// Ada's status as Bob sees it through `app`.
async fn status_on(app: &TestApp, bob: &TestUser, ada: &TestUser) -> String {
    let seen = app
        .gql_ok(Some(&bob.token), STATUS, json!({ "id": ada.id }))
        .await;
    seen["user"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn status_on_both(apps: [&TestApp; 2], bob: &TestUser, ada: &TestUser) -> [String; 2] {
    [
        status_on(apps[0], bob, ada).await,
        status_on(apps[1], bob, ada).await,
    ]
}

#[tokio::test]
async fn presence__sockets_on_two_instances__online_once_until_both_close_then_offline_once() {
    let redis = TestRedis::shared().await;
    let (a, b) = two_instances(&redis.url, quick).await;
    let (ada, bob) = (a.sign_up("ada").await, a.sign_up("bob").await);
    a.befriend(&ada, &bob).await;
    let mut on_a = watching(&a, &bob).await;
    let mut on_b = watching(&b, &bob).await;
    await_numsub(&redis.url, &user_channel(&bob), 2).await;

    let ada_on_a = a.ws(&ada.token).await;
    expect_presence(&mut on_a, "ONLINE").await;
    expect_presence(&mut on_b, "ONLINE").await;
    let ada_on_b = b.ws(&ada.token).await;
    expect_marker_next(&b, &ada, &mut [&mut on_a, &mut on_b]).await;

    ada_on_a.close().await;
    // A has counted its socket out; only B's count is left, so no offline
    // transition started.
    let counts = format!("chat:presence:count:{}", ada.id);
    eventually("A's count is gone", || async {
        hash_len(&redis.url, &counts).await == 1
    })
    .await;
    assert!(!key_exists(&redis.url, &format!("chat:presence:offline:{}", ada.id)).await);
    expect_marker_next(&a, &ada, &mut [&mut on_a, &mut on_b]).await;
    assert_eq!(status_on_both([&a, &b], &bob, &ada).await, ["ONLINE"; 2]);

    ada_on_b.close().await;
    expect_presence(&mut on_a, "OFFLINE").await;
    expect_presence(&mut on_b, "OFFLINE").await;
    expect_marker_next(&a, &ada, &mut [&mut on_a, &mut on_b]).await;
    assert_eq!(status_on_both([&a, &b], &bob, &ada).await, ["OFFLINE"; 2]);
}

#[tokio::test]
async fn presence__a_reconnect_on_the_other_instance_within_the_grace_period__does_not_flap() {
    let redis = TestRedis::shared().await;
    let (a, b) = two_instances(&redis.url, |s| {
        quick(s);
        s.messaging.presence_grace_ms = 5_000;
    })
    .await;
    let (ada, bob) = (a.sign_up("ada").await, a.sign_up("bob").await);
    a.befriend(&ada, &bob).await;
    let mut on_b = watching(&b, &bob).await;
    await_numsub(&redis.url, &user_channel(&bob), 1).await;

    let ada_on_a = a.ws(&ada.token).await;
    expect_presence(&mut on_b, "ONLINE").await;
    ada_on_a.close().await;
    // The close has been counted: the offline transition is pending.
    let pending = format!("chat:presence:offline:{}", ada.id);
    eventually("ada's offline transition is pending", || {
        key_exists(&redis.url, &pending)
    })
    .await;
    assert_eq!(
        status_on_both([&a, &b], &bob, &ada).await,
        ["ONLINE"; 2],
        "online during the grace period"
    );

    let _ada_on_b = b.ws(&ada.token).await;
    assert!(
        !key_exists(&redis.url, &pending).await,
        "the return ends it"
    );
    expect_marker_next(&a, &ada, &mut [&mut on_b]).await;
    assert_eq!(status_on_both([&a, &b], &bob, &ada).await, ["ONLINE"; 2]);
}

#[tokio::test]
async fn presence__of_a_crashed_instance__is_swept_and_announced_offline_once() {
    // A Redis of its own: on the shared one, instances of tests that end
    // meanwhile may sweep this test's instance and take its transitions
    // with them (then another instance confirms them, but only once they
    // are overdue, which may outlast the test's patience).
    let redis = TestRedis::private().await;
    let cut = TcpProxy::start(redis.url.trim_start_matches("redis://").to_owned()).await;
    let through_proxy = format!("redis://127.0.0.1:{}", cut.port);
    let a = TestApp::spawn_with(|s| {
        s.cluster.redis_url = Some(through_proxy.into());
        quick(s);
    })
    .await;
    let b = a
        .spawn_peer(|s| {
            s.cluster.redis_url = Some(redis.url.clone().into());
            quick(s);
        })
        .await;
    let (ada, bob) = (b.sign_up("ada").await, b.sign_up("bob").await);
    b.befriend(&ada, &bob).await;
    let mut on_b = watching(&b, &bob).await;
    await_numsub(&redis.url, &user_channel(&bob), 1).await;
    let _ada_on_a = a.ws(&ada.token).await;
    expect_presence(&mut on_b, "ONLINE").await;

    // A "crashes": no heartbeat, no disconnect path ever reaches Redis.
    cut.stop();
    expect_presence(&mut on_b, "OFFLINE").await;
    expect_marker_next(&b, &ada, &mut [&mut on_b]).await;
    assert_eq!(status_on(&b, &bob, &ada).await, "OFFLINE");
}

#[tokio::test]
async fn presence__an_instance_that_crashes_during_the_grace_period__is_confirmed_offline_by_another()
 {
    // A Redis of its own: on the shared one, instances of tests that end
    // meanwhile may sweep this test's instance and take its transitions
    // with them (then another instance confirms them, but only once they
    // are overdue, which may outlast the test's patience).
    let redis = TestRedis::private().await;
    let cut = TcpProxy::start(redis.url.trim_start_matches("redis://").to_owned()).await;
    let through_proxy = format!("redis://127.0.0.1:{}", cut.port);
    let a = TestApp::spawn_with(|s| {
        s.cluster.redis_url = Some(through_proxy.into());
        quick(s);
        // Long enough that A is cut off before it would confirm.
        s.messaging.presence_grace_ms = 2_000;
    })
    .await;
    let b = a
        .spawn_peer(|s| {
            s.cluster.redis_url = Some(redis.url.clone().into());
            quick(s);
        })
        .await;
    let (ada, bob) = (b.sign_up("ada").await, b.sign_up("bob").await);
    b.befriend(&ada, &bob).await;
    let mut on_b = watching(&b, &bob).await;
    await_numsub(&redis.url, &user_channel(&bob), 1).await;
    let ada_on_a = a.ws(&ada.token).await;
    expect_presence(&mut on_b, "ONLINE").await;
    ada_on_a.close().await;
    let pending = format!("chat:presence:offline:{}", ada.id);
    eventually("ada's offline transition is pending", || {
        key_exists(&redis.url, &pending)
    })
    .await;

    // A dies with the transition in hand; B takes it over once overdue.
    cut.stop();
    expect_presence(&mut on_b, "OFFLINE").await;
    expect_marker_next(&b, &ada, &mut [&mut on_b]).await;
    assert_eq!(status_on(&b, &bob, &ada).await, "OFFLINE");
}

#[tokio::test]
async fn presence__an_instance_cut_off_then_back__is_swept_offline_then_announced_online_again() {
    // A Redis of its own: on the shared one, instances of tests that end
    // meanwhile may sweep this test's instance and take its transitions
    // with them (then another instance confirms them, but only once they
    // are overdue, which may outlast the test's patience).
    let redis = TestRedis::private().await;
    let stall = TcpProxy::start(redis.url.trim_start_matches("redis://").to_owned()).await;
    let through_proxy = format!("redis://127.0.0.1:{}", stall.port);
    let a = TestApp::spawn_with(|s| {
        s.cluster.redis_url = Some(through_proxy.into());
        quick(s);
    })
    .await;
    let b = a
        .spawn_peer(|s| {
            s.cluster.redis_url = Some(redis.url.clone().into());
            quick(s);
        })
        .await;
    let (ada, bob) = (b.sign_up("ada").await, b.sign_up("bob").await);
    b.befriend(&ada, &bob).await;
    let mut on_b = watching(&b, &bob).await;
    await_numsub(&redis.url, &user_channel(&bob), 1).await;
    let _ada_on_a = a.ws(&ada.token).await;
    expect_presence(&mut on_b, "ONLINE").await;

    stall.pause();
    expect_presence(&mut on_b, "OFFLINE").await;
    stall.resume();
    // A writes its sockets back and announces ada (after a RESYNC or two:
    // A's events were held up too).
    loop {
        let (kind, handle, status, _) = next_event(&mut on_b).await;
        if kind == "RESYNC" {
            continue;
        }
        assert_eq!(
            (kind.as_str(), handle.as_str(), status.as_str()),
            ("PRESENCE_CHANGED", "ada", "ONLINE")
        );
        break;
    }
    assert_eq!(status_on_both([&a, &b], &bob, &ada).await, ["ONLINE"; 2]);
}

#[tokio::test]
async fn the_per_user_socket_limit__counts_sockets_on_every_instance() {
    let redis = TestRedis::shared().await;
    let (a, b) = two_instances(&redis.url, |s| {
        quick(s);
        s.connections.ws_max_sockets_per_user = 2;
    })
    .await;
    let (ada, bob) = (a.sign_up("ada").await, a.sign_up("bob").await);
    let mut on_a = a.ws(&ada.token).await;
    let on_b = b.ws(&ada.token).await;
    for app in [&a, &b] {
        let mut third = WsClient::connect(&app.ws_url).await;
        third
            .send(json!({ "type": "connection_init", "payload": { "token": ada.token } }))
            .await;
        let (code, reason) = third.closed_at_once().await;
        assert_eq!((code, reason.as_str()), (4008, "Too many connections"));
    }
    on_a.expect_quiet().await;
    b.ws(&bob.token).await.expect_quiet().await;

    // Closing on one instance frees the slot on the other, once the
    // release has travelled through Redis (the open on `a` cannot wait for
    // a release in flight on `b`, as it does for one of its own).
    on_b.close().await;
    eventually("the slot freed on b is taken on a", || async {
        let mut socket = WsClient::connect(&a.ws_url).await;
        socket
            .send(json!({ "type": "connection_init", "payload": { "token": ada.token } }))
            .await;
        match socket.recv_or_close().await {
            Ok(ack) => ack["type"] == "connection_ack",
            Err(code) => {
                assert_eq!(code, 4008, "only the limit may refuse it");
                false
            }
        }
    })
    .await;
}
