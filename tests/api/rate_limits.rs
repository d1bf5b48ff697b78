//! Rate limits on mutations, per user (per client address before sign-in),
//! over HTTP and WebSocket: `RATE_LIMITED` with `retryAfterMs`, and a
//! refused call changes nothing. Sign-in attempts per account, from one
//! address and from many, without locking the owner out.

use std::net::IpAddr;

use chat_server::config::RateQuota;
use chat_server::domain::Handle;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, error_code};

const SIGN_IN: &str =
    "mutation($input: SignInInput!) { signIn(input: $input) { token user { id } } }";
const SIGN_UP: &str = "mutation($input: SignUpInput!) { signUp(input: $input) { token } }";

fn quota(text: &str) -> RateQuota {
    text.parse().unwrap()
}

fn credentials(login: &str, password: &str) -> Value {
    json!({ "input": { "login": login, "password": password } })
}

/// The `retryAfterMs` of a refused call, checked to be a sensible wait.
fn retry_after_ms(body: &Value, at_most: u64) -> u64 {
    assert_eq!(error_code(body), "RATE_LIMITED", "{body}");
    let retry = body["errors"][0]["extensions"]["retryAfterMs"]
        .as_u64()
        .unwrap_or_else(|| panic!("no retryAfterMs in {body}"));
    assert!((1..=at_most).contains(&retry), "retryAfterMs {retry}");
    retry
}

#[tokio::test]
async fn rate_limit__sign_in_flood__is_rate_limited_with_retry_after() {
    let app = TestApp::spawn_with(|s| s.rate_limits.rate_limit_sign_in = quota("3/1m")).await;
    let ada = app.sign_up("ada").await;
    for login in ["ada", "bob", "carol"] {
        let body = app
            .gql(None, SIGN_IN, credentials(login, "wrong password"))
            .await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
    }
    // The fourth attempt from this address is refused, right password or not,
    // and issues no token. One call comes back every 20 s.
    let body = app
        .gql(None, SIGN_IN, credentials("ada", &ada.password))
        .await;
    retry_after_ms(&body, 20_000);
    assert!(body["data"].is_null(), "{body}");
}

/// Signs in over HTTP from `ip`, a loopback address: Linux delivers all of
/// 127.0.0.0/8 to the loopback interface, so the server sees each address
/// as a different client.
async fn sign_in_from(app: &TestApp, ip: [u8; 4], login: &str, password: &str) -> Value {
    let client = reqwest::Client::builder()
        .local_address(IpAddr::from(ip))
        .build()
        .unwrap();
    let response = client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": SIGN_IN, "variables": credentials(login, password) }))
        .send()
        .await
        .expect("the request is sent");
    response.json().await.expect("a JSON body")
}

fn signed_in_as(body: &Value, user: &TestUser) {
    assert_eq!(
        body["data"]["signIn"]["user"]["id"],
        user.id.as_str(),
        "{body}"
    );
}

#[tokio::test]
async fn rate_limit__sign_in_attempts_per_account_and_address__stop_the_guesser_not_the_owner() {
    let app =
        TestApp::spawn_with(|s| s.rate_limits.rate_limit_sign_in_per_login = quota("2/1h")).await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let guesser = [127, 0, 0, 10];
    for login in ["ada", "ADA@example.com"] {
        let body = sign_in_from(&app, guesser, login, "guess").await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    }
    // Ada's account is closed to the guesser's address under any of its
    // logins, even with the right password…
    for login in ["ada", "ada@example.com"] {
        let body = sign_in_from(&app, guesser, login, &ada.password).await;
        retry_after_ms(&body, 30 * 60 * 1000);
        assert!(body["data"].is_null(), "{body}");
    }
    // …but not to Ada elsewhere, and the guesser may still sign in to
    // other accounts.
    signed_in_as(
        &sign_in_from(&app, [127, 0, 0, 11], "ada", &ada.password).await,
        &ada,
    );
    signed_in_as(
        &sign_in_from(&app, guesser, "bob", &bob.password).await,
        &bob,
    );
    // An unknown login is limited the same way.
    for _ in 0..2 {
        let body = sign_in_from(&app, guesser, "nobody", "guess").await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    }
    retry_after_ms(
        &sign_in_from(&app, guesser, "nobody", "guess").await,
        30 * 60 * 1000,
    );
    let body = sign_in_from(&app, [127, 0, 0, 11], "nobody", "guess").await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
}

#[tokio::test]
async fn rate_limit__guesses_from_many_addresses__leave_the_owners_known_addresses_open() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limits.rate_limit_sign_in_per_login = quota("10/15m");
        s.rate_limits.rate_limit_sign_in_failures_per_account = quota("10/1h");
    })
    .await;
    // Ada signed up from 127.0.0.1 and signs in from home, 127.0.0.2: a
    // first sign-in there, which draws one attempt from the account's ten.
    let ada = app.sign_up("ada").await;
    let home = [127, 0, 0, 2];
    signed_in_as(&sign_in_from(&app, home, "ada", &ada.password).await, &ada);
    // Nine wrong passwords from nine addresses use up the rest; a login
    // that does not exist takes ten, with the same answers.
    for (login, attempts) in [("ada", 9), ("nobody", 10)] {
        for host in 10..10 + attempts {
            let body = sign_in_from(&app, [127, 0, 0, host], login, "guess").await;
            assert_eq!(error_code(&body), "UNAUTHENTICATED", "{login} {body}");
        }
    }
    // The account-wide budget is spent: a new address waits, even with the
    // right password (one attempt comes back every 6 minutes)…
    for login in ["ada", "nobody"] {
        let body = sign_in_from(&app, [127, 0, 0, 30], login, &ada.password).await;
        retry_after_ms(&body, 6 * 60 * 1000);
        assert!(body["data"].is_null(), "{body}");
    }
    // …while Ada signs in from where she signed in or up before, again and
    // again, and a typo there is an ordinary wrong password.
    for _ in 0..3 {
        signed_in_as(&sign_in_from(&app, home, "ada", &ada.password).await, &ada);
    }
    let body = sign_in_from(&app, home, "ada", "typo").await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    signed_in_as(
        &sign_in_from(&app, [127, 0, 0, 1], "ada@example.com", &ada.password).await,
        &ada,
    );
}

#[tokio::test]
async fn rate_limit__sign_up_flood__is_rate_limited_and_stores_nothing() {
    let app = TestApp::spawn_with(|s| s.rate_limits.rate_limit_sign_up = quota("2/1h")).await;
    app.sign_up("first").await;
    app.sign_up("second").await;
    let input = json!({ "input": { "email": "third@example.com", "handle": "third", "name": "Third", "password": "long enough pw" } });
    let body = app.gql(None, SIGN_UP, input).await;
    retry_after_ms(&body, 30 * 60 * 1000);
    let stored = app
        .db
        .users()
        .find_by_handle(&Handle::parse("third").unwrap())
        .await
        .unwrap();
    assert!(stored.is_none());
}

#[tokio::test]
async fn rate_limit__signed_in_callers__have_their_own_allowance() {
    let app = TestApp::spawn_with(|s| s.rate_limits.rate_limit_sign_in = quota("1/1h")).await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let attempt = || credentials("ada", "wrong password");
    // The address's one call…
    let body = app.gql(None, SIGN_IN, attempt()).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    let body = app.gql(None, SIGN_IN, attempt()).await;
    retry_after_ms(&body, 60 * 60 * 1000);
    // …does not use up Ada's or Bob's, though they call from it too.
    for user in [&ada, &bob] {
        let body = app.gql(Some(&user.token), SIGN_IN, attempt()).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{}", user.handle);
        let body = app.gql(Some(&user.token), SIGN_IN, attempt()).await;
        retry_after_ms(&body, 60 * 60 * 1000);
    }
}

#[tokio::test]
async fn rate_limit__over_websocket__is_an_error_message_and_shares_the_users_allowance() {
    let app = TestApp::spawn_with(|s| s.rate_limits.rate_limit_sign_in = quota("2/1m")).await;
    let ada = app.sign_up("ada").await;
    let mut socket = app.ws(&ada.token).await;
    for id in ["1", "2"] {
        socket
            .subscribe(id, SIGN_IN, credentials("ada", &ada.password))
            .await;
        assert!(socket.next_data(id).await["data"]["signIn"]["token"].is_string());
        assert_eq!(socket.recv().await, json!({ "type": "complete", "id": id }));
    }
    socket
        .subscribe("3", SIGN_IN, credentials("ada", &ada.password))
        .await;
    let reply = socket.recv().await;
    assert_eq!(reply["type"], "error", "{reply}");
    assert_eq!(reply["id"], "3");
    let error = &reply["payload"][0];
    assert_eq!(error["extensions"]["code"], "RATE_LIMITED");
    let retry = error["extensions"]["retryAfterMs"].as_u64().unwrap();
    assert!((1..=30_000).contains(&retry), "{retry}");
    socket.expect_quiet().await;
    // The same user over HTTP draws from the same allowance.
    let body = app
        .gql(Some(&ada.token), SIGN_IN, credentials("ada", &ada.password))
        .await;
    retry_after_ms(&body, 30_000);
}

const SEND_FRIEND_REQUEST: &str =
    "mutation($input: SendFriendRequestInput!) { sendFriendRequest(input: $input) { id } }";
const INCOMING: &str = "{ friendRequests(direction: INCOMING) { edges { node { id } } } }";
const UPDATE_PROFILE: &str =
    "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { bio } }";

#[tokio::test]
async fn rate_limit__friend_requests__are_limited_per_user_and_a_refused_one_is_not_sent() {
    let app =
        TestApp::spawn_with(|s| s.rate_limits.rate_limit_friend_requests = quota("1/1h")).await;
    let (ada, bob, carol) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("carol").await,
    );
    let to = |user: &crate::helpers::TestUser| json!({ "input": { "userId": user.id } });
    app.gql_ok(Some(&ada.token), SEND_FRIEND_REQUEST, to(&bob))
        .await;
    let body = app
        .gql(Some(&ada.token), SEND_FRIEND_REQUEST, to(&carol))
        .await;
    retry_after_ms(&body, 60 * 60 * 1000);
    let incoming = app.gql_ok(Some(&carol.token), INCOMING, json!({})).await;
    assert_eq!(incoming["friendRequests"]["edges"], json!([]));
    // Bob's allowance is his own.
    app.gql_ok(Some(&bob.token), SEND_FRIEND_REQUEST, to(&carol))
        .await;
}

#[tokio::test]
async fn rate_limit__create_chat__is_limited_per_user_and_a_refused_one_stores_nothing() {
    let app = TestApp::spawn_with(|s| s.rate_limits.rate_limit_create_chat = quota("2/1h")).await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    app.group(&ada, &[&bob], "One").await;
    app.group(&ada, &[&bob], "Two").await;
    let create = "mutation($input: CreateChatInput!) { createChat(input: $input) { id } }";
    let input =
        json!({ "input": { "participantIds": [bob.id], "isGroup": true, "name": "Three" } });
    let body = app.gql(Some(&ada.token), create, input).await;
    retry_after_ms(&body, 30 * 60 * 1000);
    let chats = app
        .gql_ok(
            Some(&ada.token),
            "{ chats(first: 10) { nodes { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        chats["chats"]["nodes"].as_array().unwrap().len(),
        2,
        "{chats}"
    );
    // Bob's allowance is his own.
    app.group(&bob, &[&ada], "Bob's").await;
}

#[tokio::test]
async fn rate_limit__a_mutation_without_its_own_bucket__uses_the_default_one_and_changes_nothing() {
    let app = TestApp::spawn_with(|s| s.rate_limits.rate_limit_mutations = quota("1/1h")).await;
    let ada = app.sign_up("ada").await;
    let bio = |text: &str| json!({ "input": { "bio": text } });
    let data = app
        .gql_ok(Some(&ada.token), UPDATE_PROFILE, bio("first"))
        .await;
    assert_eq!(data["updateProfile"]["bio"], "first");
    let body = app
        .gql(Some(&ada.token), UPDATE_PROFILE, bio("second"))
        .await;
    retry_after_ms(&body, 60 * 60 * 1000);
    let me = app
        .gql_ok(Some(&ada.token), "{ me { bio } }", json!({}))
        .await;
    assert_eq!(me["me"]["bio"], "first");
}
