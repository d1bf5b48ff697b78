//! GraphQL over HTTP: methods, media types, status codes, and the playground.

use reqwest::header::{ACCEPT, ALLOW, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::helpers::TestApp;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

fn url(app: &TestApp) -> String {
    format!("{}/graphql", app.address)
}

#[tokio::test]
async fn get__runs_a_query() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .get(url(&app))
        .query(&[("query", "{ __typename }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["__typename"], "Query");
}

#[tokio::test]
async fn get__a_mutation__is_405_with_allow_post_and_changes_nothing() {
    let app = TestApp::spawn().await;
    // Anonymous, and named without an operationName: both would run.
    for mutation in [
        r#"mutation { signUp(input: {email: "g@example.com", handle: "getter", name: "G", password: "long enough pw"}) { token } }"#,
        r#"mutation Named { signUp(input: {email: "g@example.com", handle: "getter", name: "G", password: "long enough pw"}) { token } }"#,
    ] {
        assert_get_mutation_refused(&app, mutation).await;
    }
}

async fn assert_get_mutation_refused(app: &TestApp, mutation: &str) {
    let response = app
        .http
        .get(url(app))
        .query(&[("query", mutation)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405, "{mutation}");
    assert_eq!(response.headers()[ALLOW], "POST");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let handle = chat_server::domain::Handle::parse("getter").unwrap();
    assert!(
        app.db
            .users()
            .find_by_handle(&handle)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn post__bodies_that_are_not_graphql_requests__are_400_for_both_media_types() {
    let app = TestApp::spawn().await;
    for accept in ["application/json", GRAPHQL_RESPONSE] {
        for body in [
            "not json",
            r#"{"foo": 1}"#,
            r#"[{"query": "{ __typename }"}]"#,
            r#"{"query": 5}"#,
        ] {
            let response = app
                .http
                .post(url(&app))
                .header(CONTENT_TYPE, "application/json")
                .header(ACCEPT, accept)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 400, "{accept} {body}");
            let json: Value = response.json().await.unwrap();
            assert_eq!(json["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        }
    }
}

#[tokio::test]
async fn post__a_body_over_the_limit__is_413() {
    let app = TestApp::spawn().await;
    let huge = json!({ "query": format!("{{ __typename }} #{}", "x".repeat(300 * 1024)) });
    let response = app.http.post(url(&app)).json(&huge).send().await.unwrap();
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn post__without_a_json_content_type__is_415() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .post(url(&app))
        .header(CONTENT_TYPE, "text/plain")
        .body(r#"{"query": "{ __typename }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
}

#[tokio::test]
async fn validation_errors__are_400_with_graphql_response_json_and_200_with_json() {
    let app = TestApp::spawn().await;
    for (accept, status, content_type) in [
        (GRAPHQL_RESPONSE, 400, GRAPHQL_RESPONSE),
        ("application/json", 200, "application/json"),
    ] {
        let response = app
            .http
            .post(url(&app))
            .header(ACCEPT, accept)
            .json(&json!({ "query": "{ noSuchField }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{accept}");
        assert!(
            response.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with(content_type)
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "GRAPHQL_VALIDATION_FAILED"
        );
    }
}

#[tokio::test]
async fn request_errors__have_no_data_entry_in_either_media_type() {
    let app = TestApp::spawn().await;
    for accept in [GRAPHQL_RESPONSE, "application/json"] {
        for (what, body, code) in [
            (
                "parse failure",
                json!({ "query": "{ me { " }).to_string(),
                "GRAPHQL_PARSE_FAILED",
            ),
            (
                "validation failure",
                json!({ "query": "{ noSuchField }" }).to_string(),
                "GRAPHQL_VALIDATION_FAILED",
            ),
            (
                "not a request",
                r#"{"qeury": "{ __typename }"}"#.to_owned(),
                "BAD_USER_INPUT",
            ),
        ] {
            let response = app
                .http
                .post(url(&app))
                .header(CONTENT_TYPE, "application/json")
                .header(ACCEPT, accept)
                .body(body)
                .send()
                .await
                .unwrap();
            let body: Value = response.json().await.unwrap();
            assert_eq!(
                body["errors"][0]["extensions"]["code"], code,
                "{accept} {what}: {body}"
            );
            assert!(
                body.get("data").is_none(),
                "{accept} {what}: no data entry: {body}"
            );
        }
    }
}

#[tokio::test]
async fn field_errors__are_200_even_with_graphql_response_json() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .post(url(&app))
        .header(ACCEPT, GRAPHQL_RESPONSE)
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert!(body.get("data").is_some(), "execution began: {body}");
}

#[tokio::test]
async fn syntax_errors__carry_a_code() {
    let app = TestApp::spawn().await;
    let body = app.gql(None, "{ me { ", json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );
}

#[tokio::test]
async fn a_malformed_authorization_header__fails_guarded_fields_but_not_public_ones() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let send = |query: &'static str| {
        app.http
            .post(url(&app))
            .header("Authorization", "Token abc")
            .json(&json!({ "query": query, "variables": { "input": { "login": "ada", "password": ada.password } } }))
            .send()
    };
    let body: Value = send("{ me { id } }").await.unwrap().json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let body: Value = send("mutation($input: SignInInput!) { signIn(input: $input) { token } }")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["data"]["signIn"]["token"].is_string(), "{body}");
}

#[tokio::test]
async fn playground__serves_graphiql_from_the_server_itself() {
    let app = TestApp::spawn().await;
    let page = app
        .http
        .get(format!("{}/playground", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("/playground/playground.js"));
    for asset in ["playground.js", "playground.css"] {
        let response = app
            .http
            .get(format!("{}/playground/{asset}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        assert!(response.bytes().await.unwrap().len() > 1000);
    }
}

#[tokio::test]
async fn production__hides_the_playground_and_introspection() {
    let app = TestApp::spawn_with(|s| {
        s.server.app_env = chat_server::config::AppEnv::Production;
        s.auth.jwt_secret = Some("a production secret that is long enough!".to_owned().into());
    })
    .await;
    let page = app
        .http
        .get(format!("{}/playground", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    let body = app
        .gql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert!(body["data"]["__schema"].is_null(), "{body}");
}
