//! What a browser front end on another origin needs: CORS on `/graphql`,
//! the `Origin` check of WebSocket upgrades, Apollo's automatic persisted
//! queries, and Apollo Server's error codes.

use reqwest::header::{ACCEPT, ORIGIN};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::{TestApp, WsClient};

const DEV_PAGE: &str = "http://localhost:5173";
const APP_PAGE: &str = "https://app.example.com";

fn url(app: &TestApp) -> String {
    format!("{}/graphql", app.address)
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.http
        .request(reqwest::Method::OPTIONS, url(app))
        .header(ORIGIN, origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type,apollo-require-preflight",
        )
        .send()
        .await
        .unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn cors__a_page_on_localhost__may_call_the_api_in_development() {
    let app = TestApp::spawn().await;
    let answer = preflight(&app, DEV_PAGE).await;
    assert!(answer.status().is_success(), "{}", answer.status());
    assert_eq!(
        header(&answer, "access-control-allow-origin").as_deref(),
        Some(DEV_PAGE)
    );
    let allowed = header(&answer, "access-control-allow-headers").unwrap_or_default();
    for name in ["authorization", "content-type", "apollo-require-preflight"] {
        assert!(allowed.contains(name), "{name} in {allowed}");
    }
    assert!(header(&answer, "access-control-max-age").is_some());
    assert_eq!(header(&answer, "access-control-allow-credentials"), None);

    let call = app
        .http
        .post(url(&app))
        .header(ORIGIN, DEV_PAGE)
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&call, "access-control-allow-origin").as_deref(),
        Some(DEV_PAGE)
    );
    // Other origins get no permission.
    let elsewhere = preflight(&app, "https://evil.example").await;
    assert_eq!(header(&elsewhere, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn cors__with_an_allow_list__only_those_origins_may_call_or_open_sockets() {
    let app = TestApp::spawn_with(|s| s.server.cors_allowed_origins = Some(APP_PAGE.into())).await;
    let listed = preflight(&app, APP_PAGE).await;
    assert_eq!(
        header(&listed, "access-control-allow-origin").as_deref(),
        Some(APP_PAGE)
    );
    for other in [DEV_PAGE, "https://evil.example"] {
        let answer = preflight(&app, other).await;
        assert_eq!(
            header(&answer, "access-control-allow-origin"),
            None,
            "{other}"
        );
    }

    let upgrade = |origin: Option<&'static str>| {
        let mut request = app.ws_url.as_str().into_client_request().unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("Origin", origin.parse().unwrap());
        }
        tokio_tungstenite::connect_async(request)
    };
    match upgrade(Some("https://evil.example")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("expected a refused upgrade, got {:?}", other.map(|_| ())),
    }
    assert!(upgrade(Some(APP_PAGE)).await.is_ok(), "a listed origin");
    assert!(
        upgrade(None).await.is_ok(),
        "a client that is not a browser"
    );
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

#[tokio::test]
async fn persisted_queries__unknown_then_registered_then_by_hash_over_post_get_and_websocket() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let query = "query Me { me { handle } }";
    let hash = sha256(query);
    let post = |body: Value| {
        app.http
            .post(url(&app))
            .bearer_auth(&ada.token)
            .header(ACCEPT, "application/graphql-response+json")
            .json(&body)
            .send()
    };

    let unknown = post(json!({ "extensions": persisted(&hash) }))
        .await
        .unwrap();
    assert_eq!(unknown.status(), 200);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["message"], "PersistedQueryNotFound",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );

    let wrong = post(json!({ "query": query, "extensions": persisted(&sha256("{ other }")) }))
        .await
        .unwrap();
    assert_eq!(wrong.status(), 400);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );

    let full: Value = post(json!({ "query": query, "extensions": persisted(&hash) }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(full["data"]["me"]["handle"], "ada", "{full}");
    let by_hash: Value = post(json!({ "extensions": persisted(&hash) }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_hash["data"]["me"]["handle"], "ada", "{by_hash}");

    // A short GET a CDN could cache (but the answer says no-store: every
    // query here depends on who asks).
    let get = app
        .http
        .get(url(&app))
        .bearer_auth(&ada.token)
        .query(&[("extensions", persisted(&hash).to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(header(&get, "cache-control").as_deref(), Some("no-store"));
    let body: Value = get.json().await.unwrap();
    assert_eq!(body["data"]["me"]["handle"], "ada", "{body}");

    // Over graphql-ws too.
    let mut socket = app.ws(&ada.token).await;
    socket
        .send(json!({ "id": "1", "type": "subscribe", "payload": { "extensions": persisted(&hash) } }))
        .await;
    let next = socket.next_data("1").await;
    assert_eq!(next["data"]["me"]["handle"], "ada", "{next}");
}

#[tokio::test]
async fn persisted_queries__a_mutation_by_hash_over_get__is_405_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let mutation = "mutation { updateProfile(input: { bio: \"over get\" }) { bio } }";
    let hash = sha256(mutation);
    let body = json!({ "query": mutation, "extensions": persisted(&hash) });
    let registered = app
        .http
        .post(url(&app))
        .bearer_auth(&ada.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 200);
    app.set_bio(&ada, "before").await;
    let get = app
        .http
        .get(url(&app))
        .bearer_auth(&ada.token)
        .query(&[("extensions", persisted(&hash).to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405);
    let me = app
        .gql_ok(Some(&ada.token), "{ me { bio } }", json!({}))
        .await;
    assert_eq!(me["me"]["bio"], "before");
}

#[tokio::test]
async fn error_codes__parse_and_validation_failures__use_apollo_servers_codes() {
    let app = TestApp::spawn().await;
    let parse = app.gql(None, "{ me { ", json!({})).await;
    assert_eq!(
        parse["errors"][0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED",
        "{parse}"
    );
    let validation = app.gql(None, "{ noSuchField }", json!({})).await;
    assert_eq!(
        validation["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{validation}"
    );
    // Over graphql-ws too, as one error message.
    let ada = app.sign_up("ada").await;
    let mut socket: WsClient = app.ws(&ada.token).await;
    socket.subscribe("v", "{ noSuchField }", json!({})).await;
    let error = socket.recv().await;
    assert_eq!(error["type"], "error");
    assert_eq!(
        error["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
}
