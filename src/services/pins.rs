//! Pinned messages: who may pin, what a pin announces, what a chat lists.
//!
//! Pinning is judged in `chats::permissions` (`ensure_can_pin`): either
//! person of a direct chat; in a group whom its `pin` setting lets (admins
//! by default). Each change is announced twice on the chat's timeline, so it
//! replays through `messageEvents(after:)` like everything else: a system
//! message (`MESSAGE_PINNED` / `MESSAGE_UNPINNED`, for the history) and a
//! `PINNED` / `UNPINNED` event carrying the message (for clients keeping a
//! pinned bar up to date). Pinning twice or unpinning what is not pinned
//! changes and announces nothing.

use std::collections::HashMap;

use chrono::Utc;

use crate::domain::{
    Chat, Membership, Message, MessageEventKind, MessageId, MessageKind, SystemAction, SystemInfo,
    User, UserId,
};
use crate::error::{AppError, AppResult};
use crate::storage::Database;
use crate::storage::pins::Pin;

use super::chats::{ChatService, permissions};
use super::timeline::{Draft, Timeline};

pub use crate::storage::pins::MAX_PINS;

#[derive(Clone)]
pub struct PinService {
    db: Database,
    chats: ChatService,
    timeline: Timeline,
}

impl PinService {
    pub fn new(db: Database, chats: ChatService, timeline: Timeline) -> Self {
        Self {
            db,
            chats,
            timeline,
        }
    }

    /// Pins a message of a chat `me` may pin in; at most [`MAX_PINS`] per
    /// chat (`CONFLICT` beyond).
    #[tracing::instrument(skip(self), fields(user_id = %me, message_id = %id))]
    pub async fn pin(&self, me: UserId, id: MessageId) -> AppResult<Message> {
        let message = self.pinnable(me, id).await?;
        if message.is_deleted {
            return Err(AppError::Conflict("the message was deleted".into()));
        }
        if message.kind == MessageKind::System {
            return Err(AppError::bad_input(
                "messageId",
                "system messages cannot be pinned",
            ));
        }
        let pins = self.db.pins();
        if pins.count(message.chat).await? >= MAX_PINS as u64 {
            let pinned = pins.list(message.chat).await?;
            if pinned.iter().any(|p| p.message == id) {
                return Ok(message);
            }
            return Err(AppError::Conflict(format!(
                "a chat has at most {MAX_PINS} pinned messages; unpin one first"
            )));
        }
        if pins.pin(message.chat, id, me).await? {
            self.announce(me, &message, SystemAction::MessagePinned)
                .await?;
        }
        Ok(message)
    }

    /// Unpins a message (the same people as may pin).
    #[tracing::instrument(skip(self), fields(user_id = %me, message_id = %id))]
    pub async fn unpin(&self, me: UserId, id: MessageId) -> AppResult<Message> {
        let message = self.pinnable(me, id).await?;
        if self.db.pins().unpin(message.chat, id).await? {
            self.announce(me, &message, SystemAction::MessageUnpinned)
                .await?;
        }
        Ok(message)
    }

    /// `chat`'s pinned messages as `me` sees them, newest pin first: none
    /// for a non-member; without messages deleted (for everyone, or for
    /// `me`). Two queries.
    pub async fn pinned(&self, me: UserId, chat: &Chat) -> AppResult<Vec<(Pin, Message)>> {
        if !chat.is_member(me) {
            return Ok(Vec::new());
        }
        let pins = self.db.pins().list(chat.id).await?;
        if pins.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<MessageId> = pins.iter().map(|p| p.message).collect();
        let mut messages: HashMap<MessageId, Message> = self
            .db
            .messages()
            .find_many(&ids)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        Ok(pins
            .into_iter()
            .filter_map(|pin| {
                let message = messages.remove(&pin.message)?;
                let visible = !message.is_deleted && !message.deleted_for.contains(&me);
                visible.then_some((pin, message))
            })
            .collect())
    }

    /// The message, if `me` may pin or unpin it: a member of its chat who
    /// sees it (else `NOT_FOUND`) and whom the chat lets pin.
    async fn pinnable(&self, me: UserId, id: MessageId) -> AppResult<Message> {
        let message = self
            .db
            .messages()
            .find(id)
            .await?
            .filter(|m| !m.deleted_for.contains(&me))
            .ok_or_else(message_not_found)?;
        let membership: Membership = self
            .chats
            .membership(me, message.chat)
            .await
            .map_err(|_| message_not_found())?;
        permissions::ensure_can_pin(&membership, Utc::now())?;
        Ok(message)
    }

    /// The system message and the PINNED/UNPINNED event of a change.
    async fn announce(&self, me: UserId, message: &Message, action: SystemAction) -> AppResult<()> {
        let actor = self.user(me).await?;
        let info = SystemInfo {
            action,
            actor: me,
            targets: Vec::new(),
            value: Some(message.id.to_string()),
        };
        let text = info.text(|_| actor.mention());
        let draft = Draft {
            kind: MessageKind::System,
            text: Some(text),
            media: Vec::new(),
            reply_to: None,
            thread_root: None,
            mentions: Default::default(),
            client_message_id: None,
            system: Some(info),
        };
        self.timeline.post(message.chat, &actor, draft).await?;
        let kind = match action {
            SystemAction::MessagePinned => MessageEventKind::Pinned,
            _ => MessageEventKind::Unpinned,
        };
        self.timeline
            .log(message.chat, kind, me, Some(message.clone()), None)
            .await?;
        Ok(())
    }

    async fn user(&self, id: UserId) -> AppResult<User> {
        self.db
            .users()
            .find(id)
            .await?
            .ok_or_else(|| AppError::Unauthenticated("your account no longer exists".into()))
    }
}

fn message_not_found() -> AppError {
    AppError::NotFound("message not found".into())
}
