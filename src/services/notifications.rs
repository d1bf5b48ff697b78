//! Notifications: stored (they expire by TTL), numbered in their user's
//! account log and pushed live to their `notificationEvents`.

use chrono::Utc;
use futures_util::{StreamExt, TryStreamExt};

use crate::domain::{
    ChatId, FriendRequestId, MessageId, Notification, NotificationId, NotificationKind, UserId,
};
use crate::error::AppResult;
use crate::storage::{Database, Page, PageRequest};

use super::account_log::AccountLog;

/// Account log appends in flight at once when many are notified.
const APPENDS_AT_ONCE: usize = 16;

/// What a new notification says; the recipient is given separately.
#[derive(Clone, Copy, Debug)]
pub struct NotificationDraft {
    pub kind: NotificationKind,
    pub actor: UserId,
    pub chat: Option<ChatId>,
    pub friend_request: Option<FriendRequestId>,
    /// The message concerned (mentions).
    pub message: Option<MessageId>,
}

#[derive(Clone)]
pub struct NotificationService {
    db: Database,
    log: AccountLog,
    /// Pushes to recipients without an open socket.
    offline: Option<super::push::offline::OfflineDelivery>,
}

impl NotificationService {
    pub fn new(db: Database, log: AccountLog) -> Self {
        Self {
            db,
            log,
            offline: None,
        }
    }

    /// Pushes friend requests and group invites to offline recipients
    /// (see `services::push::offline`).
    pub fn with_offline(mut self, offline: super::push::offline::OfflineDelivery) -> Self {
        self.offline = Some(offline);
        self
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
                message: draft.message,
                read: false,
                created_at: now,
                seq: None,
            })
            .collect();
        self.db.notifications().insert_many(&notifications).await?;
        if let Some(offline) = &self.offline {
            offline.notified(recipients, &draft);
        }
        // Numbered in each recipient's account log, then told.
        futures_util::stream::iter(notifications)
            .map(|notification| {
                let log = self.log.clone();
                async move { log.notification(notification).await }
            })
            .buffer_unordered(APPENDS_AT_ONCE)
            .try_collect::<()>()
            .await
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
