//! Data migrations: moving data stored by earlier versions into the shape
//! this version reads.
//!
//! They run at every start, after the indexes exist ([`Database::migrate`]),
//! and there is no record of which have run: each one looks for data still
//! in the old shape, so once everything has moved it costs one query that
//! finds nothing. Every migration must therefore be safe to run again, to
//! stop halfway (a crash, a timeout) and carry on at the next start, and to
//! run from several instances starting at the same moment.
//!
//! [`Database::migrate`]: super::Database::migrate

use bson::{Document, doc};
use futures_util::TryStreamExt;
use mongodb::Collection;

use crate::error::AppResult;

/// Moves each chat's sequence counter and last message, which versions
/// before `chat_heads` kept on the chat document itself, into the chat's
/// head (see [`super::chat_heads`] for why they moved), and removes them
/// from the chat.
///
/// Safe to repeat and to race: `$max` never moves a head's counter back
/// (a head that went on counting after a first pass keeps its higher
/// number), the last message is only set when this creates the head, and
/// the chat's fields are unset only after its head holds them, so a pass
/// stopped in between finds the chat again next time.
pub(super) async fn chat_counters_to_heads(
    chats: &Collection<Document>,
    heads: &Collection<Document>,
) -> AppResult<()> {
    let legacy = doc! { "seq": { "$exists": true } };
    let mut cursor = chats
        .find(legacy.clone())
        .projection(doc! { "seq": 1, "lastMessageId": 1 })
        .await?;
    while let Some(chat) = cursor.try_next().await? {
        let (Ok(id), Ok(seq)) = (chat.get_object_id("_id"), chat.get_i64("seq")) else {
            continue;
        };
        let mut update = doc! { "$max": { "seq": seq } };
        if let Ok(last) = chat.get_object_id("lastMessageId") {
            update.insert("$setOnInsert", doc! { "lastMessageId": last });
        }
        heads
            .update_one(doc! { "_id": id }, update)
            .upsert(true)
            .await?;
        chats
            .update_one(
                doc! { "_id": id },
                doc! { "$unset": { "seq": "", "lastMessageId": "" } },
            )
            .await?;
    }
    Ok(())
}
