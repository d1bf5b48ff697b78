//! Reports of messages: members report, admins see and resolve, and the
//! operator's webhook receives each one signed (checked here by a real
//! HTTP receiver).

use axum::body::Bytes;
use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::helpers::{EVENT_TIMEOUT, TestApp, TestUser};

const REPORT: &str = "mutation($input: ReportMessageInput!) { reportMessage(input: $input) { id reason note resolution } }";
const REPORTS: &str = "query($chat: ID!, $open: Boolean) { reports(chatId: $chat, openOnly: $open) { edges { node { id reason note reporter { id } sender { id } message { id text } resolution resolvedBy { id } } } } }";
const RESOLVE: &str = "mutation($input: ResolveReportInput!) { resolveReport(input: $input) { resolution resolvedBy { id } } }";
const NOTIFICATIONS: &str = "{ notifications { edges { node { kind chatId actor { id } } } } }";
const PROMOTE: &str = "mutation($input: ChatMemberInput!) { promoteAdmin(input: $input) { id } }";
const CHAT: &str = "query($id: ID!) { chat(id: $id) { members { id } } }";
const SECRET: &str = "webhook test secret";

/// A webhook receiver on a free port: every request's headers and body.
async fn receiver() -> (String, mpsc::UnboundedReceiver<(HeaderMap, Bytes)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

fn report(message: &Value, reason: &str) -> Value {
    json!({ "input": { "messageId": message["id"], "reason": reason, "note": "please look" } })
}

/// A group of ada (owner) with cat (admin), bob and dan; its id.
async fn group(app: &TestApp) -> (String, [TestUser; 4]) {
    let ada = app.sign_up("ada").await;
    let (bob, cat, dan) = (
        app.sign_up("bob").await,
        app.sign_up("cat").await,
        app.sign_up("dan").await,
    );
    let chat = app.group(&ada, &[&bob, &cat, &dan], "Club").await;
    app.gql_ok(
        Some(&ada.token),
        PROMOTE,
        json!({ "input": { "chatId": chat, "userId": cat.id } }),
    )
    .await;
    (chat, [ada, bob, cat, dan])
}

#[tokio::test]
async fn report_message__reaches_admins_only_and_the_signed_webhook() {
    let (url, mut hook) = receiver().await;
    let app = TestApp::spawn_with(|s| {
        s.moderation.report_webhook_url = Some(url);
        s.moderation.report_webhook_secret = Some(SECRET.to_owned().into());
    })
    .await;
    let (chat, [_ada, bob, cat, dan]) = group(&app).await;
    let spam = app.say(&dan, &chat, "buy now").await;
    let data = app
        .gql_ok(Some(&bob.token), REPORT, report(&spam, "SPAM"))
        .await;
    assert_eq!(data["reportMessage"]["resolution"], Value::Null);
    // Once per member and message; never one's own.
    assert_eq!(
        app.gql_err(Some(&bob.token), REPORT, report(&spam, "OTHER"))
            .await,
        "CONFLICT"
    );
    assert_eq!(
        app.gql_err(Some(&dan.token), REPORT, report(&spam, "SPAM"))
            .await,
        "BAD_USER_INPUT"
    );

    // The operator's webhook: signed with HMAC-SHA256 of the body.
    let (headers, body) = tokio::time::timeout(EVENT_TIMEOUT, hook.recv())
        .await
        .expect("the webhook is called in time")
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(&body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        headers["x-chat-signature"],
        format!("sha256={expected}").as_str()
    );
    let sent: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(sent["event"], "message.reported");
    assert_eq!(sent["report"]["reason"], "SPAM");
    assert_eq!(sent["report"]["reporter"], bob.id);
    assert_eq!(sent["message"]["text"], "buy now");

    // Admins are told and see it; members do not.
    let notes = app.gql_ok(Some(&cat.token), NOTIFICATIONS, json!({})).await;
    let kinds: Vec<&Value> = notes["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"]["kind"])
        .collect();
    assert!(kinds.contains(&&json!("MESSAGE_REPORTED")), "{kinds:?}");
    let listed = app
        .gql_ok(Some(&cat.token), REPORTS, json!({ "chat": chat }))
        .await;
    let node = &listed["reports"]["edges"][0]["node"];
    assert_eq!(
        (
            &node["reporter"]["id"],
            &node["sender"]["id"],
            &node["note"]
        ),
        (&json!(bob.id), &json!(dan.id), &json!("please look"))
    );
    assert_eq!(node["message"]["text"], "buy now");
    assert_eq!(
        app.gql_err(Some(&bob.token), REPORTS, json!({ "chat": chat }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql_err(Some(&dan.token), REPORTS, json!({ "chat": chat }))
            .await,
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn resolve_report__deletes_bans_or_dismisses_once_by_admins() {
    let app = TestApp::spawn().await;
    let (chat, [ada, bob, cat, dan]) = group(&app).await;
    let first = app.say(&dan, &chat, "rude").await;
    let second = app.say(&dan, &chat, "ruder").await;
    let third = app.say(&ada, &chat, "fine").await;
    let mut reports = Vec::new();
    for (message, reason) in [
        (&first, "HARASSMENT"),
        (&second, "HARASSMENT"),
        (&third, "OTHER"),
    ] {
        let data = app
            .gql_ok(Some(&bob.token), REPORT, report(message, reason))
            .await;
        reports.push(data["reportMessage"]["id"].clone());
    }
    let resolve =
        |id: &Value, action: &str| json!({ "input": { "reportId": id, "action": action } });
    assert_eq!(
        app.gql_err(Some(&bob.token), RESOLVE, resolve(&reports[0], "DISMISS"))
            .await,
        "FORBIDDEN"
    );
    let done = app
        .gql_ok(
            Some(&cat.token),
            RESOLVE,
            resolve(&reports[0], "DELETE_MESSAGE"),
        )
        .await;
    assert_eq!(done["resolveReport"]["resolution"], "MESSAGE_DELETED");
    assert_eq!(
        app.gql_err(Some(&cat.token), RESOLVE, resolve(&reports[0], "DISMISS"))
            .await,
        "CONFLICT"
    );
    // A report of the owner's message: an admin cannot ban the owner.
    assert_eq!(
        app.gql_err(
            Some(&cat.token),
            RESOLVE,
            resolve(&reports[2], "BAN_SENDER")
        )
        .await,
        "FORBIDDEN"
    );
    app.gql_ok(Some(&cat.token), RESOLVE, resolve(&reports[2], "DISMISS"))
        .await;
    app.gql_ok(
        Some(&ada.token),
        RESOLVE,
        resolve(&reports[1], "BAN_SENDER"),
    )
    .await;
    let members = app
        .gql_ok(Some(&ada.token), CHAT, json!({ "id": chat }))
        .await;
    let members: Vec<&str> = members["chat"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(!members.contains(&dan.id.as_str()));
    let listed = app
        .gql_ok(Some(&ada.token), REPORTS, json!({ "chat": chat }))
        .await;
    let nodes = listed["reports"]["edges"].as_array().unwrap();
    assert_eq!(nodes.len(), 3);
    assert_eq!(
        nodes
            .iter()
            .find(|e| e["node"]["id"] == reports[0])
            .unwrap()["node"]["message"]["text"],
        Value::Null
    );
    let open = app
        .gql_ok(
            Some(&ada.token),
            REPORTS,
            json!({ "chat": chat, "open": true }),
        )
        .await;
    assert_eq!(open["reports"]["edges"], json!([]));
}
