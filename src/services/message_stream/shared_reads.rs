//! The reads a follower makes when it starts or catches up (is the user a
//! member, where is the chat's head, what was stored in a range), shared by
//! the followers of one chat that ask at the same moment.
//!
//! When 1,000 sockets of one group reconnect at once, each used to make
//! four reads of its own (membership, head, and the two halves of a
//! replay). Now the followers queued while a read runs share the next one
//! (see [`Batcher`]): one member-list read, one head read and one replay of
//! the union of their ranges per round. The replayed events are shared
//! too, so their renderings are made once for all of them (see
//! `graphql::shared_events`).

use std::collections::HashSet;
use std::sync::Arc;

use futures_util::future::{BoxFuture, FutureExt, try_join_all};

use super::batch::Batcher;
use super::to_event;
use crate::domain::{ChatId, UserId};
use crate::error::{AppError, AppResult};
use crate::events::MessageEvent;
use crate::services::chats::ChatService;
use crate::storage::Database;

/// What one follower asks.
pub struct ReadQuery {
    /// Check that this user is a member.
    pub member: Option<UserId>,
    /// Replay events after this number...
    pub after: Option<i64>,
    /// ...up to this one; `None`: up to the chat's head, read now.
    pub upto: Option<i64>,
}

/// The answer to one [`ReadQuery`].
pub struct ReadAnswer {
    /// False only when the member check was asked for and failed.
    pub member: bool,
    /// The head, when the query asked up to it.
    pub head: Option<i64>,
    /// The stored events in the query's range, in order; empty when the
    /// range is longer than a replay may be (the follower resyncs).
    pub events: Vec<Arc<MessageEvent>>,
}

/// Reads of different chats running at once, in this process. Each holds
/// up to four database operations in flight (queued for a pooled
/// connection), and the driver's are tens of KiB each: thousands of chats'
/// followers starting at once would otherwise hold hundreds of MiB at the
/// peak, memory that stays with the process. Followers waiting for a read
/// hold next to nothing, so they are not counted (see
/// loadgen/PERFORMANCE.md).
static READS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(128);

type ReadFn = Box<
    dyn Fn(ChatId, Vec<ReadQuery>) -> BoxFuture<'static, AppResult<Vec<ReadAnswer>>> + Send + Sync,
>;

/// Reads for followers, batched per chat.
pub struct SharedReads {
    batcher: Batcher<ChatId, ReadQuery, ReadAnswer, ReadFn>,
}

impl SharedReads {
    pub fn new(db: Database, chats: ChatService, max_events: i64) -> Self {
        let read: ReadFn = Box::new(move |chat, queries| {
            let (db, chats) = (db.clone(), chats.clone());
            async move {
                let _permit = READS.acquire().await.map_err(AppError::internal)?;
                read_batch(db, chats, max_events, chat, queries).await
            }
            .boxed()
        });
        Self {
            batcher: Batcher::new(read),
        }
    }

    pub async fn ask(&self, chat: ChatId, query: ReadQuery) -> AppResult<ReadAnswer> {
        self.batcher.ask(chat, query).await
    }
}

async fn read_batch(
    db: Database,
    chats: ChatService,
    max_events: i64,
    chat: ChatId,
    queries: Vec<ReadQuery>,
) -> AppResult<Vec<ReadAnswer>> {
    let users: Vec<UserId> = queries.iter().filter_map(|q| q.member).collect();
    let members = async {
        match users.is_empty() {
            true => Ok(Vec::new()),
            false => chats.members_among(chat, &users).await,
        }
    };
    let wants_head = queries.iter().any(|q| q.upto.is_none());
    let head = async {
        match wants_head {
            true => db.chat_heads().find(chat).await.map(|head| Some(head.seq)),
            false => Ok(None),
        }
    };
    let (members, head) = tokio::try_join!(members, head)?;
    let members: HashSet<UserId> = members.into_iter().collect();

    // Each query's range, if it has one a replay may cover.
    let ranges: Vec<Option<(i64, i64)>> = queries
        .iter()
        .map(|q| {
            let (after, upto) = (q.after?, q.upto.or(head)?);
            (after < upto && upto - after <= max_events).then_some((after, upto))
        })
        .collect();
    let events = replay_union(&db, chat, &ranges, max_events).await?;

    Ok(queries
        .iter()
        .zip(ranges)
        .map(|(query, range)| ReadAnswer {
            member: query.member.is_none_or(|user| members.contains(&user)),
            head: query.upto.is_none().then_some(head).flatten(),
            events: range.map_or_else(Vec::new, |(after, upto)| within(&events, after, upto)),
        })
        .collect())
}

/// The stored events of every range, in order: one replay of their union
/// when it is no longer than two replays' worth (the usual case: followers
/// resuming from near the same point), else one per range.
async fn replay_union(
    db: &Database,
    chat: ChatId,
    ranges: &[Option<(i64, i64)>],
    max_events: i64,
) -> AppResult<Vec<Arc<MessageEvent>>> {
    let ranges: Vec<(i64, i64)> = ranges.iter().flatten().copied().collect();
    let (Some(low), Some(high)) = (
        ranges.iter().map(|r| r.0).min(),
        ranges.iter().map(|r| r.1).max(),
    ) else {
        return Ok(Vec::new());
    };
    let messages = db.messages();
    let spans = match high - low <= 2 * max_events {
        true => vec![(low, high)],
        false => ranges,
    };
    let read = try_join_all(
        spans
            .iter()
            .map(|&(after, upto)| messages.replay(chat, after, upto)),
    );
    let mut events: Vec<Arc<MessageEvent>> = read
        .await?
        .into_iter()
        .flatten()
        .map(|item| Arc::new(to_event(chat, item)))
        .collect();
    events.sort_by_key(|e| e.seq);
    // Ranges read one by one may overlap.
    events.dedup_by_key(|e| e.seq);
    Ok(events)
}

/// The events numbered in `(after, upto]` of the ordered `events`.
fn within(events: &[Arc<MessageEvent>], after: i64, upto: i64) -> Vec<Arc<MessageEvent>> {
    let start = events.partition_point(|e| e.seq <= after);
    let end = events.partition_point(|e| e.seq <= upto);
    events[start..end].to_vec()
}
