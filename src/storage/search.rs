//! Message search without text indexes: each message stores its *terms*
//! (distinct folded words, see `domain::search_terms`) in `terms`, under a
//! multikey index on (`chatId`, `terms`, `_id`).
//!
//! A search names the caller's chats (`chatId $in`), each whole query word
//! as an exact term and the last one as a prefix (an `$elemMatch` range
//! `[prefix, prefix + U+10FFFF)`, which both servers turn into index bounds;
//! the local server does not do so for an anchored `$regex`, which was 13
//! times slower there), newest first by `_id`. So it reads index entries of the matching
//! terms in the caller's chats only, never every message of those chats
//! and never another chat's. On MongoDB an exact term over up to 200 chats
//! is read as one merge of per-chat ranges already in `_id` order (the
//! planner's "explode for sort"), stopping at the page's end; a prefix
//! alone (a one-word query) is a range, whose matches in the caller's chats
//! are sorted in memory: its cost grows with how common the prefix is in
//! those chats, which a longer prefix cuts down.
//!
//! Terms are written with the message, replaced on edit and cleared on a
//! delete for everyone; [`SearchStore::backfill`] gives terms to messages
//! stored before this existed, once.

use bson::oid::ObjectId;
use bson::{Document, doc};
use futures_util::TryStreamExt;
use mongodb::options::Hint;
use mongodb::{Collection, IndexModel};

use crate::domain::search_terms::{SearchQuery, terms};
use crate::domain::{ChatId, MessageId, MessageKind, UserId};
use crate::error::{AppError, AppResult};

/// The index searches read; named so a query can insist on it.
const INDEX: &str = "message_search";
/// The record that the backfill has run to the end.
const BACKFILL_DONE: &str = "message_terms_v1";

/// The terms stored for a message: none for system messages (their text is
/// the server's, not what people wrote) and tombstones.
pub(super) fn terms_of(kind: MessageKind, is_deleted: bool, text: Option<&str>) -> Vec<String> {
    match (kind, is_deleted, text) {
        (MessageKind::System, _, _) | (_, true, _) | (_, _, None) => Vec::new(),
        (_, false, Some(text)) => terms(text),
    }
}

#[derive(Clone)]
pub struct SearchStore {
    messages: Collection<Document>,
    migrations: Collection<Document>,
}

impl SearchStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            messages: db.collection("messages"),
            migrations: db.collection("migrations"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        let options = mongodb::options::IndexOptions::builder()
            .name(INDEX.to_owned())
            .build();
        self.messages
            .create_index(
                IndexModel::builder()
                    .keys(doc! { "chatId": 1, "terms": 1, "_id": -1 })
                    .options(options)
                    .build(),
            )
            .await?;
        Ok(())
    }

    /// The ids of the messages of `chats` matching `query` that `viewer`
    /// can see (not deleted for everyone, nor for them), newest first,
    /// older than `after`; and whether more exist.
    pub async fn search(
        &self,
        chats: &[ChatId],
        viewer: UserId,
        query: &SearchQuery,
        after: Option<MessageId>,
        limit: usize,
    ) -> AppResult<(Vec<MessageId>, bool)> {
        if chats.is_empty() || limit == 0 {
            return Ok((Vec::new(), false));
        }
        let chats: Vec<ObjectId> = chats.iter().map(ChatId::oid).collect();
        let mut conditions: Vec<Document> = query
            .exact
            .iter()
            .map(|term| doc! { "terms": term })
            .collect();
        // Every string that starts with the prefix sorts in this range
        // (terms are compared as UTF-8 bytes, and U+10FFFF is the highest
        // character).
        let upper = format!("{}\u{10FFFF}", query.prefix);
        conditions
            .push(doc! { "terms": { "$elemMatch": { "$gte": &query.prefix, "$lt": upper } } });
        let mut filter = doc! {
            "chatId": { "$in": chats },
            "$and": conditions,
            "isDeleted": false,
            "deletedFor": { "$ne": viewer.oid() },
        };
        if let Some(after) = after {
            filter.insert("_id", doc! { "$lt": after.oid() });
        }
        let found: Vec<Document> = self
            .messages
            .find(filter)
            .projection(doc! { "_id": 1 })
            .sort(doc! { "_id": -1 })
            .limit(limit as i64 + 1)
            .hint(Hint::Name(INDEX.to_owned()))
            .await?
            .try_collect()
            .await?;
        let mut ids: Vec<MessageId> = found
            .iter()
            .filter_map(|d| d.get_object_id("_id").ok())
            .map(MessageId)
            .collect();
        let more = ids.len() > limit;
        ids.truncate(limit);
        Ok((ids, more))
    }

    /// Gives terms to the messages stored before messages had them. Runs
    /// at every start until it has finished once (then it costs one read
    /// of its record); safe to stop halfway and to run from several
    /// instances at once (each computes the same terms).
    pub(super) async fn backfill(&self) -> AppResult<u64> {
        if self
            .migrations
            .find_one(doc! { "_id": BACKFILL_DONE })
            .await?
            .is_some()
        {
            return Ok(0);
        }
        let mut cursor = self
            .messages
            .find(doc! { "terms": null })
            .projection(doc! { "kind": 1, "isDeleted": 1, "text": 1 })
            .await?;
        let mut done = 0;
        while let Some(message) = cursor.try_next().await? {
            let Ok(id) = message.get_object_id("_id") else {
                continue;
            };
            let kind: MessageKind = message
                .get("kind")
                .and_then(|k| bson::from_bson(k.clone()).ok())
                .unwrap_or(MessageKind::System);
            let deleted = message.get_bool("isDeleted").unwrap_or(false);
            let terms = terms_of(kind, deleted, message.get_str("text").ok());
            self.messages
                .update_one(doc! { "_id": id }, doc! { "$set": { "terms": terms } })
                .await?;
            done += 1;
        }
        self.migrations
            .update_one(
                doc! { "_id": BACKFILL_DONE },
                doc! { "$set": { "at": bson::DateTime::now() } },
            )
            .upsert(true)
            .await
            .map_err(AppError::from)?;
        Ok(done)
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn terms_of__leaves_out_system_messages_and_tombstones() {
        assert_eq!(
            terms_of(MessageKind::Text, false, Some("Hi there")),
            ["hi", "there"]
        );
        assert!(terms_of(MessageKind::System, false, Some("ada joined")).is_empty());
        assert!(terms_of(MessageKind::Text, true, None).is_empty());
        assert_eq!(
            terms_of(MessageKind::Image, false, Some("Beach")),
            ["beach"]
        );
    }
}
