//! The block rules every feature asks: may these two people interact?
//!
//! A block in either direction stops friend requests, direct messages,
//! adding to groups, presence, profile updates and typing between the two.
//! Group chats they already share keep working for both: leaving or
//! removing is an explicit choice, and a block must not silently break a
//! group for its other members.
//!
//! Setting or lifting a block publishes [`Event::Block`] on both users'
//! topics. Streams that filter by blocks hold a [`BlockWatch`], which
//! follows those events, so a block reaches streams already open at once,
//! not only the ones opened after it. Streams whose audience is computed
//! when something is published (presence, profile updates) need nothing
//! more: the next publish already leaves the blocked out.

use std::collections::HashSet;
use std::sync::Arc;

use crate::domain::UserId;
use crate::error::{AppError, AppResult};
use crate::events::{BlockEvent, Event, EventBus, Topic};
use crate::storage::Database;

#[derive(Clone)]
pub struct BlockRules {
    db: Database,
    bus: Arc<dyn EventBus>,
}

impl BlockRules {
    pub fn new(db: Database, bus: Arc<dyn EventBus>) -> Self {
        Self { db, bus }
    }

    /// True when either has blocked the other.
    pub async fn blocked_either_way(&self, a: UserId, b: UserId) -> AppResult<bool> {
        self.db.blocks().blocked_either_way(a, b).await
    }

    /// `FORBIDDEN` with `message` when either has blocked the other. The
    /// message never says who blocked whom.
    pub async fn ensure_unblocked(&self, a: UserId, b: UserId, message: &str) -> AppResult<()> {
        if self.blocked_either_way(a, b).await? {
            return Err(AppError::Forbidden(message.into()));
        }
        Ok(())
    }

    /// Everyone `user` has blocked or been blocked by: none of them may see
    /// `user`'s presence or profile changes, nor `user` theirs.
    pub async fn partners(&self, user: UserId) -> AppResult<HashSet<UserId>> {
        Ok(self
            .db
            .blocks()
            .block_partners(user)
            .await?
            .into_iter()
            .collect())
    }

    /// `blocker` blocks `blocked` (idempotent), and open streams of both
    /// hear of it.
    pub async fn block(&self, blocker: UserId, blocked: UserId) -> AppResult<()> {
        self.db.blocks().block(blocker, blocked).await?;
        self.announce(blocker, blocked, true);
        Ok(())
    }

    /// Lifts `blocker`'s block of `blocked` (idempotent), and open streams of
    /// both hear of it.
    pub async fn unblock(&self, blocker: UserId, blocked: UserId) -> AppResult<()> {
        self.db.blocks().unblock(blocker, blocked).await?;
        self.announce(blocker, blocked, false);
        Ok(())
    }

    /// Removes every block `gone` made or was the subject of (their
    /// account is being deleted; nobody is left to hide from).
    pub async fn forget(&self, gone: UserId) -> AppResult<()> {
        self.db.blocks().delete_all_of(gone).await
    }

    fn announce(&self, blocker: UserId, blocked: UserId, active: bool) {
        let event = BlockEvent {
            blocker,
            blocked,
            active,
        };
        for user in [blocker, blocked] {
            self.bus.publish(Topic::User(user), Event::Block(event));
        }
    }

    /// The people hidden from `me` now, kept current by the block events
    /// of `me`'s topic (which the stream holding it must feed it).
    pub async fn watch(&self, me: UserId) -> AppResult<BlockWatch> {
        Ok(BlockWatch {
            me,
            hidden: self.partners(me).await?,
            rules: self.clone(),
        })
    }
}

/// Whom one user's open stream must not show, as of the last block event
/// it was given (see the module docs).
pub struct BlockWatch {
    me: UserId,
    hidden: HashSet<UserId>,
    rules: BlockRules,
}

impl BlockWatch {
    /// True when `user` blocked `me` or was blocked by them.
    pub fn hides(&self, user: UserId) -> bool {
        self.hidden.contains(&user)
    }

    /// Takes in an event of `me`'s topic (anything but a block is ignored).
    /// A lifted block asks the database: the other direction may remain.
    pub async fn apply(&mut self, event: &Event) -> AppResult<()> {
        let Event::Block(block) = event else {
            return Ok(());
        };
        let Some(other) = block.other_than(self.me) else {
            return Ok(());
        };
        let hidden = block.active || self.rules.blocked_either_way(self.me, other).await?;
        if hidden {
            self.hidden.insert(other);
        } else {
            self.hidden.remove(&other);
        }
        Ok(())
    }

    /// Block events may have been lost: reads the set again.
    pub async fn reload(&mut self) -> AppResult<()> {
        self.hidden = self.rules.partners(self.me).await?;
        Ok(())
    }
}
