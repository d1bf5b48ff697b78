//! `chatEvents`: changes to every chat the signed-in user is in, as the
//! chat service's feed reports them (it follows membership as it changes).

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
use crate::services::chats::ChatFeedItem;

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
    /// Events may have been missed (a server-side outage): refetch `chats`.
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

    /// The chat after the change; null for NEW_MESSAGE and RESYNC.
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
}

#[derive(Default)]
pub struct ChatSubscription;

#[Subscription]
impl ChatSubscription {
    /// Changes to every chat the signed-in user is in — created, updated,
    /// members added and removed, admins promoted and demoted, deleted, and
    /// each new last message — including the chat they were just added to
    /// or removed from.
    #[graphql(guard = "Authenticated")]
    async fn chat_events(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = ChatEventObject> + use<>> {
        let me = ctx.current_user()?.id;
        let feed = ctx.services()?.chats.feed(me).await?;
        let slow = ctx.data_opt::<SlowConsumer>().cloned();
        Ok(futures_util::stream::unfold(
            (feed, slow),
            |(mut feed, slow)| async move {
                let object = match feed.next().await? {
                    ChatFeedItem::Changed(e) => ChatEventObject {
                        kind: e.kind.into(),
                        chat_id: Some(e.chat.id),
                        chat: Some(e.chat),
                        actor: Some(e.actor),
                        users: e.users,
                        message: None,
                    },
                    ChatFeedItem::NewMessage {
                        chat,
                        actor,
                        message,
                        sender,
                    } => ChatEventObject {
                        kind: ChatEventKind::NewMessage,
                        chat_id: Some(chat),
                        chat: None,
                        actor: Some(actor),
                        users: Vec::new(),
                        message: message.map(|m| MessageObject::with_sender(m, sender)),
                    },
                    ChatFeedItem::Resync => resync(),
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

fn resync() -> ChatEventObject {
    ChatEventObject {
        kind: ChatEventKind::Resync,
        chat_id: None,
        chat: None,
        actor: None,
        users: Vec::new(),
        message: None,
    }
}
