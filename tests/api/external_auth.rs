//! Tokens of the app's own identity provider (`AUTH_MODE=external`/`both`):
//! a provider started by the test publishes its keys over local HTTP.

use std::time::Duration;

use chat_server::config::AuthMode;
use chat_server::config::Settings;
use serde_json::{Value, json};

use crate::helpers::provider::{AUDIENCE, Provider, SigningKey, unsigned_token};
use crate::helpers::{TestApp, WsClient, error_code};

const ME: &str = "query { me { id handle name email image } }";

/// Points `settings` at `provider` in `mode`.
fn trusting(provider: &Provider, mode: AuthMode) -> impl FnOnce(&mut Settings) {
    let (issuer, jwks) = (provider.url.clone(), provider.jwks_url());
    move |s| {
        s.identity.auth_mode = mode;
        s.identity.auth_issuer = Some(issuer);
        s.identity.auth_audience = Some(AUDIENCE.into());
        s.identity.auth_jwks_url = Some(jwks);
        // Every unknown `kid` may fetch again: rotation is tested without
        // waiting out the interval.
        s.identity.auth_jwks_refresh_min_seconds = 0;
    }
}

async fn me(app: &TestApp, token: &str) -> Value {
    app.gql(Some(token), ME, json!({})).await
}

#[tokio::test]
async fn rs256_and_es256_tokens__sign_a_new_user_in_and_provision_the_profile() {
    let (rsa, ec) = (SigningKey::rsa("rsa-1"), SigningKey::es256("ec-1"));
    let provider = Provider::start(&[&rsa, &ec]).await;
    let app = TestApp::spawn_with(trusting(&provider, AuthMode::Both)).await;
    // A built-in account already holds the handle the provider suggests.
    app.sign_up("ada").await;

    let mut claims = provider.claims("auth0|ada", 300);
    claims["name"] = json!("Ada Lovelace");
    claims["preferred_username"] = json!("ada");
    claims["email"] = json!("ada.lovelace@example.com");
    claims["picture"] = json!("https://cdn.example.com/ada.png");
    let first = me(&app, &rsa.sign(&claims)).await;
    let user = &first["data"]["me"];
    assert_eq!(user["name"], "Ada Lovelace", "{first}");
    assert_eq!(user["email"], "ada.lovelace@example.com");
    assert_eq!(user["image"], "https://cdn.example.com/ada.png");
    let handle = user["handle"].as_str().unwrap();
    assert!(handle.starts_with("ada_") && handle.len() == 10, "{handle}");

    // The same provider user, with the other key: the same account.
    let again = me(&app, &ec.sign(&provider.claims("auth0|ada", 300))).await;
    assert_eq!(again["data"]["me"]["id"], user["id"], "{again}");
    assert_eq!(again["data"]["me"]["handle"], handle);
    // A provisioned account has no password to sign in with.
    let sign_in = app
        .gql(
            None,
            "mutation($i: SignInInput!) { signIn(input: $i) { __typename } }",
            json!({ "i": { "login": "ada.lovelace@example.com", "password": "whatever-it-is" } }),
        )
        .await;
    assert_eq!(error_code(&sign_in), "UNAUTHENTICATED");
}

#[tokio::test]
async fn bad_tokens__are_refused() {
    let rsa = SigningKey::rsa("rsa-1");
    let stranger = SigningKey::rsa("rsa-1");
    let ec = SigningKey::es256("ec-1");
    let provider = Provider::start(&[&rsa, &ec]).await;
    let app = TestApp::spawn_with(|s| {
        trusting(&provider, AuthMode::Both)(s);
        s.identity.auth_algorithms = "RS256".into();
    })
    .await;
    let good = provider.claims("auth0|bob", 300);
    let with = |field: &str, value: Value| {
        let mut claims = good.clone();
        claims[field] = value;
        claims
    };
    // The public key, as an HMAC secret: the classic confusion attack.
    let public_key_as_secret = {
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        let secret = serde_json::to_vec(&rsa.jwk).unwrap();
        jsonwebtoken::encode(
            &header,
            &good,
            &jsonwebtoken::EncodingKey::from_secret(&secret),
        )
        .unwrap()
    };
    let refused = [
        (
            "wrong issuer",
            rsa.sign(&with("iss", json!("https://evil.example"))),
        ),
        ("wrong audience", rsa.sign(&with("aud", json!("other-api")))),
        ("algorithm not allowed", ec.sign(&good)),
        ("unknown kid", rsa.sign_as(&good, Some("no-such-key"))),
        ("another key under a known kid", stranger.sign(&good)),
        (
            "expired",
            rsa.sign(&with("exp", json!(chrono::Utc::now().timestamp() - 5))),
        ),
        ("no iat", {
            let mut claims = good.clone();
            claims.as_object_mut().unwrap().remove("iat");
            rsa.sign(&claims)
        }),
        ("alg none", unsigned_token(&good)),
        ("HS256 signed with the public key", public_key_as_secret),
    ];
    for (what, token) in refused {
        assert_eq!(
            error_code(&me(&app, &token).await),
            "UNAUTHENTICATED",
            "{what}"
        );
        let mut socket = WsClient::connect(&app.ws_url).await;
        socket
            .send(json!({ "type": "connection_init", "payload": { "token": token } }))
            .await;
        assert_eq!(socket.closed().await.0, 4403, "{what}");
    }
    // Nothing was provisioned by any of them.
    assert!(
        app.db
            .identities()
            .find("auth0|bob")
            .await
            .unwrap()
            .is_none()
    );
    assert!(me(&app, &rsa.sign(&good)).await["data"]["me"]["id"].is_string());
}

#[tokio::test]
async fn a_new_kid__is_fetched_without_a_restart() {
    let old = SigningKey::rsa("2026-01");
    let provider = Provider::start(&[&old]).await;
    let app = TestApp::spawn_with(trusting(&provider, AuthMode::External)).await;
    let claims = provider.claims("kc:carol", 300);
    let before = me(&app, &old.sign(&claims)).await;
    assert!(before["data"]["me"]["id"].is_string(), "{before}");

    let new = SigningKey::es256("2026-02");
    provider.add_key(&new);
    let after = me(&app, &new.sign(&claims)).await;
    assert_eq!(
        after["data"]["me"]["id"], before["data"]["me"]["id"],
        "{after}"
    );
}

#[tokio::test]
async fn the_provider_down__cached_keys_still_work() {
    let key = SigningKey::rsa("k1");
    let provider = Provider::start(&[&key]).await;
    let app = TestApp::spawn_with(trusting(&provider, AuthMode::External)).await;
    let claims = provider.claims("dave", 300);
    assert!(me(&app, &key.sign(&claims)).await["data"]["me"]["id"].is_string());
    provider.set_down(true);

    // An unknown kid tries the provider (down) and is refused...
    let stranger = SigningKey::rsa("k2");
    assert_eq!(
        error_code(&me(&app, &stranger.sign(&claims)).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(provider.fetches(), 2, "the first fetch and the failed one");
    // ...and the keys held keep working.
    let body = me(&app, &key.sign(&provider.claims("erin", 300))).await;
    assert!(body["data"]["me"]["id"].is_string(), "{body}");
}

#[tokio::test]
async fn unknown_kids__fetch_at_most_once_per_interval() {
    let key = SigningKey::rsa("k1");
    let provider = Provider::start(&[&key]).await;
    let app = TestApp::spawn_with(|s| {
        trusting(&provider, AuthMode::External)(s);
        s.identity.auth_jwks_refresh_min_seconds = 3600;
    })
    .await;
    let claims = provider.claims("ivy", 300);
    assert!(me(&app, &key.sign(&claims)).await["data"]["me"]["id"].is_string());
    for kid in ["made-up-1", "made-up-2", "made-up-3"] {
        let token = key.sign_as(&claims, Some(kid));
        assert_eq!(error_code(&me(&app, &token).await), "UNAUTHENTICATED");
    }
    assert_eq!(provider.fetches(), 1);
}

#[tokio::test]
async fn the_keys_address__is_discovered_from_the_issuer() {
    let key = SigningKey::es256("k1");
    let provider = Provider::start(&[&key]).await;
    let app = TestApp::spawn_with(|s| {
        trusting(&provider, AuthMode::External)(s);
        s.identity.auth_jwks_url = None;
    })
    .await;
    let body = me(&app, &key.sign(&provider.claims("frank", 300))).await;
    assert!(body["data"]["me"]["id"].is_string(), "{body}");
}

#[tokio::test]
async fn a_socket__opens_with_an_external_token_and_closes_when_it_expires() {
    let key = SigningKey::rsa("k1");
    let provider = Provider::start(&[&key]).await;
    let app = TestApp::spawn_with(trusting(&provider, AuthMode::External)).await;
    let mut socket = app.ws(&key.sign(&provider.claims("gina", 2))).await;
    let (code, reason) = tokio::time::timeout(Duration::from_secs(5), socket.closed())
        .await
        .expect("the socket closes when its token expires");
    assert_eq!((code, reason.as_str()), (4403, "Token expired"));
}

#[tokio::test]
async fn external_mode__refuses_built_in_accounts() {
    let key = SigningKey::rsa("k1");
    let provider = Provider::start(&[&key]).await;
    let both = TestApp::spawn_with(trusting(&provider, AuthMode::Both)).await;
    let ada = both.sign_up("ada").await;
    let external = both
        .spawn_peer(trusting(&provider, AuthMode::External))
        .await;

    assert_eq!(
        error_code(&me(&external, &ada.token).await),
        "UNAUTHENTICATED"
    );
    let sign_up = external
        .gql(
            None,
            "mutation($i: SignUpInput!) { signUp(input: $i) { __typename } }",
            json!({ "i": { "email": "bo@example.com", "handle": "bo", "name": "Bo", "password": "long enough password" } }),
        )
        .await;
    assert_eq!(error_code(&sign_up), "FORBIDDEN");
    assert!(
        sign_up["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("identity provider")
    );
    let body = me(&external, &key.sign(&provider.claims("hal", 300))).await;
    assert!(body["data"]["me"]["id"].is_string(), "{body}");
}

#[tokio::test]
async fn later_tokens__update_the_profile_only_with_profile_sync_always() {
    use chat_server::config::identity::ProfileSync;
    let key = SigningKey::rsa("k1");
    let provider = Provider::start(&[&key]).await;
    let named = |name: &str| {
        let mut claims = provider.claims("kc:nina", 300);
        claims["name"] = json!(name);
        key.sign(&claims)
    };
    let app = TestApp::spawn_with(trusting(&provider, AuthMode::External)).await;
    let first = me(&app, &named("Nina")).await;
    assert_eq!(first["data"]["me"]["name"], "Nina");
    // Fresh instances (nothing cached), one per setting.
    let keeps = app
        .spawn_peer(trusting(&provider, AuthMode::External))
        .await;
    let kept = me(&keeps, &named("Nina K.")).await;
    assert_eq!(
        kept["data"]["me"]["name"], "Nina",
        "the profile is the user's"
    );
    let follows = app
        .spawn_peer(|s| {
            trusting(&provider, AuthMode::External)(s);
            s.identity.auth_profile_sync = ProfileSync::Always;
        })
        .await;
    let synced = me(&follows, &named("Nina K.")).await;
    assert_eq!(synced["data"]["me"]["id"], first["data"]["me"]["id"]);
    assert_eq!(synced["data"]["me"]["name"], "Nina K.");
}
