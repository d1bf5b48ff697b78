//! The graphql-ws protocol, frame by frame, with a raw client.

use chat_server::auth::TokenService;
use chat_server::domain::{SessionId, UserId};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;

use crate::helpers::{TcpProxy, TestApp, WsClient, mongodb_address};

const USER_EVENTS: &str = "subscription { userEvents { kind user { id } } }";

#[tokio::test]
async fn connection_init__with_a_valid_token__is_acknowledged_either_payload_shape() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    app.ws(&ada.token).await;
    let mut socket = WsClient::connect(&app.ws_url).await;
    socket
        .send(json!({ "type": "connection_init", "payload": { "token": ada.token } }))
        .await;
    assert_eq!(socket.recv().await["type"], "connection_ack");
}

#[tokio::test]
async fn connection_init__missing_or_forged_or_unknown_user_token__closes_4403() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let ghost = TokenService::new(&app.settings)
        .issue(UserId::new(), SessionId::new())
        .unwrap()
        .token;
    let forged = format!("{}x", ada.token);
    let payloads = [
        json!({}),
        json!({ "authorization": "Bearer " }),
        json!({ "authorization": format!("Bearer {forged}") }),
        json!({ "token": ghost }),
    ];
    for payload in payloads {
        let mut socket = WsClient::connect(&app.ws_url).await;
        socket
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        assert_eq!(socket.closed().await.0, 4403, "payload {payload}");
    }
}

#[tokio::test]
async fn connection_init__expired_token__closes_4403() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let now = chrono::Utc::now().timestamp();
    let expired = jsonwebtoken::encode(
        &Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({ "sub": ada.id, "sid": ada.session, "iat": now - 600, "nbf": now - 600, "exp": now - 60,
                 "iss": app.settings.auth.jwt_issuer, "aud": app.settings.auth.jwt_audience }),
        &EncodingKey::from_secret(app.settings.auth.jwt_secret_bytes()),
    )
    .unwrap();
    let mut socket = WsClient::connect(&app.ws_url).await;
    socket
        .send(json!({ "type": "connection_init", "payload": { "token": expired } }))
        .await;
    assert_eq!(socket.closed().await.0, 4403);
}

#[tokio::test]
async fn a_session_that_expires_while_the_socket_is_open__closes_it_with_4403() {
    let app = TestApp::spawn_with(|s| s.auth.refresh_token_ttl_seconds = 2).await;
    let ada = app.sign_up("ada").await;
    let mut socket = app.ws(&ada.token).await;
    socket.subscribe("1", USER_EVENTS, json!({})).await;
    let (code, reason) = socket.closed().await;
    assert_eq!((code, reason.as_str()), (4403, "Session expired"));
}

#[tokio::test]
async fn no_connection_init_within_the_timeout__closes_4408() {
    let app = TestApp::spawn_with(|s| s.connections.ws_init_timeout_ms = 300).await;
    let mut socket = WsClient::connect(&app.ws_url).await;
    assert_eq!(socket.closed().await.0, 4408);
}

#[tokio::test]
async fn a_second_connection_init__closes_4429() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let mut socket = app.ws(&ada.token).await;
    socket
        .send(json!({ "type": "connection_init", "payload": { "token": ada.token } }))
        .await;
    assert_eq!(socket.closed().await.0, 4429);
}

#[tokio::test]
async fn subscribe_before_connection_ack__closes_4401() {
    let app = TestApp::spawn().await;
    let mut socket = WsClient::connect(&app.ws_url).await;
    socket.subscribe("1", "{ __typename }", json!({})).await;
    assert_eq!(socket.closed().await.0, 4401);
}

#[tokio::test]
async fn unparseable_or_unknown_messages__close_4400() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    for text in [
        "not json",
        r#"{"type":"unknown"}"#,
        r#"{"type":"subscribe","id":"1"}"#,
        r#"{"type":"subscribe","id":"","payload":{"query":"{ __typename }"}}"#,
        r#"{"type":"connection_init","payload":"a string"}"#,
        r#"{"id":"1"}"#,
    ] {
        let mut socket = app.ws(&ada.token).await;
        socket.send_text(text).await;
        assert_eq!(socket.closed().await.0, 4400, "message {text}");
    }
    let mut socket = app.ws(&ada.token).await;
    socket.send_binary(b"{}".to_vec()).await;
    assert_eq!(socket.closed().await.0, 4400);
}

#[tokio::test]
async fn subscribe_with_the_id_of_an_active_operation__closes_4409() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let mut socket = app.ws(&ada.token).await;
    socket.subscribe("same", USER_EVENTS, json!({})).await;
    socket.expect_quiet().await;
    socket.subscribe("same", USER_EVENTS, json!({})).await;
    let (code, reason) = socket.closed().await;
    assert_eq!(
        (code, reason.as_str()),
        (4409, "Subscriber for same already exists")
    );
}

#[tokio::test]
async fn ping__gets_a_pong_with_the_same_payload() {
    let app = TestApp::spawn().await;
    let mut socket = WsClient::connect(&app.ws_url).await;
    socket
        .send(json!({ "type": "ping", "payload": { "n": 7 } }))
        .await;
    assert_eq!(
        socket.recv().await,
        json!({ "type": "pong", "payload": { "n": 7 } })
    );
    socket.send(json!({ "type": "ping" })).await;
    assert_eq!(socket.recv().await, json!({ "type": "pong" }));
}

#[tokio::test]
async fn a_query_over_the_socket__gets_next_then_complete() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let mut socket = app.ws(&ada.token).await;
    socket.subscribe("q", "{ me { handle } }", json!({})).await;
    assert_eq!(socket.next_data("q").await["data"]["me"]["handle"], "ada");
    assert_eq!(
        socket.recv().await,
        json!({ "type": "complete", "id": "q" })
    );
}

#[tokio::test]
async fn a_failing_operation__gets_one_error_and_no_complete() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let mut socket = app.ws(&ada.token).await;
    socket.subscribe("bad", "{ noSuchField }", json!({})).await;
    let message = socket.recv().await;
    assert_eq!(message["type"], "error");
    assert_eq!(message["id"], "bad");
    assert_eq!(
        message["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    socket.expect_quiet().await;
    // The failed id is free again.
    socket
        .subscribe("bad", "{ me { handle } }", json!({}))
        .await;
    assert_eq!(socket.next_data("bad").await["data"]["me"]["handle"], "ada");
}

#[tokio::test]
async fn complete_from_the_client__stops_the_operation_and_frees_its_id() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let mut socket = app.ws(&ada.token).await;
    socket.subscribe("live", USER_EVENTS, json!({})).await;
    socket.expect_quiet().await;
    socket
        .send(json!({ "type": "complete", "id": "live" }))
        .await;
    socket.expect_quiet().await;
    // Reusing the id would close 4409 if the operation were still running.
    socket.subscribe("live", USER_EVENTS, json!({})).await;
    socket.expect_quiet().await;
}

#[tokio::test]
async fn a_socket_without_the_graphql_ws_subprotocol__closes_4406() {
    let app = TestApp::spawn().await;
    let mut socket = WsClient::connect_with_protocol(&app.ws_url, None).await;
    assert_eq!(socket.closed().await.0, 4406);
}

#[tokio::test]
async fn shutdown__closes_open_sockets_with_1001() {
    let mut app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let mut socket = app.ws(&ada.token).await;
    socket.subscribe("live", USER_EVENTS, json!({})).await;
    socket.expect_quiet().await;
    app.shutdown().await;
    assert_eq!(socket.closed().await.0, 1001);
}

#[tokio::test]
async fn an_internal_failure_during_init__closes_4500_without_details() {
    let proxy = TcpProxy::start(mongodb_address()).await;
    let port = proxy.port;
    let app = TestApp::spawn_with(|s| {
        s.database.mongodb_uri = format!(
            "mongodb://127.0.0.1:{port}/?directConnection=true&serverSelectionTimeoutMS=300"
        )
        .into();
    })
    .await;
    let ada = app.sign_up("ada").await;
    proxy.stop();
    let mut socket = WsClient::connect(&app.ws_url).await;
    socket
        .send(json!({ "type": "connection_init", "payload": { "token": ada.token } }))
        .await;
    let (code, reason) = socket.closed().await;
    assert_eq!((code, reason.as_str()), (4500, "Internal server error"));
}
