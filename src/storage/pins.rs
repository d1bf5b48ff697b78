//! The `pins` collection: a chat's pinned messages, one document per pin.
//!
//! Kept apart from the chat document (read on every member action) and from
//! the message (a pin is the chat's, not the message's). A unique index on
//! (`chatId`, `messageId`) makes pinning twice one pin; the listing reads
//! (`chatId`, `pinnedAt`) newest first, bounded by [`MAX_PINS`].

use bson::oid::ObjectId;
use bson::{Document, doc};
use futures_util::TryStreamExt;
use mongodb::options::IndexOptions;
use mongodb::{Collection, IndexModel};

use super::{duplicate_key_message, to_chrono};
use crate::domain::{ChatId, MessageId, UserId};
use crate::error::{AppError, AppResult};

/// The most messages a chat may have pinned at once.
pub const MAX_PINS: usize = 50;

/// A pinned message of a chat.
#[derive(Clone, Debug)]
pub struct Pin {
    pub message: MessageId,
    pub pinned_by: UserId,
    pub pinned_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone)]
pub struct PinStore {
    pins: Collection<Document>,
}

impl PinStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            pins: db.collection("pins"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        self.pins
            .create_indexes([
                IndexModel::builder()
                    .keys(doc! { "chatId": 1, "messageId": 1 })
                    .options(IndexOptions::builder().unique(true).build())
                    .build(),
                IndexModel::builder()
                    .keys(doc! { "chatId": 1, "pinnedAt": -1 })
                    .build(),
            ])
            .await?;
        Ok(())
    }

    /// Pins `message` in `chat`; false when it was pinned already.
    pub async fn pin(&self, chat: ChatId, message: MessageId, by: UserId) -> AppResult<bool> {
        let pin = doc! {
            "_id": ObjectId::new(),
            "chatId": chat.oid(),
            "messageId": message.oid(),
            "pinnedBy": by.oid(),
            "pinnedAt": bson::DateTime::now(),
        };
        match self.pins.insert_one(pin).await {
            Ok(_) => Ok(true),
            Err(e) if duplicate_key_message(&e).is_some() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Unpins `message`; false when it was not pinned.
    pub async fn unpin(&self, chat: ChatId, message: MessageId) -> AppResult<bool> {
        let done = self
            .pins
            .delete_one(doc! { "chatId": chat.oid(), "messageId": message.oid() })
            .await?;
        Ok(done.deleted_count > 0)
    }

    /// How many messages `chat` has pinned (at most a little over
    /// [`MAX_PINS`]: the count is read before a pin is added).
    pub async fn count(&self, chat: ChatId) -> AppResult<u64> {
        Ok(self
            .pins
            .count_documents(doc! { "chatId": chat.oid() })
            .await?)
    }

    /// `chat`'s pins, newest first, at most [`MAX_PINS`].
    pub async fn list(&self, chat: ChatId) -> AppResult<Vec<Pin>> {
        let docs: Vec<Document> = self
            .pins
            .find(doc! { "chatId": chat.oid() })
            .sort(doc! { "pinnedAt": -1, "_id": -1 })
            .limit(MAX_PINS as i64)
            .await?
            .try_collect()
            .await?;
        docs.iter()
            .map(|d| {
                let oid = |f: &str| d.get_object_id(f).map_err(AppError::internal);
                Ok(Pin {
                    message: MessageId(oid("messageId")?),
                    pinned_by: UserId(oid("pinnedBy")?),
                    pinned_at: to_chrono(*d.get_datetime("pinnedAt").map_err(AppError::internal)?),
                })
            })
            .collect()
    }

    /// Removes a chat's pins (when the chat is deleted).
    pub async fn delete_chat(&self, chat: ChatId) -> AppResult<()> {
        self.pins.delete_many(doc! { "chatId": chat.oid() }).await?;
        Ok(())
    }
}
