//! The `threads` collection: one small summary document per thread root
//! (`_id` is the root message's id): its reply count, last reply time and
//! sequence number, and its first few repliers.
//!
//! Kept apart from the root message on purpose, as `chat_heads` keep a
//! chat's counter apart from the chat: a reply changes the summary with an
//! atomic `$inc`/`$max` (and, for a new replier, a bounded `$push`), never
//! by rewriting the root message, which carries its reactions and search
//! terms and is read by every page. The replies themselves are ordinary
//! messages with `threadRootId`, listed through the (`chatId`,
//! `threadRootId`, `seq`) index of `messages`.

use std::collections::HashMap;

use bson::oid::ObjectId;
use bson::{Document, doc};
use futures_util::TryStreamExt;
use mongodb::{Collection, IndexModel};

use super::to_chrono;
use crate::domain::{ChatId, MessageId, UserId};
use crate::error::AppResult;

/// How many repliers a thread summary keeps (the first ones).
pub const MAX_THREAD_PARTICIPANTS: usize = 5;

/// Which messages of a chat a history page lists.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    /// Every message, thread replies included.
    All,
    /// The main list: no thread replies.
    MainOnly,
    /// One thread's replies (without its root).
    Thread(MessageId),
}

impl Scope {
    /// Adds this scope's condition to a `messages` filter.
    pub(super) fn narrow(self, filter: &mut Document) {
        match self {
            Scope::All => {}
            // Matches a missing field too (messages stored before threads).
            Scope::MainOnly => {
                filter.insert("threadRootId", bson::Bson::Null);
            }
            Scope::Thread(root) => {
                filter.insert("threadRootId", root.oid());
            }
        }
    }
}

/// A thread's summary, as shown on its root.
#[derive(Clone, Debug, Default)]
pub struct ThreadSummary {
    pub reply_count: i64,
    pub last_reply_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The chat sequence number of the last reply.
    pub last_reply_seq: i64,
    /// The first [`MAX_THREAD_PARTICIPANTS`] repliers, first come first.
    pub participants: Vec<UserId>,
}

#[derive(Clone)]
pub struct ThreadStore {
    threads: Collection<Document>,
    messages: Collection<Document>,
}

impl ThreadStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            threads: db.collection("threads"),
            messages: db.collection("messages"),
        }
    }

    /// `viewer`'s unread replies in `root`'s thread: others' replies after
    /// the sequence number `read_seq`, not deleted (for everyone or for
    /// the viewer). Counted on the (`chatId`, `threadRootId`, `seq`) index.
    pub async fn unread(
        &self,
        chat: ChatId,
        root: MessageId,
        viewer: UserId,
        read_seq: i64,
    ) -> AppResult<u64> {
        Ok(self
            .messages
            .count_documents(doc! {
                "chatId": chat.oid(),
                "threadRootId": root.oid(),
                "seq": { "$gt": read_seq },
                "senderId": { "$ne": viewer.oid() },
                "isDeleted": false,
                "deletedFor": { "$ne": viewer.oid() },
            })
            .await?)
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        self.threads
            .create_index(IndexModel::builder().keys(doc! { "chatId": 1 }).build())
            .await?;
        Ok(())
    }

    /// Counts a new reply by `sender` in the thread of `root`.
    ///
    /// Two atomic updates of the small summary: the counters (upserting the
    /// summary on the first reply), then `sender` appended to the
    /// participants unless already there, `$slice` keeping the first few.
    /// Concurrent replies never lose a count.
    pub async fn add_reply(
        &self,
        chat: ChatId,
        root: MessageId,
        sender: UserId,
        seq: i64,
        at: chrono::DateTime<chrono::Utc>,
    ) -> AppResult<()> {
        super::upsert_racing(|| {
            self.threads
                .update_one(
                    doc! { "_id": root.oid() },
                    doc! {
                        "$inc": { "replyCount": 1_i64 },
                        "$max": { "lastReplyAt": bson::DateTime::from_chrono(at), "lastReplySeq": seq },
                        "$setOnInsert": { "chatId": chat.oid() },
                    },
                )
                .upsert(true)
                .into_future()
        })
        .await?;
        self.threads
            .update_one(
                doc! { "_id": root.oid(), "participants": { "$ne": sender.oid() } },
                doc! { "$push": { "participants": {
                    "$each": [sender.oid()],
                    "$slice": MAX_THREAD_PARTICIPANTS as i64,
                } } },
            )
            .await?;
        Ok(())
    }

    /// The summaries of the threads of `roots` (roots without replies are
    /// left out). One query, for a DataLoader.
    pub async fn find_many(
        &self,
        roots: &[MessageId],
    ) -> AppResult<HashMap<MessageId, ThreadSummary>> {
        let oids: Vec<ObjectId> = roots.iter().map(MessageId::oid).collect();
        let docs: Vec<Document> = self
            .threads
            .find(doc! { "_id": { "$in": oids } })
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .iter()
            .filter_map(|d| Some((MessageId(d.get_object_id("_id").ok()?), to_summary(d))))
            .collect())
    }

    /// Removes a chat's thread summaries (when the chat is deleted).
    pub async fn delete_chat(&self, chat: ChatId) -> AppResult<()> {
        self.threads
            .delete_many(doc! { "chatId": chat.oid() })
            .await?;
        Ok(())
    }
}

fn to_summary(d: &Document) -> ThreadSummary {
    ThreadSummary {
        reply_count: d.get_i64("replyCount").unwrap_or(0),
        last_reply_at: d.get_datetime("lastReplyAt").ok().map(|at| to_chrono(*at)),
        last_reply_seq: d.get_i64("lastReplySeq").unwrap_or(0),
        participants: d
            .get_array("participants")
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_object_id().map(UserId))
                    .collect()
            })
            .unwrap_or_default(),
    }
}
