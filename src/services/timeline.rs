//! A chat's timeline: the one place that takes the chat's next sequence
//! number, stores what happened, and publishes it on the chat's topic.
//!
//! The number is taken first (an atomic increment on the chat's head), then
//! the message or log entry is written. If that write fails, the number is
//! filled with a VOID entry, so the sequence stays gapless and replay never
//! waits for a number that will not come.

use std::sync::Arc;

use chrono::Utc;

use crate::domain::{Chat, ChatId, Message, MessageId, MessageKind, SystemInfo, User, UserId};
use crate::error::AppResult;
use crate::events::{Event, EventBus, MessageEvent, MessageEventKind, Topic};
use crate::storage::Database;
use crate::storage::messages::{LoggedEvent, LoggedKind};

/// A message to post, before it has an id and a sequence number.
pub struct Draft {
    pub kind: MessageKind,
    pub text: Option<String>,
    pub media: Vec<crate::domain::Media>,
    pub reply_to: Option<MessageId>,
    pub client_message_id: Option<String>,
    pub system: Option<SystemInfo>,
}

/// What posting a message did.
pub enum Posted {
    New(Message),
    /// The sender already sent this `clientMessageId`: the first message.
    Duplicate(Message),
}

#[derive(Clone)]
pub struct Timeline {
    db: Database,
    bus: Arc<dyn EventBus>,
}

impl Timeline {
    pub fn new(db: Database, bus: Arc<dyn EventBus>) -> Self {
        Self { db, bus }
    }

    /// Stores a new message as the chat's last and publishes it.
    pub async fn post(&self, chat: ChatId, sender: &User, draft: Draft) -> AppResult<Posted> {
        let messages = self.db.messages();
        if let Some(client_id) = &draft.client_message_id
            && let Some(first) = messages.find_by_client_id(sender.id, client_id).await?
        {
            return Ok(Posted::Duplicate(first));
        }
        let id = MessageId::new();
        let seq = self.db.chat_heads().next_seq(chat, Some(id)).await?;
        let message = Message {
            id,
            chat,
            seq,
            sender: sender.id,
            kind: draft.kind,
            text: draft.text,
            media: draft.media,
            reply_to: draft.reply_to,
            reactions: Vec::new(),
            deleted_for: Vec::new(),
            is_deleted: false,
            edited_at: None,
            created_at: Utc::now(),
            client_message_id: draft.client_message_id,
            system: draft.system,
        };
        // The chat's place in its members' chat lists moves meanwhile.
        let chats = self.db.chats();
        let (stored, touched) = tokio::join!(messages.insert(&message), chats.touch(chat));
        if let Err(error) = touched {
            tracing::warn!(?error, %chat, "could not move the chat's last activity");
        }
        match stored {
            Ok(Some(())) => {
                self.publish(MessageEvent {
                    chat,
                    seq,
                    kind: MessageEventKind::Created,
                    actor: sender.id,
                    message: Some(message.clone()),
                    sender: Some(sender.clone()),
                    up_to: None,
                    renders: Default::default(),
                });
                Ok(Posted::New(message))
            }
            Ok(None) => {
                // A concurrent twin stored it first: this number carries nothing.
                self.void(chat, seq, sender.id).await;
                let client_id = message.client_message_id.as_deref().unwrap_or_default();
                let first = messages
                    .find_by_client_id(sender.id, client_id)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("duplicate message vanished"))?;
                // Taking the number also made this (never stored) message
                // the chat's last one; point it back at the real message.
                self.db
                    .chat_heads()
                    .replace_last_message(chat, id, first.id)
                    .await?;
                Ok(Posted::Duplicate(first))
            }
            Err(error) => {
                self.void(chat, seq, sender.id).await;
                Err(error)
            }
        }
    }

    /// Posts a system message about the chat itself.
    pub async fn post_system(
        &self,
        chat: &Chat,
        actor: &User,
        info: SystemInfo,
        text: String,
    ) -> AppResult<Message> {
        let draft = Draft {
            kind: MessageKind::System,
            text: Some(text),
            media: Vec::new(),
            reply_to: None,
            client_message_id: None,
            system: Some(info),
        };
        match self.post(chat.id, actor, draft).await? {
            Posted::New(message) | Posted::Duplicate(message) => Ok(message),
        }
    }

    /// Logs a change to the chat (an edit, a reaction, a receipt) with the
    /// next sequence number and publishes it. Returns the number.
    pub async fn log(
        &self,
        chat: ChatId,
        kind: LoggedKind,
        actor: UserId,
        message: Option<Message>,
        up_to: Option<i64>,
    ) -> AppResult<i64> {
        let seq = self.db.chat_heads().next_seq(chat, None).await?;
        let entry = LoggedEvent {
            chat,
            seq,
            kind,
            actor,
            message,
            up_to,
        };
        if let Err(error) = self.db.messages().append(&entry).await {
            self.void(chat, seq, actor).await;
            return Err(error);
        }
        self.publish(MessageEvent {
            chat,
            seq,
            kind: logged_kind(kind),
            actor,
            message: entry.message,
            sender: None,
            up_to,
            renders: Default::default(),
        });
        Ok(seq)
    }

    /// Fills `seq` with a VOID entry (best effort: a failure here is logged;
    /// replay then treats the number as missing and asks for a resync).
    async fn void(&self, chat: ChatId, seq: i64, actor: UserId) {
        let entry = LoggedEvent {
            chat,
            seq,
            kind: LoggedKind::Void,
            actor,
            message: None,
            up_to: None,
        };
        match self.db.messages().append(&entry).await {
            Ok(()) => self.publish(MessageEvent {
                chat,
                seq,
                kind: MessageEventKind::Void,
                actor,
                message: None,
                sender: None,
                up_to: None,
                renders: Default::default(),
            }),
            Err(error) => tracing::error!(?error, %chat, seq, "could not fill a sequence number"),
        }
    }

    fn publish(&self, event: MessageEvent) {
        self.bus
            .publish(Topic::Chat(event.chat), Event::Message(event));
    }
}

pub fn logged_kind(kind: LoggedKind) -> MessageEventKind {
    match kind {
        LoggedKind::Edited => MessageEventKind::Edited,
        LoggedKind::Deleted => MessageEventKind::Deleted,
        LoggedKind::ReactionChanged => MessageEventKind::ReactionChanged,
        LoggedKind::Read => MessageEventKind::Read,
        LoggedKind::Delivered => MessageEventKind::Delivered,
        LoggedKind::Void => MessageEventKind::Void,
    }
}
