//! Message search: `searchMessages` finds, newest first, the messages the
//! caller can read now that contain every word of the query (the last as a
//! prefix), each with a snippet showing where.
//!
//! "Can read now": only chats the caller is a member of at the time of the
//! search (a chat they left or were removed from is not searched), and no
//! message deleted for everyone or for them. How terms are made is in
//! `domain::search_terms`, how they are stored and read in
//! `storage::search`.

use std::collections::HashMap;

use crate::domain::search_terms::{SearchQuery, Snippet, snippet};
use crate::domain::{ChatId, Message, MessageId, UserId};
use crate::error::AppResult;
use crate::storage::Database;

use super::chats::ChatService;

/// A message found, with its snippet.
pub struct Hit {
    pub message: Message,
    pub snippet: Snippet,
}

#[derive(Clone)]
pub struct SearchService {
    db: Database,
    chats: ChatService,
}

impl SearchService {
    pub fn new(db: Database, chats: ChatService) -> Self {
        Self { db, chats }
    }

    /// Up to `limit` hits older than the hit `after`, newest first, in
    /// `chat` (a member's) or in all of `me`'s chats; and whether more
    /// exist. Three queries: the chats, the index, the messages.
    #[tracing::instrument(skip(self, query), fields(user_id = %me))]
    pub async fn search(
        &self,
        me: UserId,
        query: &str,
        chat: Option<ChatId>,
        after: Option<MessageId>,
        limit: usize,
    ) -> AppResult<(Vec<Hit>, bool)> {
        let query = SearchQuery::parse(query)?;
        let chats = match chat {
            Some(chat) => {
                self.chats.membership(me, chat).await?;
                vec![chat]
            }
            None => self.db.chats().ids_for_member(me).await?,
        };
        let (ids, more) = self
            .db
            .search()
            .search(&chats, me, &query, after, limit)
            .await?;
        let mut found: HashMap<MessageId, Message> = self
            .db
            .messages()
            .find_many(&ids)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        let hits = ids
            .iter()
            .filter_map(|id| found.remove(id))
            .map(|message| Hit {
                snippet: snippet(message.text.as_deref().unwrap_or_default(), &query),
                message,
            })
            .collect();
        Ok((hits, more))
    }
}
