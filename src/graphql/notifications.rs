//! Notifications: `notifications`, `unreadNotificationCount`,
//! `markNotificationsRead`, and the `notificationEvents` subscription.

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::Stream;

use super::context::{Authenticated, ContextExt};
use super::friends::stream_cursor;
use super::live::resumed_stream;
use super::pagination::{self, connection};
use super::users::{UserObject, load_user};
use crate::domain::{Notification, NotificationId};
use crate::error::AppError;
use crate::events::{Event, Topic};
use crate::services::account_log::AccountCursor;

/// The most ids `markNotificationsRead` takes at once.
const MAX_MARK_IDS: usize = 100;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::NotificationKind")]
pub enum NotificationKind {
    /// `actor` sent you a friend request (`friendRequest`).
    FriendRequestReceived,
    /// `actor` accepted your friend request (`friendRequest`).
    FriendRequestAccepted,
    /// `actor` added you to `chatId`.
    AddedToChat,
    /// `actor` invited you to `chatId`: see `groupInvites`, then
    /// `acceptGroupInvite` or `declineGroupInvite`.
    GroupInvite,
    /// `actor` reported a message of `chatId`, which you administer: see
    /// `reports(chatId)`.
    MessageReported,
    /// `actor` mentioned you in `messageId` of `chatId`.
    Mentioned,
    /// `actor` replied (`messageId`) in a thread of `chatId` you follow
    /// (see `followThread`); not raised where the chat's level is MENTIONS
    /// or NONE, nor when the reply mentions you (that is MENTIONED).
    ThreadReply,
}

/// Something that happened to the signed-in user. Kept 30 days by default.
pub struct NotificationObject(pub Notification);

#[Object(name = "Notification")]
impl NotificationObject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn kind(&self) -> NotificationKind {
        self.0.kind.into()
    }

    /// Who caused it.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        load_user(ctx, self.0.actor).await
    }

    /// The chat concerned, for chat notifications.
    async fn chat_id(&self) -> Option<ID> {
        self.0.chat.map(|c| ID(c.to_string()))
    }

    /// The friend request concerned, for friend notifications.
    async fn friend_request_id(&self) -> Option<ID> {
        self.0.friend_request.map(|r| ID(r.to_string()))
    }

    /// The message concerned, for MENTIONED.
    async fn message_id(&self) -> Option<ID> {
        self.0.message.map(|m| ID(m.to_string()))
    }

    async fn read(&self) -> bool {
        self.0.read
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(InputObject)]
pub struct MarkNotificationsReadInput {
    /// The notifications to mark; all of yours when absent (at most 100 ids).
    ids: Option<Vec<ID>>,
}

#[derive(SimpleObject)]
pub struct MarkNotificationsReadPayload {
    /// How many notifications changed from unread to read.
    marked_count: u64,
    /// Unread notifications left.
    unread_count: u64,
}

#[derive(Default)]
pub struct NotificationQuery;

#[Object]
impl NotificationQuery {
    /// The signed-in user's notifications, newest first.
    #[graphql(
        guard = "Authenticated",
        complexity = "super::connection_complexity(first, None::<i32>, super::pagination::DEFAULT_PAGE, child_complexity)"
    )]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default = false)] unread_only: bool,
    ) -> async_graphql::Result<Connection<String, NotificationObject>> {
        let me = ctx.current_user()?;
        let request = pagination::forward(first, after.as_deref())?;
        let page = ctx
            .services()?
            .notifications
            .page(me.id, unread_only, request)
            .await?;
        Ok(connection(
            &request,
            page,
            |n| n.id.oid(),
            NotificationObject,
        ))
    }

    #[graphql(guard = "Authenticated")]
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let me = ctx.current_user()?;
        Ok(ctx.services()?.notifications.unread_count(me.id).await?)
    }
}

#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Marks notifications read: the given ones, or all when `ids` is absent.
    /// Ids that are not yours are ignored.
    #[graphql(guard = "Authenticated")]
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        input: MarkNotificationsReadInput,
    ) -> async_graphql::Result<MarkNotificationsReadPayload> {
        let me = ctx.current_user()?;
        let ids = match input.ids {
            Some(ids) if ids.len() > MAX_MARK_IDS => {
                return Err(
                    AppError::bad_input("ids", format!("at most {MAX_MARK_IDS} ids")).into(),
                );
            }
            Some(ids) => Some(
                ids.iter()
                    .map(|id| NotificationId::parse("ids", id))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            None => None,
        };
        let service = &ctx.services()?.notifications;
        let marked_count = service.mark_read(me.id, ids.as_deref()).await?;
        let unread_count = service.unread_count(me.id).await?;
        Ok(MarkNotificationsReadPayload {
            marked_count,
            unread_count,
        })
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum NotificationEventKind {
    Created,
    /// Notifications may have been missed (a server-side outage): refetch
    /// them. `notification` is null.
    Resync,
}

#[derive(SimpleObject)]
pub struct NotificationEvent {
    kind: NotificationEventKind,
    /// The new notification; null only for RESYNC.
    notification: Option<NotificationObject>,
    /// Pass as `after` when you subscribe again to get exactly the
    /// notifications after this one (null for RESYNC).
    cursor: Option<String>,
}

impl NotificationEvent {
    fn of(notification: &Notification) -> Self {
        Self {
            kind: NotificationEventKind::Created,
            notification: Some(NotificationObject(notification.clone())),
            cursor: notification.seq.map(stream_cursor),
        }
    }
}

#[derive(Default)]
pub struct NotificationSubscription;

#[Subscription]
impl NotificationSubscription {
    /// The signed-in user's new notifications, as they are created.
    #[graphql(guard = "Authenticated")]
    async fn notification_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A `cursor` of this stream (or of `sync`): replays \
            the notifications created after it in order (expired ones left \
            out), then goes live with no gap and no duplicate. Too old: RESYNC \
            first.")]
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = NotificationEvent> + use<>> {
        let me = ctx.current_user()?.id;
        let after = AccountCursor::parse_after(after.as_deref())?;
        let services = ctx.services()?;
        let events = services.own_events(me);
        let replayed = match after {
            Some(after) => services
                .account_log
                .notifications_since(me, after.seq)
                .await?
                .map(|(head, found)| (head, found.iter().map(NotificationEvent::of).collect())),
            None => Some((0, Vec::new())),
        };
        let resync = || NotificationEvent {
            kind: NotificationEventKind::Resync,
            notification: None,
            cursor: None,
        };
        Ok(resumed_stream(
            ctx,
            Topic::User(me),
            events,
            replayed,
            resync,
            |event| match event {
                Event::NotificationCreated(n) => Some((n.seq, NotificationEvent::of(n))),
                _ => None,
            },
        ))
    }
}
