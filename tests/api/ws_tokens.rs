//! Tokens over WebSocket: every token the HTTP side refuses (see
//! `accounts.rs`) closes the socket with 4403 at `connection_init`, in either
//! payload shape, before anything is acknowledged.

use serde_json::json;

use crate::helpers::{TestApp, WsClient, refused_tokens};

#[tokio::test]
async fn connection_init__with_any_refused_token__closes_4403_before_any_ack() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    for (name, token) in refused_tokens(&app, &ada) {
        let payloads = [
            json!({ "authorization": format!("Bearer {token}") }),
            json!({ "token": token }),
        ];
        for payload in payloads {
            let mut socket = WsClient::connect(&app.ws_url).await;
            socket
                .send(json!({ "type": "connection_init", "payload": payload }))
                .await;
            let (code, reason) = socket.closed_at_once().await;
            assert_eq!((code, reason.as_str()), (4403, "Forbidden"), "{name}");
        }
    }
    // Refused sockets took none of the user's slots: a valid token still
    // gets in, and can subscribe.
    let mut socket = app.ws(&ada.token).await;
    socket.subscribe("me", "{ me { handle } }", json!({})).await;
    assert_eq!(socket.next_data("me").await["data"]["me"]["handle"], "ada");
}

#[tokio::test]
async fn subscribe_after_a_refused_init__is_never_answered_with_data() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let (_, expired) = refused_tokens(&app, &ada)
        .into_iter()
        .find(|(name, _)| *name == "expired")
        .unwrap();
    let mut socket = WsClient::connect(&app.ws_url).await;
    socket
        .send(json!({ "type": "connection_init", "payload": { "token": expired } }))
        .await;
    // Sent without waiting for the answer to init, as an eager client would.
    socket.subscribe("me", "{ me { email } }", json!({})).await;
    assert_eq!(socket.closed_at_once().await.0, 4403);
}
