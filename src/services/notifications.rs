//! Notifications: stored (they expire by TTL) and pushed live to their
//! user's `notificationEvents`.

use std::sync::Arc;

use chrono::Utc;

use crate::domain::{
    ChatId, FriendRequestId, Notification, NotificationId, NotificationKind, UserId,
};
use crate::error::AppResult;
use crate::events::{Event, EventBus, Topic};
use crate::storage::{Database, Page, PageRequest};

/// What a new notification says; the recipient is given separately.
#[derive(Clone, Copy, Debug)]
pub struct NotificationDraft {
    pub kind: NotificationKind,
    pub actor: UserId,
    pub chat: Option<ChatId>,
    pub friend_request: Option<FriendRequestId>,
}

#[derive(Clone)]
pub struct NotificationService {
    db: Database,
    bus: Arc<dyn EventBus>,
}

impl NotificationService {
    pub fn new(db: Database, bus: Arc<dyn EventBus>) -> Self {
        Self { db, bus }
    }

    /// Notifies each recipient (one insert for all), then pushes it live.
    pub async fn notify(&self, recipients: &[UserId], draft: NotificationDraft) -> AppResult<()> {
        let now = Utc::now();
        let notifications: Vec<Notification> = recipients
            .iter()
            .map(|user| Notification {
                id: NotificationId::new(),
                user: *user,
                kind: draft.kind,
                actor: draft.actor,
                chat: draft.chat,
                friend_request: draft.friend_request,
                read: false,
                created_at: now,
            })
            .collect();
        self.db.notifications().insert_many(&notifications).await?;
        for notification in notifications {
            self.bus.publish(
                Topic::User(notification.user),
                Event::NotificationCreated(notification),
            );
        }
        Ok(())
    }

    pub async fn page(
        &self,
        user: UserId,
        unread_only: bool,
        page: PageRequest,
    ) -> AppResult<Page<Notification>> {
        self.db.notifications().page(user, unread_only, page).await
    }

    pub async fn unread_count(&self, user: UserId) -> AppResult<u64> {
        self.db.notifications().unread_count(user).await
    }

    /// Marks notifications read; returns how many changed.
    #[tracing::instrument(skip(self, ids), fields(user_id = %user))]
    pub async fn mark_read(&self, user: UserId, ids: Option<&[NotificationId]>) -> AppResult<u64> {
        self.db.notifications().mark_read(user, ids).await
    }
}
