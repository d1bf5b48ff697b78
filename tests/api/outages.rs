//! A database that is down or stalled: requests fail within their bounds
//! with a retryable `UNAVAILABLE` (HTTP 503 for GraphQL-over-HTTP clients),
//! never hang and never say `INTERNAL`.

use serde_json::{Value, json};

use crate::helpers::{EVENT_TIMEOUT, TcpProxy, TestApp, mongodb_address};

const USER: &str = "query($id: ID!) { user(id: $id) { handle } }";
const UPDATE_BIO: &str =
    "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { bio } }";

/// An app whose MongoDB traffic goes through `proxy`.
async fn app_behind(proxy: &TcpProxy, request_timeout_ms: u64) -> TestApp {
    let port = proxy.port;
    TestApp::spawn_with(|s| {
        s.database.mongodb_uri =
            format!("mongodb://127.0.0.1:{port}/?directConnection=true").into();
        s.database.db_timeout_ms = 300;
        s.queries.request_timeout_ms = request_timeout_ms;
    })
    .await
}

/// Posts `query` for `token` as a GraphQL-over-HTTP client; the status and
/// body. Fails the test if no answer comes in time (a request that hangs).
async fn post(app: &TestApp, token: &str, query: &str, variables: Value) -> (u16, Value) {
    let request = app
        .http
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/graphql-response+json")
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send();
    let response = tokio::time::timeout(EVENT_TIMEOUT, request)
        .await
        .expect("an answer, not a hang")
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn assert_unavailable((status, body): &(u16, Value)) {
    assert_eq!(*status, 503, "{body}");
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "UNAVAILABLE", "{body}");
    assert!(
        error["extensions"]["retryAfterMs"]
            .as_u64()
            .is_some_and(|ms| ms > 0),
        "{body}"
    );
}

#[tokio::test]
async fn a_stopped_database__fails_queries_and_mutations_with_unavailable() {
    let proxy = TcpProxy::start(mongodb_address()).await;
    let app = app_behind(&proxy, 10_000).await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    proxy.stop();

    assert_unavailable(&post(&app, &ada.token, USER, json!({ "id": bob.id })).await);
    let input = json!({ "input": { "bio": "x" } });
    assert_unavailable(&post(&app, &ada.token, UPDATE_BIO, input).await);
    assert_eq!(app.ready().await.0, 503);
}

#[tokio::test]
async fn a_stalled_database__answers_unavailable_at_the_request_deadline() {
    let proxy = TcpProxy::start(mongodb_address()).await;
    let app = app_behind(&proxy, 500).await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    // Over WebSocket: one `error` message with the code, and the socket
    // stays usable.
    let mut socket = app.ws(&ada.token).await;
    proxy.pause();
    socket.subscribe("q", USER, json!({ "id": bob.id })).await;
    let message = tokio::time::timeout(EVENT_TIMEOUT, socket.recv())
        .await
        .expect("an answer, not a hang");
    assert_eq!(message["type"], "error", "{message}");
    assert_eq!(message["payload"][0]["extensions"]["code"], "UNAVAILABLE");
    // Over HTTP, where finding the caller reads the database too.
    assert_unavailable(&post(&app, &ada.token, USER, json!({ "id": bob.id })).await);
    proxy.resume();
    // Once the database is back, so is the service.
    let (status, body) = post(&app, &ada.token, USER, json!({ "id": bob.id })).await;
    assert_eq!(
        (status, &body["data"]["user"]["handle"]),
        (200, &json!("bob")),
        "{body}"
    );
}
