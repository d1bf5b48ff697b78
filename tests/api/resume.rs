//! Resuming `messageEvents` at the seam where a number is taken but its
//! event not yet stored.

use std::sync::Arc;

use chat_server::domain::{ChatId, UserId};
use chat_server::events::{Event, MessageEvent, MessageEventKind, Topic};
use chat_server::services::message_stream::TimelineItem;
use chat_server::storage::messages::LoggedEvent;

use crate::helpers::{EVENT_TIMEOUT, TestApp};

#[tokio::test]
async fn a_resume_during_a_send_in_flight__awaits_that_number_instead_of_resyncing() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat_id = app.group(&ada, &[&bob], "Club").await;
    let chat = ChatId::parse("chatId", &chat_id).unwrap();
    let bob_id = UserId::parse("userId", &bob.id).unwrap();
    let services = &app.services;
    // A send has taken the next number but not stored its message yet.
    let seq = app.db.chat_heads().next_seq(chat, None).await.unwrap();
    let mut follower = services
        .messages
        .follow(bob_id, chat, Some(seq - 1))
        .await
        .unwrap();
    // Now the write lands and is published, as the send would do.
    let entry = LoggedEvent {
        chat,
        seq,
        kind: MessageEventKind::Read,
        actor: bob_id,
        message: None,
        up_to: Some(seq - 1),
    };
    app.db.messages().append(&entry).await.unwrap();
    app.bus.publish(
        Topic::Chat(chat),
        Event::Message(Arc::new(MessageEvent {
            chat,
            seq,
            kind: MessageEventKind::Read,
            actor: bob_id,
            message: None,
            sender: None,
            up_to: Some(seq - 1),
        })),
    );
    let item = tokio::time::timeout(EVENT_TIMEOUT, follower.next())
        .await
        .expect("an item within the timeout");
    match item {
        Some(TimelineItem::Event(event)) => assert_eq!(event.seq, seq),
        other => panic!("expected the awaited event, got {other:?}"),
    }
}

const EVENTS: &str = "subscription($chat: ID!, $after: String) { messageEvents(chatId: $chat, after: $after) { kind cursor message { text } } }";

/// What a process that died right after taking a sequence number leaves:
/// the number is taken, and nothing will ever be written for it.
async fn abandon_a_number(app: &TestApp, chat_id: &str) -> i64 {
    let chat = ChatId::parse("chatId", chat_id).unwrap();
    app.db.chat_heads().next_seq(chat, None).await.unwrap()
}

async fn next_kind_and_text(socket: &mut crate::helpers::WsClient) -> (String, String) {
    let event = socket.next_data("m").await["data"]["messageEvents"].clone();
    (
        event["kind"].as_str().unwrap_or_default().to_owned(),
        event["message"]["text"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

fn short_holes(s: &mut chat_server::config::Settings) {
    s.messaging.sequence_hole_timeout_ms = 300;
}

#[tokio::test]
async fn a_resume_across_a_number_abandoned_by_a_crash__replays_everything_after_it() {
    let app = TestApp::spawn_with(short_holes).await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.group(&ada, &[&bob], "Club").await;
    let before = app.say(&ada, &chat, "before").await;
    let after = before["cursor"].as_str().unwrap().to_owned();
    app.say(&ada, &chat, "one").await;
    abandon_a_number(&app, &chat).await;
    app.say(&ada, &chat, "two").await;

    let mut socket = app.ws(&bob.token).await;
    socket
        .subscribe(
            "m",
            EVENTS,
            serde_json::json!({ "chat": chat, "after": after }),
        )
        .await;
    assert_eq!(
        next_kind_and_text(&mut socket).await,
        ("CREATED".into(), "one".into())
    );
    assert_eq!(
        next_kind_and_text(&mut socket).await,
        ("CREATED".into(), "two".into()),
        "replay goes on across the abandoned number"
    );
    // The hole is filled for good: a later resume replays at once.
    let mut again = app.ws(&bob.token).await;
    again
        .subscribe(
            "m",
            EVENTS,
            serde_json::json!({ "chat": chat, "after": after }),
        )
        .await;
    assert_eq!(next_kind_and_text(&mut again).await.1, "one");
    assert_eq!(next_kind_and_text(&mut again).await.1, "two");
}

#[tokio::test]
async fn a_live_stream_past_an_abandoned_number__delivers_what_follows_without_a_resync() {
    let app = TestApp::spawn_with(short_holes).await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.group(&ada, &[&bob], "Club").await;
    let mut socket = app.ws(&bob.token).await;
    socket
        .subscribe("m", EVENTS, serde_json::json!({ "chat": chat }))
        .await;
    socket.expect_quiet().await;
    abandon_a_number(&app, &chat).await;
    app.say(&ada, &chat, "after the hole").await;
    assert_eq!(
        next_kind_and_text(&mut socket).await,
        ("CREATED".into(), "after the hole".into())
    );
}

/// Followers of one chat that start while a read for it is running share
/// the next one: a dozen sockets resuming at once (as after a network
/// drop) cost the database no more than two followers starting alone.
#[tokio::test]
async fn followers_resuming_at_once__share_their_database_reads() {
    let proxy = crate::helpers::TcpProxy::start(crate::helpers::mongodb_address()).await;
    let port = proxy.port;
    let app = TestApp::spawn_with(|s| {
        s.database.mongodb_uri =
            format!("mongodb://127.0.0.1:{port}/?directConnection=true").into();
    })
    .await;
    let ada = app.sign_up("ada").await;
    let mut members = Vec::new();
    for i in 0..12 {
        members.push(app.sign_up(&format!("member{i}")).await);
    }
    let chat_id = app
        .group(&ada, &members.iter().collect::<Vec<_>>(), "Club")
        .await;
    let chat = ChatId::parse("chatId", &chat_id).unwrap();
    for text in ["one", "two", "three"] {
        app.say(&ada, &chat_id, text).await;
    }
    let variables = serde_json::json!({ "chat": chat_id, "after": "0" });
    let replayed_to_three = async |socket: &mut crate::helpers::WsClient| {
        while next_kind_and_text(socket).await.1 != "three" {}
    };

    // What one follower starting alone costs.
    let mut alone = app.ws(&ada.token).await;
    let before = app.db_commands();
    alone.subscribe("m", EVENTS, variables.clone()).await;
    replayed_to_three(&mut alone).await;
    let one = app.db_commands() - before;

    let mut sockets = Vec::new();
    for member in &members {
        sockets.push(app.ws(&member.token).await);
    }
    // The database stalls, so the first start's read hangs and every other
    // start queues behind it (each subscribes to the bus just before).
    proxy.pause();
    let before = app.db_commands();
    for socket in &mut sockets {
        socket.subscribe("m", EVENTS, variables.clone()).await;
    }
    app.subscribers(Topic::Chat(chat), 1 + sockets.len()).await;
    proxy.resume();
    for socket in &mut sockets {
        replayed_to_three(socket).await;
    }
    let twelve = app.db_commands() - before;
    assert!(
        twelve <= 2 * one,
        "12 followers resuming at once took {twelve} round trips; one alone takes {one}"
    );
}
