//! `chatEvents`: changes to every chat the signed-in user is in, as the
//! chat service's feed reports them (it follows membership as it changes,
//! and resumes from an account cursor: see `services::chats::feed`).

use async_graphql::{Context, Enum, ID, Object, Subscription};
use futures_util::Stream;

use super::ChatObject;
use crate::domain::{Chat, ChatId, UserId};
use crate::events::ChatEventKind as Kind;
use crate::graphql::context::{Authenticated, ContextExt};
use crate::graphql::live::SlowConsumer;
use crate::graphql::messages::MessageObject;
use crate::graphql::users::users_in_order;
use crate::graphql::users::{UserObject, load_user};
use crate::services::account_log::AccountCursor;
use crate::services::chats::ChatFeedItem;
use crate::services::chats::UnreadCounts;
use crate::services::messages::Unread;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ChatEventKind {
    Created,
    Updated,
    MembersAdded,
    MemberRemoved,
    AdminPromoted,
    AdminDemoted,
    /// The chat is gone (its last member left).
    Deleted,
    /// A new message: `message` is the chat's new last message (for chat
    /// lists; the chat's own stream is `messageEvents`).
    NewMessage,
    /// Your unread count of the chat changed otherwise than by a new
    /// message (you read on another device, or a message was deleted), or
    /// your unread mentions may have (an edit changed a message's
    /// mentions): `unreadCount` and `unreadMentionCount` are the new values.
    UnreadChanged,
    /// Replayed after `after`: the chat changed while you were away; `chat`
    /// is its current state (last message, `unreadCount`). The chat's own
    /// steps replay on `messageEvents(chatId, after)`.
    Changed,
    /// Events may have been missed (a server-side outage, or an `after`
    /// older than what is kept): refetch `chats`, or `sync` from scratch.
    Resync,
}

impl From<Kind> for ChatEventKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Created => Self::Created,
            Kind::Updated => Self::Updated,
            Kind::MembersAdded => Self::MembersAdded,
            Kind::MemberRemoved => Self::MemberRemoved,
            Kind::AdminPromoted => Self::AdminPromoted,
            Kind::AdminDemoted => Self::AdminDemoted,
            Kind::Deleted => Self::Deleted,
        }
    }
}

/// A change to one of the signed-in user's chats.
pub struct ChatEventObject {
    kind: ChatEventKind,
    chat_id: Option<ChatId>,
    chat: Option<Chat>,
    actor: Option<UserId>,
    users: Vec<UserId>,
    message: Option<MessageObject>,
    cursor: AccountCursor,
    /// The subscriber and their feed's known counts.
    unread: Option<(UserId, UnreadCounts)>,
    /// The chat's sequence number this event is as of, when it has one: a
    /// count made for it is exact there, and kept.
    seq: Option<i64>,
}

impl ChatEventObject {
    /// Whose counts of which chat this event carries: none for RESYNC, nor
    /// for a chat the viewer has just left or lost.
    fn counted(&self) -> Option<(UserId, ChatId, &UnreadCounts)> {
        let (chat, (me, counts)) = (self.chat_id?, self.unread.as_ref()?);
        let gone = matches!(
            self.kind,
            ChatEventKind::MemberRemoved | ChatEventKind::Deleted
        ) && self.users.contains(me);
        (!gone).then_some((*me, chat, counts))
    }
}

#[Object(name = "ChatEvent")]
impl ChatEventObject {
    async fn kind(&self) -> ChatEventKind {
        self.kind
    }

    /// Null only for RESYNC.
    async fn chat_id(&self) -> Option<ID> {
        self.chat_id.map(|id| ID(id.to_string()))
    }

    /// The chat after the change; null for NEW_MESSAGE, UNREAD_CHANGED,
    /// RESYNC, and a replayed DELETED (the chat is gone).
    async fn chat(&self) -> Option<ChatObject> {
        self.chat.clone().map(ChatObject)
    }

    /// Who did it; null for RESYNC.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UserObject>> {
        match self.actor {
            Some(id) => load_user(ctx, id).await.map(Some),
            None => Ok(None),
        }
    }

    /// The members added, removed, promoted or demoted: the first `first`
    /// (default 20, at most 100) after the user `after`.
    #[graphql(complexity = "crate::graphql::user_list_complexity(first, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<UserObject>> {
        let page = crate::graphql::pagination::user_page(&self.users, first, after.as_ref())?;
        users_in_order(ctx, page).await
    }

    /// How many members the change was about.
    async fn user_count(&self) -> usize {
        self.users.len()
    }

    /// For NEW_MESSAGE: the new last message.
    async fn message(&self) -> Option<&MessageObject> {
        self.message.as_ref()
    }

    /// Your unread count of the chat after this event (null for RESYNC and
    /// for a chat you are no longer in): set a badge from it, never count
    /// yourself. Costs nothing on NEW_MESSAGE once known.
    async fn unread_count(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<u64>> {
        let Some((me, chat, counts)) = self.counted() else {
            return Ok(None);
        };
        if let Some(count) = counts.get(chat) {
            return Ok(Some(count));
        }
        let messages = &ctx.services()?.messages;
        let count = messages
            .unread_until(me, chat, self.seq, Unread::All)
            .await?;
        // Only a count as of a known position can be moved by later events.
        if self.seq.is_some() {
            counts.set(chat, count);
        }
        Ok(Some(count))
    }

    /// Of `unreadCount`, the messages that mention you, after this event
    /// (null when `unreadCount` is). Costs nothing on NEW_MESSAGE once known.
    async fn unread_mention_count(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<u64>> {
        let Some((me, chat, counts)) = self.counted() else {
            return Ok(None);
        };
        if let Some(count) = counts.get_mentions(chat) {
            return Ok(Some(count));
        }
        let messages = &ctx.services()?.messages;
        let count = messages
            .unread_until(me, chat, self.seq, Unread::Mentions)
            .await?;
        if self.seq.is_some() {
            counts.set_mentions(chat, count);
        }
        Ok(Some(count))
    }

    /// Your account cursor after this event: pass it as `after` when you
    /// subscribe again (or to `sync`) to get exactly what came after.
    async fn cursor(&self) -> String {
        self.cursor.encode()
    }
}

#[derive(Default)]
pub struct ChatSubscription;

#[Subscription]
impl ChatSubscription {
    /// Changes to every chat the signed-in user is in — created, updated,
    /// members added and removed, admins promoted and demoted, deleted, each
    /// new last message, and unread counts changed by your reads elsewhere
    /// or by deletions — including the chat they were just added to or
    /// removed from. Each event has a `cursor` to resume from (`after`).
    #[graphql(guard = "Authenticated")]
    async fn chat_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An account `cursor` (from a `ChatEvent`, or `sync`): \
            first replays your membership changes since, then every chat that \
            changed since as CHANGED, then goes live with no gap and no \
            duplicate. Too old: RESYNC first.")]
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = ChatEventObject> + use<>> {
        let me = ctx.current_user()?.id;
        let after = AccountCursor::parse_after(after.as_deref())?;
        let feed = ctx.services()?.chats.feed(me, after).await?;
        let slow = ctx.data_opt::<SlowConsumer>().cloned();
        Ok(futures_util::stream::unfold(
            (feed, slow),
            move |(mut feed, slow)| async move {
                let item = feed.next().await?;
                let base = ChatEventObject {
                    kind: ChatEventKind::Resync,
                    chat_id: None,
                    chat: None,
                    actor: None,
                    users: Vec::new(),
                    message: None,
                    cursor: feed.cursor(),
                    unread: Some((me, feed.unread())),
                    seq: None,
                };
                let object = match item {
                    ChatFeedItem::Changed(e) => ChatEventObject {
                        kind: e.kind.into(),
                        chat_id: Some(e.chat.id),
                        chat: Some(e.chat),
                        actor: Some(e.actor),
                        users: e.users,
                        ..base
                    },
                    ChatFeedItem::Gone { chat, actor } => ChatEventObject {
                        kind: ChatEventKind::Deleted,
                        chat_id: Some(chat),
                        actor: Some(actor),
                        users: vec![me],
                        ..base
                    },
                    ChatFeedItem::Snapshot { chat, seq } => ChatEventObject {
                        kind: ChatEventKind::Changed,
                        chat_id: Some(chat.id),
                        chat: Some(chat),
                        seq: Some(seq),
                        ..base
                    },
                    ChatFeedItem::NewMessage {
                        chat,
                        actor,
                        message,
                        sender,
                    } => ChatEventObject {
                        kind: ChatEventKind::NewMessage,
                        chat_id: Some(chat),
                        actor: Some(actor),
                        seq: message.as_ref().map(|m| m.seq),
                        message: message.map(|m| MessageObject::with_sender(m, sender)),
                        ..base
                    },
                    ChatFeedItem::UnreadChanged { chat, actor, seq } => ChatEventObject {
                        kind: ChatEventKind::UnreadChanged,
                        chat_id: Some(chat),
                        actor: Some(actor),
                        seq: Some(seq),
                        ..base
                    },
                    ChatFeedItem::Resync => ChatEventObject {
                        unread: None,
                        ..base
                    },
                    ChatFeedItem::Lagged => {
                        if let Some(slow) = &slow {
                            slow.0.cancel();
                        }
                        return None;
                    }
                };
                Some((object, (feed, slow)))
            },
        ))
    }
}
