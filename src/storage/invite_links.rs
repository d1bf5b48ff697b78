//! The `invite_links` collection: links that let anyone holding their code
//! join a group. Only a hash of the code is stored (`codeHash`, unique and
//! never changed after insert), so reading the database does not give
//! anyone a way in. Uses are counted down in `usesLeft` by one atomic
//! update, so a link of N uses admits N people whatever the concurrency.

use bson::oid::ObjectId;
use bson::{Bson, Document, doc};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::options::IndexOptions;
use mongodb::{Collection, IndexModel};

use super::to_chrono;
use crate::domain::{ChatId, InviteLink, InviteLinkId, UserId};
use crate::error::{AppError, AppResult};

#[derive(Clone)]
pub struct InviteLinkStore {
    links: Collection<Document>,
}

/// A new link's fields.
pub struct NewInviteLink {
    pub chat: ChatId,
    pub code_hash: String,
    pub created_by: UserId,
    pub expires_at: Option<DateTime<Utc>>,
    pub max_uses: Option<u32>,
}

fn link_of(doc: &Document) -> AppResult<InviteLink> {
    let oid = |f: &str| doc.get_object_id(f).map_err(AppError::internal);
    let time = |f: &str| doc.get_datetime(f).ok().copied().map(to_chrono);
    let count = |f: &str| match doc.get(f) {
        Some(Bson::Int32(n)) => u32::try_from(*n).ok(),
        Some(Bson::Int64(n)) => u32::try_from(*n).ok(),
        _ => None,
    };
    Ok(InviteLink {
        id: InviteLinkId(oid("_id")?),
        chat: ChatId(oid("chat")?),
        created_by: UserId(oid("createdBy")?),
        created_at: time("createdAt").unwrap_or_default(),
        expires_at: time("expiresAt"),
        max_uses: count("maxUses"),
        uses: count("uses").unwrap_or(0),
        revoked: doc.get_bool("revoked").unwrap_or(false),
    })
}

impl InviteLinkStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            links: db.collection("invite_links"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        self.links
            .create_indexes([
                IndexModel::builder()
                    .keys(doc! { "codeHash": 1 })
                    .options(IndexOptions::builder().unique(true).build())
                    .build(),
                IndexModel::builder()
                    .keys(doc! { "chat": 1, "_id": 1 })
                    .build(),
            ])
            .await?;
        Ok(())
    }

    pub async fn insert(&self, new: NewInviteLink) -> AppResult<InviteLink> {
        let max_uses = new.max_uses.map(i64::from);
        let doc = doc! {
            "_id": ObjectId::new(),
            "chat": new.chat.oid(),
            "codeHash": new.code_hash,
            "createdBy": new.created_by.oid(),
            "createdAt": bson::DateTime::now(),
            "expiresAt": new.expires_at.map(bson::DateTime::from_chrono),
            "maxUses": max_uses,
            // Counted down by `take_use`; only for links with a limit.
            "usesLeft": max_uses.unwrap_or(0),
            "uses": 0_i64,
            "revoked": false,
        };
        self.links.insert_one(&doc).await?;
        link_of(&doc)
    }

    pub async fn by_hash(&self, code_hash: &str) -> AppResult<Option<InviteLink>> {
        let doc = self.links.find_one(doc! { "codeHash": code_hash }).await?;
        doc.as_ref().map(link_of).transpose()
    }

    pub async fn find(&self, id: InviteLinkId) -> AppResult<Option<InviteLink>> {
        let doc = self.links.find_one(doc! { "_id": id.oid() }).await?;
        doc.as_ref().map(link_of).transpose()
    }

    /// Uses `link` once if it is not revoked and has uses left; false when
    /// it had none (the count is checked inside the update).
    pub async fn take_use(&self, link: &InviteLink) -> AppResult<bool> {
        let (filter, update) = match link.max_uses {
            None => (
                doc! { "_id": link.id.oid(), "revoked": false },
                doc! { "$inc": { "uses": 1 } },
            ),
            Some(_) => (
                doc! { "_id": link.id.oid(), "revoked": false, "usesLeft": { "$gt": 0 } },
                doc! { "$inc": { "uses": 1, "usesLeft": -1 } },
            ),
        };
        let done = self.links.update_one(filter, update).await?;
        Ok(done.modified_count > 0)
    }

    pub async fn revoke(&self, id: InviteLinkId) -> AppResult<Option<InviteLink>> {
        let doc = self
            .links
            .find_one_and_update(
                doc! { "_id": id.oid() },
                doc! { "$set": { "revoked": true } },
            )
            .return_document(mongodb::options::ReturnDocument::After)
            .await?;
        doc.as_ref().map(link_of).transpose()
    }

    /// A page of `chat`'s links, oldest first, after the link `after`.
    pub async fn page(
        &self,
        chat: ChatId,
        after: Option<InviteLinkId>,
        limit: usize,
    ) -> AppResult<(Vec<InviteLink>, bool)> {
        let mut filter = doc! { "chat": chat.oid() };
        if let Some(after) = after {
            filter.insert("_id", doc! { "$gt": after.oid() });
        }
        let docs: Vec<Document> = self
            .links
            .find(filter)
            .sort(doc! { "_id": 1 })
            .limit(limit as i64 + 1)
            .await?
            .try_collect()
            .await?;
        let has_next = docs.len() > limit;
        let links = docs
            .iter()
            .take(limit)
            .map(link_of)
            .collect::<AppResult<_>>()?;
        Ok((links, has_next))
    }
}
