//! The `thread_follows` collection: one document per user and thread root
//! they follow or have read: whether they follow it, how far they have
//! read it (a chat sequence number, like chat read receipts) and, copied
//! from the thread's summary, its last reply time, so a user's followed
//! threads page newest reply first straight from an index.
//!
//! A reply copies its time to the thread's follow documents with one
//! `update_many` (`$max`, so order does not matter), keyed by the root.

use bson::oid::ObjectId;
use bson::{Document, doc};
use futures_util::TryStreamExt;
use mongodb::options::IndexOptions;
use mongodb::{Collection, IndexModel};

use super::to_chrono;
use crate::domain::{ChatId, MessageId, UserId};
use crate::error::AppResult;

/// A followed thread as its follower sees it.
#[derive(Clone, Debug)]
pub struct Followed {
    pub root: MessageId,
    pub chat: ChatId,
    pub last_reply_at: chrono::DateTime<chrono::Utc>,
    /// Replies up to this chat sequence number are read.
    pub read_seq: i64,
}

#[derive(Clone)]
pub struct ThreadFollowStore {
    follows: Collection<Document>,
}

impl ThreadFollowStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            follows: db.collection("thread_follows"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        self.follows
            .create_indexes([
                IndexModel::builder()
                    .keys(doc! { "userId": 1, "rootId": 1 })
                    .options(IndexOptions::builder().unique(true).build())
                    .build(),
                // A user's followed threads, newest reply first.
                IndexModel::builder()
                    .keys(doc! { "userId": 1, "following": 1, "lastReplyAt": -1, "rootId": -1 })
                    .build(),
                IndexModel::builder().keys(doc! { "rootId": 1 }).build(),
            ])
            .await?;
        Ok(())
    }

    /// Sets whether `user` follows `root`. `force`: set it even if the user
    /// chose before (a follow, an unfollow, a reply); otherwise only when
    /// the user never had a say (the root's author on the first reply).
    /// The read position moves forward to `read_seq` (never back).
    #[allow(clippy::too_many_arguments)]
    pub async fn set_following(
        &self,
        user: UserId,
        chat: ChatId,
        root: MessageId,
        following: bool,
        force: bool,
        read_seq: i64,
        last_reply_at: chrono::DateTime<chrono::Utc>,
    ) -> AppResult<()> {
        let mut on_insert = doc! { "chatId": chat.oid() };
        let mut update = doc! {
            "$max": { "readSeq": read_seq, "lastReplyAt": bson::DateTime::from_chrono(last_reply_at) },
        };
        if force {
            update.insert("$set", doc! { "following": following });
        } else {
            on_insert.insert("following", following);
        }
        update.insert("$setOnInsert", on_insert);
        self.upsert(user, root, update).await
    }

    /// Moves `user`'s read position in `root`'s thread forward to `seq`.
    pub async fn mark_read(
        &self,
        user: UserId,
        chat: ChatId,
        root: MessageId,
        seq: i64,
        last_reply_at: chrono::DateTime<chrono::Utc>,
    ) -> AppResult<()> {
        let update = doc! {
            "$max": { "readSeq": seq, "lastReplyAt": bson::DateTime::from_chrono(last_reply_at) },
            "$setOnInsert": { "chatId": chat.oid(), "following": false },
        };
        self.upsert(user, root, update).await
    }

    async fn upsert(&self, user: UserId, root: MessageId, update: Document) -> AppResult<()> {
        let filter = doc! { "userId": user.oid(), "rootId": root.oid() };
        super::upsert_racing(|| {
            self.follows
                .update_one(filter.clone(), update.clone())
                .upsert(true)
                .into_future()
        })
        .await?;
        Ok(())
    }

    /// Up to `limit` users following `root`.
    pub async fn followers(&self, root: MessageId, limit: i64) -> AppResult<Vec<UserId>> {
        let docs: Vec<Document> = self
            .follows
            .clone_with_type::<Document>()
            .find(doc! { "rootId": root.oid(), "following": true })
            .projection(doc! { "_id": 0, "userId": 1 })
            .limit(limit)
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .iter()
            .filter_map(|d| d.get_object_id("userId").ok().map(UserId))
            .collect())
    }

    /// Copies a new reply's time to every follow document of `root`.
    pub async fn reply_at(
        &self,
        root: MessageId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> AppResult<()> {
        self.follows
            .update_many(
                doc! { "rootId": root.oid() },
                doc! { "$max": { "lastReplyAt": bson::DateTime::from_chrono(at) } },
            )
            .await?;
        Ok(())
    }

    /// `user`'s state in `root`'s thread, if any.
    pub async fn find(&self, user: UserId, root: MessageId) -> AppResult<Option<(bool, Followed)>> {
        let found = self
            .follows
            .find_one(doc! { "userId": user.oid(), "rootId": root.oid() })
            .await?;
        Ok(found
            .as_ref()
            .and_then(|d| Some((d.get_bool("following").ok()?, to_followed(d)?))))
    }

    /// A page of the threads `user` follows in `chats`, newest reply first,
    /// after the position `after` (last reply time, root); `limit + 1` are
    /// read to tell whether more exist.
    pub async fn page(
        &self,
        user: UserId,
        chats: &[ChatId],
        after: Option<(chrono::DateTime<chrono::Utc>, MessageId)>,
        limit: usize,
    ) -> AppResult<(Vec<Followed>, bool)> {
        let chat_ids: Vec<ObjectId> = chats.iter().map(ChatId::oid).collect();
        let mut filter = doc! {
            "userId": user.oid(),
            "following": true,
            "chatId": { "$in": chat_ids },
        };
        if let Some((at, root)) = after {
            let at = bson::DateTime::from_chrono(at);
            filter.insert(
                "$or",
                vec![
                    doc! { "lastReplyAt": { "$lt": at } },
                    doc! { "lastReplyAt": at, "rootId": { "$lt": root.oid() } },
                ],
            );
        }
        let docs: Vec<Document> = self
            .follows
            .find(filter)
            .sort(doc! { "lastReplyAt": -1, "rootId": -1 })
            .limit(limit as i64 + 1)
            .await?
            .try_collect()
            .await?;
        let mut items: Vec<Followed> = docs.iter().filter_map(to_followed).collect();
        let more = items.len() > limit;
        items.truncate(limit);
        Ok((items, more))
    }

    /// Removes the follow documents of a chat's threads (chat deleted).
    /// Removes every thread `user` follows or has read (their account is
    /// being deleted).
    pub async fn delete_user(&self, user: UserId) -> AppResult<()> {
        self.follows
            .delete_many(doc! { "userId": user.oid() })
            .await?;
        Ok(())
    }

    pub async fn delete_chat(&self, chat: ChatId) -> AppResult<()> {
        self.follows
            .delete_many(doc! { "chatId": chat.oid() })
            .await?;
        Ok(())
    }
}

fn to_followed(d: &Document) -> Option<Followed> {
    Some(Followed {
        root: MessageId(d.get_object_id("rootId").ok()?),
        chat: ChatId(d.get_object_id("chatId").ok()?),
        last_reply_at: to_chrono(*d.get_datetime("lastReplyAt").ok()?),
        read_seq: d.get_i64("readSeq").unwrap_or(0),
    })
}
