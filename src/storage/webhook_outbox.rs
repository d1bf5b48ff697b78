//! The `webhook_outbox` collection: deliveries still to make. An entry is
//! written before the event it reports is stored (see
//! `services::webhooks`), deleted once its endpoint accepted it, and
//! retried meanwhile. An instance sending an entry holds a lease on it
//! (`leaseUntil`), taken by one conditional update, so several instances
//! never send the same delivery at once; a lease that outlives its holder
//! (a crash) simply runs out.

use bson::doc;
use bson::oid::ObjectId;
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::options::FindOptions;
use mongodb::{Collection, IndexModel};
use serde::{Deserialize, Serialize};

use super::to_chrono;
use crate::error::AppResult;

/// One delivery of one event to one endpoint.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    /// The `webhook-id`: the same on every attempt, so receivers can drop
    /// repeats.
    #[serde(rename = "_id")]
    pub id: String,
    pub endpoint: String,
    /// The event's type (`message.created` …).
    pub event: String,
    /// The exact JSON body signed and sent.
    pub body: String,
    /// The message the event is about: sent only once it is stored.
    pub message_id: Option<ObjectId>,
    pub created_at: bson::DateTime,
    pub next_attempt_at: bson::DateTime,
    pub lease_until: bson::DateTime,
    pub attempts: i32,
    /// A Web Push rather than a webhook: `endpoint` is the browser's push
    /// endpoint and `body` the payload, encrypted when sent.
    #[serde(default)]
    pub push: Option<PushTarget>,
}

/// How a Web Push entry is sent (see `services::push`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PushTarget {
    /// The browser's keys, as registered (base64url).
    pub p256dh: String,
    pub auth: String,
    /// The `Topic` header: a newer push of the same topic replaces one the
    /// push service still holds.
    pub topic: String,
    /// The `TTL` header, in seconds.
    pub ttl: u32,
}

impl OutboxEntry {
    pub fn created(&self) -> DateTime<Utc> {
        to_chrono(self.created_at)
    }
}

#[derive(Clone)]
pub struct WebhookOutboxStore {
    entries: Collection<OutboxEntry>,
}

impl WebhookOutboxStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            entries: db.collection("webhook_outbox"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        self.entries
            .create_index(
                IndexModel::builder()
                    .keys(doc! { "nextAttemptAt": 1 })
                    .build(),
            )
            .await?;
        Ok(())
    }

    pub async fn insert_many(&self, entries: &[OutboxEntry]) -> AppResult<()> {
        if !entries.is_empty() {
            self.entries.insert_many(entries).await?;
        }
        Ok(())
    }

    /// Up to `limit` entries due at `now` and not leased, oldest first.
    pub async fn due(&self, now: DateTime<Utc>, limit: usize) -> AppResult<Vec<OutboxEntry>> {
        let now = bson::DateTime::from_chrono(now);
        let options = FindOptions::builder()
            .sort(doc! { "nextAttemptAt": 1 })
            .limit(limit as i64)
            .build();
        Ok(self
            .entries
            .find(doc! { "nextAttemptAt": { "$lte": now }, "leaseUntil": { "$lte": now } })
            .with_options(options)
            .await?
            .try_collect()
            .await?)
    }

    /// Takes the lease of entry `id` until `until` if nobody holds it at
    /// `now`; true when this call got it.
    pub async fn lease(
        &self,
        id: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> AppResult<bool> {
        let result = self
            .entries
            .update_one(
                doc! { "_id": id, "leaseUntil": { "$lte": bson::DateTime::from_chrono(now) } },
                doc! { "$set": { "leaseUntil": bson::DateTime::from_chrono(until) } },
            )
            .await?;
        Ok(result.modified_count == 1)
    }

    /// The entry was delivered (or given up): gone.
    pub async fn remove(&self, id: &str) -> AppResult<()> {
        self.entries.delete_one(doc! { "_id": id }).await?;
        Ok(())
    }

    /// Another attempt at `next`, the lease let go.
    pub async fn retry(&self, id: &str, attempts: i32, next: DateTime<Utc>) -> AppResult<()> {
        self.entries
            .update_one(
                doc! { "_id": id },
                doc! { "$set": {
                    "attempts": attempts,
                    "nextAttemptAt": bson::DateTime::from_chrono(next),
                    "leaseUntil": bson::DateTime::from_millis(0),
                } },
            )
            .await?;
        Ok(())
    }

    /// Deliveries not yet made.
    pub async fn backlog(&self) -> AppResult<u64> {
        Ok(self.entries.count_documents(doc! {}).await?)
    }
}
