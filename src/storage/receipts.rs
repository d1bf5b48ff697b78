//! Read and delivered receipts as one pointer pair per (chat, member):
//! "read up to sequence N". A chat with 100,000 messages and 1,000 members
//! keeps 1,000 small documents, not a list per message; who has read a
//! message is derived (members whose pointer is at or past its number).
//! Pointers only move forward (`$max`), so devices can report in any order.

use bson::doc;
use bson::oid::ObjectId;
use futures_util::TryStreamExt;
use mongodb::options::ReturnDocument;
use mongodb::{Collection, IndexModel};
use serde::{Deserialize, Serialize};

use crate::domain::{ChatId, UserId};
use crate::error::AppResult;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReceiptDoc {
    /// `"<chat>:<user>"`.
    #[serde(rename = "_id")]
    id: String,
    chat_id: ObjectId,
    user_id: ObjectId,
    #[serde(default)]
    read_seq: i64,
    #[serde(default)]
    delivered_seq: i64,
}

/// One member's position in a chat.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Receipt {
    pub user: UserId,
    pub read: i64,
    pub delivered: i64,
}

/// Which pointer to move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceiptKind {
    /// Reading implies delivery, so it moves both.
    Read,
    Delivered,
}

fn key(chat: ChatId, user: UserId) -> String {
    format!("{chat}:{user}")
}

#[derive(Clone)]
pub struct ReceiptStore {
    receipts: Collection<ReceiptDoc>,
}

impl ReceiptStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            receipts: db.collection("chat_receipts"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        self.receipts
            .create_indexes([
                IndexModel::builder().keys(doc! { "chatId": 1 }).build(),
                IndexModel::builder().keys(doc! { "userId": 1 }).build(),
            ])
            .await?;
        Ok(())
    }

    /// Moves the pointer forward to `up_to`; true when it moved.
    pub async fn advance(
        &self,
        chat: ChatId,
        user: UserId,
        kind: ReceiptKind,
        up_to: i64,
    ) -> AppResult<bool> {
        let max = match kind {
            ReceiptKind::Read => doc! { "readSeq": up_to, "deliveredSeq": up_to },
            ReceiptKind::Delivered => doc! { "deliveredSeq": up_to },
        };
        let before = super::upsert_racing(|| {
            self.receipts
                .find_one_and_update(
                    doc! { "_id": key(chat, user) },
                    doc! { "$max": max.clone(), "$setOnInsert": { "chatId": chat.oid(), "userId": user.oid() } },
                )
                .upsert(true)
                .return_document(ReturnDocument::Before)
                .into_future()
        })
        .await?;
        let previous = before.map(|d| match kind {
            ReceiptKind::Read => d.read_seq,
            ReceiptKind::Delivered => d.delivered_seq,
        });
        Ok(previous.is_none_or(|p| p < up_to))
    }

    /// Every member's pointers in one chat (absent members are at 0).
    pub async fn for_chat(&self, chat: ChatId) -> AppResult<Vec<Receipt>> {
        let docs: Vec<ReceiptDoc> = self
            .receipts
            .find(doc! { "chatId": chat.oid() })
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .into_iter()
            .map(|d| Receipt {
                user: UserId(d.user_id),
                read: d.read_seq,
                delivered: d.delivered_seq,
            })
            .collect())
    }

    /// `user`'s read position in each of `chats` (0 where none), one query.
    pub async fn read_positions(
        &self,
        user: UserId,
        chats: &[ChatId],
    ) -> AppResult<Vec<(ChatId, i64)>> {
        let keys: Vec<String> = chats.iter().map(|c| key(*c, user)).collect();
        let docs: Vec<ReceiptDoc> = self
            .receipts
            .find(doc! { "_id": { "$in": keys } })
            .await?
            .try_collect()
            .await?;
        Ok(chats
            .iter()
            .map(|chat| {
                let read = docs
                    .iter()
                    .find(|d| d.chat_id == chat.oid())
                    .map_or(0, |d| d.read_seq);
                (*chat, read)
            })
            .collect())
    }
}
