//! Blocks: one document per (blocker, blocked), keyed by that ordered pair,
//! so blocking twice is a no-op and both directions are one lookup.

use bson::doc;
use bson::oid::ObjectId;
use futures_util::TryStreamExt;
use mongodb::options::FindOptions;
use mongodb::{Collection, IndexModel};
use serde::{Deserialize, Serialize};

use super::paging::{Page, PageRequest};
use crate::domain::UserId;
use crate::error::AppResult;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BlockDoc {
    /// `"<blocker>:<blocked>"`.
    #[serde(rename = "_id")]
    id: String,
    blocker: ObjectId,
    blocked: ObjectId,
    /// Orders a user's block list, newest first, and serves as the cursor.
    cursor: ObjectId,
    created_at: bson::DateTime,
}

fn key(blocker: UserId, blocked: UserId) -> String {
    format!("{blocker}:{blocked}")
}

#[derive(Clone)]
pub struct BlockStore {
    blocks: Collection<BlockDoc>,
}

impl BlockStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            blocks: db.collection("blocks"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        self.blocks
            .create_indexes([
                IndexModel::builder()
                    .keys(doc! { "blocker": 1, "cursor": -1 })
                    .build(),
                IndexModel::builder().keys(doc! { "blocked": 1 }).build(),
            ])
            .await?;
        Ok(())
    }

    /// Removes every block `user` made or was the subject of (their
    /// account is being deleted).
    pub async fn delete_all_of(&self, user: UserId) -> AppResult<()> {
        self.blocks
            .delete_many(doc! { "$or": [ { "blocker": user.oid() }, { "blocked": user.oid() } ] })
            .await?;
        Ok(())
    }

    /// Records the block; false when it already stood.
    pub async fn block(&self, blocker: UserId, blocked: UserId) -> AppResult<bool> {
        let result = super::upsert_racing(|| {
            self.blocks
                .update_one(
                    doc! { "_id": key(blocker, blocked) },
                    doc! { "$setOnInsert": {
                        "blocker": blocker.oid(), "blocked": blocked.oid(),
                        "cursor": ObjectId::new(), "createdAt": bson::DateTime::now(),
                    } },
                )
                .upsert(true)
                .into_future()
        })
        .await?;
        Ok(result.upserted_id.is_some())
    }

    /// Lifts the block; false when there was none.
    pub async fn unblock(&self, blocker: UserId, blocked: UserId) -> AppResult<bool> {
        let result = self
            .blocks
            .delete_one(doc! { "_id": key(blocker, blocked) })
            .await?;
        Ok(result.deleted_count == 1)
    }

    /// True when either user has blocked the other.
    pub async fn blocked_either_way(&self, a: UserId, b: UserId) -> AppResult<bool> {
        Ok(self
            .blocks
            .find_one(doc! { "_id": { "$in": [key(a, b), key(b, a)] } })
            .await?
            .is_some())
    }

    /// Everyone `user` has blocked or been blocked by, in one query.
    pub async fn block_partners(&self, user: UserId) -> AppResult<Vec<UserId>> {
        let docs: Vec<BlockDoc> = self
            .blocks
            .find(doc! { "$or": [ { "blocker": user.oid() }, { "blocked": user.oid() } ] })
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .into_iter()
            .map(|d| {
                if d.blocker == user.oid() {
                    d.blocked
                } else {
                    d.blocker
                }
            })
            .map(UserId)
            .collect())
    }

    /// Everyone who has blocked `user`.
    pub async fn blockers_of(&self, user: UserId) -> AppResult<Vec<UserId>> {
        let docs: Vec<BlockDoc> = self
            .blocks
            .find(doc! { "blocked": user.oid() })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(|d| UserId(d.blocker)).collect())
    }

    /// A page of the users `blocker` has blocked, newest first.
    pub async fn blocked_page(
        &self,
        blocker: UserId,
        page: PageRequest,
    ) -> AppResult<Page<(ObjectId, UserId)>> {
        let filter = page.filter("cursor", doc! { "blocker": blocker.oid() });
        let options = FindOptions::builder()
            .sort(doc! { "cursor": -1 })
            .limit(page.fetch_limit())
            .build();
        let docs: Vec<BlockDoc> = self
            .blocks
            .find(filter)
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        Ok(page.finish(
            docs.into_iter()
                .map(|d| (d.cursor, UserId(d.blocked)))
                .collect(),
        ))
    }
}
