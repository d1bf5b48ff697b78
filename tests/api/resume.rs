//! Resuming `messageEvents` at the seam where a number is taken but its
//! event not yet stored.

use chat_server::domain::{ChatId, UserId};
use chat_server::events::{Event, MessageEvent, MessageEventKind, Topic};
use chat_server::services::message_stream::{Follower, TimelineItem};
use chat_server::storage::messages::{LoggedEvent, LoggedKind};

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
    let seq = services.db.chat_heads().next_seq(chat, None).await.unwrap();
    let mut follower = Follower::start(
        services.db.clone(),
        services.bus.as_ref(),
        &services.chats,
        services.message_replay_max,
        bob_id,
        chat,
        Some(seq - 1),
    )
    .await
    .unwrap();
    // Now the write lands and is published, as the send would do.
    let entry = LoggedEvent {
        chat,
        seq,
        kind: LoggedKind::Read,
        actor: bob_id,
        message: None,
        up_to: Some(seq - 1),
    };
    services.db.messages().append(&entry).await.unwrap();
    services.bus.publish(
        Topic::Chat(chat),
        Event::Message(MessageEvent {
            chat,
            seq,
            kind: MessageEventKind::Read,
            actor: bob_id,
            message: None,
            sender: None,
            up_to: Some(seq - 1),
            renders: Default::default(),
        }),
    );
    let item = tokio::time::timeout(EVENT_TIMEOUT, follower.next())
        .await
        .expect("an item within the timeout");
    match item {
        Some(TimelineItem::Event(event)) => assert_eq!(event.seq, seq),
        other => panic!("expected the awaited event, got {other:?}"),
    }
}
