//! The `sessions` collection: one document per signed-in device.
//!
//! A session holds the hash of its current refresh token (`refreshHash`,
//! unique) and of the last ones it replaced (`retired`, at most
//! [`RETIRED_KEPT`]), so that a rotated-out token presented again is
//! recognised as stolen rather than merely unknown. Tokens themselves are
//! never stored. A TTL index removes a session once `expiresAt` (the end of
//! its sliding refresh window) has passed; queries check the time too,
//! since the TTL monitor runs only now and then. Revoking a session deletes
//! it: nothing of a revoked session is ever needed again.

use bson::oid::ObjectId;
use bson::{Document, doc};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::options::{IndexOptions, ReturnDocument};
use mongodb::{Collection, IndexModel};
use serde::{Deserialize, Serialize};

use super::paging::{Page, PageRequest};
use super::to_chrono;
use crate::domain::{SessionId, UserId};
use crate::error::AppResult;

/// Replaced refresh-token hashes a session remembers for reuse detection:
/// enough for any honest client's retries, bounded so a long-lived session
/// does not grow.
pub const RETIRED_KEPT: i32 = 16;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionDoc {
    #[serde(rename = "_id")]
    id: ObjectId,
    user_id: ObjectId,
    refresh_hash: String,
    #[serde(default)]
    retired: Vec<String>,
    device_name: Option<String>,
    user_agent: Option<String>,
    created_at: bson::DateTime,
    last_used_at: bson::DateTime,
    expires_at: bson::DateTime,
}

/// A live session as the rest of the code sees it (no token hashes).
#[derive(Clone, Debug)]
pub struct Session {
    pub id: SessionId,
    pub user: UserId,
    pub device_name: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The last sign-in or refresh (not every request: that would be a
    /// write per request).
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl From<SessionDoc> for Session {
    fn from(doc: SessionDoc) -> Self {
        Session {
            id: SessionId(doc.id),
            user: UserId(doc.user_id),
            device_name: doc.device_name,
            user_agent: doc.user_agent,
            created_at: to_chrono(doc.created_at),
            last_used_at: to_chrono(doc.last_used_at),
            expires_at: to_chrono(doc.expires_at),
        }
    }
}

/// What starting a session stores.
pub struct NewSession {
    pub user: UserId,
    pub refresh_hash: String,
    pub device_name: Option<String>,
    pub user_agent: Option<String>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone)]
pub struct SessionStore {
    sessions: Collection<SessionDoc>,
}

fn now() -> bson::DateTime {
    bson::DateTime::now()
}

impl SessionStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            sessions: db.collection("sessions"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        self.sessions
            .create_indexes([
                IndexModel::builder()
                    .keys(doc! { "refreshHash": 1 })
                    .options(
                        IndexOptions::builder()
                            .unique(true)
                            .name("refresh_hash_unique".to_owned())
                            .build(),
                    )
                    .build(),
                IndexModel::builder().keys(doc! { "retired": 1 }).build(),
                IndexModel::builder()
                    .keys(doc! { "userId": 1, "_id": -1 })
                    .build(),
                IndexModel::builder()
                    .keys(doc! { "expiresAt": 1 })
                    .options(
                        IndexOptions::builder()
                            .expire_after(std::time::Duration::ZERO)
                            .name("sessions_ttl".to_owned())
                            .build(),
                    )
                    .build(),
            ])
            .await?;
        Ok(())
    }

    pub async fn insert(&self, new: NewSession) -> AppResult<Session> {
        let at = now();
        let doc = SessionDoc {
            id: ObjectId::new(),
            user_id: new.user.oid(),
            refresh_hash: new.refresh_hash,
            retired: Vec::new(),
            device_name: new.device_name,
            user_agent: new.user_agent,
            created_at: at,
            last_used_at: at,
            expires_at: bson::DateTime::from_chrono(new.expires_at),
        };
        self.sessions.insert_one(&doc).await?;
        Ok(doc.into())
    }

    /// Replaces the live session's refresh hash `old` by `new` in one
    /// atomic step (so of two refreshes with one token only one succeeds),
    /// remembering `old` among the retired ones. `None` when no live
    /// session holds `old` as its current token.
    pub async fn rotate(
        &self,
        old: &str,
        new: String,
        expires_at: DateTime<Utc>,
    ) -> AppResult<Option<Session>> {
        let updated = self
            .sessions
            .find_one_and_update(
                doc! { "refreshHash": old, "expiresAt": { "$gt": now() } },
                doc! {
                    "$set": {
                        "refreshHash": new,
                        "lastUsedAt": now(),
                        "expiresAt": bson::DateTime::from_chrono(expires_at),
                    },
                    "$push": { "retired": { "$each": [old], "$slice": -RETIRED_KEPT } },
                },
            )
            .return_document(ReturnDocument::After)
            .await?;
        Ok(updated.map(Session::from))
    }

    /// Deletes the session that once held the refresh hash `retired` (a
    /// replayed token), returning it.
    pub async fn delete_by_retired(&self, retired: &str) -> AppResult<Option<Session>> {
        let deleted = self
            .sessions
            .find_one_and_delete(doc! { "retired": retired })
            .await?;
        Ok(deleted.map(Session::from))
    }

    /// When the live session `id` of `user` ends, `None` if it is not live.
    /// A covered read on `_id`: this runs for every authenticated request.
    pub async fn live_until(
        &self,
        user: UserId,
        id: SessionId,
    ) -> AppResult<Option<DateTime<Utc>>> {
        let found = self
            .sessions
            .clone_with_type::<Document>()
            .find_one(doc! { "_id": id.oid(), "userId": user.oid(), "expiresAt": { "$gt": now() } })
            .projection(doc! { "_id": 0, "expiresAt": 1 })
            .await?;
        Ok(found
            .and_then(|d| d.get_datetime("expiresAt").ok().copied())
            .map(to_chrono))
    }

    /// Which of `ids` (sessions of `user`) are still live.
    pub async fn live_among(&self, user: UserId, ids: &[SessionId]) -> AppResult<Vec<SessionId>> {
        let oids: Vec<ObjectId> = ids.iter().map(SessionId::oid).collect();
        let docs: Vec<Document> = self
            .sessions
            .clone_with_type::<Document>()
            .find(doc! { "_id": { "$in": oids }, "userId": user.oid(), "expiresAt": { "$gt": now() } })
            .projection(doc! { "_id": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .iter()
            .filter_map(|d| d.get_object_id("_id").ok().map(SessionId))
            .collect())
    }

    /// `user`'s live sessions, newest first.
    pub async fn list(&self, user: UserId, page: PageRequest) -> AppResult<Page<Session>> {
        let filter = doc! { "userId": user.oid(), "expiresAt": { "$gt": now() } };
        let docs: Vec<SessionDoc> = self
            .sessions
            .find(page.filter("_id", filter))
            .sort(doc! { "_id": -1 })
            .limit(page.fetch_limit())
            .await?
            .try_collect()
            .await?;
        Ok(page.finish(docs.into_iter().map(Session::from).collect()))
    }

    /// `user`'s sessions started before `before` (to the second, the
    /// precision of an id's time: one started in that second counts).
    pub async fn started_before(
        &self,
        user: UserId,
        before: chrono::DateTime<chrono::Utc>,
    ) -> AppResult<Vec<SessionId>> {
        // The smallest id of the second after `before`'s.
        let seconds = u32::try_from(before.timestamp() + 1).unwrap_or(u32::MAX);
        let mut bytes = [0u8; 12];
        bytes[..4].copy_from_slice(&seconds.to_be_bytes());
        let found: Vec<Document> = self
            .sessions
            .clone_with_type::<Document>()
            .find(doc! { "userId": user.oid(), "_id": { "$lt": ObjectId::from_bytes(bytes) } })
            .projection(doc! { "_id": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(found
            .iter()
            .filter_map(|d| d.get_object_id("_id").ok())
            .map(SessionId)
            .collect())
    }

    /// Deletes `user`'s sessions among `ids` (all of them when `ids` is
    /// `None`) except `keep`; returns the ids deleted.
    pub async fn delete(
        &self,
        user: UserId,
        ids: Option<&[SessionId]>,
        keep: Option<SessionId>,
    ) -> AppResult<Vec<SessionId>> {
        let mut filter = doc! { "userId": user.oid() };
        let mut id_filter = Document::new();
        if let Some(ids) = ids {
            let oids: Vec<ObjectId> = ids.iter().map(SessionId::oid).collect();
            id_filter.insert("$in", oids);
        }
        if let Some(keep) = keep {
            id_filter.insert("$ne", keep.oid());
        }
        if !id_filter.is_empty() {
            filter.insert("_id", id_filter);
        }
        // Read, then delete what was read: the ids go out in the revocation
        // event, and a session started meanwhile is not touched.
        let found: Vec<Document> = self
            .sessions
            .clone_with_type::<Document>()
            .find(filter)
            .projection(doc! { "_id": 1 })
            .await?
            .try_collect()
            .await?;
        let oids: Vec<ObjectId> = found
            .iter()
            .filter_map(|d| d.get_object_id("_id").ok())
            .collect();
        if oids.is_empty() {
            return Ok(Vec::new());
        }
        self.sessions
            .delete_many(doc! { "_id": { "$in": &oids }, "userId": user.oid() })
            .await?;
        Ok(oids.into_iter().map(SessionId).collect())
    }
}
