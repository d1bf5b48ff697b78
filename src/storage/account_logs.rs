//! The `account_logs` collection: each user's recent account events, with
//! the user's own sequence numbers (see `services::account_log`).
//!
//! One document per user: a counter (`seq`) and the last
//! [`KEPT_ENTRIES`] entries. An entry is appended and numbered by one
//! atomic update (`$inc` the counter, `$push` the entry with `$slice`), so
//! a number is never taken without its entry being written, and a reader
//! never sees number N+1 before N: the log has no holes to wait for, unlike
//! a chat's timeline. An entry's number is implied by its position (the
//! last one holds `seq`), so it need not be known before the update.

use bson::{Document, doc};
use serde::{Deserialize, Serialize};

use crate::domain::{ChatId, FriendRequestId, NotificationId, UserId};
use crate::error::{AppError, AppResult};
use crate::events::FriendEventKind;

/// Entries kept per user; a cursor older than these gets RESYNC.
pub const KEPT_ENTRIES: i32 = 500;

/// How a user's membership of a chat changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Membership {
    /// Added to a chat, or created it, or joined it.
    Joined,
    /// Left it or was removed.
    Left,
    /// The chat is gone.
    Deleted,
}

/// One account event, as stored: ids only (replays show things as they are
/// now).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "camelCase")]
pub enum AccountEntry {
    Chat {
        chat: ChatId,
        change: Membership,
        actor: UserId,
    },
    Friend {
        kind: FriendEventKind,
        request: Option<FriendRequestId>,
        counterpart: UserId,
    },
    Notification {
        id: NotificationId,
    },
}

/// The entries after a cursor.
#[derive(Debug, Default)]
pub struct Since {
    /// The user's last number (0: no entry yet).
    pub head: i64,
    /// `(seq, entry)`, oldest first.
    pub entries: Vec<(i64, AccountEntry)>,
}

#[derive(Clone)]
pub struct AccountLogStore {
    logs: mongodb::Collection<Document>,
}

impl AccountLogStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            logs: db.collection("account_logs"),
        }
    }

    /// Appends `entry` to `user`'s log; returns its number.
    pub async fn append(&self, user: UserId, entry: &AccountEntry) -> AppResult<i64> {
        let entry = bson::to_document(entry).map_err(AppError::internal)?;
        let update = doc! {
            "$inc": { "seq": 1_i64 },
            "$push": { "entries": { "$each": [entry], "$slice": -KEPT_ENTRIES } },
        };
        let head = super::upsert_returning(|| {
            self.logs
                .find_one_and_update(doc! { "_id": user.oid() }, update.clone())
                .upsert(true)
                .projection(doc! { "seq": 1 })
                .return_document(mongodb::options::ReturnDocument::After)
                .into_future()
        })
        .await?;
        head.get_i64("seq").map_err(AppError::internal)
    }

    /// `user`'s entries numbered after `after`; `None` when some of them
    /// are no longer kept.
    pub async fn since(&self, user: UserId, after: i64) -> AppResult<Option<Since>> {
        let Some(log) = self.logs.find_one(doc! { "_id": user.oid() }).await? else {
            return Ok((after == 0).then(Since::default));
        };
        let head = log.get_i64("seq").map_err(AppError::internal)?;
        let stored = log.get_array("entries").map_err(AppError::internal)?;
        let first = head - stored.len() as i64 + 1;
        if after + 1 < first || after > head {
            return Ok(None);
        }
        let mut entries = Vec::new();
        for (offset, raw) in stored.iter().enumerate() {
            let seq = first + offset as i64;
            if seq <= after {
                continue;
            }
            let Some(raw) = raw.as_document() else {
                continue;
            };
            // An entry of a kind this version does not know is skipped.
            if let Ok(entry) = bson::from_document::<AccountEntry>(raw.clone()) {
                entries.push((seq, entry));
            }
        }
        Ok(Some(Since { head, entries }))
    }

    /// `user`'s last number (0 before the first entry).
    pub async fn head(&self, user: UserId) -> AppResult<i64> {
        let log = self
            .logs
            .find_one(doc! { "_id": user.oid() })
            .projection(doc! { "seq": 1 })
            .await?;
        Ok(log.and_then(|l| l.get_i64("seq").ok()).unwrap_or(0))
    }

    /// Forgets `user`'s log (their account is deleted).
    pub async fn delete(&self, user: UserId) -> AppResult<()> {
        self.logs.delete_one(doc! { "_id": user.oid() }).await?;
        Ok(())
    }
}
