//! The block rules every feature asks: may these two people interact?
//!
//! A block in either direction stops friend requests, direct messages,
//! adding to groups, presence, profile updates and typing between the two.
//! Group chats they already share keep working for both: leaving or
//! removing is an explicit choice, and a block must not silently break a
//! group for its other members.

use std::collections::HashSet;

use crate::domain::UserId;
use crate::error::{AppError, AppResult};
use crate::storage::Database;

#[derive(Clone)]
pub struct BlockRules {
    db: Database,
}

impl BlockRules {
    pub fn new(db: Database) -> Self {
        Self { db }
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
}
