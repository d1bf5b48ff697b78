//! Friends, friend requests and blocking: `sendFriendRequest`,
//! `respondToFriendRequest`, `cancelFriendRequest`, `removeFriend`,
//! `blockUser`, `unblockUser`, `friends`, `friendRequests`, `blockedUsers`,
//! and the `friendEvents` subscription.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::Stream;

use super::context::{Authenticated, ContextExt};
use super::live::resumed_stream;
use super::pagination::{self, connection};
use super::users::{UserObject, load_user, load_users};
use crate::domain::{FriendRequest, FriendRequestId, UserId};
use crate::events::{Event, FriendEventKind as Kind, Topic};
use crate::services::account_log::AccountCursor;
use crate::services::friends::RequestAnswer;
use crate::storage::friends::RequestDirection;
use crate::storage::{Page, PageRequest};
use bson::oid::ObjectId;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(
    name = "FriendRequestStatus",
    remote = "crate::domain::FriendRequestStatus"
)]
pub enum FriendRequestStatus {
    Pending,
    Accepted,
    Declined,
    Cancelled,
}

/// A request from one user to another to become friends.
pub struct FriendRequestObject(pub FriendRequest);

#[Object(name = "FriendRequest")]
impl FriendRequestObject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn from(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        load_user(ctx, self.0.from).await
    }

    async fn to(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        load_user(ctx, self.0.to).await
    }

    async fn status(&self) -> FriendRequestStatus {
        self.0.status.into()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was accepted, declined or cancelled.
    async fn responded_at(&self) -> Option<DateTime<Utc>> {
        self.0.responded_at
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "RequestAnswer")]
pub enum FriendRequestAction {
    Accept,
    Decline,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "RequestDirection")]
pub enum FriendRequestDirection {
    /// Requests others sent to the signed-in user.
    Incoming,
    /// Requests the signed-in user sent.
    Outgoing,
}

#[derive(InputObject)]
pub struct SendFriendRequestInput {
    user_id: ID,
}

#[derive(InputObject)]
pub struct RespondToFriendRequestInput {
    request_id: ID,
    action: FriendRequestAction,
}

#[derive(InputObject)]
pub struct CancelFriendRequestInput {
    request_id: ID,
}

/// Names another user (for `removeFriend`, `blockUser`, `unblockUser`).
#[derive(InputObject)]
pub struct UserIdInput {
    user_id: ID,
}

#[derive(Default)]
pub struct FriendQuery;

#[Object]
impl FriendQuery {
    /// The signed-in user's friends, most recent friendships first.
    #[graphql(
        guard = "Authenticated",
        complexity = "super::connection_complexity(first, None::<i32>, super::pagination::DEFAULT_PAGE, child_complexity)"
    )]
    async fn friends(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, UserObject>> {
        let me = ctx.current_user()?;
        let request = pagination::forward(first, after.as_deref())?;
        let page = ctx.services()?.friends.friends_page(me.id, request).await?;
        user_connection(ctx, &request, page).await
    }

    /// Pending friend requests to (INCOMING) or from (OUTGOING) the
    /// signed-in user, newest first.
    #[graphql(
        guard = "Authenticated",
        complexity = "super::connection_complexity(first, None::<i32>, super::pagination::DEFAULT_PAGE, child_complexity)"
    )]
    async fn friend_requests(
        &self,
        ctx: &Context<'_>,
        direction: FriendRequestDirection,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, FriendRequestObject>> {
        let me = ctx.current_user()?;
        let request = pagination::forward(first, after.as_deref())?;
        let page = ctx
            .services()?
            .friends
            .pending_page(me.id, direction.into(), request)
            .await?;
        Ok(connection(
            &request,
            page,
            |r| r.id.oid(),
            FriendRequestObject,
        ))
    }

    /// The users the signed-in user has blocked, most recent first.
    #[graphql(
        guard = "Authenticated",
        complexity = "super::connection_complexity(first, None::<i32>, super::pagination::DEFAULT_PAGE, child_complexity)"
    )]
    async fn blocked_users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, UserObject>> {
        let me = ctx.current_user()?;
        let request = pagination::forward(first, after.as_deref())?;
        let page = ctx.services()?.friends.blocked_page(me.id, request).await?;
        user_connection(ctx, &request, page).await
    }
}

/// A connection of users from a page of (cursor, user id), loading every
/// user of the page in one batch. Users deleted since are left out.
async fn user_connection(
    ctx: &Context<'_>,
    request: &PageRequest,
    page: Page<(ObjectId, UserId)>,
) -> async_graphql::Result<Connection<String, UserObject>> {
    let mut users = load_users(ctx, page.items.iter().map(|(_, id)| *id)).await?;
    let mut result = Connection::new(request.after.is_some(), page.has_next);
    result.edges = page
        .items
        .into_iter()
        .filter_map(|(cursor, id)| {
            Some(Edge::new(
                cursor.to_hex(),
                UserObject::new(users.remove(&id)?),
            ))
        })
        .collect();
    Ok(result)
}

#[derive(Default)]
pub struct FriendMutation;

#[Object]
impl FriendMutation {
    /// Asks another user to be friends. Refused for yourself
    /// (`BAD_USER_INPUT`), across a block in either direction (`FORBIDDEN`),
    /// and when already friends or a request is pending (`CONFLICT`).
    /// When that user has already sent you a pending request, this accepts
    /// theirs instead and returns it with status `ACCEPTED`.
    #[graphql(guard = "Authenticated")]
    async fn send_friend_request(
        &self,
        ctx: &Context<'_>,
        input: SendFriendRequestInput,
    ) -> async_graphql::Result<FriendRequestObject> {
        let me = ctx.current_user()?;
        let target = UserId::parse("userId", &input.user_id)?;
        let request = ctx.services()?.friends.send_request(me.id, target).await?;
        Ok(FriendRequestObject(request))
    }

    /// Accepts or declines a request sent to you (the recipient only).
    #[graphql(guard = "Authenticated")]
    async fn respond_to_friend_request(
        &self,
        ctx: &Context<'_>,
        input: RespondToFriendRequestInput,
    ) -> async_graphql::Result<FriendRequestObject> {
        let me = ctx.current_user()?;
        let id = FriendRequestId::parse("requestId", &input.request_id)?;
        let answer = input.action.into();
        let request = ctx.services()?.friends.respond(me.id, id, answer).await?;
        Ok(FriendRequestObject(request))
    }

    /// Withdraws a request you sent (the sender only).
    #[graphql(guard = "Authenticated")]
    async fn cancel_friend_request(
        &self,
        ctx: &Context<'_>,
        input: CancelFriendRequestInput,
    ) -> async_graphql::Result<FriendRequestObject> {
        let me = ctx.current_user()?;
        let id = FriendRequestId::parse("requestId", &input.request_id)?;
        Ok(FriendRequestObject(
            ctx.services()?.friends.cancel(me.id, id).await?,
        ))
    }

    /// Ends a friendship (for both). Returns the former friend.
    #[graphql(guard = "Authenticated")]
    async fn remove_friend(
        &self,
        ctx: &Context<'_>,
        input: UserIdInput,
    ) -> async_graphql::Result<UserObject> {
        let me = ctx.current_user()?;
        let friend = UserId::parse("userId", &input.user_id)?;
        Ok(UserObject::new(
            ctx.services()?.friends.remove(me.id, friend).await?,
        ))
    }

    /// Blocks a user (repeating is harmless). Ends your friendship and any
    /// pending request between you. While it stands, neither of you can
    /// send the other friend requests or direct messages or add the other
    /// to a group, nor see the other's presence or profile updates, and you
    /// no longer see their typing. Group chats you share keep working.
    #[graphql(guard = "Authenticated")]
    async fn block_user(
        &self,
        ctx: &Context<'_>,
        input: UserIdInput,
    ) -> async_graphql::Result<UserObject> {
        let me = ctx.current_user()?;
        let target = UserId::parse("userId", &input.user_id)?;
        Ok(UserObject::new(
            ctx.services()?.friends.block(me.id, target).await?,
        ))
    }

    /// Lifts your block of a user (repeating is harmless).
    #[graphql(guard = "Authenticated")]
    async fn unblock_user(
        &self,
        ctx: &Context<'_>,
        input: UserIdInput,
    ) -> async_graphql::Result<UserObject> {
        let me = ctx.current_user()?;
        let target = UserId::parse("userId", &input.user_id)?;
        Ok(UserObject::new(
            ctx.services()?.friends.unblock(me.id, target).await?,
        ))
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum FriendEventKind {
    /// You sent a request (from another of your devices).
    RequestSent,
    RequestReceived,
    RequestAccepted,
    RequestDeclined,
    RequestCancelled,
    FriendRemoved,
    /// Events may have been missed (a server-side outage): refetch friends
    /// and requests. `user` and `request` are null.
    Resync,
}

impl From<Kind> for FriendEventKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::RequestSent => Self::RequestSent,
            Kind::RequestReceived => Self::RequestReceived,
            Kind::RequestAccepted => Self::RequestAccepted,
            Kind::RequestDeclined => Self::RequestDeclined,
            Kind::RequestCancelled => Self::RequestCancelled,
            Kind::FriendRemoved => Self::FriendRemoved,
        }
    }
}

/// A change to the signed-in user's requests or friendships.
#[derive(SimpleObject)]
pub struct FriendEvent {
    kind: FriendEventKind,
    /// The request concerned (absent for FRIEND_REMOVED).
    request: Option<FriendRequestObject>,
    /// The other person; null only for RESYNC.
    user: Option<UserObject>,
    /// Pass as `after` when you subscribe again to get exactly the events
    /// after this one (null for RESYNC).
    cursor: Option<String>,
}

impl FriendEvent {
    pub fn of(event: &crate::events::FriendEvent) -> Self {
        Self {
            kind: event.kind.into(),
            request: event.request.clone().map(FriendRequestObject),
            user: Some(UserObject::new(event.counterpart.clone())),
            cursor: event.seq.map(stream_cursor),
        }
    }
}

/// The cursor of an account stream that carries no chats (friend and
/// notification events): the number, with a chat position that sends every
/// chat again should it be given to `chatEvents` or `sync`.
pub fn stream_cursor(seq: i64) -> String {
    AccountCursor {
        seq,
        chats_at: chrono::DateTime::UNIX_EPOCH,
        page: None,
        seen: Vec::new(),
    }
    .encode()
}

#[derive(Default)]
pub struct FriendSubscription;

#[Subscription]
impl FriendSubscription {
    /// Friend requests received, sent (from your other devices), accepted,
    /// declined and cancelled, and friendships ended, as they happen.
    #[graphql(guard = "Authenticated")]
    async fn friend_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A `cursor` of this stream (or of `sync`): replays \
            the events after it in order (requests and people as they are \
            now), then goes live with no gap and no duplicate. Too old: RESYNC \
            first.")]
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = FriendEvent> + use<>> {
        let me = ctx.current_user()?.id;
        let after = AccountCursor::parse_after(after.as_deref())?;
        let services = ctx.services()?;
        let events = services.own_events(me);
        let replayed = match after {
            Some(after) => services
                .account_log
                .friend_events_since(me, after.seq)
                .await?
                .map(|(head, events)| (head, events.iter().map(FriendEvent::of).collect())),
            None => Some((0, Vec::new())),
        };
        let resync = || FriendEvent {
            kind: FriendEventKind::Resync,
            request: None,
            user: None,
            cursor: None,
        };
        Ok(resumed_stream(
            ctx,
            Topic::User(me),
            events,
            replayed,
            resync,
            |event| match event {
                Event::Friend(e) => Some((e.seq, FriendEvent::of(e))),
                _ => None,
            },
        ))
    }
}
