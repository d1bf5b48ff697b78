//! The `chat_heads` collection: the head of each chat's timeline (its
//! sequence counter and last message), one small document per chat.
//!
//! Every message, edit, reaction and receipt takes the chat's next number,
//! so this is the hottest write there is. It is kept off the chat document
//! on purpose: a chat carries its member list, and the member list is a key
//! of the chats index, so updating a group of 1,000 rewrites a large
//! document and touches 1,000 index entries. Here the same update rewrites
//! a few dozen bytes. A head is created by the chat's first event; a chat
//! without one has had none (`seq` 0).

use std::collections::HashMap;

use bson::oid::ObjectId;
use bson::{Document, doc};
use futures_util::TryStreamExt;
use mongodb::Collection;
use mongodb::options::ReturnDocument;

use crate::domain::{ChatHead, ChatId, MessageId};
use crate::error::{AppError, AppResult};

#[derive(Clone)]
pub struct ChatHeadStore {
    heads: Collection<Document>,
}

impl ChatHeadStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            heads: db.collection("chat_heads"),
        }
    }

    /// Takes the chat's next sequence number. With `message`, that message
    /// becomes the chat's last one.
    pub async fn next_seq(&self, id: ChatId, message: Option<MessageId>) -> AppResult<i64> {
        // When the number was taken: a number never written is known to be
        // abandoned once it is old enough (see `Timeline::settle_holes`).
        let mut set = doc! { "seqTakenAt": bson::DateTime::now() };
        if let Some(message) = message {
            set.insert("lastMessageId", message.oid());
        }
        let update = doc! { "$inc": { "seq": 1_i64 }, "$set": set };
        let head = super::upsert_returning(|| {
            self.heads
                .find_one_and_update(doc! { "_id": id.oid() }, update.clone())
                .upsert(true)
                .projection(doc! { "seq": 1 })
                .return_document(ReturnDocument::After)
                .into_future()
        })
        .await?;
        head.get_i64("seq").map_err(AppError::internal)
    }

    pub async fn find(&self, id: ChatId) -> AppResult<ChatHead> {
        let head = self.heads.find_one(doc! { "_id": id.oid() }).await?;
        Ok(head.as_ref().map(to_head).unwrap_or_default())
    }

    /// The heads of `ids` (chats without events are left out).
    pub async fn find_many(&self, ids: &[ChatId]) -> AppResult<HashMap<ChatId, ChatHead>> {
        let oids: Vec<ObjectId> = ids.iter().map(ChatId::oid).collect();
        let docs: Vec<Document> = self
            .heads
            .find(doc! { "_id": { "$in": oids } })
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .iter()
            .filter_map(|d| Some((ChatId(d.get_object_id("_id").ok()?), to_head(d))))
            .collect())
    }

    /// Points the chat's last message at `real` if it still names `phantom`
    /// (a message whose insert lost a duplicate race).
    pub async fn replace_last_message(
        &self,
        id: ChatId,
        phantom: MessageId,
        real: MessageId,
    ) -> AppResult<()> {
        self.heads
            .update_one(
                doc! { "_id": id.oid(), "lastMessageId": phantom.oid() },
                doc! { "$set": { "lastMessageId": real.oid() } },
            )
            .await?;
        Ok(())
    }

    pub async fn delete(&self, id: ChatId) -> AppResult<()> {
        self.heads.delete_one(doc! { "_id": id.oid() }).await?;
        Ok(())
    }

    /// The collection untyped (for moving data into it, see
    /// [`super::migrations`]).
    pub(super) fn documents(&self) -> Collection<Document> {
        self.heads.clone()
    }
}

fn to_head(doc: &Document) -> ChatHead {
    ChatHead {
        seq: doc.get_i64("seq").unwrap_or(0),
        last_message: doc.get_object_id("lastMessageId").ok().map(MessageId),
        seq_taken_at: doc.get_datetime("seqTakenAt").ok().map(|at| at.to_chrono()),
    }
}
