//! Sign-up, sign-in, `me`, and tokens over HTTP.

use chat_server::auth::TokenService;
use chat_server::domain::{Handle, SessionId, UserId};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, refused_tokens};

const SIGN_UP: &str = "mutation($input: SignUpInput!) { signUp(input: $input) { token expiresAt user { id handle name email } } }";
const SIGN_IN: &str =
    "mutation($input: SignInInput!) { signIn(input: $input) { token user { id handle } } }";
const ME: &str = "{ me { id handle name email } }";

fn sign_up_input(email: &str, handle: &str, name: &str, password: &str) -> Value {
    json!({ "input": { "email": email, "handle": handle, "name": name, "password": password } })
}

#[tokio::test]
async fn sign_up__returns_a_token_that_works_for_me() {
    let app = TestApp::spawn().await;
    let data = app
        .gql_ok(
            None,
            SIGN_UP,
            sign_up_input(
                "Ada@Example.com",
                "Ada_L",
                "Ada Lovelace",
                "analytical engine",
            ),
        )
        .await;
    let token = data["signUp"]["token"].as_str().unwrap();
    assert_eq!(data["signUp"]["user"]["email"], "ada@example.com");
    assert_eq!(data["signUp"]["user"]["handle"], "Ada_L");

    let me = app.gql_ok(Some(token), ME, json!({})).await;
    assert_eq!(me["me"]["id"], data["signUp"]["user"]["id"]);
    assert_eq!(me["me"]["name"], "Ada Lovelace");
    assert_eq!(me["me"]["email"], "ada@example.com");
}

#[tokio::test]
async fn sign_in__with_email_or_handle_in_any_case__succeeds() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("Ada").await;
    for login in [
        ada.email.as_str(),
        "ADA@EXAMPLE.COM",
        ada.handle.as_str(),
        "ADA",
    ] {
        let data = app
            .gql_ok(
                None,
                SIGN_IN,
                json!({ "input": { "login": login, "password": ada.password } }),
            )
            .await;
        assert_eq!(
            data["signIn"]["user"]["id"],
            ada.id.as_str(),
            "login {login}"
        );
        let me = app
            .gql_ok(data["signIn"]["token"].as_str(), ME, json!({}))
            .await;
        assert_eq!(me["me"]["handle"], "Ada");
    }
}

#[tokio::test]
async fn sign_in__wrong_password_and_unknown_login__fail_alike() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let wrong = app
        .gql(
            None,
            SIGN_IN,
            json!({ "input": { "login": "ada", "password": "not the password" } }),
        )
        .await;
    let unknown = app
        .gql(
            None,
            SIGN_IN,
            json!({ "input": { "login": "nobody", "password": ada.password } }),
        )
        .await;
    assert_eq!(error_code(&wrong), "UNAUTHENTICATED");
    assert_eq!(error_code(&unknown), "UNAUTHENTICATED");
    assert_eq!(
        wrong["errors"][0]["message"],
        unknown["errors"][0]["message"]
    );
}

#[tokio::test]
async fn sign_up__duplicate_email__is_conflict_and_stores_nothing() {
    let app = TestApp::spawn().await;
    app.sign_up("first").await;
    let code = app
        .gql_err(
            None,
            SIGN_UP,
            sign_up_input("FIRST@example.com", "second", "Second", "long enough pw"),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    let stored = app
        .db
        .users()
        .find_by_handle(&Handle::parse("second").unwrap())
        .await
        .unwrap();
    assert!(stored.is_none());
}

#[tokio::test]
async fn sign_up__duplicate_handle_in_other_case__is_conflict() {
    let app = TestApp::spawn().await;
    app.sign_up("grace").await;
    let code = app
        .gql_err(
            None,
            SIGN_UP,
            sign_up_input("other@example.com", "GRACE", "Grace", "long enough pw"),
        )
        .await;
    assert_eq!(code, "CONFLICT");
}

#[tokio::test]
async fn sign_up__concurrent_duplicates__exactly_one_succeeds() {
    let app = TestApp::spawn().await;
    let attempts = (0..8).map(|i| {
        app.gql(
            None,
            SIGN_UP,
            sign_up_input(
                "race@example.com",
                &format!("racer{i}"),
                "Racer",
                "long enough pw",
            ),
        )
    });
    let results = futures_util::future::join_all(attempts).await;
    let successes = results.iter().filter(|r| r.get("errors").is_none()).count();
    assert_eq!(successes, 1);
    assert!(
        results
            .iter()
            .filter(|r| r.get("errors").is_some())
            .all(|r| error_code(r) == "CONFLICT")
    );
}

#[tokio::test]
async fn sign_up__invalid_fields__are_bad_user_input_naming_the_field_and_store_nothing() {
    let app = TestApp::spawn().await;
    let long_name = "n".repeat(81);
    let cases = [
        (
            "not-an-email",
            "valid_one",
            "Name",
            "long enough pw",
            "email",
        ),
        ("a@b", "valid_two", "Name", "long enough pw", "email"),
        ("ok3@example.com", "x", "Name", "long enough pw", "handle"),
        (
            "ok4@example.com",
            "9starts_with_digit",
            "Name",
            "long enough pw",
            "handle",
        ),
        (
            "ok5@example.com",
            "has space",
            "Name",
            "long enough pw",
            "handle",
        ),
        ("ok6@example.com", "valid_six", "", "long enough pw", "name"),
        (
            "ok7@example.com",
            "valid_seven",
            long_name.as_str(),
            "long enough pw",
            "name",
        ),
        (
            "ok8@example.com",
            "valid_eight",
            "Bad\u{0007}Name",
            "long enough pw",
            "name",
        ),
        ("ok9@example.com", "valid_nine", "Name", "short", "password"),
    ];
    for (email, handle, name, password, field) in cases {
        let body = app
            .gql(None, SIGN_UP, sign_up_input(email, handle, name, password))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "case {field}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
        if let Ok(handle) = Handle::parse(handle) {
            let stored = app.db.users().find_by_handle(&handle).await.unwrap();
            assert!(stored.is_none(), "{handle:?} must not be stored");
        }
    }
}

#[tokio::test]
async fn me__without_a_token__is_unauthenticated() {
    let app = TestApp::spawn().await;
    assert_eq!(app.gql_err(None, ME, json!({})).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn me__with_forged_expired_or_foreign_tokens__is_unauthenticated() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    for (name, token) in refused_tokens(&app, &ada) {
        let body = app.gql(Some(&token), ME, json!({})).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{name}: {body}");
    }
}

#[tokio::test]
async fn me__with_a_token_of_a_user_that_does_not_exist__is_unauthenticated() {
    let app = TestApp::spawn().await;
    let token = TokenService::new(&app.settings)
        .issue(UserId::new(), SessionId::new())
        .unwrap()
        .token;
    assert_eq!(
        app.gql_err(Some(&token), ME, json!({})).await,
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn user__email_is_visible_to_its_owner_only() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let query = "query($id: ID!) { user(id: $id) { handle email } }";
    let by_bob = app
        .gql_ok(Some(&bob.token), query, json!({ "id": ada.id }))
        .await;
    assert_eq!(by_bob["user"]["handle"], "ada");
    assert!(by_bob["user"]["email"].is_null());
    let by_ada = app
        .gql_ok(Some(&ada.token), query, json!({ "id": ada.id }))
        .await;
    assert_eq!(by_ada["user"]["email"], "ada@example.com");
}

#[tokio::test]
async fn user__bad_or_unknown_ids__are_bad_input_or_not_found() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let query = "query($id: ID!) { user(id: $id) { handle } }";
    let code = app
        .gql_err(Some(&ada.token), query, json!({ "id": "not-an-id" }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let code = app
        .gql_err(
            Some(&ada.token),
            query,
            json!({ "id": UserId::new().to_string() }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    let by_handle = app
        .gql_ok(
            Some(&ada.token),
            "{ userByHandle(handle: \"ADA\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(by_handle["userByHandle"]["id"], ada.id.as_str());
}

#[tokio::test]
async fn sign_in__operator_shaped_logins__match_nobody() {
    let app = TestApp::spawn().await;
    app.sign_up("ada").await;
    for login in [r#"{"$ne": null}"#, r#"{"$gt": ""}"#, "$where", ".*"] {
        let code = app
            .gql_err(
                None,
                SIGN_IN,
                json!({ "input": { "login": login, "password": "correct horse battery" } }),
            )
            .await;
        assert_eq!(code, "UNAUTHENTICATED", "{login}");
    }
    // A JSON object where a string is expected is refused by the schema.
    let code = app
        .gql_err(
            None,
            SIGN_IN,
            json!({ "input": { "login": { "$ne": null }, "password": "x" } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}
