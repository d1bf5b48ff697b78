//! `/health` and `/ready`.

use crate::helpers::{TcpProxy, TestApp, mongodb_address};

#[tokio::test]
async fn health__is_ok() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .get(format!("{}/health", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn ready__follows_the_database() {
    let proxy = TcpProxy::start(mongodb_address()).await;
    let port = proxy.port;
    let app = TestApp::spawn_with(|s| {
        s.database.mongodb_uri = format!(
            "mongodb://127.0.0.1:{port}/?directConnection=true&serverSelectionTimeoutMS=500"
        )
        .into();
    })
    .await;
    let ready = app
        .http
        .get(format!("{}/ready", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);

    proxy.stop();
    let ready = app
        .http
        .get(format!("{}/ready", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["checks"]["mongodb"], "down");
}
