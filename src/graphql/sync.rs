//! `sync`: what changed in the signed-in user's account since a cursor, in
//! one round trip (see `services::account_sync`).

use async_graphql::{Context, ID, Object};

use super::chats::ChatObject;
use super::context::{Authenticated, ContextExt};
use super::friends::FriendEvent;
use super::notifications::NotificationObject;
use crate::services::account_log::AccountCursor;
use crate::services::account_sync::{LOG_PAGE, SyncPage};

/// Chats a page holds when `first` is not given, and at most.
const DEFAULT_CHATS: usize = 50;
const MAX_CHATS: usize = 100;

/// One page of a sync.
pub struct SyncObject(SyncPage);

#[Object(name = "Sync")]
impl SyncObject {
    /// Pass it as `after` for the next page while `hasMore`; then to
    /// `chatEvents(after:)`, `friendEvents(after:)` and
    /// `notificationEvents(after:)`, which continue from here with no gap,
    /// and to the next `sync`.
    async fn cursor(&self) -> String {
        self.0.cursor.encode()
    }

    /// More pages follow: call `sync` again with `cursor`.
    async fn has_more(&self) -> bool {
        self.0.has_more
    }

    /// True when there was no usable cursor (none given, or older than
    /// what is kept): `chats` then lists every chat of yours; drop your
    /// local chat state, and read `notifications` and `friendRequests`.
    async fn reset(&self) -> bool {
        self.0.reset
    }

    /// Chats that changed since the cursor (new messages, reads on your
    /// other devices, edits, renames, members...) or that you joined, as
    /// they are now, in id order. A chat may come again in a later sync;
    /// treat each as a replacement.
    #[graphql(complexity = "MAX_CHATS * child_complexity + 1")]
    async fn chats(&self) -> Vec<ChatObject> {
        self.0.chats.iter().cloned().map(ChatObject).collect()
    }

    /// Chats you left, were removed from, or that were deleted since the
    /// cursor: remove them locally.
    async fn removed_chat_ids(&self) -> Vec<ID> {
        self.0.removed.iter().map(|id| ID(id.to_string())).collect()
    }

    /// Notifications created since the cursor, oldest first.
    #[graphql(complexity = "LOG_PAGE * child_complexity + 1")]
    async fn notifications(&self) -> Vec<NotificationObject> {
        self.0
            .notifications
            .iter()
            .cloned()
            .map(NotificationObject)
            .collect()
    }

    /// Friend events since the cursor, oldest first (requests and people
    /// as they are now).
    #[graphql(complexity = "LOG_PAGE * child_complexity + 1")]
    async fn friend_events(&self) -> Vec<FriendEvent> {
        self.0.friend_events.iter().map(FriendEvent::of).collect()
    }
}

#[derive(Default)]
pub struct SyncQuery;

#[Object]
impl SyncQuery {
    /// Everything that changed in your account since `after` (a cursor of
    /// `sync` or of `chatEvents`), for a cold start or a wake-up: changed
    /// chats with their last message and unread count, chats you are no
    /// longer in, new notifications and friend events, and the cursor to
    /// resume the streams from. Without `after`: every chat (`reset`).
    /// `first` chats a page (default 50, at most 100).
    #[graphql(guard = "Authenticated")]
    async fn sync(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<SyncObject> {
        let me = ctx.current_user()?.id;
        let after = AccountCursor::parse_after(after.as_deref())?;
        let first = match first {
            None => DEFAULT_CHATS,
            Some(n) if (1..=MAX_CHATS as i32).contains(&n) => n as usize,
            Some(_) => {
                return Err(crate::error::AppError::bad_input(
                    "first",
                    format!("must be between 1 and {MAX_CHATS}"),
                )
                .into());
            }
        };
        let page = ctx.services()?.sync.page(me, after, first).await?;
        Ok(SyncObject(page))
    }
}
