//! Sessions: refresh-token rotation and reuse detection, short access
//! tokens, and every way of ending a session reaching its HTTP tokens at
//! once and its sockets (4403) on every instance within a second.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{
    RedisServer, TestApp, TestUser, WsClient, await_numsub, error_code, eventually,
};

const SIGN_IN: &str = "mutation($input: SignInInput!) { signIn(input: $input) { token expiresAt refreshToken refreshExpiresAt session { id deviceName current } } }";
const REFRESH: &str = "mutation($input: RefreshSessionInput!) { refreshSession(input: $input) { token refreshToken session { id } user { handle } } }";
const SIGN_OUT: &str = "mutation { signOut { sessionIds } }";
const REVOKE: &str =
    "mutation($input: RevokeSessionInput!) { revokeSession(input: $input) { sessionIds } }";
const EVERYWHERE: &str =
    "mutation($input: SignOutEverywhereInput!) { signOutEverywhere(input: $input) { sessionIds } }";
const CHANGE_PASSWORD: &str =
    "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { sessionIds } }";
const SESSIONS: &str = "{ sessions { edges { node { id deviceName current } } } }";
const ME: &str = "{ me { handle } }";
const USER_EVENTS: &str = "subscription { userEvents { kind user { bio } } }";
const NEW_PASSWORD: &str = "a new and longer password";

/// The tokens of one session.
struct Signed {
    token: String,
    refresh_token: String,
    session: String,
}

async fn sign_in(app: &TestApp, user: &TestUser, device: &str) -> Signed {
    let data = app
        .gql_ok(
            None,
            SIGN_IN,
            json!({ "input": { "login": user.handle, "password": user.password, "deviceName": device } }),
        )
        .await;
    let payload = &data["signIn"];
    assert_eq!(payload["session"]["deviceName"], device);
    assert_eq!(payload["session"]["current"], true);
    Signed {
        token: payload["token"].as_str().unwrap().to_owned(),
        refresh_token: payload["refreshToken"].as_str().unwrap().to_owned(),
        session: payload["session"]["id"].as_str().unwrap().to_owned(),
    }
}

async fn refresh(app: &TestApp, refresh_token: &str) -> Value {
    app.gql(
        None,
        REFRESH,
        json!({ "input": { "refreshToken": refresh_token } }),
    )
    .await
}

fn refreshed(body: &Value) -> Signed {
    let payload = &body["data"]["refreshSession"];
    assert!(payload["token"].is_string(), "{body}");
    Signed {
        token: payload["token"].as_str().unwrap().to_owned(),
        refresh_token: payload["refreshToken"].as_str().unwrap().to_owned(),
        session: payload["session"]["id"].as_str().unwrap().to_owned(),
    }
}

/// Whether `me` with `token` is `UNAUTHENTICATED` (false when it works).
async fn refused(app: &TestApp, token: &str) -> bool {
    let body = app.gql(Some(token), ME, json!({})).await;
    body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
}

#[tokio::test]
async fn refresh_session__rotates__and_a_rotated_out_token_presented_again_revokes_the_session() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let first = refreshed(&refresh(&app, &ada.refresh_token).await);
    assert_eq!(first.session, ada.session, "same session, new tokens");
    assert_ne!(first.refresh_token, ada.refresh_token);
    app.gql_ok(Some(&first.token), ME, json!({})).await;
    let second = refreshed(&refresh(&app, &first.refresh_token).await);

    // The first refresh token again: someone copied it.
    let reused = refresh(&app, &ada.refresh_token).await;
    assert_eq!(error_code(&reused), "UNAUTHENTICATED");
    // The whole session is over: its newest refresh token and every access
    // token it issued are refused at once.
    assert_eq!(
        error_code(&refresh(&app, &second.refresh_token).await),
        "UNAUTHENTICATED"
    );
    for token in [&ada.token, &first.token, &second.token] {
        assert!(refused(&app, token).await);
    }
    assert_eq!(
        error_code(&refresh(&app, "not a refresh token").await),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn an_expired_access_token__is_refused__and_a_refreshed_one_accepted() {
    let app = TestApp::spawn_with(|s| s.auth.access_token_ttl_seconds = 1).await;
    let ada = app.sign_up("ada").await;
    eventually("the access token expired", || refused(&app, &ada.token)).await;
    let fresh = refreshed(&refresh(&app, &ada.refresh_token).await);
    let me = app.gql_ok(Some(&fresh.token), ME, json!({})).await;
    assert_eq!(me["me"]["handle"], "ada");
}

#[tokio::test]
async fn a_socket__outlives_its_access_token_while_its_session_lives() {
    let app = TestApp::spawn_with(|s| s.auth.access_token_ttl_seconds = 1).await;
    let ada = app.sign_up("ada").await;
    let mut socket = app.ws(&ada.token).await;
    socket.subscribe("u", USER_EVENTS, json!({})).await;
    socket.expect_quiet().await;
    eventually("the access token expired", || refused(&app, &ada.token)).await;

    // Still open and delivering: a profile change from a refreshed token.
    let fresh = refreshed(&refresh(&app, &ada.refresh_token).await);
    app.gql_ok(
        Some(&fresh.token),
        "mutation { updateProfile(input: { bio: \"still here\" }) { bio } }",
        json!({}),
    )
    .await;
    let event = socket.next_data("u").await;
    assert_eq!(event["data"]["userEvents"]["user"]["bio"], "still here");
    socket.expect_quiet().await;
    // Reconnecting takes a current token, as clients do.
    let mut again = app.ws(&fresh.token).await;
    again.expect_quiet().await;
}

/// One way of ending ada's `victim` session, run by her other session
/// `actor` (which must survive) or by the victim itself.
#[derive(Clone, Copy, Debug)]
enum Revocation {
    SignOut,
    RevokeSession,
    SignOutEverywhere,
    ChangePassword,
}

async fn revoke(app: &TestApp, ada: &TestUser, how: Revocation, victim: &Signed, actor: &Signed) {
    let (token, query, variables) = match how {
        Revocation::SignOut => (&victim.token, SIGN_OUT, json!({})),
        Revocation::RevokeSession => (
            &actor.token,
            REVOKE,
            json!({ "input": { "sessionId": victim.session } }),
        ),
        Revocation::SignOutEverywhere => (&actor.token, EVERYWHERE, json!({ "input": {} })),
        Revocation::ChangePassword => (
            &actor.token,
            CHANGE_PASSWORD,
            json!({ "input": { "currentPassword": ada.password, "newPassword": NEW_PASSWORD } }),
        ),
    };
    let data = app.gql_ok(Some(token), query, variables).await;
    let ids = data.as_object().unwrap().values().next().unwrap()["sessionIds"].clone();
    let ids = ids.as_array().unwrap();
    assert!(ids.contains(&json!(victim.session)), "{how:?}: {ids:?}");
    assert!(!ids.contains(&json!(actor.session)), "{how:?}: {ids:?}");
}

/// The victim's sockets on both instances close with 4403 within a second
/// of the revocation; its tokens are refused at once on both; the actor's
/// session and sockets are untouched.
async fn revocation_reaches_both_instances(how: Revocation) {
    // A Redis of its own: both instances' subscriptions to the revocations
    // channel are then exactly its two subscribers.
    let redis = RedisServer::start().await;
    let url = redis.url();
    let a = TestApp::spawn_with(|s| s.cluster.redis_url = Some(url.clone().into())).await;
    let b = a.spawn_peer(|_| {}).await;
    let ada = a.sign_up("ada").await;
    let victim = sign_in(&a, &ada, "phone").await;
    let actor = sign_in(&b, &ada, "laptop").await;
    let mut victim_sockets = [a.ws(&victim.token).await, b.ws(&victim.token).await];
    let mut actor_socket = b.ws(&actor.token).await;
    await_numsub(&url, "chat:ev:sessions", 2).await;

    revoke(&a, &ada, how, &victim, &actor).await;
    for app in [&a, &b] {
        assert!(refused(app, &victim.token).await, "{how:?}");
    }
    for socket in &mut victim_sockets {
        let closed = tokio::time::timeout(Duration::from_secs(1), socket.closed())
            .await
            .unwrap_or_else(|_| panic!("{how:?}: a socket was still open after 1 s"));
        assert_eq!(closed, (4403, "Session revoked".to_owned()), "{how:?}");
    }
    assert_eq!(
        error_code(&refresh(&b, &victim.refresh_token).await),
        "UNAUTHENTICATED"
    );
    if !matches!(how, Revocation::SignOut) {
        actor_socket.expect_quiet().await;
    }
    for app in [&a, &b] {
        app.gql_ok(Some(&actor.token), ME, json!({})).await;
    }
}

#[tokio::test]
async fn sign_out__ends_this_session_on_every_instance() {
    revocation_reaches_both_instances(Revocation::SignOut).await;
}

#[tokio::test]
async fn revoke_session__ends_that_session_on_every_instance() {
    revocation_reaches_both_instances(Revocation::RevokeSession).await;
}

#[tokio::test]
async fn sign_out_everywhere__ends_the_other_sessions_on_every_instance() {
    revocation_reaches_both_instances(Revocation::SignOutEverywhere).await;
}

#[tokio::test]
async fn change_password__ends_the_other_sessions_on_every_instance() {
    revocation_reaches_both_instances(Revocation::ChangePassword).await;
}

#[tokio::test]
async fn change_password__keeps_this_session_and_only_the_new_password_signs_in() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let wrong = app
        .gql(
            Some(&ada.token),
            CHANGE_PASSWORD,
            json!({ "input": { "currentPassword": "not my password", "newPassword": NEW_PASSWORD } }),
        )
        .await;
    assert_eq!(error_code(&wrong), "BAD_USER_INPUT");
    assert_eq!(wrong["errors"][0]["extensions"]["field"], "currentPassword");
    let other = sign_in(&app, &ada, "tablet").await;

    let changed = app
        .gql_ok(
            Some(&ada.token),
            CHANGE_PASSWORD,
            json!({ "input": { "currentPassword": ada.password, "newPassword": NEW_PASSWORD } }),
        )
        .await;
    assert_eq!(
        changed["changePassword"]["sessionIds"],
        json!([other.session])
    );
    assert!(refused(&app, &other.token).await);
    let sessions = app.gql_ok(Some(&ada.token), SESSIONS, json!({})).await;
    assert_eq!(
        sessions["sessions"]["edges"],
        json!([{ "node": { "id": ada.session, "deviceName": null, "current": true } }])
    );
    let old = app
        .gql(
            None,
            SIGN_IN,
            json!({ "input": { "login": "ada", "password": ada.password } }),
        )
        .await;
    assert_eq!(error_code(&old), "UNAUTHENTICATED");
    let renewed = TestUser {
        password: NEW_PASSWORD.to_owned(),
        ..ada.clone()
    };
    sign_in(&app, &renewed, "phone").await;
}

#[tokio::test]
async fn sessions__lists_every_device_newest_first_and_marks_the_current_one() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let phone = sign_in(&app, &ada, "phone").await;
    let data = app.gql_ok(Some(&phone.token), SESSIONS, json!({})).await;
    assert_eq!(
        data["sessions"]["edges"],
        json!([
            { "node": { "id": phone.session, "deviceName": "phone", "current": true } },
            { "node": { "id": ada.session, "deviceName": null, "current": false } },
        ])
    );
    // Someone else's session is not there to revoke.
    let foreign = app
        .gql(
            Some(&bob.token),
            REVOKE,
            json!({ "input": { "sessionId": phone.session } }),
        )
        .await;
    assert_eq!(error_code(&foreign), "NOT_FOUND");
    app.gql_ok(Some(&phone.token), ME, json!({})).await;
    let bad_name = app
        .gql(
            None,
            SIGN_IN,
            json!({ "input": { "login": "ada", "password": ada.password, "deviceName": "x".repeat(81) } }),
        )
        .await;
    assert_eq!(error_code(&bad_name), "BAD_USER_INPUT");
}

#[tokio::test]
async fn sign_out_everywhere__including_this_one__ends_every_session() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let phone = sign_in(&app, &ada, "phone").await;
    let mut socket = app.ws(&ada.token).await;
    let data = app
        .gql_ok(
            Some(&ada.token),
            EVERYWHERE,
            json!({ "input": { "includingThisOne": true } }),
        )
        .await;
    assert_eq!(
        data["signOutEverywhere"]["sessionIds"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(refused(&app, &ada.token).await);
    assert!(refused(&app, &phone.token).await);
    assert_eq!(socket.closed().await, (4403, "Session revoked".to_owned()));
    // A refused socket can come back with a fresh sign-in.
    let fresh = sign_in(&app, &ada, "phone").await;
    WsClient::connect(&app.ws_url).await;
    app.ws(&fresh.token).await.expect_quiet().await;
}
