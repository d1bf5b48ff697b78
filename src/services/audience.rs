//! Who may watch a user: the people who receive their presence and profile
//! changes (`userEvents`) and see their status and last-seen time.
//!
//! The rule: friends and members of any chat shared with them, never across
//! a block in either direction. Computed when something changes (a few
//! queries per profile update or presence change), so delivery itself needs
//! no database read.

use std::collections::HashSet;

use crate::domain::UserId;
use crate::error::AppResult;
use crate::storage::Database;

use super::blocks::BlockRules;

#[derive(Clone)]
pub struct Audience {
    db: Database,
    blocks: BlockRules,
}

impl Audience {
    pub fn new(db: Database, blocks: BlockRules) -> Self {
        Self { db, blocks }
    }

    /// Everyone who may watch `user` (never `user` themself).
    pub async fn watchers_of(&self, user: UserId) -> AppResult<HashSet<UserId>> {
        let (friend_store, chat_store) = (self.db.friends(), self.db.chats());
        let (friends, co_members, blocked) = tokio::try_join!(
            friend_store.friend_ids(user),
            chat_store.co_member_ids(user),
            self.blocks.partners(user),
        )?;
        Ok(friends
            .into_iter()
            .chain(co_members)
            .filter(|id| *id != user && !blocked.contains(id))
            .collect())
    }
}
