//! The `push_subscriptions` collection: the Web Push registrations of
//! browsers, one per push endpoint (its `_id`: a browser's endpoint is
//! unique to it, so registering it again, perhaps as another user, moves
//! it), tied to the session that registered it.

use bson::doc;
use bson::oid::ObjectId;
use futures_util::TryStreamExt;
use mongodb::options::ReplaceOptions;
use mongodb::{Collection, IndexModel};
use serde::{Deserialize, Serialize};

use crate::domain::{SessionId, UserId};
use crate::error::AppResult;

/// One browser's registration.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushSubscription {
    #[serde(rename = "_id")]
    pub endpoint: String,
    pub user_id: ObjectId,
    /// The session that registered it (`None`: a provider token without
    /// one); ending the session drops it.
    pub session_id: Option<ObjectId>,
    /// The browser's P-256 public key (uncompressed point, base64url).
    pub p256dh: String,
    /// The browser's 16-byte authentication secret (base64url).
    pub auth: String,
    pub created_at: bson::DateTime,
}

#[derive(Clone)]
pub struct PushSubscriptionStore {
    subscriptions: Collection<PushSubscription>,
}

impl PushSubscriptionStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            subscriptions: db.collection("push_subscriptions"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        for keys in [doc! { "userId": 1 }, doc! { "sessionId": 1 }] {
            self.subscriptions
                .create_index(IndexModel::builder().keys(keys).build())
                .await?;
        }
        Ok(())
    }

    /// Stores `subscription`, replacing any registration of its endpoint.
    pub async fn put(&self, subscription: &PushSubscription) -> AppResult<()> {
        super::upsert_racing(|| {
            self.subscriptions
                .replace_one(doc! { "_id": &subscription.endpoint }, subscription)
                .with_options(ReplaceOptions::builder().upsert(true).build())
                .into_future()
        })
        .await?;
        Ok(())
    }

    /// `user`'s registrations other than `endpoint`.
    pub async fn count_other(&self, user: UserId, endpoint: &str) -> AppResult<u64> {
        Ok(self
            .subscriptions
            .count_documents(doc! { "userId": user.oid(), "_id": { "$ne": endpoint } })
            .await?)
    }

    /// Removes `user`'s registration of `endpoint`; true if there was one.
    pub async fn remove(&self, user: UserId, endpoint: &str) -> AppResult<bool> {
        let result = self
            .subscriptions
            .delete_one(doc! { "_id": endpoint, "userId": user.oid() })
            .await?;
        Ok(result.deleted_count == 1)
    }

    /// Whether `endpoint` is still registered with the key `p256dh`.
    pub async fn holds(&self, endpoint: &str, p256dh: &str) -> AppResult<bool> {
        Ok(self
            .subscriptions
            .count_documents(doc! { "_id": endpoint, "p256dh": p256dh })
            .await?
            > 0)
    }

    /// The push service said the endpoint is gone.
    pub async fn remove_endpoint(&self, endpoint: &str) -> AppResult<()> {
        self.subscriptions
            .delete_one(doc! { "_id": endpoint })
            .await?;
        Ok(())
    }

    /// Drops the registrations of ended sessions.
    pub async fn remove_sessions(&self, sessions: &[SessionId]) -> AppResult<()> {
        if sessions.is_empty() {
            return Ok(());
        }
        let ids: Vec<ObjectId> = sessions.iter().map(SessionId::oid).collect();
        self.subscriptions
            .delete_many(doc! { "sessionId": { "$in": ids } })
            .await?;
        Ok(())
    }

    /// Drops every registration of `user` (their account is deleted).
    pub async fn remove_user(&self, user: UserId) -> AppResult<()> {
        self.subscriptions
            .delete_many(doc! { "userId": user.oid() })
            .await?;
        Ok(())
    }

    /// The registrations of any of `users`: one query.
    pub async fn of_users(&self, users: &[UserId]) -> AppResult<Vec<PushSubscription>> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<ObjectId> = users.iter().map(UserId::oid).collect();
        Ok(self
            .subscriptions
            .find(doc! { "userId": { "$in": ids } })
            .await?
            .try_collect()
            .await?)
    }
}
