//! Transport limits: request body and WebSocket message sizes, operations
//! per socket, sockets per user and per address, and slow consumers.

use chat_server::domain::UserId;
use chat_server::events::{Event, Topic};
use serde_json::json;

use crate::helpers::{TestApp, WsClient};

const USER_EVENTS: &str = "subscription { userEvents { kind user { name } } }";

#[tokio::test]
async fn post__a_body_over_the_configured_limit__is_413_and_one_under_it_runs() {
    let app = TestApp::spawn_with(|s| s.connections.max_request_body_bytes = 1024).await;
    let url = format!("{}/graphql", app.address);
    let body =
        |padding: usize| json!({ "query": format!("{{ __typename }} #{}", "x".repeat(padding)) });
    let response = app.http.post(&url).json(&body(2000)).send().await.unwrap();
    assert_eq!(response.status(), 413);
    let response = app.http.post(&url).json(&body(900)).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_websocket_message_over_the_configured_size__closes_1009_unanswered() {
    let app = TestApp::spawn_with(|s| s.connections.ws_max_message_bytes = 1024).await;
    let ada = app.sign_up("ada").await;
    let mut socket = app.ws(&ada.token).await;
    let padded = format!("{{ me {{ handle }} }} #{}", "x".repeat(2000));
    socket.subscribe("big", &padded, json!({})).await;
    let (code, reason) = socket.closed_at_once().await;
    assert_eq!((code, reason.as_str()), (1009, "Message too big"));
    // A message under the limit is fine on a new socket.
    let mut socket = app.ws(&ada.token).await;
    let padded = format!("{{ me {{ handle }} }} #{}", "x".repeat(500));
    socket.subscribe("small", &padded, json!({})).await;
    assert_eq!(
        socket.next_data("small").await["data"]["me"]["handle"],
        "ada"
    );
}

#[tokio::test]
async fn one_operation_over_the_socket_limit__gets_a_rate_limited_error_and_the_socket_stays_open()
{
    let app = TestApp::spawn_with(|s| s.connections.ws_max_operations = 2).await;
    let ada = app.sign_up("ada").await;
    let id = UserId::parse("id", &ada.id).unwrap();
    let topic = Topic::User(id);
    let mut socket = app.ws(&ada.token).await;
    socket.subscribe("1", USER_EVENTS, json!({})).await;
    socket.subscribe("2", USER_EVENTS, json!({})).await;
    socket.subscribe("3", USER_EVENTS, json!({})).await;
    let reply = socket.recv().await;
    assert_eq!(reply["type"], "error", "{reply}");
    assert_eq!(reply["id"], "3");
    let error = &reply["payload"][0];
    assert_eq!(error["extensions"]["code"], "RATE_LIMITED");
    assert_eq!(error["extensions"]["max"], 2);
    socket.expect_quiet().await;

    // Nothing changed: an event reaches the two running operations only.
    app.subscribers(topic, 2).await;
    let ada_user = app.services.accounts.user(id, id).await.unwrap();
    app.bus.publish(topic, Event::ProfileUpdated(ada_user));
    let mut ids = vec![
        socket.recv().await["id"].clone(),
        socket.recv().await["id"].clone(),
    ];
    ids.sort_by_key(|id| id.to_string());
    assert_eq!(ids, [json!("1"), json!("2")]);
    socket.expect_quiet().await;

    // Completing one makes room again.
    socket.send(json!({ "type": "complete", "id": "1" })).await;
    socket.subscribe("3", USER_EVENTS, json!({})).await;
    socket.expect_quiet().await;
}

#[tokio::test]
async fn one_socket_over_the_per_user_limit__closes_4008_and_closing_one_frees_a_slot() {
    let app = TestApp::spawn_with(|s| s.connections.ws_max_sockets_per_user = 2).await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let mut first = app.ws(&ada.token).await;
    let mut second = app.ws(&ada.token).await;
    let mut third = WsClient::connect(&app.ws_url).await;
    third
        .send(json!({ "type": "connection_init", "payload": { "token": ada.token } }))
        .await;
    let (code, reason) = third.closed_at_once().await;
    assert_eq!((code, reason.as_str()), (4008, "Too many connections"));
    // Nothing changed: the open sockets still work; other users are not
    // affected.
    first.expect_quiet().await;
    second.expect_quiet().await;
    app.ws(&bob.token).await.expect_quiet().await;

    first.close().await;
    let mut again = app.ws(&ada.token).await;
    again.expect_quiet().await;
}

#[tokio::test]
async fn one_socket_over_the_per_address_limit_before_init__closes_4008_at_once() {
    let app = TestApp::spawn_with(|s| s.connections.ws_max_pending_sockets_per_ip = 2).await;
    let ada = app.sign_up("ada").await;
    let mut first = WsClient::connect(&app.ws_url).await;
    let mut second = WsClient::connect(&app.ws_url).await;
    // A pong proves the server is serving (and counting) the socket.
    first.expect_quiet().await;
    second.expect_quiet().await;
    let mut third = WsClient::connect(&app.ws_url).await;
    let (code, reason) = third.closed_at_once().await;
    assert_eq!((code, reason.as_str()), (4008, "Too many connections"));
    first.expect_quiet().await;
    second.expect_quiet().await;

    // A socket that signs in no longer counts against its address.
    first
        .send(json!({ "type": "connection_init", "payload": { "token": ada.token } }))
        .await;
    assert_eq!(first.recv().await["type"], "connection_ack");
    let mut fourth = WsClient::connect(&app.ws_url).await;
    fourth.expect_quiet().await;
}

/// Events this large fill a client's socket buffers after a few hundred, so
/// a client that stops reading is found out early.
const BIO_BYTES: usize = 4096;
const EVENTS: usize = 10_000;
/// Published at a time before the reader catches up: well under the bus's
/// per-subscriber buffer, so the reader never lags.
const BATCH: usize = 100;

#[tokio::test]
async fn a_subscriber_that_stops_reading__is_cut_off_while_a_reader_gets_every_event_in_order() {
    // The in-process bus: what is tested is this process's per-subscriber
    // buffers. Through Redis a burst this size can also overflow the
    // publish queue on a busy machine, which (rightly) tells every
    // subscriber to resync.
    let app = TestApp::spawn_with(|s| s.cluster.redis_url = None).await;
    let ada = app.sign_up("ada").await;
    let id = UserId::parse("id", &ada.id).unwrap();
    let topic = Topic::User(id);
    let query = "subscription { userEvents { user { name bio } } }";
    let mut stalled = app.ws(&ada.token).await;
    stalled.subscribe("stalled", query, json!({})).await;
    let mut reader = app.ws(&ada.token).await;
    reader.subscribe("reader", query, json!({})).await;
    app.subscribers(topic, 2).await;

    let mut user = app.services.accounts.user(id, id).await.unwrap();
    user.bio = Some("x".repeat(BIO_BYTES));
    let mut stalled = Some(stalled);
    for batch in (0..EVENTS).step_by(BATCH) {
        for n in batch..batch + BATCH {
            user.name = format!("n{n}");
            app.bus.publish(topic, Event::ProfileUpdated(user.clone()));
        }
        for n in batch..batch + BATCH {
            let data = reader.next_data("reader").await;
            assert_eq!(
                data["data"]["userEvents"]["user"]["name"],
                format!("n{n}").as_str()
            );
        }
        // Once the server has let go of the stalled subscriber, its client
        // reads again: after whatever its buffers held it finds a whole close
        // frame, not a frame cut off by a dropped connection.
        if app.bus.subscriber_count(topic) == 1
            && let Some(mut stalled) = stalled.take()
        {
            let ended = stalled.ended().await;
            assert_eq!(ended, Some((1013, "Slow consumer".to_owned())));
        }
    }
    assert!(
        stalled.is_none(),
        "the subscriber that stopped reading is dropped"
    );
    // Its subscription is gone from the bus (its socket's queue and tasks
    // with it); the reader's is untouched.
    assert_eq!(app.bus.subscriber_count(topic), 1);
    reader.expect_quiet().await;
}
