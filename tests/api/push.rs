//! Web Push: a local HTTP receiver plays the push service; the test makes
//! a browser's keys (a P-256 pair and a 16-byte auth secret), registers
//! them, and checks each push as a browser and a push service would: the
//! VAPID JWT verifies with the server's public key, and the `aes128gcm`
//! body decrypts (RFC 8291) to the expected payload.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use p256::ecdsa::signature::Verifier;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use serde_json::{Value, json};
use sha2::Sha256;

use chat_server::config::Settings;
use chat_server::domain::UserId;

use crate::helpers::{TestApp, TestUser, error_code, eventually};

const SUBJECT: &str = "mailto:ops@example.com";
const REGISTER: &str =
    "mutation($input: RegisterPushSubscriptionInput!) { registerPushSubscription(input: $input) }";
const UNREGISTER: &str = "mutation($input: UnregisterPushSubscriptionInput!) { unregisterPushSubscription(input: $input) }";
const PUBLIC_KEY: &str = "{ pushPublicKey }";

/// One request the push service got.
#[derive(Clone, Debug)]
struct Pushed {
    headers: HeaderMap,
    body: Vec<u8>,
}

#[derive(Default)]
struct PushService {
    /// Requests by device name (the endpoint's last segment).
    received: Mutex<HashMap<String, Vec<Pushed>>>,
    /// Devices answered 410 Gone.
    gone: Mutex<HashSet<String>>,
}

impl PushService {
    fn of(&self, device: &str) -> Vec<Pushed> {
        self.received
            .lock()
            .unwrap()
            .get(device)
            .cloned()
            .unwrap_or_default()
    }

    fn total(&self) -> usize {
        self.received.lock().unwrap().values().map(Vec::len).sum()
    }
}

async fn receive(
    State(service): State<Arc<PushService>>,
    Path(device): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let gone = service.gone.lock().unwrap().contains(&device);
    service
        .received
        .lock()
        .unwrap()
        .entry(device)
        .or_default()
        .push(Pushed {
            headers,
            body: body.to_vec(),
        });
    match gone {
        true => StatusCode::GONE,
        false => StatusCode::CREATED,
    }
}

async fn start_push_service() -> (Arc<PushService>, String) {
    let service = Arc::new(PushService::default());
    let router = axum::Router::new()
        .route("/push/{device}", axum::routing::post(receive))
        .with_state(service.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/push", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (service, base)
}

/// What a browser holds for one subscription.
struct Browser {
    endpoint: String,
    secret: p256::SecretKey,
    auth: [u8; 16],
}

impl Browser {
    fn new(base: &str, device: &str) -> Self {
        let mut auth = [0u8; 16];
        rand::Rng::fill(&mut rand::thread_rng(), &mut auth);
        Self {
            endpoint: format!("{base}/{device}"),
            secret: p256::SecretKey::random(&mut rand::thread_rng()),
            auth,
        }
    }

    fn public(&self) -> Vec<u8> {
        self.secret
            .public_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec()
    }

    fn input(&self) -> Value {
        json!({ "input": {
            "endpoint": self.endpoint,
            "keys": {
                "p256dh": URL_SAFE_NO_PAD.encode(self.public()),
                "auth": URL_SAFE_NO_PAD.encode(self.auth),
            },
        } })
    }

    /// RFC 8291 decryption of one `aes128gcm` record, as a browser does.
    fn decrypt(&self, body: &[u8]) -> Value {
        let (salt, rest) = body.split_at(16);
        let id_len = rest[4] as usize;
        let (sender_public, sealed) = rest[5..].split_at(id_len);
        let sender = p256::PublicKey::from_sec1_bytes(sender_public).unwrap();
        let shared =
            p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), sender.as_affine());
        let mut info = b"WebPush: info\0".to_vec();
        info.extend_from_slice(&self.public());
        info.extend_from_slice(sender_public);
        let mut ikm = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&self.auth), shared.raw_secret_bytes())
            .expand(&info, &mut ikm)
            .unwrap();
        let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
        let (mut key, mut nonce) = ([0u8; 16], [0u8; 12]);
        prk.expand(b"Content-Encoding: aes128gcm\0", &mut key)
            .unwrap();
        prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
            .unwrap();
        let mut plain = Aes128Gcm::new_from_slice(&key)
            .unwrap()
            .decrypt(&Nonce::from(nonce), sealed)
            .expect("the push decrypts with the browser's keys");
        // The last record ends with the 0x02 delimiter (after any padding).
        while plain.last() == Some(&0) {
            plain.pop();
        }
        assert_eq!(plain.pop(), Some(2), "the last-record delimiter");
        serde_json::from_slice(&plain).unwrap()
    }
}

/// What a push service checks: the VAPID JWT signed by the key `k` names
/// (the server's public key), for this origin, with the subject.
fn verify_vapid(headers: &HeaderMap, origin: &str, public_key: &str) {
    let authorization = headers["authorization"].to_str().unwrap();
    let rest = authorization
        .strip_prefix("vapid ")
        .expect("a vapid scheme");
    let params: HashMap<&str, &str> = rest
        .split(',')
        .map(|p| p.trim().split_once('=').unwrap())
        .collect();
    assert_eq!(params["k"], public_key);
    let token = params["t"];
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let key =
        p256::ecdsa::VerifyingKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(public_key).unwrap())
            .unwrap();
    let signature =
        p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
    key.verify(signed.as_bytes(), &signature)
        .expect("the VAPID JWT verifies with the public key");
    let (header, claims) = signed.split_once('.').unwrap();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    assert_eq!(header["alg"], "ES256");
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
    assert_eq!(claims["aud"], origin);
    assert_eq!(claims["sub"], SUBJECT);
    let expires_in = claims["exp"].as_i64().unwrap() - chrono::Utc::now().timestamp();
    assert!((1..=86_400).contains(&expires_in), "exp within 24 hours");
}

fn push_enabled() -> impl Fn(&mut Settings) {
    let key = p256::SecretKey::random(&mut rand::thread_rng());
    let key = URL_SAFE_NO_PAD.encode(key.to_bytes());
    move |s: &mut Settings| {
        s.push.vapid_private_key = Some(key.clone().into());
        s.push.vapid_subject = Some(SUBJECT.into());
        s.push.push_allow_http_loopback = true;
        s.webhooks.webhook_poll_ms = 50;
        s.webhooks.webhook_backoff_ms = 100;
        s.webhooks.webhook_timeout_ms = 2_000;
        s.webhooks.webhook_lease_ms = 5_000;
    }
}

async fn register(app: &TestApp, user: &TestUser, browser: &Browser) {
    let data = app
        .gql_ok(Some(&user.token), REGISTER, browser.input())
        .await;
    assert_eq!(data["registerPushSubscription"], true);
}

async fn registrations(app: &TestApp, user: &TestUser) -> usize {
    let id = UserId::parse("user", &user.id).unwrap();
    app.db
        .push_subscriptions()
        .of_users(&[id])
        .await
        .unwrap()
        .len()
}

async fn online(app: &TestApp, user: &TestUser) {
    let id = UserId::parse("user", &user.id).unwrap();
    eventually("the user is online", || async {
        app.services.presence.is_online(id).await
    })
    .await;
}

async fn outbox_empty(app: &TestApp) {
    eventually("the outbox is empty", || async {
        app.services.webhooks.backlog().await.unwrap() == 0
    })
    .await;
}

async fn pushed(service: &PushService, device: &str, count: usize) {
    eventually(&format!("{count} pushes to {device}"), || async {
        service.of(device).len() >= count
    })
    .await;
}

#[tokio::test]
async fn push__offline_recipients__get_one_encrypted_vapid_signed_push_each_and_gone_ones_are_dropped()
 {
    let (service, base) = start_push_service().await;
    let app = TestApp::spawn_with(push_enabled()).await;
    let public_key = app.gql_ok(None, PUBLIC_KEY, json!({})).await["pushPublicKey"]
        .as_str()
        .unwrap()
        .to_owned();
    let [ada, bob, cyd, dan] = [
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cyd").await,
        app.sign_up("dan").await,
    ];
    let chat = app.group(&ada, &[&bob, &cyd, &dan], "team").await;
    let (bob_browser, cyd_browser, dan_browser) = (
        Browser::new(&base, "bob"),
        Browser::new(&base, "cyd"),
        Browser::new(&base, "dan"),
    );
    register(&app, &bob, &bob_browser).await;
    register(&app, &cyd, &cyd_browser).await;
    register(&app, &dan, &dan_browser).await;
    // Bob has a socket open: he is told live, not pushed.
    let _bob_socket = app.ws(&bob.token).await;
    online(&app, &bob).await;

    let sent = app.say(&ada, &chat, "lunch at noon?").await;
    let message_id = sent["id"].as_str().unwrap();
    pushed(&service, "cyd", 1).await;
    pushed(&service, "dan", 1).await;
    outbox_empty(&app).await;
    assert_eq!(
        service.of("bob").len(),
        0,
        "no push to an open socket's user"
    );
    assert_eq!(service.total(), 2, "one push per offline registration");

    let push = &service.of("cyd")[0];
    let origin = base.trim_end_matches("/push");
    verify_vapid(&push.headers, origin, &public_key);
    assert_eq!(push.headers["content-encoding"], "aes128gcm");
    assert_eq!(push.headers["ttl"], "86400");
    assert_eq!(push.headers["topic"].to_str().unwrap(), chat);
    let payload = cyd_browser.decrypt(&push.body);
    assert_eq!(
        payload,
        json!({
            "type": "message",
            "chatId": chat,
            "messageId": message_id,
            "senderId": ada.id,
            "messageType": "TEXT",
            "text": "lunch at noon?",
        })
    );
    assert_eq!(
        dan_browser.decrypt(&service.of("dan")[0].body)["messageId"],
        message_id
    );

    // Cyd's subscription is gone (410): her registration is removed.
    service.gone.lock().unwrap().insert("cyd".into());
    app.say(&ada, &chat, "two").await;
    pushed(&service, "cyd", 2).await;
    eventually("the gone registration is removed", || async {
        registrations(&app, &cyd).await == 0
    })
    .await;
    pushed(&service, "dan", 2).await;
    app.say(&ada, &chat, "three").await;
    pushed(&service, "dan", 3).await;
    outbox_empty(&app).await;
    assert_eq!(
        service.of("cyd").len(),
        2,
        "nothing more to a gone endpoint"
    );

    // Dan unregisters: nothing more for him.
    let input = json!({ "input": { "endpoint": dan_browser.endpoint } });
    let data = app
        .gql_ok(Some(&dan.token), UNREGISTER, input.clone())
        .await;
    assert_eq!(data["unregisterPushSubscription"], true);
    let data = app.gql_ok(Some(&dan.token), UNREGISTER, input).await;
    assert_eq!(data["unregisterPushSubscription"], false);
    assert_eq!(registrations(&app, &dan).await, 0);
}

#[tokio::test]
async fn push__muted_chat_and_mentions_level__push_only_what_the_level_allows() {
    let (service, base) = start_push_service().await;
    let app = TestApp::spawn_with(push_enabled()).await;
    let [ada, bob, cyd] = [
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cyd").await,
    ];
    let chat = app.group(&ada, &[&bob, &cyd], "team").await;
    register(&app, &bob, &Browser::new(&base, "bob")).await;
    register(&app, &cyd, &Browser::new(&base, "cyd")).await;
    let set = "mutation($input: SetChatNotificationsInput!) { setChatNotifications(input: $input) { defaultLevel } }";
    app.gql_ok(
        Some(&bob.token),
        set,
        json!({ "input": { "chatId": chat, "level": "NONE" } }),
    )
    .await;
    app.gql_ok(
        Some(&cyd.token),
        set,
        json!({ "input": { "chatId": chat, "level": "MENTIONS" } }),
    )
    .await;
    app.say(&ada, &chat, "plain").await;
    let mention = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }";
    let input = json!({ "input": { "chatId": chat, "text": "hey", "mentions": [cyd.id, bob.id] } });
    app.gql_ok(Some(&ada.token), mention, input).await;
    pushed(&service, "cyd", 1).await;
    outbox_empty(&app).await;
    assert_eq!(service.of("bob").len(), 0, "muted: no push, even mentioned");
    assert_eq!(service.of("cyd").len(), 1, "MENTIONS: only the mention");
}

#[tokio::test]
async fn push__recipient_with_a_socket_on_another_instance__gets_no_push() {
    let (service, base) = start_push_service().await;
    let app = TestApp::spawn_with(push_enabled()).await;
    if app.settings.cluster.redis_url.is_none() {
        // Without Redis a deployment is one instance (tested above).
        return;
    }
    let peer = app.spawn_peer(|_| {}).await;
    let [ada, bob, cyd] = [
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cyd").await,
    ];
    let chat = app.group(&ada, &[&bob, &cyd], "team").await;
    register(&app, &bob, &Browser::new(&base, "bob")).await;
    register(&app, &cyd, &Browser::new(&base, "cyd")).await;
    let _socket = peer.ws(&bob.token).await;
    online(&app, &bob).await;
    app.say(&ada, &chat, "hello").await;
    pushed(&service, "cyd", 1).await;
    outbox_empty(&app).await;
    assert_eq!(service.of("bob").len(), 0);
}

#[tokio::test]
async fn push__signing_out__drops_the_sessions_registrations() {
    let (_service, base) = start_push_service().await;
    let app = TestApp::spawn_with(push_enabled()).await;
    let bob = app.sign_up("bob").await;
    register(&app, &bob, &Browser::new(&base, "bob")).await;
    assert_eq!(registrations(&app, &bob).await, 1);
    app.gql_ok(
        Some(&bob.token),
        "mutation { signOut { sessionIds } }",
        json!({}),
    )
    .await;
    assert_eq!(registrations(&app, &bob).await, 0);
}

#[tokio::test]
async fn push__bad_input__is_refused_with_nothing_stored() {
    let (_service, base) = start_push_service().await;
    let app = TestApp::spawn_with(|s| {
        push_enabled()(s);
        s.push.push_max_per_user = 2;
    })
    .await;
    let bob = app.sign_up("bob").await;
    let good = Browser::new(&base, "bob").input();
    let with = |path: &[&str], value: &str| {
        let mut input = good.clone();
        let mut at = &mut input["input"];
        for key in path {
            at = &mut at[*key];
        }
        *at = json!(value);
        input
    };
    let short_auth = URL_SAFE_NO_PAD.encode([1u8; 8]);
    let cases = [
        with(&["endpoint"], "http://push.example.com/x"),
        with(&["endpoint"], "ftp://127.0.0.1/x"),
        with(&["endpoint"], "not a url"),
        with(&["keys", "p256dh"], "AAAA"),
        with(&["keys", "p256dh"], "!!!"),
        with(&["keys", "auth"], &short_auth),
    ];
    for input in cases {
        let body = app.gql(Some(&bob.token), REGISTER, input.clone()).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{input}");
    }
    assert_eq!(registrations(&app, &bob).await, 0);
    let body = app.gql(None, REGISTER, good.clone()).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");

    // Bounded per user; registering the same endpoint again replaces it.
    register(&app, &bob, &Browser::new(&base, "one")).await;
    register(&app, &bob, &Browser::new(&base, "two")).await;
    let again = Browser::new(&base, "two");
    register(&app, &bob, &again).await;
    let body = app
        .gql(
            Some(&bob.token),
            REGISTER,
            Browser::new(&base, "three").input(),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(registrations(&app, &bob).await, 2);

    // Without a VAPID key: no public key, and registering is refused.
    let off = TestApp::spawn().await;
    assert_eq!(
        off.gql_ok(None, PUBLIC_KEY, json!({})).await["pushPublicKey"],
        Value::Null
    );
    let carl = off.sign_up("carl").await;
    let body = off.gql(Some(&carl.token), REGISTER, good).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
}

#[tokio::test]
async fn push__previews_off__carry_no_text() {
    let (service, base) = start_push_service().await;
    let app = TestApp::spawn_with(|s| {
        push_enabled()(s);
        s.push.push_text_preview = false;
    })
    .await;
    let [ada, bob] = [app.sign_up("ada").await, app.sign_up("bob").await];
    let chat = app.group(&ada, &[&bob], "team").await;
    let browser = Browser::new(&base, "bob");
    register(&app, &bob, &browser).await;
    let sent = app.say(&ada, &chat, "a secret").await;
    pushed(&service, "bob", 1).await;
    let payload = browser.decrypt(&service.of("bob")[0].body);
    assert_eq!(payload["messageId"], sent["id"]);
    assert_eq!(payload["text"], Value::Null);
}

#[tokio::test]
async fn push__friend_request_to_an_offline_user__is_pushed() {
    let (service, base) = start_push_service().await;
    let app = TestApp::spawn_with(push_enabled()).await;
    let [ada, bob] = [app.sign_up("ada").await, app.sign_up("bob").await];
    let browser = Browser::new(&base, "bob");
    register(&app, &bob, &browser).await;
    let request = app
        .gql_ok(
            Some(&ada.token),
            "mutation($input: SendFriendRequestInput!) { sendFriendRequest(input: $input) { id } }",
            json!({ "input": { "userId": bob.id } }),
        )
        .await;
    pushed(&service, "bob", 1).await;
    let push = &service.of("bob")[0];
    assert_eq!(push.headers["topic"], "friend-request-received");
    assert_eq!(
        browser.decrypt(&push.body),
        json!({
            "type": "notification",
            "kind": "FRIEND_REQUEST_RECEIVED",
            "actorId": ada.id,
            "chatId": null,
            "friendRequestId": request["sendFriendRequest"]["id"],
        })
    );
}

#[tokio::test]
async fn push__group_invite_to_an_offline_user__is_pushed() {
    let (service, base) = start_push_service().await;
    let app = TestApp::spawn_with(push_enabled()).await;
    let ada = app.sign_up("ada").await;
    // Only friends may add Bob: he is invited instead.
    let bob = app.sign_up_with_policy("bob", Some("FRIENDS")).await;
    let browser = Browser::new(&base, "bob");
    register(&app, &bob, &browser).await;
    let chat = app.group(&ada, &[&bob], "team").await;
    pushed(&service, "bob", 1).await;
    let push = &service.of("bob")[0];
    assert_eq!(push.headers["topic"], "group-invite");
    let payload = browser.decrypt(&push.body);
    assert_eq!(
        (&payload["kind"], &payload["actorId"], &payload["chatId"]),
        (&json!("GROUP_INVITE"), &json!(ada.id), &json!(chat))
    );
}
