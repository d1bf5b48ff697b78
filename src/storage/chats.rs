//! The `chats` collection: direct and group chats with their members.

use bson::doc;
use bson::oid::ObjectId;
use futures_util::TryStreamExt;
use mongodb::{Collection, IndexModel};
use serde::{Deserialize, Serialize};

use crate::domain::UserId;
use crate::error::AppResult;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MembersDoc {
    participants: Vec<ObjectId>,
}

#[derive(Clone)]
pub struct ChatStore {
    chats: Collection<bson::Document>,
}

impl ChatStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            chats: db.collection("chats"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        self.chats
            .create_indexes([IndexModel::builder()
                .keys(doc! { "participants": 1, "lastActivity": -1 })
                .build()])
            .await?;
        Ok(())
    }

    /// Everyone who shares at least one chat with `user` (including `user`).
    pub async fn co_member_ids(&self, user: UserId) -> AppResult<Vec<UserId>> {
        let docs: Vec<MembersDoc> = self
            .chats
            .clone_with_type::<MembersDoc>()
            .find(doc! { "participants": user.oid() })
            .projection(doc! { "participants": 1, "_id": 0 })
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .into_iter()
            .flat_map(|d| d.participants)
            .map(UserId)
            .collect())
    }

    /// True when `a` and `b` are both members of some chat.
    pub async fn share_a_chat(&self, a: UserId, b: UserId) -> AppResult<bool> {
        Ok(self
            .chats
            .find_one(doc! { "participants": { "$all": [a.oid(), b.oid()] } })
            .projection(doc! { "_id": 1 })
            .await?
            .is_some())
    }
}
