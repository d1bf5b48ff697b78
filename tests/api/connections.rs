//! Connections: the per-address cap, the capacity budget and its reserve for
//! health probes, and the timeouts for request heads and idle keep-alive
//! connections. Spoken in raw HTTP/1.1 over TCP, so a test controls exactly
//! which bytes are sent on which connection.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::{EVENT_TIMEOUT, TestApp, eventually};

const HEALTH: &str = "GET /health HTTP/1.1\r\nHost: test\r\n\r\n";
/// Another loopback address than the server's clients use by default: a
/// second client address on one machine.
const OTHER_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

fn server(app: &TestApp) -> SocketAddr {
    app.address
        .trim_start_matches("http://")
        .parse()
        .expect("a socket address")
}

async fn connect_from(app: &TestApp, source: IpAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(source, 0)).unwrap();
    socket.connect(server(app)).await.expect("connects")
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(server(app)).await.expect("connects")
}

/// Reads until the server closes the connection; panics if it stays open
/// past the timeout. Returns what was read.
async fn closed_by_server(stream: &mut TcpStream) -> String {
    let mut read = Vec::new();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(EVENT_TIMEOUT, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => read.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("the server closes the connection");
    String::from_utf8_lossy(&read).into_owned()
}

/// Sends one request and reads one response head (and a short body): the
/// status code.
async fn request(stream: &mut TcpStream, request: &str) -> u16 {
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buf = [0u8; 4096];
    let n = tokio::time::timeout(EVENT_TIMEOUT, stream.read(&mut buf))
        .await
        .expect("a response within the timeout")
        .expect("the connection is open");
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 "), "not a response: {head}");
    head[9..12].parse().unwrap()
}

#[tokio::test]
async fn idle_connections_over_the_per_address_cap__are_closed_at_once_while_health_answers() {
    let app = TestApp::spawn_with(|s| {
        s.connections.max_connections_per_ip = 4;
        s.connections.http_header_read_timeout_ms = 60_000;
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(connect(&app).await);
    }
    // Sent nothing, and still refused: it is closed without an answer.
    let mut refused = connect(&app).await;
    assert_eq!(closed_by_server(&mut refused).await, "");

    // Another address is served, probes included.
    let mut probe = connect_from(&app, OTHER_ADDRESS).await;
    assert_eq!(request(&mut probe, HEALTH).await, 200);
    let metrics = {
        let client = reqwest::Client::builder()
            .local_address(OTHER_ADDRESS)
            .build()
            .unwrap();
        let url = format!("{}/metrics", app.address);
        client.get(url).send().await.unwrap().text().await.unwrap()
    };
    assert!(
        metrics.contains(r#"chat_connections_refused_total{reason="per_ip"}"#),
        "{metrics}"
    );
    // The idle connections that were admitted are served.
    assert_eq!(request(&mut idle[0], HEALTH).await, 200);
    // A connection that closes gives its place back.
    drop(idle.pop());
    eventually("a place is free again", || async {
        let mut stream = connect(&app).await;
        let mut byte = [0u8; 1];
        stream.write_all(HEALTH.as_bytes()).await.is_ok()
            && matches!(stream.read(&mut byte).await, Ok(1))
    })
    .await;
}

#[tokio::test]
async fn websockets__count_against_the_per_address_cap() {
    let app = TestApp::spawn_with(|s| s.connections.max_connections_per_ip = 3).await;
    // Signing up leaves one keep-alive connection in the client's pool.
    let ada = app.sign_up("ada").await;
    let _first = app.ws(&ada.token).await;
    let mut second = app.ws(&ada.token).await;
    let mut refused = connect(&app).await;
    assert_eq!(closed_by_server(&mut refused).await, "");
    second.expect_quiet().await;
}

#[tokio::test]
async fn connections_over_the_budget__get_health_and_ready_only() {
    let app = TestApp::spawn_with(|s| {
        s.connections.max_connections = Some(2);
        s.connections.http_header_read_timeout_ms = 60_000;
    })
    .await;
    let idle = [connect(&app).await, connect(&app).await];
    let mut over = connect(&app).await;
    let status = request(
        &mut over,
        "GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: test\r\n\r\n",
    )
    .await;
    assert_eq!(status, 503);
    closed_by_server(&mut over).await;
    let mut probe = connect(&app).await;
    assert_eq!(request(&mut probe, HEALTH).await, 200);
    let mut probe = connect(&app).await;
    assert_eq!(
        request(&mut probe, "GET /ready HTTP/1.1\r\nHost: test\r\n\r\n").await,
        200
    );
    // Each reserved connection answers once and closes, freeing its place.
    closed_by_server(&mut probe).await;
    drop(idle);
    let url = format!("{}/metrics", app.address);
    eventually("/metrics is served in full again", || async {
        let response = app.http.get(&url).send().await;
        response.is_ok_and(|r| r.status() == 200)
    })
    .await;
    let metrics = app
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"chat_connections_refused_total{reason="capacity"}"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_connection_that_sends_no_complete_request_head__is_closed_after_the_header_timeout() {
    let app = TestApp::spawn_with(|s| s.connections.http_header_read_timeout_ms = 300).await;
    let mut silent = connect(&app).await;
    let mut partial = connect(&app).await;
    partial
        .write_all(b"GET /health HTTP/1.1\r\nHost: test\r\n")
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    closed_by_server(&mut partial).await;
    closed_by_server(&mut silent).await;
    assert!(started.elapsed() >= Duration::from_millis(250));
    // A whole request head in time is answered.
    let mut prompt = connect(&app).await;
    assert_eq!(request(&mut prompt, HEALTH).await, 200);
}

#[tokio::test]
async fn a_keep_alive_connection__may_idle_past_the_header_timeout_and_is_closed_after_the_idle_timeout()
 {
    let app = TestApp::spawn_with(|s| {
        s.connections.http_header_read_timeout_ms = 200;
        s.connections.http_keepalive_idle_ms = 2_000;
    })
    .await;
    let mut stream = connect(&app).await;
    assert_eq!(request(&mut stream, HEALTH).await, 200);
    // Time passing, not an event: idle longer than the header timeout.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(request(&mut stream, HEALTH).await, 200);
    let idle_since = tokio::time::Instant::now();
    closed_by_server(&mut stream).await;
    assert!(idle_since.elapsed() >= Duration::from_millis(1_500));
}

#[tokio::test]
async fn an_upgraded_websocket__is_not_closed_by_the_http_timeouts() {
    let app = TestApp::spawn_with(|s| {
        s.connections.http_header_read_timeout_ms = 200;
        s.connections.http_keepalive_idle_ms = 200;
    })
    .await;
    let ada = app.sign_up("ada").await;
    let mut socket = app.ws(&ada.token).await;
    // Time passing, not an event: idle past both timeouts.
    tokio::time::sleep(Duration::from_millis(700)).await;
    socket.expect_quiet().await;
}
