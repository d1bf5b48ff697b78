//! Signed webhooks from the durable outbox: a real HTTP receiver in the
//! test checks each Standard Webhooks signature itself; deliveries survive
//! the receiver being down and the server being stopped mid-backlog, and
//! arrive once each in the happy path, also with two instances sending.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use chat_server::config::Settings;

use crate::helpers::{TestApp, TestUser, eventually};

const KEY: &[u8] = b"a test key of 24 bytes!!";

#[derive(Default)]
struct Receiver {
    up: AtomicBool,
    /// Requests answered 503 while down.
    refused: AtomicUsize,
    /// Accepted deliveries: (webhook-id, body), in arrival order.
    accepted: Mutex<Vec<(String, Value)>>,
    /// Requests whose signature did not verify.
    forged: AtomicUsize,
}

impl Receiver {
    fn accepted(&self) -> Vec<(String, Value)> {
        self.accepted.lock().unwrap().clone()
    }

    /// Accepted deliveries of `event`, by message id.
    fn messages(&self, event: &str) -> Vec<String> {
        self.accepted()
            .iter()
            .filter(|(_, body)| body["type"] == event)
            .map(|(_, body)| body["data"]["messageId"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// What a receiver does: recompute the signature from the secret alone.
fn verified(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    let header = |name: &str| headers.get(name)?.to_str().ok().map(str::to_owned);
    let (id, timestamp, signature) = (
        header("webhook-id")?,
        header("webhook-timestamp")?,
        header("webhook-signature")?,
    );
    let age = chrono::Utc::now().timestamp() - timestamp.parse::<i64>().ok()?;
    if age.abs() > 300 {
        return None;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    signature
        .split(' ')
        .any(|s| s == format!("v1,{expected}"))
        .then_some(id)
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if !receiver.up.load(Ordering::SeqCst) {
        receiver.refused.fetch_add(1, Ordering::SeqCst);
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let Some(id) = verified(&headers, &body) else {
        receiver.forged.fetch_add(1, Ordering::SeqCst);
        return StatusCode::UNAUTHORIZED;
    };
    let body: Value = serde_json::from_slice(&body).unwrap();
    receiver.accepted.lock().unwrap().push((id, body));
    StatusCode::NO_CONTENT
}

/// A receiver listening on a port of its own; returns it and its URL.
async fn start_receiver(up: bool) -> (Arc<Receiver>, String) {
    let receiver = Arc::new(Receiver::default());
    receiver.up.store(up, Ordering::SeqCst);
    let router = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (receiver, url)
}

fn webhooks_to(url: &str) -> impl Fn(&mut Settings) + use<> {
    let secret = format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(KEY)
    );
    let endpoints = format!("{url} {secret}");
    move |s: &mut Settings| {
        s.webhooks.webhook_endpoints = Some(endpoints.clone().into());
        s.webhooks.webhook_poll_ms = 50;
        s.webhooks.webhook_backoff_ms = 100;
        s.webhooks.webhook_timeout_ms = 2_000;
        s.webhooks.webhook_lease_ms = 5_000;
    }
}

async fn pair(app: &TestApp) -> (TestUser, TestUser, String) {
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.group(&ada, &[&bob], "team").await;
    (ada, bob, chat)
}

async fn delivered(receiver: &Receiver, count: usize) {
    eventually(&format!("{count} webhooks delivered"), || async {
        receiver.accepted().len() >= count
    })
    .await;
}

#[tokio::test]
async fn webhooks__a_message_and_its_mention__arrive_signed_and_verify() {
    let (receiver, url) = start_receiver(true).await;
    let app = TestApp::spawn_with(webhooks_to(&url)).await;
    let (ada, bob, chat) = pair(&app).await;
    let sent = app
        .gql_ok(
            Some(&ada.token),
            "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }",
            json!({ "input": { "chatId": chat, "text": "hi @bob", "mentions": [bob.id] } }),
        )
        .await;
    let id = sent["sendMessage"]["id"].as_str().unwrap().to_owned();
    // message.created, message.mentioned, and user.offline_message for
    // Bob, who has no socket open.
    delivered(&receiver, 3).await;
    assert_eq!(receiver.forged.load(Ordering::SeqCst), 0);
    let by_type: HashMap<String, Value> = receiver
        .accepted()
        .into_iter()
        .map(|(_, body)| (body["type"].as_str().unwrap().to_owned(), body))
        .collect();
    let created = &by_type["message.created"]["data"];
    assert_eq!(
        (
            created["messageId"].as_str(),
            created["chatId"].as_str(),
            created["text"].as_str()
        ),
        (Some(id.as_str()), Some(chat.as_str()), Some("hi @bob"))
    );
    assert_eq!(
        by_type["message.mentioned"]["data"]["mentions"],
        json!([bob.id])
    );
    let offline = &by_type["user.offline_message"]["data"];
    assert_eq!(
        (
            offline["userId"].as_str(),
            offline["messageId"].as_str(),
            offline["mentioned"].as_bool()
        ),
        (Some(bob.id.as_str()), Some(id.as_str()), Some(true))
    );
    let mut ids: Vec<String> = receiver.accepted().into_iter().map(|(id, _)| id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "each delivery has its own webhook-id");
}

#[tokio::test]
async fn webhooks__recipient_with_an_open_socket__has_no_offline_message_event() {
    let (receiver, url) = start_receiver(true).await;
    let app = TestApp::spawn_with(webhooks_to(&url)).await;
    let [ada, bob, cyd] = [
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cyd").await,
    ];
    let chat = app.group(&ada, &[&bob, &cyd], "team").await;
    let _socket = app.ws(&bob.token).await;
    let bob_id = chat_server::domain::UserId::parse("user", &bob.id).unwrap();
    eventually("bob is online", || async {
        app.services.presence.is_online(bob_id).await
    })
    .await;
    app.say(&ada, &chat, "hello").await;
    eventually("cyd's offline event", || async {
        !receiver.messages("user.offline_message").is_empty()
    })
    .await;
    eventually("the outbox is empty", || async {
        app.services.webhooks.backlog().await.unwrap() == 0
    })
    .await;
    let offline: Vec<Value> = receiver
        .accepted()
        .into_iter()
        .filter(|(_, body)| body["type"] == "user.offline_message")
        .map(|(_, body)| body["data"]["userId"].clone())
        .collect();
    assert_eq!(
        offline,
        vec![json!(cyd.id)],
        "only the user without a socket"
    );
}

#[tokio::test]
async fn webhooks__receiver_down_for_a_while__are_delivered_once_it_is_back() {
    let (receiver, url) = start_receiver(false).await;
    let app = TestApp::spawn_with(webhooks_to(&url)).await;
    let (ada, _, chat) = pair(&app).await;
    let first = app.say(&ada, &chat, "one").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = app.say(&ada, &chat, "two").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Refused more than once each: retried.
    eventually("the receiver refused retries", || async {
        receiver.refused.load(Ordering::SeqCst) >= 4
    })
    .await;
    assert!(receiver.accepted().is_empty());
    receiver.up.store(true, Ordering::SeqCst);
    // Each message's message.created and Bob's user.offline_message.
    delivered(&receiver, 4).await;
    let mut messages = receiver.messages("message.created");
    messages.sort();
    let mut expected = vec![first, second];
    expected.sort();
    assert_eq!(messages, expected);
    eventually("the outbox is empty", || async {
        app.services.webhooks.backlog().await.unwrap() == 0
    })
    .await;
}

#[tokio::test]
async fn webhooks__server_stopped_mid_backlog__every_event_delivered_once_after_restart() {
    let (receiver, url) = start_receiver(false).await;
    let mut app = TestApp::spawn_with(webhooks_to(&url)).await;
    let (ada, _, chat) = pair(&app).await;
    let mut sent = Vec::new();
    for n in 0..6 {
        sent.push(
            app.say(&ada, &chat, &format!("m{n}")).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    eventually("the receiver refused some", || async {
        receiver.refused.load(Ordering::SeqCst) >= 1
    })
    .await;
    app.shutdown().await;
    receiver.up.store(true, Ordering::SeqCst);

    // Two instances on the same database share the backlog.
    let one = app.spawn_peer(webhooks_to(&url)).await;
    let two = app.spawn_peer(webhooks_to(&url)).await;
    // Each message's message.created and Bob's user.offline_message.
    delivered(&receiver, 2 * sent.len()).await;
    eventually("the outbox is empty", || async {
        one.services.webhooks.backlog().await.unwrap() == 0
    })
    .await;
    let mut messages = receiver.messages("message.created");
    messages.sort();
    sent.sort();
    assert_eq!(messages, sent, "each message once");
    let mut ids: Vec<String> = receiver.accepted().into_iter().map(|(id, _)| id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2 * sent.len(), "no webhook-id twice");
    assert_eq!(receiver.accepted().len(), 2 * sent.len(), "none twice");
    drop(two);
}
