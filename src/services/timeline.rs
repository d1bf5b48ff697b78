//! A chat's timeline: the one place that takes the chat's next sequence
//! number, stores what happened, and publishes it on the chat's topic.
//!
//! The number is taken first (an atomic increment on the chat's head), then
//! the message or log entry is written. If that write fails, the number is
//! filled with a VOID entry, so the sequence stays gapless and replay never
//! waits for a number that will not come.
//!
//! A process that dies between taking a number and writing it (or whose
//! VOID write fails too) leaves a hole no one will fill. Readers that find
//! one call [`settle_holes`]: once the number is certainly older than
//! `SEQUENCE_HOLE_TIMEOUT_MS` (far longer than any write may take) it is
//! filled with a VOID entry, and replay carries on across it.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::time::Instant;

use crate::domain::{Chat, ChatId, Message, MessageId, MessageKind, SystemInfo, User, UserId};
use crate::error::AppResult;
use crate::events::{Event, EventBus, MessageEvent, MessageEventKind, Topic};
use crate::storage::Database;
use crate::storage::messages::LoggedEvent;

/// A message to post, before it has an id and a sequence number.
pub struct Draft {
    pub kind: MessageKind,
    pub text: Option<String>,
    pub media: Vec<crate::domain::Media>,
    pub reply_to: Option<MessageId>,
    /// A thread reply's root (see `services::threads`).
    pub thread_root: Option<MessageId>,
    pub client_message_id: Option<String>,
    pub system: Option<SystemInfo>,
    /// Checked already (see `services::mentions`).
    pub mentions: super::mentions::Mentioned,
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
    /// Where new messages' webhooks are recorded (before the message).
    webhooks: Option<super::webhooks::Webhooks>,
}

impl Timeline {
    pub fn new(db: Database, bus: Arc<dyn EventBus>) -> Self {
        Self {
            db,
            bus,
            webhooks: None,
        }
    }

    /// Records the webhooks of each new message (see `services::webhooks`).
    pub fn with_webhooks(mut self, webhooks: super::webhooks::Webhooks) -> Self {
        self.webhooks = Some(webhooks);
        self
    }

    /// Stores a new message as the chat's last and publishes it.
    pub async fn post(&self, chat: ChatId, sender: &User, draft: Draft) -> AppResult<Posted> {
        let messages = self.db.messages();
        if let Some(client_id) = &draft.client_message_id
            && let Some(first) = messages
                .find_by_client_id(chat, sender.id, client_id)
                .await?
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
            thread_root: draft.thread_root,
            reactions: Vec::new(),
            deleted_for: Vec::new(),
            is_deleted: false,
            edited_at: None,
            created_at: Utc::now(),
            client_message_id: draft.client_message_id,
            system: draft.system,
            mentions: draft.mentions.users,
            mentions_all: draft.mentions.all,
        };
        // Written first, so a stored message always has its webhooks.
        if let Some(webhooks) = &self.webhooks
            && let Err(error) = webhooks.record_message(&message).await
        {
            self.void(chat, seq, sender.id).await;
            return Err(error);
        }
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
                });
                Ok(Posted::New(message))
            }
            Ok(None) => {
                // A concurrent twin stored it first: this number carries nothing.
                self.void(chat, seq, sender.id).await;
                let client_id = message.client_message_id.as_deref().unwrap_or_default();
                let first = messages
                    .find_by_client_id(chat, sender.id, client_id)
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
            thread_root: None,
            client_message_id: None,
            system: Some(info),
            mentions: Default::default(),
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
        kind: MessageEventKind,
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
            kind,
            actor,
            message: entry.message,
            sender: None,
            up_to,
        });
        Ok(seq)
    }

    /// Fills `seq` with a VOID entry (best effort: a failure here is logged;
    /// replay then treats the number as missing and asks for a resync).
    async fn void(&self, chat: ChatId, seq: i64, actor: UserId) {
        let entry = LoggedEvent {
            chat,
            seq,
            kind: MessageEventKind::Void,
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
            }),
            Err(error) => tracing::error!(?error, %chat, seq, "could not fill a sequence number"),
        }
    }

    fn publish(&self, event: MessageEvent) {
        self.bus
            .publish(Topic::Chat(event.chat), Event::Message(Arc::new(event)));
    }
}

/// What [`settle_holes`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holes {
    /// The numbers are filled with VOID entries now.
    Filled,
    /// Their writes may still land: look again at `retry_at`.
    Young { retry_at: Instant },
    /// They may have been written and removed since (the log's retention):
    /// what they held is lost.
    MaybeExpired,
}

/// Fills `missing` (numbers of `chat` taken but not stored) with VOID
/// entries once they are certainly abandoned: taken longer than `timeout`
/// ago, and certainly never written.
///
/// Numbers are taken in order, so what was stored around a hole dates it.
/// The first event stored after the last missing number (else the head's
/// time of its last number) was stored after the hole was taken: once that
/// is older than `timeout`, any write of the hole's has long failed. The
/// last event stored before the first missing number was taken before the
/// hole was: while that is younger than the log's retention (less the
/// longest a write may take), the hole cannot be an entry the retention
/// removed, whose loss must be reported instead. A head from before its
/// time was recorded counts as old.
pub async fn settle_holes(
    db: &Database,
    chat: ChatId,
    missing: &[i64],
    timeout: Duration,
) -> AppResult<Holes> {
    let (Some(&first), Some(&last)) = (missing.iter().min(), missing.iter().max()) else {
        return Ok(Holes::Filled);
    };
    let messages = db.messages();
    if let Some(before) = messages.last_written_before(chat, first).await? {
        let kept = db.chat_event_retention().saturating_sub(timeout);
        let age = (Utc::now() - before).to_std().unwrap_or_default();
        if age >= kept {
            return Ok(Holes::MaybeExpired);
        }
    }
    let taken_before = match messages.first_written_after(chat, last).await? {
        Some(at) => Some(at),
        None => db.chat_heads().find(chat).await?.seq_taken_at,
    };
    if let Some(taken_before) = taken_before {
        let age = (Utc::now() - taken_before).to_std().unwrap_or_default();
        if age < timeout {
            return Ok(Holes::Young {
                retry_at: Instant::now() + (timeout - age),
            });
        }
    }
    tracing::warn!(%chat, ?missing, "filling abandoned sequence numbers");
    messages.fill_void(chat, missing).await?;
    Ok(Holes::Filled)
}
