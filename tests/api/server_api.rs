//! The server-side API: the app's backend with an `X-Api-Key`.

use std::time::Duration;

use chat_server::config::{AuthMode, Settings};
use serde_json::{Value, json};

use crate::helpers::provider::{AUDIENCE, Provider, SigningKey};
use crate::helpers::{RedisServer, TestApp, await_numsub, error_code};

const KEY: &str = "backend-secret-0123456789abcdef-0123456789";
const OLD_KEY: &str = "previous-secret-0123456789abcdef-01234567";

const UPSERT: &str = "mutation($input: UpsertUsersInput!) { upsertUsers(input: $input) { id handle name email image } }";
const DELETE: &str = "mutation($input: DeleteUserInput!) { deleteUser(input: $input) { userId } }";
const REVOKE: &str = "mutation($input: RevokeUserTokensInput!) { revokeUserTokens(input: $input) { userId issuedBefore sessionsEnded } }";
const ME: &str = "query { me { id } }";

/// Keys and a provider for `settings`.
fn configure(provider: &Provider) -> impl FnOnce(&mut Settings) + Clone {
    let (issuer, jwks) = (provider.url.clone(), provider.jwks_url());
    move |s| {
        s.identity.server_api_keys = Some(format!("app:{KEY},app-old:{OLD_KEY}").into());
        s.identity.auth_mode = AuthMode::Both;
        s.identity.auth_issuer = Some(issuer);
        s.identity.auth_audience = Some(AUDIENCE.into());
        s.identity.auth_jwks_url = Some(jwks);
    }
}

/// A request of the backend: `key`, and `act_as` a user if given.
async fn server(
    app: &TestApp,
    key: Option<&str>,
    act_as: Option<&str>,
    query: &str,
    variables: Value,
) -> (u16, Value) {
    let mut request = app
        .http
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(key) = key {
        request = request.header("X-Api-Key", key);
    }
    if let Some(user) = act_as {
        request = request.header("X-Act-As-User", user);
    }
    let response = request.send().await.expect("the request is sent");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON body"))
}

async fn server_ok(app: &TestApp, query: &str, variables: Value) -> Value {
    let (_, body) = server(app, Some(KEY), None, query, variables).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"].clone()
}

async fn upsert(app: &TestApp, users: Value) -> Vec<Value> {
    let data = server_ok(app, UPSERT, json!({ "input": { "users": users } })).await;
    data["upsertUsers"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_missing_or_wrong_key__is_refused() {
    let provider = Provider::start(&[]).await;
    let app = TestApp::spawn_with(configure(&provider)).await;
    let ada = app.sign_up("ada").await;
    let input = json!({ "input": { "users": [{ "externalId": "u1" }] } });

    let (status, body) = server(&app, None, None, UPSERT, input.clone()).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (200, "UNAUTHENTICATED")
    );
    let as_user = app.gql(Some(&ada.token), UPSERT, input.clone()).await;
    assert_eq!(error_code(&as_user), "UNAUTHENTICATED");
    for wrong in ["not-the-key", &KEY[..KEY.len() - 1], ""] {
        let (status, body) = server(&app, Some(wrong), None, UPSERT, input.clone()).await;
        assert_eq!(
            (status, error_code(&body).as_str()),
            (401, "UNAUTHENTICATED")
        );
    }
    assert!(app.db.identities().find("u1").await.unwrap().is_none());
    // Both keys of a rotation work.
    let (_, body) = server(&app, Some(OLD_KEY), None, UPSERT, input).await;
    assert!(body["data"]["upsertUsers"][0]["id"].is_string(), "{body}");
}

#[tokio::test]
async fn upsert_users__creates_then_updates_and_the_providers_token_finds_them() {
    let key = SigningKey::es256("k1");
    let provider = Provider::start(&[&key]).await;
    let app = TestApp::spawn_with(configure(&provider)).await;
    app.sign_up("grace").await;

    let made = upsert(
        &app,
        json!([
            { "externalId": "app|1", "name": "Grace Hopper", "handle": "grace", "email": "gh@example.com" },
            { "externalId": "app|2", "handle": "alan.turing", "image": "https://cdn.example.com/a.png" },
        ]),
    )
    .await;
    assert!(
        made[0]["handle"].as_str().unwrap().starts_with("grace_"),
        "{made:?}"
    );
    assert_eq!(made[0]["email"], "gh@example.com");
    assert_eq!(made[1]["handle"], "alan_turing");
    assert_eq!(made[1]["name"], "alan_turing");
    assert_eq!(made[1]["email"], Value::Null);

    let again = upsert(
        &app,
        json!([{ "externalId": "app|2", "name": "Alan Turing" }]),
    )
    .await;
    assert_eq!(again[0]["id"], made[1]["id"]);
    assert_eq!(again[0]["name"], "Alan Turing");
    assert_eq!(again[0]["image"], "https://cdn.example.com/a.png");

    let token = key.sign(&provider.claims("app|2", 300));
    let me = app.gql_ok(Some(&token), ME, json!({})).await;
    assert_eq!(me["me"]["id"], made[1]["id"]);

    // Bad input changes nothing.
    for bad in [
        json!([]),
        json!([{ "externalId": "app|3", "email": "not an email" }]),
        json!([{ "externalId": "app|3" }, { "externalId": "app|3" }]),
    ] {
        let (_, body) = server(
            &app,
            Some(KEY),
            None,
            UPSERT,
            json!({ "input": { "users": bad } }),
        )
        .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{bad}");
    }
    assert!(app.db.identities().find("app|3").await.unwrap().is_none());
}

#[tokio::test]
async fn acting_as_a_user__creates_a_chat_adds_members_and_sends_a_message() {
    let provider = Provider::start(&[]).await;
    let app = TestApp::spawn_with(configure(&provider)).await;
    let users = upsert(
        &app,
        json!([{ "externalId": "a", "handle": "amy" }, { "externalId": "b", "handle": "ben" }, { "externalId": "c", "handle": "cat" }]),
    )
    .await;
    let id = |i: usize| users[i]["id"].as_str().unwrap().to_owned();
    let act = |query: &'static str, variables: Value| {
        let app = &app;
        let amy = id(0);
        async move {
            let (_, body) = server(app, Some(KEY), Some(&amy), query, variables).await;
            assert!(body.get("errors").is_none(), "{body:#}");
            body["data"].clone()
        }
    };
    // Acting as a user is exactly that user: the others' group-add policy
    // applies, so ben and cat let anyone add them first (as themselves).
    for i in [1, 2] {
        let (_, body) = server(
            &app,
            Some(KEY),
            Some(&id(i)),
            "mutation { updateProfile(input: { groupAddPolicy: EVERYONE }) { id } }",
            json!({}),
        )
        .await;
        assert!(body.get("errors").is_none(), "{body:#}");
    }
    let chat = act(
        "mutation($input: CreateChatInput!) { createChat(input: $input) { id } }",
        json!({ "input": { "participantIds": [id(1)], "isGroup": true, "name": "Team" } }),
    )
    .await;
    let chat_id = chat["createChat"]["id"].as_str().unwrap().to_owned();
    let added = act(
        "mutation($input: AddChatMembersInput!) { addChatMembers(input: $input) { members { id } } }",
        json!({ "input": { "chatId": chat_id, "userIds": [id(2)] } }),
    )
    .await;
    assert_eq!(
        added["addChatMembers"]["members"].as_array().unwrap().len(),
        3
    );
    let sent = act(
        "mutation($input: SendMessageInput!) { sendMessage(input: $input) { text sender { id } } }",
        json!({ "input": { "chatId": chat_id, "text": "Welcome!" } }),
    )
    .await;
    assert_eq!(sent["sendMessage"]["sender"]["id"], id(0).as_str());

    // Acting as someone who does not exist, or is not an id.
    let (status, _) = server(
        &app,
        Some(KEY),
        Some(&bson::oid::ObjectId::new().to_hex()),
        ME,
        json!({}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = server(&app, Some(KEY), Some("nope"), ME, json!({})).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "BAD_USER_INPUT")
    );
}

#[tokio::test]
async fn delete_user__erases_the_account_and_refuses_its_tokens() {
    let key = SigningKey::rsa("k1");
    let provider = Provider::start(&[&key]).await;
    let app = TestApp::spawn_with(configure(&provider)).await;
    let user = upsert(&app, json!([{ "externalId": "gone", "handle": "goner" }])).await;
    let id = user[0]["id"].as_str().unwrap().to_owned();
    let token = key.sign(&provider.claims("gone", 300));
    app.gql_ok(Some(&token), ME, json!({})).await;
    let built_in = app.sign_up("bea").await;

    let deleted = server_ok(&app, DELETE, json!({ "input": { "userId": id } })).await;
    assert_eq!(deleted["deleteUser"]["userId"], id.as_str());
    assert_eq!(
        error_code(&app.gql(Some(&token), ME, json!({})).await),
        "UNAUTHENTICATED"
    );
    let (_, again) = server(
        &app,
        Some(KEY),
        None,
        DELETE,
        json!({ "input": { "userId": id } }),
    )
    .await;
    assert_eq!(error_code(&again), "NOT_FOUND");

    // A built-in account too; its sessions end.
    server_ok(&app, DELETE, json!({ "input": { "userId": built_in.id } })).await;
    assert_eq!(
        error_code(&app.gql(Some(&built_in.token), ME, json!({})).await),
        "UNAUTHENTICATED"
    );
    // The backend may make the provider's user a new account.
    let back = upsert(&app, json!([{ "externalId": "gone", "handle": "goner" }])).await;
    assert_ne!(back[0]["id"], id.as_str());
    assert_eq!(back[0]["handle"], "goner");
}

#[tokio::test]
async fn the_keys_mutations__are_rate_limited_per_key() {
    let provider = Provider::start(&[]).await;
    let app = TestApp::spawn_with(|s| {
        configure(&provider)(s);
        s.identity.rate_limit_server_api = "2/1h".parse().unwrap();
    })
    .await;
    let input = json!({ "input": { "users": [{ "externalId": "x" }] } });
    for _ in 0..2 {
        server_ok(&app, UPSERT, input.clone()).await;
    }
    let (_, body) = server(&app, Some(KEY), None, UPSERT, input.clone()).await;
    assert_eq!(error_code(&body), "RATE_LIMITED");
    let (_, other) = server(&app, Some(OLD_KEY), None, UPSERT, input).await;
    assert!(other.get("errors").is_none(), "{other}");
}

#[tokio::test]
async fn revoke_user_tokens__closes_their_sockets_on_both_instances() {
    let key = SigningKey::rsa("k1");
    let provider = Provider::start(&[&key]).await;
    let redis = RedisServer::start().await;
    let url = redis.url();
    let settings = configure(&provider);
    let a = TestApp::spawn_with(|s| {
        settings.clone()(s);
        s.cluster.redis_url = Some(url.clone().into());
    })
    .await;
    let b = a.spawn_peer(settings).await;
    let user = upsert(&a, json!([{ "externalId": "zoe", "handle": "zoe" }])).await;
    let id = user[0]["id"].as_str().unwrap().to_owned();
    let mut old_claims = provider.claims("zoe", 300);
    old_claims["iat"] = json!(chrono::Utc::now().timestamp() - 60);
    let old = key.sign(&old_claims);
    let bystander = key.sign(&provider.claims("yan", 300));
    let mut sockets = [a.ws(&old).await, b.ws(&old).await];
    let mut other = b.ws(&bystander).await;
    await_numsub(&url, "chat:ev:sessions", 2).await;

    let revoked = server_ok(
        &a,
        REVOKE,
        json!({ "input": { "userId": id, "issuedBefore": chrono::Utc::now().to_rfc3339() } }),
    )
    .await;
    assert_eq!(revoked["revokeUserTokens"]["userId"], id.as_str());
    for socket in &mut sockets {
        let closed = tokio::time::timeout(Duration::from_secs(1), socket.closed())
            .await
            .expect("a socket was still open after 1 s");
        assert_eq!(closed.0, 4403);
    }
    other.expect_quiet().await;
    for app in [&a, &b] {
        assert_eq!(
            error_code(&app.gql(Some(&old), ME, json!({})).await),
            "UNAUTHENTICATED"
        );
    }
    // A token issued after the instant works.
    let mut new_claims = provider.claims("zoe", 300);
    new_claims["iat"] = json!(chrono::Utc::now().timestamp() + 2);
    let new = key.sign(&new_claims);
    for app in [&a, &b] {
        let me = app.gql_ok(Some(&new), ME, json!({})).await;
        assert_eq!(me["me"]["id"], id.as_str());
    }
}

#[tokio::test]
async fn revoke_user_tokens__ends_built_in_sessions_started_before() {
    let provider = Provider::start(&[]).await;
    let app = TestApp::spawn_with(configure(&provider)).await;
    let ada = app.sign_up("ada").await;
    let mut socket = app.ws(&ada.token).await;
    let revoked = server_ok(&app, REVOKE, json!({ "input": { "userId": ada.id } })).await;
    assert_eq!(revoked["revokeUserTokens"]["sessionsEnded"], 1);
    assert_eq!(socket.closed().await, (4403, "Session revoked".to_owned()));
    assert_eq!(
        error_code(&app.gql(Some(&ada.token), ME, json!({})).await),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn deactivate_user__refuses_sign_in_until_activated_again() {
    const DEACTIVATE: &str = "mutation($input: DeactivateUserInput!) { deactivateUser(input: $input) { userId deactivated } }";
    let key = SigningKey::rsa("k1");
    let provider = Provider::start(&[&key]).await;
    let app = TestApp::spawn_with(configure(&provider)).await;
    let dee = upsert(&app, json!([{ "externalId": "dee", "handle": "dee" }])).await;
    let dee_id = dee[0]["id"].as_str().unwrap().to_owned();
    let token = key.sign(&provider.claims("dee", 300));
    let mut socket = app.ws(&token).await;
    let bea = app.sign_up("bea").await;
    let sign_in = json!({ "i": { "login": bea.handle, "password": bea.password } });
    const SIGN_IN: &str = "mutation($i: SignInInput!) { signIn(input: $i) { token } }";

    for id in [&dee_id, &bea.id] {
        let done = server_ok(&app, DEACTIVATE, json!({ "input": { "userId": id } })).await;
        assert_eq!(done["deactivateUser"]["deactivated"], true);
    }
    assert_eq!(socket.closed().await.0, 4403);
    let mut later = provider.claims("dee", 300);
    later["iat"] = json!(chrono::Utc::now().timestamp() + 2);
    let later = key.sign(&later);
    for refused in [&token, &later, &bea.token] {
        assert_eq!(
            error_code(&app.gql(Some(refused), ME, json!({})).await),
            "UNAUTHENTICATED"
        );
    }
    assert_eq!(
        error_code(&app.gql(None, SIGN_IN, sign_in.clone()).await),
        "UNAUTHENTICATED"
    );
    let (status, _) = server(&app, Some(KEY), Some(&dee_id), ME, json!({})).await;
    assert_eq!(status, 404, "no acting as a deactivated user");

    for id in [&dee_id, &bea.id] {
        server_ok(
            &app,
            DEACTIVATE,
            json!({ "input": { "userId": id, "deactivated": false } }),
        )
        .await;
    }
    assert_eq!(
        app.gql_ok(Some(&later), ME, json!({})).await["me"]["id"],
        dee_id.as_str()
    );
    app.gql_ok(None, SIGN_IN, sign_in).await;
}
