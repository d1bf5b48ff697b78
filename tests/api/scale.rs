//! Several instances behind one Redis and one database: cross-instance
//! delivery exactly once, topic routing in Redis, and Redis outages.
//!
//! Exactly once is checked with a marker: after an event arrived, a second
//! one is published on the *other* instance. Both travel through the same
//! Redis channel, which keeps order, so a duplicate of the first (an echo, or
//! a second subscription) would arrive before the marker.

use serde_json::{Value, json};

use crate::helpers::{
    RedisServer, TcpProxy, TestApp, TestRedis, TestUser, WsClient, await_numsub, channels,
    eventually, numpat,
};

const USER_EVENTS: &str = "subscription { userEvents { kind user { id bio } } }";
const FRIEND_EVENTS: &str = "subscription { friendEvents { kind user { id } } }";
const NOTIFICATION_EVENTS: &str =
    "subscription { notificationEvents { kind notification { kind actor { id } } } }";
const SEND: &str =
    "mutation($input: SendFriendRequestInput!) { sendFriendRequest(input: $input) { id } }";
const CANCEL: &str =
    "mutation($input: CancelFriendRequestInput!) { cancelFriendRequest(input: $input) { id } }";
/// The channel every instance follows for notices about all topics.
const EVERYTHING_CHANNEL: &str = "chat:ev:all";
const SESSIONS_CHANNEL: &str = "chat:ev:sessions";

/// The channel that carries a user's topic (the documented naming).
fn user_channel(user: &TestUser) -> String {
    format!("chat:ev:user:{}", user.id)
}

/// Two instances sharing `redis_url` and one database.
async fn two_instances(redis_url: &str) -> (TestApp, TestApp) {
    let url = redis_url.to_owned();
    let a = TestApp::spawn_with(|s| {
        s.cluster.redis_url = Some(url.into());
        // Quick reconnection keeps the outage tests short.
        s.cluster.redis_reconnect_max_ms = 200;
    })
    .await;
    let b = a.spawn_peer(|_| {}).await;
    (a, b)
}

/// A socket subscribed to `query` as operation "s".
async fn subscribed(app: &TestApp, user: &TestUser, query: &str) -> WsClient {
    let mut socket = app.ws(&user.token).await;
    socket.subscribe("s", query, json!({})).await;
    socket.expect_quiet().await;
    socket
}

/// The next `(kind, bio)` of a `userEvents` socket.
async fn next_user_event(socket: &mut WsClient) -> (String, Option<String>) {
    let payload = socket.next_data("s").await;
    let event = &payload["data"]["userEvents"];
    (
        event["kind"].as_str().unwrap_or_default().to_owned(),
        event["user"]["bio"].as_str().map(str::to_owned),
    )
}

/// The next profile change, passing over RESYNCs (an outage may cause more
/// than one: one per way the gap was noticed).
async fn next_bio_after_resyncs(socket: &mut WsClient) -> String {
    loop {
        match next_user_event(socket).await {
            (kind, _) if kind == "RESYNC" => continue,
            (_, bio) => return bio.unwrap_or_default(),
        }
    }
}

async fn bio_of(socket: &mut WsClient) -> String {
    let (kind, bio) = next_user_event(socket).await;
    assert_eq!(kind, "PROFILE_UPDATED");
    bio.unwrap_or_default()
}

#[tokio::test]
async fn user_events__published_on_either_instance__reach_subscribers_on_both_exactly_once() {
    let redis = TestRedis::shared().await;
    let (a, b) = two_instances(&redis.url).await;
    let (ada, bob) = (a.sign_up("ada").await, a.sign_up("bob").await);
    a.befriend(&ada, &bob).await;
    let mut on_a = subscribed(&a, &bob, USER_EVENTS).await;
    let mut on_b = subscribed(&b, &bob, USER_EVENTS).await;
    await_numsub(&redis.url, &user_channel(&bob), 2).await;

    // Each change is the marker for the one before, from the other side.
    for (bio, instance) in [("one", &a), ("two", &b), ("three", &a)] {
        instance.set_bio(&ada, bio).await;
        assert_eq!(bio_of(&mut on_a).await, bio, "bob's socket on instance A");
        assert_eq!(bio_of(&mut on_b).await, bio, "bob's socket on instance B");
    }
    on_a.expect_quiet().await;
    on_b.expect_quiet().await;
}

#[tokio::test]
async fn friend_events__from_another_instance__arrive_exactly_once() {
    let redis = TestRedis::shared().await;
    let (a, b) = two_instances(&redis.url).await;
    let (ada, bob) = (a.sign_up("ada").await, a.sign_up("bob").await);
    let mut bob_on_b = subscribed(&b, &bob, FRIEND_EVENTS).await;
    await_numsub(&redis.url, &user_channel(&bob), 1).await;

    let sent = a
        .gql_ok(
            Some(&ada.token),
            SEND,
            json!({ "input": { "userId": bob.id } }),
        )
        .await;
    let event = bob_on_b.next_data("s").await;
    assert_eq!(event["data"]["friendEvents"]["kind"], "REQUEST_RECEIVED");
    assert_eq!(event["data"]["friendEvents"]["user"]["id"], ada.id.as_str());

    let request_id = sent["sendFriendRequest"]["id"].clone();
    a.gql_ok(
        Some(&ada.token),
        CANCEL,
        json!({ "input": { "requestId": request_id } }),
    )
    .await;
    let marker = bob_on_b.next_data("s").await;
    assert_eq!(marker["data"]["friendEvents"]["kind"], "REQUEST_CANCELLED");
    bob_on_b.expect_quiet().await;
}

#[tokio::test]
async fn notification_events__from_another_instance__arrive_exactly_once() {
    let redis = TestRedis::shared().await;
    let (a, b) = two_instances(&redis.url).await;
    let (ada, bob, cyd) = (
        a.sign_up("ada").await,
        a.sign_up("bob").await,
        a.sign_up("cyd").await,
    );
    let mut bob_on_b = subscribed(&b, &bob, NOTIFICATION_EVENTS).await;
    await_numsub(&redis.url, &user_channel(&bob), 1).await;

    for sender in [&ada, &cyd] {
        a.gql_ok(
            Some(&sender.token),
            SEND,
            json!({ "input": { "userId": bob.id } }),
        )
        .await;
        let event = bob_on_b.next_data("s").await;
        let notification = &event["data"]["notificationEvents"]["notification"];
        assert_eq!(notification["kind"], "FRIEND_REQUEST_RECEIVED");
        assert_eq!(notification["actor"]["id"], sender.id.as_str());
    }
    bob_on_b.expect_quiet().await;
}

#[tokio::test]
async fn redis_subscriptions__follow_the_local_subscribers_of_each_topic() {
    let redis = RedisServer::start().await;
    let (a, b) = two_instances(&redis.url()).await;
    let (ada, bob) = (a.sign_up("ada").await, a.sign_up("bob").await);
    // Without subscribers, instances follow nothing but the notice channel,
    // and never a pattern (no firehose).
    assert_eq!(channels(&redis.url()).await, vec![EVERYTHING_CHANNEL]);
    assert_eq!(numpat(&redis.url()).await, 0);

    let mut first = subscribed(&a, &bob, USER_EVENTS).await;
    await_numsub(&redis.url(), &user_channel(&bob), 1).await;
    let mut second = subscribed(&a, &bob, FRIEND_EVENTS).await;
    // Instance a also follows session revocations, from its first socket on.
    let mut expected = vec![
        EVERYTHING_CHANNEL.to_owned(),
        SESSIONS_CHANNEL.to_owned(),
        user_channel(&bob),
    ];
    expected.sort();
    assert_eq!(channels(&redis.url()).await, expected);

    // The first leaves: the topic is still followed for the second.
    first.send(json!({ "type": "complete", "id": "s" })).await;
    first.expect_quiet().await;
    b.gql_ok(
        Some(&ada.token),
        SEND,
        json!({ "input": { "userId": bob.id } }),
    )
    .await;
    let event = second.next_data("s").await;
    assert_eq!(event["data"]["friendEvents"]["kind"], "REQUEST_RECEIVED");

    // The last leaves: so does the instance.
    drop(second);
    eventually("bob's channel is unsubscribed", || async {
        channels(&redis.url()).await == vec![EVERYTHING_CHANNEL, SESSIONS_CHANNEL]
    })
    .await;
    assert_eq!(numpat(&redis.url()).await, 0);
}

#[tokio::test]
async fn a_redis_restart__keeps_local_delivery__then_resyncs_and_delivers_across_again() {
    let mut redis = RedisServer::start().await;
    let (a, b) = two_instances(&redis.url()).await;
    let (ada, bob) = (a.sign_up("ada").await, a.sign_up("bob").await);
    a.befriend(&ada, &bob).await;
    let mut on_a = subscribed(&a, &bob, USER_EVENTS).await;
    let mut on_b = subscribed(&b, &bob, USER_EVENTS).await;
    await_numsub(&redis.url(), &user_channel(&bob), 2).await;

    redis.stop();
    for app in [&a, &b] {
        eventually("/ready reports redis down", || async {
            let (status, body) = app.ready().await;
            status == 503 && body["checks"]["redis"] == "down"
        })
        .await;
    }
    a.set_bio(&ada, "while down").await;
    assert_eq!(
        bio_of(&mut on_a).await,
        "while down",
        "local delivery goes on"
    );

    redis.restart().await;
    await_numsub(&redis.url(), &user_channel(&bob), 2).await;
    // Both were told they may have missed something: B did miss the change.
    for socket in [&mut on_a, &mut on_b] {
        assert_eq!(next_user_event(socket).await.0, "RESYNC");
    }
    for app in [&a, &b] {
        eventually("/ready reports redis up", || async {
            let (status, body) = app.ready().await;
            status == 200 && body["checks"]["redis"] == "up"
        })
        .await;
    }
    for (bio, instance) in [("after, from B", &b), ("after, from A", &a)] {
        instance.set_bio(&ada, bio).await;
        assert_eq!(next_bio_after_resyncs(&mut on_a).await, bio);
        assert_eq!(next_bio_after_resyncs(&mut on_b).await, bio);
    }
}

#[tokio::test]
async fn ready__with_redis_down__is_503_naming_redis() {
    let mut redis = RedisServer::start().await;
    let app = TestApp::spawn_with(|s| s.cluster.redis_url = Some(redis.url().into())).await;
    let (status, body) = app.ready().await;
    assert_eq!(
        (status, &body["checks"]["redis"]),
        (200, &Value::from("up"))
    );

    redis.stop();
    eventually("/ready is 503", || async { app.ready().await.0 == 503 }).await;
    let (_, body) = app.ready().await;
    assert_eq!(body["checks"]["redis"], "down");
    assert_eq!(body["checks"]["mongodb"], "up");
}

#[tokio::test]
async fn an_instance_started_while_redis_is_down__serves_locally_then_links_with_a_resync() {
    let mut redis = RedisServer::start().await;
    redis.stop();
    let url = redis.url();
    let a = TestApp::spawn_with(|s| {
        s.cluster.redis_url = Some(url.into());
        s.cluster.redis_reconnect_max_ms = 200;
    })
    .await;
    assert_eq!(a.ready().await.0, 503);
    let (ada, bob) = (a.sign_up("ada").await, a.sign_up("bob").await);
    a.befriend(&ada, &bob).await;
    let mut on_a = subscribed(&a, &bob, USER_EVENTS).await;
    a.set_bio(&ada, "local").await;
    assert_eq!(bio_of(&mut on_a).await, "local");

    redis.restart().await;
    await_numsub(&redis.url(), &user_channel(&bob), 1).await;
    assert_eq!(next_user_event(&mut on_a).await.0, "RESYNC");
    let b = a.spawn_peer(|_| {}).await;
    b.set_bio(&ada, "from B").await;
    assert_eq!(bio_of(&mut on_a).await, "from B");
}

#[tokio::test]
async fn events_that_overflow_the_publish_queue__reach_the_other_instance_as_a_resync() {
    let redis = TestRedis::shared().await;
    let redis_address = redis.url.trim_start_matches("redis://").to_owned();
    let stalled = TcpProxy::start(redis_address).await;
    let through_proxy = format!("redis://127.0.0.1:{}", stalled.port);
    let a = TestApp::spawn_with(|s| {
        s.cluster.redis_url = Some(through_proxy.into());
        s.cluster.redis_publish_queue = 1;
    })
    .await;
    let b = a
        .spawn_peer(|s| s.cluster.redis_url = Some(redis.url.clone().into()))
        .await;
    // Set up through B: A's tiny queue would overflow with the friendship's
    // own events, and their gap notice could reach bob's socket later.
    let (ada, bob) = (b.sign_up("ada").await, b.sign_up("bob").await);
    b.befriend(&ada, &bob).await;
    let mut on_b = subscribed(&b, &bob, USER_EVENTS).await;
    await_numsub(&redis.url, &user_channel(&bob), 1).await;

    // One event stuck on the wire, one in the queue: the rest overflow.
    stalled.pause();
    for i in 0..4 {
        a.set_bio(&ada, &format!("burst {i}")).await;
    }
    stalled.resume();
    loop {
        let (kind, bio) = next_user_event(&mut on_b).await;
        if kind == "RESYNC" {
            break;
        }
        assert!(bio.is_some_and(|b| b.starts_with("burst")));
    }
    a.set_bio(&ada, "caught up").await;
    assert_eq!(next_bio_after_resyncs(&mut on_b).await, "caught up");
}
