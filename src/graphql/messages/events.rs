//! `messageEvents`: one chat's timeline, resumable from a cursor.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, Subscription};
use futures_util::Stream;
use futures_util::future::Either;

use super::shared::SharedMessage;
use super::{MessageObject, parse_cursor};
use crate::domain::{ChatId, MessageEventKind as EventKind};
use crate::events::MessageEvent;
use crate::graphql::context::{Authenticated, ContextExt};
use crate::graphql::live::SlowConsumer;
use crate::graphql::shared_events::{Feed, Takeover};
use crate::graphql::users::{SharedUser, UserObject, load_user};
use crate::services::message_stream::TimelineItem;

// The domain's kind as clients see it, so not a remote enum: a stream
// reports RESYNC, which is no step of the timeline, and never a VOID number.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum MessageEventKind {
    Created,
    Edited,
    /// Deleted for everyone: `message` is the tombstone.
    Deleted,
    /// `message` carries the new reactions.
    ReactionChanged,
    /// `user` has read up to `upTo`.
    Read,
    /// `user`'s device received up to `upTo`.
    Delivered,
    /// `user` pinned `message` (see `Chat.pinnedMessages`).
    Pinned,
    /// `user` unpinned `message`.
    Unpinned,
    /// Events may be missing (a cursor older than the kept history, or a
    /// server-side outage): refetch `messages`, then carry on.
    Resync,
}

/// One step of a chat's timeline. `cursor` orders them; pass the last one
/// you saw as `after` when you reconnect.
pub struct MessageEventObject {
    kind: MessageEventKind,
    chat: ChatId,
    event: Option<Arc<MessageEvent>>,
}

impl MessageEventObject {
    /// What a follower's item reports; `None` for `Lagged`, which ends the
    /// stream instead.
    pub fn from_item(chat: ChatId, item: TimelineItem) -> Option<Self> {
        Some(match item {
            TimelineItem::Event(event) => MessageEventObject {
                kind: event_kind(event.kind),
                chat,
                event: Some(event),
            },
            TimelineItem::Resync => MessageEventObject {
                kind: MessageEventKind::Resync,
                chat,
                event: None,
            },
            TimelineItem::Lagged => return None,
        })
    }
}

#[Object(name = "MessageEvent")]
impl MessageEventObject {
    async fn kind(&self) -> MessageEventKind {
        self.kind
    }

    async fn chat_id(&self) -> ID {
        ID(self.chat.to_string())
    }

    /// Null only for RESYNC.
    async fn cursor(&self) -> Option<String> {
        self.event.as_ref().map(|e| e.seq.to_string())
    }

    /// The message after the change (not for receipts).
    async fn message(&self) -> Option<MessageObject> {
        let event = self.event.as_ref()?;
        let message = event.message.clone()?;
        Some(MessageObject::with_sender(message, event.sender.clone()))
    }

    /// Who did it.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UserObject>> {
        match &self.event {
            // A new message carries its sender: no lookup per delivery.
            Some(event) => match &event.sender {
                Some(sender) if sender.id == event.actor => {
                    Ok(Some(UserObject::new(sender.clone())))
                }
                _ => load_user(ctx, event.actor).await.map(Some),
            },
            None => Ok(None),
        }
    }

    /// For READ and DELIVERED: the cursor read or received up to.
    async fn up_to(&self) -> Option<String> {
        self.event.as_ref()?.up_to.map(|n| n.to_string())
    }
}

/// A `MessageEvent` as everyone sees it, for renderings shared between
/// viewers: its message and user are the viewer-free
/// [`SharedMessage`] and [`SharedUser`].
pub struct SharedMessageEvent(pub MessageEventObject);

#[Object(name = "MessageEvent")]
impl SharedMessageEvent {
    async fn kind(&self, ctx: &Context<'_>) -> async_graphql::Result<MessageEventKind> {
        self.0.kind(ctx).await
    }

    async fn chat_id(&self, ctx: &Context<'_>) -> async_graphql::Result<ID> {
        self.0.chat_id(ctx).await
    }

    async fn cursor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        self.0.cursor(ctx).await
    }

    async fn message(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<SharedMessage>> {
        Ok(self.0.message(ctx).await?.map(SharedMessage))
    }

    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<SharedUser>> {
        Ok(self.0.user(ctx).await?.map(SharedUser::from))
    }

    async fn up_to(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        self.0.up_to(ctx).await
    }
}

#[derive(Default)]
pub struct MessageSubscription;

#[Subscription]
impl MessageSubscription {
    /// Everything that happens in one chat (members only): messages created,
    /// edited and deleted, reactions, read and delivered receipts, system
    /// messages. With `after`, first replays every event after that cursor
    /// in order, then continues live, with no gap and no duplicate. Ends
    /// when you are removed from the chat.
    #[graphql(guard = "Authenticated")]
    async fn message_events(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = MessageEventObject> + use<>> {
        let me = ctx.current_user()?;
        let chat = ChatId::parse("chatId", &chat_id)?;
        let after = parse_cursor("after", after.as_deref())?;
        let follower = ctx.services()?.messages.follow(me.id, chat, after).await?;
        if let Some(takeover) = ctx.data_opt::<Takeover>() {
            // The transport delivers the events itself (see `shared_events`).
            takeover.hand_over(Feed { chat, follower });
            return Ok(Either::Left(futures_util::stream::empty()));
        }
        let slow = ctx.data_opt::<SlowConsumer>().cloned();
        Ok(Either::Right(futures_util::stream::unfold(
            (follower, slow),
            move |(mut follower, slow)| async move {
                let item = follower.next().await?;
                let Some(object) = MessageEventObject::from_item(chat, item) else {
                    // Lagged: the follower fell too far behind.
                    if let Some(slow) = &slow {
                        slow.0.cancel();
                    }
                    return None;
                };
                Some((object, (follower, slow)))
            },
        )))
    }
}

fn event_kind(kind: EventKind) -> MessageEventKind {
    match kind {
        EventKind::Created => MessageEventKind::Created,
        EventKind::Edited => MessageEventKind::Edited,
        EventKind::Deleted => MessageEventKind::Deleted,
        EventKind::ReactionChanged => MessageEventKind::ReactionChanged,
        EventKind::Read => MessageEventKind::Read,
        EventKind::Delivered => MessageEventKind::Delivered,
        EventKind::Pinned => MessageEventKind::Pinned,
        EventKind::Unpinned => MessageEventKind::Unpinned,
        // Never delivered: the follower skips void numbers.
        EventKind::Void => MessageEventKind::Resync,
    }
}
