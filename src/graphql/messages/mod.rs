//! Messages: the `Message` type, `messages` history, the message mutations
//! and the resumable `messageEvents` stream.

use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};

mod events;
mod mutations;
mod prefetch;
mod shared;
mod thread;

pub use events::{MessageEventObject, MessageSubscription, SharedMessageEvent};
pub use mutations::MessageMutation;

use super::context::{Authenticated, ContextExt};
use super::pagination;
use super::users::UserObject;
use crate::domain::{ChatId, Media, Message, MessageId, User, UserId};
use crate::error::AppError;
use crate::services::around::AroundTarget;
use crate::storage::messages::HistoryPage;
use crate::storage::threads::Scope;
use prefetch::Prefetched;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "MessageType", remote = "crate::domain::MessageKind")]
pub enum MessageKind {
    Text,
    Image,
    Video,
    File,
    /// Written by the server about the chat (see `system`).
    System,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "SystemAction", remote = "crate::domain::SystemAction")]
pub enum SystemAction {
    ChatCreated,
    Renamed,
    DescriptionChanged,
    ImageChanged,
    PrivacyChanged,
    MembersAdded,
    MemberRemoved,
    MemberLeft,
    MemberJoined,
    AdminPromoted,
    AdminDemoted,
    OwnerChanged,
    /// `value`: the reason, if one was given.
    MemberBanned,
    MemberUnbanned,
    /// `value`: until when (RFC 3339); absent: until unmuted.
    MemberMuted,
    MemberUnmuted,
    /// `value`: the new settings, e.g. `send=ADMINS editInfo=ADMINS addMembers=ADMINS pin=ADMINS`.
    PermissionsChanged,
    /// `value`: the period in seconds (`0`: off).
    SlowModeChanged,
    /// `value`: the id of the message pinned.
    MessagePinned,
    /// `value`: the id of the message unpinned.
    MessageUnpinned,
}

/// An attachment of an IMAGE, VIDEO or FILE message.
pub struct MediaObject(Media);

impl From<Media> for MediaObject {
    fn from(m: Media) -> Self {
        Self(m)
    }
}

#[Object(name = "Media")]
impl MediaObject {
    /// Where to download the file: a signed URL made for you as you read
    /// it (you are a member of the chat), working for
    /// `DOWNLOAD_URL_TTL_SECONDS` (an hour); read the field again for a
    /// fresh one. Media sent with `ALLOW_UNVERIFIED_MEDIA` keep the URL the
    /// sender gave, unchecked.
    async fn url(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        // Only members reach a message; the URL names no viewer, so a
        // rendering shared between the chat's followers carries it too
        // (`SharedMedia::url`).
        ctx.current_user()?;
        Ok(ctx.services()?.uploads.download_url(&self.0.url).await?)
    }

    async fn mime_type(&self) -> &str {
        &self.0.mime_type
    }

    /// Bytes.
    async fn size(&self) -> i64 {
        self.0.size
    }

    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// Images: from the file's header.
    async fn width(&self) -> Option<i32> {
        self.0.width
    }

    async fn height(&self) -> Option<i32> {
        self.0.height
    }

    async fn duration_ms(&self) -> Option<i64> {
        self.0.duration_ms
    }
}

/// One emoji on a message: how many put it there, and whether you did.
pub struct ReactionObject {
    emoji: String,
    users: Vec<UserId>,
    known: Option<Arc<Prefetched>>,
}

#[Object(name = "Reaction")]
impl ReactionObject {
    async fn emoji(&self) -> &str {
        &self.emoji
    }

    async fn count(&self) -> usize {
        self.users.len()
    }

    async fn reacted_by_me(&self, ctx: &Context<'_>) -> bool {
        ctx.current_user()
            .is_ok_and(|me| self.users.contains(&me.id))
    }

    /// Who put it there, first come first: the first `first` (default 20,
    /// at most 100) after the user `after`; `count` says how many in all.
    #[graphql(complexity = "crate::graphql::user_list_complexity(first, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<UserObject>> {
        let page = pagination::user_page(&self.users, first, after.as_ref())?;
        prefetch::users(ctx, self.known.as_deref(), page).await
    }
}

/// What a system message reports, for clients that render it themselves.
pub struct SystemInfoObject(crate::domain::SystemInfo, Option<Arc<Prefetched>>);

#[Object(name = "SystemInfo")]
impl SystemInfoObject {
    async fn action(&self) -> SystemAction {
        self.0.action.into()
    }

    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        prefetch::user(ctx, self.1.as_deref(), self.0.actor).await
    }

    /// The members the action was about: the first `first` (default 20, at
    /// most 100) after the user `after`; `targetCount` says how many in all.
    #[graphql(complexity = "crate::graphql::user_list_complexity(first, child_complexity)")]
    async fn targets(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<UserObject>> {
        let page = pagination::user_page(&self.0.targets, first, after.as_ref())?;
        prefetch::users(ctx, self.1.as_deref(), page).await
    }

    async fn target_count(&self) -> usize {
        self.0.targets.len()
    }

    /// The new value (a new name, description, image URL or privacy).
    async fn value(&self) -> Option<&str> {
        self.0.value.as_deref()
    }
}

/// A message in a chat. A message deleted for everyone stays as a
/// tombstone: `isDeleted`, no text or media, same cursor.
pub struct MessageObject {
    message: Message,
    /// The sender when already at hand (live events carry it), saving a
    /// lookup per delivery.
    sender: Option<User>,
    /// What the page this message is part of loaded up front.
    known: Option<Arc<Prefetched>>,
}

impl MessageObject {
    pub fn new(message: Message) -> Self {
        Self::with_sender(message, None)
    }

    pub fn with_sender(message: Message, sender: Option<User>) -> Self {
        Self {
            message,
            sender,
            known: None,
        }
    }

    fn in_page(message: Message, known: Option<Arc<Prefetched>>) -> Self {
        Self {
            message,
            sender: None,
            known,
        }
    }
}

#[Object(name = "Message")]
impl MessageObject {
    async fn id(&self) -> ID {
        ID(self.message.id.to_string())
    }

    async fn chat_id(&self) -> ID {
        ID(self.message.chat.to_string())
    }

    /// The chat's sequence number at creation, as an opaque cursor.
    async fn cursor(&self) -> String {
        self.message.seq.to_string()
    }

    async fn sender(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        match &self.sender {
            Some(user) => Ok(UserObject::new(user.clone())),
            None => prefetch::user(ctx, self.known.as_deref(), self.message.sender).await,
        }
    }

    #[graphql(name = "type")]
    async fn kind(&self) -> MessageKind {
        self.message.kind.into()
    }

    /// The text or caption; null when deleted.
    async fn text(&self) -> Option<&str> {
        self.message.text.as_deref()
    }

    /// At most 10 items.
    #[graphql(complexity = "crate::domain::message::MEDIA_MAX_ITEMS * child_complexity + 1")]
    async fn media(&self) -> Vec<MediaObject> {
        self.message
            .media
            .iter()
            .cloned()
            .map(MediaObject::from)
            .collect()
    }

    /// The message this one replies to (with its sender).
    async fn reply_to(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<MessageObject>> {
        let Some(id) = self.message.reply_to else {
            return Ok(None);
        };
        if let Some(reply) = self.known.as_ref().and_then(|k| k.messages.get(&id)) {
            return Ok(Some(Self::in_page(reply.clone(), self.known.clone())));
        }
        Ok(ctx
            .loaders()?
            .messages
            .load_one(id)
            .await?
            .map(MessageObject::new))
    }

    /// One per emoji, at most 50.
    #[graphql(
        complexity = "crate::services::messages::MAX_DISTINCT_REACTIONS * child_complexity + 1"
    )]
    async fn reactions(&self) -> Vec<ReactionObject> {
        self.message
            .reactions
            .iter()
            .map(|r| ReactionObject {
                emoji: r.emoji.clone(),
                users: r.users.clone(),
                known: self.known.clone(),
            })
            .collect()
    }

    /// Members this message mentions by name (at most 50): the first
    /// `first` (default 20, at most 100) after the user `after`.
    #[graphql(complexity = "crate::graphql::user_list_complexity(first, child_complexity)")]
    async fn mentions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<UserObject>> {
        let page = pagination::user_page(&self.message.mentions, first, after.as_ref())?;
        prefetch::users(ctx, self.known.as_deref(), page).await
    }

    /// True when the message mentions every member (`@all`).
    async fn mentions_all(&self) -> bool {
        self.message.mentions_all
    }

    /// Members (other than the sender) who have read this message: the
    /// first `first` (default 20, at most 100) after the member `after`, in
    /// the chat's member order. `readCount` says how many in all.
    #[graphql(complexity = "crate::graphql::user_list_complexity(first, child_complexity)")]
    async fn read_by(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<UserObject>> {
        let holders = self.receipt_holders(ctx, |r| r.read).await?;
        let page = pagination::user_page(&holders, first, after.as_ref())?;
        prefetch::users(ctx, self.known.as_deref(), page).await
    }

    /// How many members (other than the sender) have read this message.
    async fn read_count(&self, ctx: &Context<'_>) -> async_graphql::Result<usize> {
        Ok(self.receipt_holders(ctx, |r| r.read).await?.len())
    }

    /// Members (other than the sender) whose devices received this message:
    /// the first `first` (default 20, at most 100) after the member `after`.
    /// `deliveredCount` says how many in all.
    #[graphql(complexity = "crate::graphql::user_list_complexity(first, child_complexity)")]
    async fn delivered_to(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<UserObject>> {
        let holders = self.receipt_holders(ctx, |r| r.delivered).await?;
        let page = pagination::user_page(&holders, first, after.as_ref())?;
        prefetch::users(ctx, self.known.as_deref(), page).await
    }

    /// How many members (other than the sender) received this message.
    async fn delivered_count(&self, ctx: &Context<'_>) -> async_graphql::Result<usize> {
        Ok(self.receipt_holders(ctx, |r| r.delivered).await?.len())
    }

    async fn is_deleted(&self) -> bool {
        self.message.is_deleted
    }

    async fn edited_at(&self) -> Option<DateTime<Utc>> {
        self.message.edited_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.message.created_at
    }

    /// The id the sender's client gave for idempotent retries.
    async fn client_message_id(&self) -> Option<&str> {
        self.message.client_message_id.as_deref()
    }

    /// For SYSTEM messages: what happened, structured.
    async fn system(&self) -> Option<SystemInfoObject> {
        let system = self.message.system.clone();
        system.map(|info| SystemInfoObject(info, self.known.clone()))
    }

    /// For a thread reply: the root message of its thread.
    async fn thread_root_id(&self) -> Option<ID> {
        self.message.thread_root.map(|id| ID(id.to_string()))
    }

    /// For a root message: how many replies its thread has (tombstones of
    /// replies deleted for everyone included); 0 without a thread.
    async fn reply_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        Ok(thread::summary(ctx, &self.message).await?.reply_count)
    }

    /// For a root message: when its thread's last reply was sent.
    async fn last_reply_at(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<DateTime<Utc>>> {
        Ok(thread::summary(ctx, &self.message).await?.last_reply_at)
    }

    /// For a root message: the first (at most 5) members who replied in its
    /// thread, first come first.
    #[graphql(
        complexity = "crate::services::threads::MAX_THREAD_PARTICIPANTS * child_complexity + 1"
    )]
    async fn thread_participants(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<UserObject>> {
        let summary = thread::summary(ctx, &self.message).await?;
        prefetch::users(ctx, self.known.as_deref(), &summary.participants).await
    }
}

impl MessageObject {
    /// Members whose pointer (`position`) is at or past this message.
    async fn receipt_holders(
        &self,
        ctx: &Context<'_>,
        position: fn(&crate::storage::receipts::Receipt) -> i64,
    ) -> async_graphql::Result<Vec<UserId>> {
        // Borrowed from the page when it has them: one chat's receipts are
        // a pointer pair per member, read for every message of the page.
        let loaded;
        let receipts = match self.known.as_ref().and_then(|k| k.receipts.as_ref()) {
            Some(receipts) => receipts,
            None => {
                let chat = self.message.chat;
                loaded = ctx.loaders()?.receipts.load_one(chat).await?;
                loaded.as_deref().unwrap_or_default()
            }
        };
        let ids: Vec<UserId> = receipts
            .iter()
            .filter(|r| r.user != self.message.sender && position(r) >= self.message.seq)
            .map(|r| r.user)
            .collect();
        Ok(ids)
    }
}

#[derive(Default)]
pub struct MessageQuery;

#[Object]
impl MessageQuery {
    /// A chat's messages in sequence order (members only), without those you
    /// deleted for yourself; tombstones of messages deleted for everyone are
    /// included. `first`/`after` pages forward from the start; `last`/
    /// `before` backward from the end. With neither, the latest 20.
    ///
    /// `around` (a message cursor or a message id) jumps to a message: a
    /// page of `first` (default 20) messages with the target near the
    /// middle, about half on each side (more on one side at an end of the
    /// chat). Continue with `before: pageInfo.startCursor` and `after:
    /// pageInfo.endCursor`. The target must be a message you can see
    /// (`NOT_FOUND` otherwise); `around` goes with `first` only.
    ///
    /// `threadRootId` lists that thread's replies (without the root), with
    /// the same cursors and paging. `includeThreadReplies: false` leaves
    /// thread replies out of the main list; the default, true, lists every
    /// message as before threads existed, so older clients and
    /// `messageEvents(after:)` replay (which carries every message) see the
    /// same sequence.
    #[graphql(
        guard = "Authenticated",
        complexity = "super::connection_complexity(first, last, super::pagination::DEFAULT_PAGE, child_complexity)"
    )]
    // One parameter per GraphQL argument.
    #[allow(clippy::too_many_arguments)]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        around: Option<String>,
        thread_root_id: Option<ID>,
        include_thread_replies: Option<bool>,
    ) -> async_graphql::Result<Connection<String, MessageObject>> {
        let me = ctx.current_user()?;
        let chat = ChatId::parse("chatId", &chat_id)?;
        let scope = match (thread_root_id, include_thread_replies) {
            (Some(root), _) => Scope::Thread(MessageId::parse("threadRootId", &root)?),
            (None, Some(false)) => Scope::MainOnly,
            (None, _) => Scope::All,
        };
        if let Some(around) = around {
            if !matches!(scope, Scope::All) {
                return Err(AppError::bad_input(
                    "around",
                    "goes with the whole list (not threadRootId or includeThreadReplies: false)",
                )
                .into());
            }
            if last.is_some() || after.is_some() || before.is_some() {
                return Err(AppError::bad_input(
                    "around",
                    "goes with first only (not last, after or before)",
                )
                .into());
            }
            let target = AroundTarget::parse("around", &around)?;
            let limit = pagination::page_size("first", first)?;
            if limit == 0 {
                return Err(AppError::bad_input("first", "must be at least 1 with around").into());
            }
            let page = ctx
                .services()?
                .messages
                .around(me.id, chat, target, limit)
                .await?;
            return page_connection(ctx, page.messages, page.has_previous, page.has_next).await;
        }
        let seq = |field: &'static str, raw: Option<String>| {
            raw.map(|r| {
                r.parse::<i64>()
                    .map_err(|_| AppError::bad_input(field, "is not a valid cursor"))
            })
            .transpose()
        };
        let page = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(AppError::bad_input("first", "use first or last, not both").into());
            }
            (Some(_), None) | (None, None) if after.is_some() || first.is_some() => {
                HistoryPage::Forward {
                    after: seq("after", after)?,
                    limit: pagination::page_size("first", first)?,
                }
            }
            _ => HistoryPage::Backward {
                before: seq("before", before)?,
                limit: pagination::page_size("last", last)?,
            },
        };
        let services = ctx.services()?;
        let (messages, more) = match scope {
            Scope::All => services.messages.history(me.id, chat, page).await?,
            _ => services.threads.history(me.id, chat, scope, page).await?,
        };
        let (has_previous, has_next) = match page {
            HistoryPage::Forward { after, .. } => (after.is_some(), more),
            HistoryPage::Backward { before, .. } => (more, before.is_some()),
        };
        page_connection(ctx, messages, has_previous, has_next).await
    }
}

/// A page of history as a connection, its populations loaded up front.
async fn page_connection(
    ctx: &Context<'_>,
    messages: Vec<Message>,
    has_previous: bool,
    has_next: bool,
) -> async_graphql::Result<Connection<String, MessageObject>> {
    let known = prefetch::prefetch(ctx, &messages).await?;
    let mut connection = Connection::new(has_previous, has_next);
    connection.edges = messages
        .into_iter()
        .map(|m| Edge::new(m.seq.to_string(), MessageObject::in_page(m, known.clone())))
        .collect();
    Ok(connection)
}

/// A sequence number given as a cursor.
pub(super) fn parse_cursor(
    field: &'static str,
    raw: Option<&str>,
) -> Result<Option<i64>, AppError> {
    raw.map(|r| {
        r.parse::<i64>()
            .map_err(|_| AppError::bad_input(field, "is not a valid cursor"))
    })
    .transpose()
}
