//! The `notifications` collection. A TTL index removes each notification a
//! configurable time after it was created (30 days by default).

use std::time::Duration;

use bson::oid::ObjectId;
use bson::{Document, doc};
use futures_util::TryStreamExt;
use mongodb::options::{FindOptions, IndexOptions};
use mongodb::{Collection, IndexModel};
use serde::{Deserialize, Serialize};

use super::paging::{Page, PageRequest};
use super::to_chrono;
use crate::domain::{
    ChatId, FriendRequestId, MessageId, Notification, NotificationId, NotificationKind, UserId,
};
use crate::error::AppResult;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NotificationDoc {
    #[serde(rename = "_id")]
    id: ObjectId,
    user_id: ObjectId,
    kind: NotificationKind,
    actor_id: ObjectId,
    chat_id: Option<ObjectId>,
    friend_request_id: Option<ObjectId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message_id: Option<ObjectId>,
    read: bool,
    created_at: bson::DateTime,
}

impl From<NotificationDoc> for Notification {
    fn from(doc: NotificationDoc) -> Self {
        Notification {
            id: NotificationId(doc.id),
            user: UserId(doc.user_id),
            kind: doc.kind,
            actor: UserId(doc.actor_id),
            chat: doc.chat_id.map(ChatId),
            friend_request: doc.friend_request_id.map(FriendRequestId),
            message: doc.message_id.map(MessageId),
            read: doc.read,
            created_at: to_chrono(doc.created_at),
            seq: None,
        }
    }
}

impl From<&Notification> for NotificationDoc {
    fn from(n: &Notification) -> Self {
        NotificationDoc {
            id: n.id.oid(),
            user_id: n.user.oid(),
            kind: n.kind,
            actor_id: n.actor.oid(),
            chat_id: n.chat.map(|c| c.oid()),
            friend_request_id: n.friend_request.map(|r| r.oid()),
            message_id: n.message.map(|m| m.oid()),
            read: n.read,
            created_at: bson::DateTime::from_chrono(n.created_at),
        }
    }
}

#[derive(Clone)]
pub struct NotificationStore {
    notifications: Collection<NotificationDoc>,
}

impl NotificationStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            notifications: db.collection("notifications"),
        }
    }

    pub(super) async fn ensure_indexes(&self, retention: Duration) -> AppResult<()> {
        self.notifications
            .create_indexes([
                IndexModel::builder()
                    .keys(doc! { "userId": 1, "_id": -1 })
                    .build(),
                IndexModel::builder()
                    .keys(doc! { "userId": 1, "read": 1 })
                    .build(),
                IndexModel::builder()
                    .keys(doc! { "createdAt": 1 })
                    .options(
                        IndexOptions::builder()
                            .expire_after(retention)
                            .name("notifications_ttl".to_owned())
                            .build(),
                    )
                    .build(),
            ])
            .await?;
        Ok(())
    }

    /// Removes `user`'s notifications, and those about friend requests
    /// `user` made (the requests go with the account); others that name
    /// them as the actor stay, showing a deleted account.
    pub async fn delete_all_of(&self, user: UserId) -> AppResult<()> {
        self.notifications
            .delete_many(doc! { "$or": [
                { "userId": user.oid() },
                { "actorId": user.oid(), "friendRequestId": { "$ne": null } },
            ] })
            .await?;
        Ok(())
    }

    /// Notifications by id, in one query; missing (expired) ones are absent.
    pub async fn find_many(&self, ids: &[NotificationId]) -> AppResult<Vec<Notification>> {
        let oids: Vec<ObjectId> = ids.iter().map(NotificationId::oid).collect();
        let docs: Vec<NotificationDoc> = self
            .notifications
            .find(doc! { "_id": { "$in": oids } })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(Notification::from).collect())
    }

    /// Stores many notifications in one round trip.
    pub async fn insert_many(&self, notifications: &[Notification]) -> AppResult<()> {
        if notifications.is_empty() {
            return Ok(());
        }
        let docs: Vec<NotificationDoc> = notifications.iter().map(NotificationDoc::from).collect();
        self.notifications.insert_many(docs).await?;
        Ok(())
    }

    pub async fn page(
        &self,
        user: UserId,
        unread_only: bool,
        page: PageRequest,
    ) -> AppResult<Page<Notification>> {
        let mut filter = doc! { "userId": user.oid() };
        if unread_only {
            filter.insert("read", false);
        }
        let filter = page.filter("_id", filter);
        let options = FindOptions::builder()
            .sort(doc! { "_id": -1 })
            .limit(page.fetch_limit())
            .build();
        let docs: Vec<NotificationDoc> = self
            .notifications
            .find(filter)
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        Ok(page.finish(docs.into_iter().map(Notification::from).collect()))
    }

    pub async fn unread_count(&self, user: UserId) -> AppResult<u64> {
        Ok(self
            .notifications
            .count_documents(doc! { "userId": user.oid(), "read": false })
            .await?)
    }

    /// Marks the user's notifications read (only `ids` when given); returns
    /// how many changed. Ids of other users' notifications match nothing.
    pub async fn mark_read(&self, user: UserId, ids: Option<&[NotificationId]>) -> AppResult<u64> {
        let mut filter: Document = doc! { "userId": user.oid(), "read": false };
        if let Some(ids) = ids {
            let oids: Vec<ObjectId> = ids.iter().map(NotificationId::oid).collect();
            filter.insert("_id", doc! { "$in": oids });
        }
        let result = self
            .notifications
            .update_many(filter, doc! { "$set": { "read": true } })
            .await?;
        Ok(result.modified_count)
    }
}
