//! Graceful restarts: on the shutdown signal the server stops accepting,
//! finishes what it started, and exits within the drain timeout.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{EVENT_TIMEOUT, TcpProxy, TestApp, TestUser, eventually, mongodb_address};

const UPDATE_BIO: &str =
    "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { bio } }";
const SEND: &str =
    "mutation($input: SendFriendRequestInput!) { sendFriendRequest(input: $input) { id } }";
const INCOMING: &str =
    "{ friendRequests(direction: INCOMING, first: 100) { edges { node { id } } } }";

/// An app whose MongoDB traffic goes through `proxy`, so a test can stall it.
async fn app_behind(proxy: &TcpProxy, drain_ms: u64) -> TestApp {
    let port = proxy.port;
    TestApp::spawn_with(|s| {
        s.database.mongodb_uri =
            format!("mongodb://127.0.0.1:{port}/?directConnection=true").into();
        s.server.shutdown_drain_ms = drain_ms;
    })
    .await
}

async fn bio_in_database(app: &TestApp, user: &TestUser) -> Value {
    let peer = TestApp::spawn_with(|s| {
        s.database.mongodb_database = app.settings.database.mongodb_database.clone()
    })
    .await;
    let me = peer
        .gql_ok(Some(&user.token), "{ me { bio } }", json!({}))
        .await;
    me["me"]["bio"].clone()
}

/// An HTTP request the server has started: its headers asked for
/// `100-continue`, and the server answered it, so the handler is reading the
/// body (which this client holds back).
struct StartedRequest {
    stream: TcpStream,
    body: Vec<u8>,
}

impl StartedRequest {
    async fn post(app: &TestApp, token: &str, body: Value) -> Self {
        let address = app.address.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).await.unwrap();
        let body = body.to_string().into_bytes();
        let head = format!(
            "POST /graphql HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\
             Expect: 100-continue\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut interim = [0u8; 64];
        let read = tokio::time::timeout(EVENT_TIMEOUT, stream.read(&mut interim))
            .await
            .expect("the server answers the headers")
            .unwrap();
        let interim = String::from_utf8_lossy(&interim[..read]).into_owned();
        assert!(interim.starts_with("HTTP/1.1 100"), "{interim}");
        Self { stream, body }
    }

    /// Sends the body; returns the status code and the JSON response.
    async fn finish(mut self) -> (u16, Value) {
        self.stream.write_all(&self.body).await.unwrap();
        let mut response = Vec::new();
        tokio::time::timeout(EVENT_TIMEOUT, self.stream.read_to_end(&mut response))
            .await
            .expect("the response arrives")
            .unwrap();
        let response = String::from_utf8(response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, serde_json::from_str(body).unwrap())
    }
}

#[tokio::test]
async fn shutdown__refuses_new_connections_and_finishes_in_flight_mutations_on_both_transports() {
    let proxy = TcpProxy::start(mongodb_address()).await;
    let mut app = app_behind(&proxy, 5_000).await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let mut socket = app.ws(&bob.token).await;

    // Over HTTP: a request the server has started reading.
    let over_http = StartedRequest::post(
        &app,
        &ada.token,
        json!({ "query": UPDATE_BIO, "variables": { "input": { "bio": "over http" } } }),
    )
    .await;
    // Over WebSocket: a mutation waiting on the stalled database (the pong
    // proves the server read it and started it).
    proxy.pause();
    socket
        .subscribe("m", UPDATE_BIO, json!({ "input": { "bio": "over ws" } }))
        .await;
    socket.expect_quiet().await;

    app.begin_shutdown();
    let address = app.address.trim_start_matches("http://").to_owned();
    eventually("new connections are refused", || async {
        TcpStream::connect(&address).await.is_err()
    })
    .await;

    let http_answer = tokio::spawn(over_http.finish());
    proxy.resume();
    let (status, body) = http_answer.await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(body["data"]["updateProfile"]["bio"], "over http", "{body}");
    let next = socket.next_data("m").await;
    assert_eq!(next["data"]["updateProfile"]["bio"], "over ws", "{next}");
    assert_eq!(socket.recv().await["type"], "complete");
    assert_eq!(socket.closed().await.0, 1001);
    app.shutdown().await;

    assert_eq!(bio_in_database(&app, &ada).await, "over http");
    assert_eq!(bio_in_database(&app, &bob).await, "over ws");
}

#[tokio::test]
async fn shutdown__gives_up_on_stuck_requests_after_the_drain_timeout() {
    let drain = Duration::from_millis(500);
    let mut app =
        TestApp::spawn_with(|s| s.server.shutdown_drain_ms = drain.as_millis() as u64).await;
    let ada = app.sign_up("ada").await;
    // Started, and never finished: its body never comes.
    let _stuck = StartedRequest::post(
        &app,
        &ada.token,
        json!({ "query": UPDATE_BIO, "variables": { "input": { "bio": "stuck" } } }),
    )
    .await;

    let started = Instant::now();
    app.shutdown().await;
    let took = started.elapsed();
    assert!(
        took >= drain,
        "stopped after {took:?}, before the drain timeout"
    );
    assert!(
        took < drain + Duration::from_secs(1),
        "stopped after {took:?}"
    );
}

/// The analogue of "no acknowledged sendMessage is lost across a restart",
/// with friend requests: every request that got a success response is stored.
#[tokio::test]
async fn shutdown__loses_no_acknowledged_friend_request() {
    let mut app = TestApp::spawn().await;
    let target = app.sign_up("target").await;
    let mut senders = Vec::new();
    for i in 0..24 {
        senders.push(app.sign_up(&format!("sender{i}")).await);
    }

    let mut calls: FuturesUnordered<_> = senders
        .iter()
        .map(|sender| {
            let request = app
                .http
                .post(format!("{}/graphql", app.address))
                .bearer_auth(&sender.token)
                .json(&json!({ "query": SEND, "variables": { "input": { "userId": target.id } } }));
            async move {
                let response = request.send().await.ok()?;
                let body: Value = response.json().await.ok()?;
                body["data"]["sendFriendRequest"]["id"]
                    .as_str()
                    .map(str::to_owned)
            }
        })
        .collect();
    // Shut down as soon as the first is acknowledged: the others are in
    // flight, waiting, or refused.
    let mut acknowledged = Vec::new();
    while let Some(answer) = calls.next().await {
        if let Some(id) = answer {
            acknowledged.push(id);
            app.begin_shutdown();
        }
    }
    app.shutdown().await;
    assert!(!acknowledged.is_empty());

    let peer = TestApp::spawn_with(|s| {
        s.database.mongodb_database = app.settings.database.mongodb_database.clone()
    })
    .await;
    let incoming = peer.gql_ok(Some(&target.token), INCOMING, json!({})).await;
    let stored: Vec<&str> = incoming["friendRequests"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|edge| edge["node"]["id"].as_str())
        .collect();
    for id in &acknowledged {
        assert!(
            stored.contains(&id.as_str()),
            "acknowledged request {id} is not stored"
        );
    }
}

#[tokio::test]
async fn shutdown__loses_no_acknowledged_message() {
    let mut app = TestApp::spawn().await;
    let owner = app.sign_up("owner").await;
    let mut senders = Vec::new();
    for i in 0..8 {
        senders.push(app.sign_up(&format!("sender{i}")).await);
    }
    let members: Vec<_> = senders.iter().collect();
    let chat = app.group(&owner, &members, "Busy").await;
    let send = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }";

    let mut calls: FuturesUnordered<_> = (0..32)
        .map(|i| {
            let sender = &senders[i % senders.len()];
            let request = app
                .http
                .post(format!("{}/graphql", app.address))
                .bearer_auth(&sender.token)
                .json(&json!({ "query": send, "variables": { "input": { "chatId": chat, "text": format!("m{i}") } } }));
            async move {
                let response = request.send().await.ok()?;
                let body: Value = response.json().await.ok()?;
                body["data"]["sendMessage"]["id"].as_str().map(str::to_owned)
            }
        })
        .collect();
    // Shut down at the first acknowledgement, with the rest in flight.
    let mut acknowledged = Vec::new();
    while let Some(answer) = calls.next().await {
        if let Some(id) = answer {
            acknowledged.push(id);
            app.begin_shutdown();
        }
    }
    app.shutdown().await;
    assert!(!acknowledged.is_empty());

    let peer = TestApp::spawn_with(|s| {
        s.database.mongodb_database = app.settings.database.mongodb_database.clone()
    })
    .await;
    let history = peer
        .gql_ok(
            Some(&owner.token),
            "query($c: ID!) { messages(chatId: $c, first: 100) { edges { node { id } } } }",
            json!({ "c": chat }),
        )
        .await;
    let stored: Vec<&str> = history["messages"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|edge| edge["node"]["id"].as_str())
        .collect();
    for id in &acknowledged {
        assert!(
            stored.contains(&id.as_str()),
            "acknowledged message {id} is not stored"
        );
    }
}
