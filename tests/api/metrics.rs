//! `/metrics`: the Prometheus series after some traffic.
//!
//! The recorder is process-wide and the tests run in parallel, so these
//! tests check that series exist and move, never exact totals.

use serde_json::json;

use crate::helpers::{TestApp, TestRedis, await_numsub};

const USER_EVENTS: &str = "subscription { userEvents { kind user { id } } }";

async fn scrape(app: &TestApp) -> String {
    let response = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    response.text().await.unwrap()
}

/// The value of the first sample whose line starts with `series`.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test]
async fn metrics__expose_the_named_series_after_some_traffic() {
    let redis = TestRedis::shared().await;
    let url = redis.url.clone();
    let app = TestApp::spawn_with(|s| s.cluster.redis_url = Some(url.into())).await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    app.befriend(&ada, &bob).await;
    let mut socket = app.ws(&bob.token).await;
    socket.subscribe("s", USER_EVENTS, json!({})).await;
    socket.expect_quiet().await;
    await_numsub(&redis.url, &format!("chat:ev:user:{}", bob.id), 1).await;
    app.set_bio(&ada, "hello").await;
    socket.next_data("s").await;
    app.gql_err(None, "{ me { id } }", json!({})).await;

    let metrics = scrape(&app).await;
    for series in [
        "chat_ws_connections ",
        "chat_subscriptions_active ",
        r#"chat_graphql_operations_total{operation="signUp",type="mutation",outcome="ok"}"#,
        r#"chat_graphql_operations_total{operation="me",type="query",outcome="UNAUTHENTICATED"}"#,
        r#"chat_graphql_operation_duration_seconds_bucket{operation="updateProfile",type="mutation",le="0.1"}"#,
        r#"chat_events_published_total{kind="user"}"#,
        r#"chat_events_delivered_total{kind="user"}"#,
        "chat_slow_consumers_dropped_total ",
        r#"chat_db_commands_total{command="insert",outcome="ok"}"#,
        r#"chat_db_command_duration_seconds_bucket{command="find",le="0.1"}"#,
        r#"chat_redis_messages_total{direction="out"}"#,
        r#"chat_redis_messages_total{direction="in"}"#,
        "chat_redis_link_up ",
    ] {
        assert!(
            sample(&metrics, series).is_some(),
            "no sample for {series} in:\n{metrics}"
        );
    }
    assert!(sample(&metrics, "chat_ws_connections ").unwrap() >= 1.0);
    assert!(sample(&metrics, "chat_subscriptions_active ").unwrap() >= 1.0);
    assert!(sample(&metrics, "chat_redis_link_up ").unwrap() >= 1.0);
}

#[tokio::test]
async fn rate_limited_calls__are_counted_by_bucket() {
    let app =
        TestApp::spawn_with(|s| s.rate_limits.rate_limit_sign_in = "1/1m".parse().unwrap()).await;
    let sign_in = "mutation($input: SignInInput!) { signIn(input: $input) { token } }";
    let wrong = json!({ "input": { "login": "nobody", "password": "wrong password" } });
    app.gql(None, sign_in, wrong.clone()).await;
    assert_eq!(app.gql_err(None, sign_in, wrong).await, "RATE_LIMITED");

    let metrics = scrape(&app).await;
    let series = r#"chat_rate_limited_total{bucket="sign_in"}"#;
    assert!(
        sample(&metrics, series).is_some_and(|n| n >= 1.0),
        "{metrics}"
    );
}

#[tokio::test]
async fn operation_labels__come_from_the_schema_never_from_client_input() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let invented = format!("invented_{}", uuid::Uuid::new_v4().simple());
    app.gql(None, &format!("{{ {invented} }}"), json!({})).await;
    let renamed = format!("Client_{}", uuid::Uuid::new_v4().simple());
    app.gql_ok(
        Some(&ada.token),
        &format!("query {renamed} {{ me {{ id }} }}"),
        json!({}),
    )
    .await;

    let metrics = scrape(&app).await;
    assert!(
        !metrics.contains(&invented),
        "a client's field became a label"
    );
    assert!(
        !metrics.contains(&renamed),
        "a client's name became a label"
    );
    assert!(metrics.contains(r#"operation="invalid""#));
}

#[tokio::test]
async fn websocket_operations__are_counted_like_http_ones() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let series =
        r#"chat_graphql_operations_total{operation="searchUsers",type="query",outcome="ok"}"#;
    let before = sample(&scrape(&app).await, series).unwrap_or(0.0);
    let mut socket = app.ws(&ada.token).await;
    socket
        .subscribe(
            "q",
            "{ searchUsers(query: \"ad\") { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(socket.recv().await["type"], "next");
    assert_eq!(socket.recv().await["type"], "complete");
    let after = sample(&scrape(&app).await, series).unwrap_or(0.0);
    assert!(after >= before + 1.0, "{before} -> {after}");
}

#[test]
fn grafana_dashboard__queries_only_series_the_server_exports() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/ops/grafana-dashboard.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut queried = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().unwrap();
            queried.extend(
                expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .filter(|word| word.starts_with("chat_"))
                    .map(|word| word.trim_end_matches("_bucket").to_owned()),
            );
        }
    }
    assert!(!queried.is_empty());
    for name in &queried {
        assert!(
            chat_server::metrics::NAMES.contains(&name.as_str()),
            "the dashboard queries {name}, which the server does not export"
        );
    }
}
