//! Messages: send, edit, delete, reactions, read and delivered receipts,
//! history and unread counts.
//!
//! Permission layers: members only (a removed member is refused at once);
//! the author alone edits, within the edit window; deleting for everyone is
//! the author's within the delete window, or a group admin's at any time;
//! deleting for oneself is any member's, any time, and tells nobody. In a
//! direct chat with a block in either direction nothing can be sent.
//!
//! A group's rules apply through `chats::permissions`, judged on the one
//! membership read a send makes anyway: a muted member cannot send or
//! react, an announcement channel takes messages from admins only, and
//! slow mode lets a member who is not an admin send once per period (its
//! turn taken by one atomic write in MongoDB, so it holds across
//! instances; chats without slow mode pay nothing for it).

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;

use crate::domain::message::{Content, parse_client_message_id, parse_emoji, parse_text};
use crate::domain::{
    Chat, ChatId, Message, MessageEventKind, MessageId, MessageKind, User, UserId,
};
use crate::error::{AppError, AppResult};
use crate::storage::Database;
use crate::storage::messages::HistoryPage;
use crate::storage::receipts::{Receipt, ReceiptKind};

use super::around::{self, AroundPage, AroundTarget};
use super::blocks::BlockRules;
use super::chats::{ChatService, permissions};
use super::mentions::{MentionChange, Mentioned, Mentions};
use super::message_stream::{Follower, Following};
use super::timeline::{Draft, Posted, Timeline};

/// The most distinct emojis one message may carry.
pub const MAX_DISTINCT_REACTIONS: usize = 50;

/// A message to send, with checked content.
pub struct Outgoing {
    pub chat: ChatId,
    pub content: Content,
    pub reply_to: Option<MessageId>,
    /// A thread reply: the root (or a reply) named (see [`super::threads`]).
    pub thread_root: Option<MessageId>,
    pub client_message_id: Option<String>,
    /// Unchecked (see `services::mentions`).
    pub mentions: Mentioned,
}

/// What a receipt call did.
pub struct ReceiptResult {
    pub chat: ChatId,
    pub up_to: i64,
    pub unread_count: u64,
}

#[derive(Clone)]
pub struct MessageService {
    db: Database,
    blocks: BlockRules,
    chats: ChatService,
    timeline: Timeline,
    edit_window: Duration,
    delete_window: Duration,
    /// What followers listen on and how far they replay ([`Self::follow`]).
    following: Following,
    /// Deletes the files of messages deleted for everyone.
    uploads: Option<super::uploads::UploadService>,
    mentions: Mentions,
    /// Pushes and webhooks for recipients without an open socket.
    offline: Option<super::push::offline::OfflineDelivery>,
}

impl MessageService {
    pub fn new(
        db: Database,
        blocks: BlockRules,
        chats: ChatService,
        timeline: Timeline,
        edit_window: Duration,
        delete_window: Duration,
        following: Following,
    ) -> Self {
        let mentions = Mentions::new(db.clone(), chats.notifications().clone());
        Self {
            mentions,
            db,
            blocks,
            chats,
            timeline,
            edit_window,
            delete_window,
            following,
            uploads: None,
            offline: None,
        }
    }

    /// Deletes the files of messages deleted for everyone from `uploads`.
    pub fn with_uploads(mut self, uploads: super::uploads::UploadService) -> Self {
        self.uploads = Some(uploads);
        self
    }

    /// Reaches recipients without an open socket (see `services::push::offline`).
    pub fn with_offline(mut self, offline: super::push::offline::OfflineDelivery) -> Self {
        self.offline = Some(offline);
        self
    }

    /// Sends a message. A repeated `clientMessageId` returns the first
    /// message and stores and broadcasts nothing new.
    #[tracing::instrument(skip(self, outgoing), fields(user_id = %me, chat_id = %outgoing.chat))]
    pub async fn send(&self, me: UserId, outgoing: Outgoing) -> AppResult<Message> {
        let client_message_id = outgoing
            .client_message_id
            .as_deref()
            .map(parse_client_message_id)
            .transpose()?;
        let chat = self.chats.membership(me, outgoing.chat).await?;
        if chat.closed {
            return Err(AppError::Forbidden(
                "the other person deleted their account".into(),
            ));
        }
        if let Some(other) = chat.partner {
            self.blocks
                .ensure_unblocked(me, other, "you cannot message this user")
                .await?;
        }
        let now = Utc::now();
        permissions::ensure_can_send(&chat, now)?;
        self.take_slow_turn(&chat, me, now).await?;
        if let Some(reply_to) = outgoing.reply_to {
            let target = self.db.messages().find(reply_to).await?;
            if target.is_none_or(|t| t.chat != chat.id) {
                return Err(AppError::bad_input(
                    "replyTo",
                    "must be a message of the same chat",
                ));
            }
        }
        let thread_root = match outgoing.thread_root {
            Some(named) => Some(super::threads::root_for_reply(&self.db, chat.id, named).await?),
            None => None,
        };
        let mentions = self.mentions.check(&chat, outgoing.mentions).await?;
        let sender = self.user(me).await?;
        let draft = Draft {
            kind: outgoing.content.kind,
            text: outgoing.content.text,
            media: outgoing.content.media,
            reply_to: outgoing.reply_to,
            thread_root,
            client_message_id,
            system: None,
            mentions,
        };
        match self.timeline.post(chat.id, &sender, draft).await? {
            Posted::New(message) => {
                super::threads::count_reply(&self.db, &message).await;
                super::threads::notify_followers(&self.db, self.chats.notifications(), &message);
                self.mentions.notify_added(&message, &Mentioned::default());
                if let Some(offline) = &self.offline {
                    offline.message_stored(&message);
                }
                Ok(message)
            }
            Posted::Duplicate(message) => Ok(message),
        }
    }

    /// Slow mode: takes `me`'s turn, or `RATE_LIMITED` with the wait.
    async fn take_slow_turn(
        &self,
        chat: &crate::domain::Membership,
        me: UserId,
        now: chrono::DateTime<Utc>,
    ) -> AppResult<()> {
        if chat.slow_mode_seconds == 0 || chat.role >= crate::domain::Role::Admin {
            return Ok(());
        }
        let refused = |wait: Duration| AppError::RateLimited {
            retry_after_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1),
        };
        if let Some(wait) = permissions::slow_mode_wait(chat, now) {
            return Err(refused(wait));
        }
        let period = chrono::Duration::seconds(i64::from(chat.slow_mode_seconds));
        let taken = self
            .db
            .moderation()
            .take_slow_turn(chat.id, me, now - period)
            .await?;
        match taken {
            true => Ok(()),
            // Another send of theirs (perhaps on another instance) took it.
            false => Err(refused(Duration::from_secs(u64::from(
                chat.slow_mode_seconds,
            )))),
        }
    }

    /// Edits a TEXT message (its author, within the edit window); its
    /// mentions change as `mentions` says (only users it adds are
    /// notified).
    #[tracing::instrument(skip(self, text, mentions), fields(user_id = %me, message_id = %id))]
    pub async fn edit(
        &self,
        me: UserId,
        id: MessageId,
        text: &str,
        mentions: MentionChange,
    ) -> AppResult<Message> {
        let text = parse_text(text)?;
        let (message, _) = self.visible(me, id).await?;
        if message.sender != me {
            return Err(AppError::Forbidden(
                "only the author can edit a message".into(),
            ));
        }
        if message.kind != MessageKind::Text {
            return Err(AppError::bad_input(
                "messageId",
                "only TEXT messages can be edited",
            ));
        }
        if message.is_deleted {
            return Err(AppError::Conflict("the message was deleted".into()));
        }
        if !within(message.created_at, self.edit_window) {
            return Err(AppError::Forbidden("the edit window has passed".into()));
        }
        let before = Mentioned::of(&message);
        let mentions = match mentions.apply(&before) {
            asked if asked != before => {
                let membership = self.chats.membership(me, message.chat).await?;
                self.mentions.check(&membership, asked).await?
            }
            _ => before.clone(),
        };
        let edited = self
            .db
            .messages()
            .edit_text(id, &text, &mentions.users, mentions.all)
            .await?
            .ok_or_else(|| AppError::Conflict("the message was deleted".into()))?;
        let edited = self.changed(me, MessageEventKind::Edited, edited).await?;
        self.mentions.notify_added(&edited, &before);
        Ok(edited)
    }

    /// Deletes a message for everyone (a tombstone, broadcast) or for `me`
    /// only (hidden from my history, nobody told).
    #[tracing::instrument(skip(self), fields(user_id = %me, message_id = %id))]
    pub async fn delete(
        &self,
        me: UserId,
        id: MessageId,
        for_everyone: bool,
    ) -> AppResult<Message> {
        let (message, chat) = self.visible(me, id).await?;
        if !for_everyone {
            return self
                .db
                .messages()
                .hide_for(id, me)
                .await?
                .ok_or_else(message_not_found);
        }
        let author_in_window =
            message.sender == me && within(message.created_at, self.delete_window);
        let group_admin = chat.is_group
            && chat.role(me).is_some_and(|role| {
                permissions::allows(&chat.permissions, role, permissions::Action::Moderate)
            });
        if !author_in_window && !group_admin {
            let reason = if message.sender == me {
                "the delete window has passed"
            } else {
                "only the author or a group admin can delete this for everyone"
            };
            return Err(AppError::Forbidden(reason.into()));
        }
        if message.is_deleted {
            return Ok(message);
        }
        let tombstone = self.db.messages().tombstone(id).await?;
        if tombstone.is_some() {
            // A tombstone is not worth a pin (the DELETED event tells
            // clients to drop it from their pinned bar).
            self.db.pins().unpin(message.chat, id).await?;
        }
        let Some(tombstone) = tombstone else {
            // Deleted meanwhile by someone else: the same outcome.
            return self
                .db
                .messages()
                .find(id)
                .await?
                .ok_or_else(message_not_found);
        };
        // After the tombstone is stored; in the background (and retried).
        if let Some(uploads) = &self.uploads {
            uploads.discard_media(&message.media);
        }
        self.changed(me, MessageEventKind::Deleted, tombstone).await
    }

    /// Adds `me`'s reaction (idempotent: repeating changes nothing).
    #[tracing::instrument(skip(self), fields(user_id = %me, message_id = %id))]
    pub async fn add_reaction(&self, me: UserId, id: MessageId, emoji: &str) -> AppResult<Message> {
        let emoji = parse_emoji(emoji)?;
        self.reactable(me, id).await?;
        let store = self.db.messages();
        // Two atomic steps: join the emoji's entry if it exists, else add the
        // entry; a race between them simply loops once more.
        for _ in 0..3 {
            let joined = store.join_reaction(id, &emoji, me).await?;
            if let Some(updated) = joined {
                return self
                    .changed(me, MessageEventKind::ReactionChanged, updated)
                    .await;
            }
            let current = store.find(id).await?.ok_or_else(message_not_found)?;
            if current
                .reactions
                .iter()
                .any(|r| r.emoji == emoji && r.users.contains(&me))
            {
                return Ok(current);
            }
            if current.reactions.len() >= MAX_DISTINCT_REACTIONS
                && !current.reactions.iter().any(|r| r.emoji == emoji)
            {
                return Err(AppError::bad_input(
                    "emoji",
                    format!("a message has at most {MAX_DISTINCT_REACTIONS} different reactions"),
                ));
            }
            let added = store.start_reaction(id, &emoji, me).await?;
            if let Some(updated) = added {
                return self
                    .changed(me, MessageEventKind::ReactionChanged, updated)
                    .await;
            }
        }
        Err(AppError::Conflict(
            "the reactions changed meanwhile; try again".into(),
        ))
    }

    /// Removes `me`'s reaction (idempotent).
    #[tracing::instrument(skip(self), fields(user_id = %me, message_id = %id))]
    pub async fn remove_reaction(
        &self,
        me: UserId,
        id: MessageId,
        emoji: &str,
    ) -> AppResult<Message> {
        let emoji = parse_emoji(emoji)?;
        let (message, _) = self.reactable(me, id).await?;
        let removed = self.db.messages().remove_reaction(id, &emoji, me).await?;
        match removed {
            Some(updated) => {
                self.changed(me, MessageEventKind::ReactionChanged, updated)
                    .await
            }
            None => Ok(message),
        }
    }

    /// Logs and broadcasts a change to `message` (now in its new state).
    async fn changed(
        &self,
        me: UserId,
        kind: MessageEventKind,
        message: Message,
    ) -> AppResult<Message> {
        self.timeline
            .log(message.chat, kind, me, Some(message.clone()), None)
            .await?;
        Ok(message)
    }

    /// Records that `me` has read (or received) the chat up to `up_to`
    /// (default: everything). Broadcast only when the pointer moved.
    #[tracing::instrument(skip(self), fields(user_id = %me, chat_id = %chat_id))]
    pub async fn mark(
        &self,
        me: UserId,
        chat_id: ChatId,
        kind: ReceiptKind,
        up_to: Option<i64>,
    ) -> AppResult<ReceiptResult> {
        let heads = self.db.chat_heads();
        let (chat, head) =
            tokio::try_join!(self.chats.membership(me, chat_id), heads.find(chat_id))?;
        let up_to = match up_to {
            None => head.seq,
            Some(n) if (0..=head.seq).contains(&n) => n,
            Some(_) => return Err(AppError::bad_input("upTo", "is not a cursor of this chat")),
        };
        if self.db.receipts().advance(chat.id, me, kind, up_to).await? {
            let logged = match kind {
                ReceiptKind::Read => MessageEventKind::Read,
                ReceiptKind::Delivered => MessageEventKind::Delivered,
            };
            self.timeline
                .log(chat.id, logged, me, None, Some(up_to))
                .await?;
        }
        let unread_count = self
            .unread_counts(me, &[chat.id])
            .await?
            .get(&chat.id)
            .copied()
            .unwrap_or(0);
        Ok(ReceiptResult {
            chat: chat.id,
            up_to,
            unread_count,
        })
    }

    /// Unread messages per chat for `me`: others' messages after `me`'s read
    /// pointer, not deleted. Two queries for any number of chats.
    pub async fn unread_counts(
        &self,
        me: UserId,
        chats: &[ChatId],
    ) -> AppResult<HashMap<ChatId, u64>> {
        let positions = self.db.receipts().read_positions(me, chats).await?;
        self.db.messages().unread_counts(me, &positions).await
    }

    /// `me`'s unread count of `chat` (all of it, or the messages that
    /// mention them) as of its sequence number `until` (all of it with
    /// `None`).
    pub async fn unread_until(
        &self,
        me: UserId,
        chat: ChatId,
        until: Option<i64>,
        which: Unread,
    ) -> AppResult<u64> {
        let positions = self.db.receipts().read_positions(me, &[chat]).await?;
        let messages = self.db.messages();
        let counts = match which {
            Unread::All => messages.unread_counts_until(me, &positions, until).await?,
            Unread::Mentions => {
                messages
                    .unread_mention_counts_until(me, &positions, until)
                    .await?
            }
        };
        Ok(counts.get(&chat).copied().unwrap_or(0))
    }

    /// Of [`Self::unread_counts`], the messages that mention `me` (by name
    /// or everyone at once). Two queries for any number of chats.
    pub async fn unread_mention_counts(
        &self,
        me: UserId,
        chats: &[ChatId],
    ) -> AppResult<HashMap<ChatId, u64>> {
        let positions = self.db.receipts().read_positions(me, chats).await?;
        self.db
            .messages()
            .unread_mention_counts_until(me, &positions, None)
            .await
    }

    /// Every member's receipt pointers in a chat.
    pub async fn receipts(&self, chat: ChatId) -> AppResult<Vec<Receipt>> {
        self.db.receipts().for_chat(chat).await
    }

    /// A page of history (members only).
    pub async fn history(
        &self,
        me: UserId,
        chat: ChatId,
        page: HistoryPage,
    ) -> AppResult<(Vec<Message>, bool)> {
        self.chats.membership(me, chat).await?;
        self.db.messages().history(chat, me, page).await
    }

    /// A page of `limit` (at least 1) messages around `target`, a message
    /// of `chat` that `me` can see (see [`super::around`]).
    pub async fn around(
        &self,
        me: UserId,
        chat: ChatId,
        target: AroundTarget,
        limit: usize,
    ) -> AppResult<AroundPage> {
        self.chats.membership(me, chat).await?;
        let store = self.db.messages();
        let found = match target {
            AroundTarget::Cursor(seq) => store.at_seq(chat, seq).await?,
            AroundTarget::Message(id) => store.find(id).await?,
        };
        let target = found
            .filter(|m| m.chat == chat && !m.deleted_for.contains(&me))
            .ok_or_else(message_not_found)?;
        let side = limit.saturating_sub(1);
        let (older, newer) = tokio::try_join!(
            store.history(
                chat,
                me,
                HistoryPage::Backward {
                    before: Some(target.seq),
                    limit: side,
                },
            ),
            store.history(
                chat,
                me,
                HistoryPage::Forward {
                    after: Some(target.seq),
                    limit: side,
                },
            ),
        )?;
        Ok(around::split(limit, older, target, newer))
    }

    /// A message and its chat, if `me` is a member of the chat.
    async fn visible(&self, me: UserId, id: MessageId) -> AppResult<(Message, Chat)> {
        let message = self
            .db
            .messages()
            .find(id)
            .await?
            .ok_or_else(message_not_found)?;
        let chat = self
            .chats
            .as_member(me, message.chat)
            .await
            .map_err(|_| message_not_found())?;
        Ok((message, chat))
    }

    async fn reactable(&self, me: UserId, id: MessageId) -> AppResult<(Message, Chat)> {
        let (message, chat) = self.visible(me, id).await?;
        if message.is_deleted {
            return Err(AppError::Conflict("the message was deleted".into()));
        }
        let now = Utc::now();
        permissions::ensure_unmuted(chat.mute_of(me, now), now)?;
        Ok((message, chat))
    }

    async fn user(&self, id: UserId) -> AppResult<User> {
        self.db
            .users()
            .find(id)
            .await?
            .ok_or_else(|| AppError::Unauthenticated("your account no longer exists".into()))
    }

    /// `chat`'s timeline for `me` (a member): everything after the cursor
    /// `after` in order, then live (see [`Follower`]); from now without one.
    pub async fn follow(
        &self,
        me: UserId,
        chat: ChatId,
        after: Option<i64>,
    ) -> AppResult<Follower> {
        Follower::start(self.db.clone(), &self.following, me, chat, after).await
    }

    /// Messages by id (for DataLoaders, which populate messages of chats
    /// already shown to the caller: a chat's last message, replies in a page).
    pub async fn by_ids(&self, ids: &[MessageId]) -> AppResult<Vec<Message>> {
        self.db.messages().find_many(ids).await
    }
}

/// Which unread messages [`MessageService::unread_until`] counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unread {
    All,
    /// Those that mention the reader (by name or everyone at once).
    Mentions,
}

fn message_not_found() -> AppError {
    AppError::NotFound("message not found".into())
}

fn within(created: chrono::DateTime<Utc>, window: Duration) -> bool {
    let age = Utc::now().signed_duration_since(created);
    age.to_std().map_or(true, |age| age <= window)
}
