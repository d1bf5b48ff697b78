//! The `uploads` collection: one document per file a user asked to upload,
//! from `createUpload` until its file is deleted.
//!
//! `state` moves `pending` → `complete` → `used` by atomic updates that
//! name the state they expect, so an upload is completed once and used
//! once whatever the concurrency. `usedBy` tags the use (a message's
//! client id, so a retried send finds its uploads already its own).
//! `discarded` uploads await the deletion of their file (see
//! [`crate::services::uploads`]). `purgeAt` is a TTL backstop that removes
//! a document left unused far beyond the sweep's own deadline.

use bson::{Document, doc};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::options::IndexOptions;
use mongodb::{Collection, IndexModel};

use super::to_chrono;
use crate::domain::upload::{Upload, UploadPurpose, UploadState};
use crate::domain::{ChatId, UploadId, UserId};
use crate::error::{AppError, AppResult};

#[derive(Clone)]
pub struct UploadStore {
    uploads: Collection<Document>,
}

fn upload_of(doc: &Document) -> AppResult<Upload> {
    let oid = |f: &str| doc.get_object_id(f).map_err(AppError::internal);
    let text = |f: &str| doc.get_str(f).map(str::to_owned).unwrap_or_default();
    let time = |f: &str| doc.get_datetime(f).ok().copied().map(to_chrono);
    let int = |f: &str| match doc.get(f) {
        Some(bson::Bson::Int32(n)) => Some(*n),
        Some(bson::Bson::Int64(n)) => i32::try_from(*n).ok(),
        _ => None,
    };
    let bad = |what: &str| AppError::internal(anyhow::anyhow!("upload with a bad {what}"));
    Ok(Upload {
        id: UploadId(oid("_id")?),
        owner: UserId(oid("owner")?),
        purpose: UploadPurpose::parse(&text("purpose")).ok_or_else(|| bad("purpose"))?,
        chat: doc.get_object_id("chat").ok().map(ChatId),
        content_type: text("contentType"),
        size: doc.get_i64("size").unwrap_or_default(),
        file_name: text("fileName"),
        state: UploadState::parse(&text("state")).ok_or_else(|| bad("state"))?,
        width: int("width"),
        height: int("height"),
        created_at: time("createdAt").unwrap_or_default(),
        expires_at: time("expiresAt").unwrap_or_default(),
    })
}

impl UploadStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            uploads: db.collection("uploads"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        self.uploads
            .create_indexes([
                IndexModel::builder()
                    .keys(doc! { "owner": 1, "state": 1 })
                    .build(),
                IndexModel::builder()
                    .keys(doc! { "state": 1, "createdAt": 1 })
                    .build(),
                IndexModel::builder()
                    .keys(doc! { "purgeAt": 1 })
                    .options(
                        IndexOptions::builder()
                            .expire_after(std::time::Duration::ZERO)
                            .build(),
                    )
                    .build(),
            ])
            .await?;
        Ok(())
    }

    /// Stores a new pending upload; `purge_at` is the TTL backstop.
    pub async fn insert(&self, upload: &Upload, purge_at: DateTime<Utc>) -> AppResult<()> {
        self.uploads
            .insert_one(doc! {
                "_id": upload.id.oid(),
                "owner": upload.owner.oid(),
                "purpose": upload.purpose.as_str(),
                "chat": upload.chat.map(|c| c.oid()),
                "contentType": &upload.content_type,
                "size": upload.size,
                "fileName": &upload.file_name,
                "state": upload.state.as_str(),
                "createdAt": bson::DateTime::from_chrono(upload.created_at),
                "expiresAt": bson::DateTime::from_chrono(upload.expires_at),
                "purgeAt": bson::DateTime::from_chrono(purge_at),
            })
            .await?;
        Ok(())
    }

    pub async fn find(&self, id: UploadId) -> AppResult<Option<Upload>> {
        let doc = self.uploads.find_one(doc! { "_id": id.oid() }).await?;
        doc.as_ref().map(upload_of).transpose()
    }

    /// `owner`'s uploads not used yet (pending or complete).
    pub async fn count_unused(&self, owner: UserId) -> AppResult<u64> {
        Ok(self
            .uploads
            .count_documents(doc! {
                "owner": owner.oid(),
                "state": { "$in": [UploadState::Pending.as_str(), UploadState::Complete.as_str()] },
            })
            .await?)
    }

    /// Marks a pending upload complete with what its file showed; false if
    /// it was not pending.
    pub async fn complete(
        &self,
        id: UploadId,
        width: Option<i32>,
        height: Option<i32>,
    ) -> AppResult<bool> {
        let done = self
            .uploads
            .update_one(
                doc! { "_id": id.oid(), "state": UploadState::Pending.as_str() },
                doc! { "$set": {
                    "state": UploadState::Complete.as_str(),
                    "width": width,
                    "height": height,
                } },
            )
            .await?;
        Ok(done.modified_count > 0)
    }

    /// Takes `ids` for one use tagged `tag`: each must be `owner`'s, for
    /// `purpose` (and `chat`), and complete, or already taken with the same
    /// tag. Returns the uploads taken; fewer than asked means some were
    /// not usable (the caller then gives the rest back with [`Self::release`]).
    pub async fn take(
        &self,
        owner: UserId,
        purpose: UploadPurpose,
        chat: Option<ChatId>,
        ids: &[UploadId],
        tag: &str,
    ) -> AppResult<Vec<Upload>> {
        let oids: Vec<_> = ids.iter().map(UploadId::oid).collect();
        let mut filter = doc! {
            "_id": { "$in": &oids },
            "owner": owner.oid(),
            "purpose": purpose.as_str(),
            "$or": [
                { "state": UploadState::Complete.as_str() },
                { "state": UploadState::Used.as_str(), "usedBy": tag },
            ],
        };
        if let Some(chat) = chat {
            filter.insert("chat", chat.oid());
        }
        self.uploads
            .update_many(
                filter,
                doc! {
                    "$set": { "state": UploadState::Used.as_str(), "usedBy": tag },
                    // Used: no longer purged for being unfinished.
                    "$unset": { "purgeAt": "" },
                },
            )
            .await?;
        let docs: Vec<Document> = self
            .uploads
            .find(doc! { "_id": { "$in": &oids }, "state": UploadState::Used.as_str(), "usedBy": tag })
            .await?
            .try_collect()
            .await?;
        docs.iter().map(upload_of).collect()
    }

    /// Gives back uploads taken with `tag` (a use that did not happen).
    pub async fn release(&self, ids: &[UploadId], tag: &str) -> AppResult<()> {
        let oids: Vec<_> = ids.iter().map(UploadId::oid).collect();
        self.uploads
            .update_many(
                doc! { "_id": { "$in": oids }, "state": UploadState::Used.as_str(), "usedBy": tag },
                doc! { "$set": { "state": UploadState::Complete.as_str(), "usedBy": null } },
            )
            .await?;
        Ok(())
    }

    /// Marks uploads whose files are to be deleted.
    pub async fn discard(&self, ids: &[UploadId]) -> AppResult<()> {
        let oids: Vec<_> = ids.iter().map(UploadId::oid).collect();
        self.uploads
            .update_many(
                doc! { "_id": { "$in": oids } },
                doc! { "$set": { "state": UploadState::Discarded.as_str() } },
            )
            .await?;
        Ok(())
    }

    /// Marks the pictures of `purpose` in use before `keep` as to be
    /// deleted: `owner`'s avatars, or `chat`'s pictures (whoever uploaded
    /// them).
    pub async fn discard_replaced(
        &self,
        owner: UserId,
        purpose: UploadPurpose,
        chat: Option<ChatId>,
        keep: Option<UploadId>,
    ) -> AppResult<()> {
        let mut filter = doc! { "purpose": purpose.as_str(), "state": UploadState::Used.as_str() };
        match chat {
            Some(chat) => filter.insert("chat", chat.oid()),
            None => filter.insert("owner", owner.oid()),
        };
        if let Some(keep) = keep {
            filter.insert("_id", doc! { "$ne": keep.oid() });
        }
        self.uploads
            .update_many(
                filter,
                doc! { "$set": { "state": UploadState::Discarded.as_str() } },
            )
            .await?;
        Ok(())
    }

    /// Marks every upload of `owner` as to be deleted.
    pub async fn discard_all_of(&self, owner: UserId) -> AppResult<()> {
        self.uploads
            .update_many(
                doc! { "owner": owner.oid() },
                doc! { "$set": { "state": UploadState::Discarded.as_str() } },
            )
            .await?;
        Ok(())
    }

    /// Uploads whose files are due for deletion: discarded ones, and those
    /// created before `unfinished_before` and never used; at most `limit`.
    pub async fn due(
        &self,
        unfinished_before: DateTime<Utc>,
        limit: i64,
    ) -> AppResult<Vec<Upload>> {
        let docs: Vec<Document> = self
            .uploads
            .find(doc! { "$or": [
                { "state": UploadState::Discarded.as_str() },
                {
                    "state": { "$in": [UploadState::Pending.as_str(), UploadState::Complete.as_str()] },
                    "createdAt": { "$lt": bson::DateTime::from_chrono(unfinished_before) },
                },
            ] })
            .limit(limit)
            .await?
            .try_collect()
            .await?;
        docs.iter().map(upload_of).collect()
    }

    /// Removes an upload whose file is gone.
    pub async fn remove(&self, id: UploadId) -> AppResult<()> {
        self.uploads.delete_one(doc! { "_id": id.oid() }).await?;
        Ok(())
    }
}
