//! `searchMessages`: the caller's messages by words (rules in
//! `services::search`).

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, Object, SimpleObject};

use super::chats::ChatObject;
use super::context::{Authenticated, ContextExt};
use super::messages::MessageObject;
use super::pagination;
use crate::domain::{ChatId, Message, MessageId};
use crate::error::AppError;

/// Where a matching word is in a snippet: UTF-16 offsets, as JavaScript
/// strings count (`snippet.slice(start, start + length)`).
#[derive(SimpleObject)]
pub struct TextRange {
    start: usize,
    length: usize,
}

/// A message found by `searchMessages`.
pub struct SearchHitObject {
    message: Message,
    snippet: String,
    highlights: Vec<(usize, usize)>,
}

#[Object(name = "SearchHit")]
impl SearchHitObject {
    /// Jump to it with `messages(chatId, around: message.id)`.
    async fn message(&self) -> MessageObject {
        MessageObject::new(self.message.clone())
    }

    /// The chat it was sent in.
    async fn chat(&self, ctx: &Context<'_>) -> async_graphql::Result<ChatObject> {
        ctx.loaders()?
            .chats
            .load_one(self.message.chat)
            .await?
            .map(ChatObject)
            .ok_or_else(|| AppError::NotFound("chat not found".into()).into())
    }

    /// Up to about 160 characters of the text around the first match, with
    /// `…` where it was cut.
    async fn snippet(&self) -> &str {
        &self.snippet
    }

    /// The matching words in `snippet`.
    async fn highlights(&self) -> Vec<TextRange> {
        self.highlights
            .iter()
            .map(|&(start, length)| TextRange { start, length })
            .collect()
    }
}

#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Messages you can read now that contain every word of `query` (1–8
    /// words, at most 200 characters; the last word also as the start of a
    /// word, so results come while typing), newest first: in `chatId` (a
    /// chat of yours) or in all your chats. Matching ignores case and
    /// accents. Never from chats you left or were removed from, nor
    /// messages deleted for everyone or for you, nor system messages.
    /// `first` (default 20, at most 100) after the cursor `after`.
    #[graphql(
        guard = "Authenticated",
        complexity = "super::connection_complexity(first, None::<i32>, pagination::DEFAULT_PAGE, child_complexity)"
    )]
    async fn search_messages(
        &self,
        ctx: &Context<'_>,
        query: String,
        chat_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, SearchHitObject>> {
        let me = ctx.current_user()?;
        let chat = chat_id
            .as_deref()
            .map(|id| ChatId::parse("chatId", id))
            .transpose()?;
        let after = after
            .as_deref()
            .map(|a| {
                MessageId::parse("after", a)
                    .map_err(|_| AppError::bad_input("after", "is not a valid cursor"))
            })
            .transpose()?;
        let limit = pagination::page_size("first", first)?;
        let (hits, more) = ctx
            .services()?
            .search
            .search(me.id, &query, chat, after, limit)
            .await?;
        let mut connection = Connection::new(after.is_some(), more);
        connection.edges = hits
            .into_iter()
            .map(|hit| {
                Edge::new(
                    hit.message.id.to_string(),
                    SearchHitObject {
                        message: hit.message,
                        snippet: hit.snippet.text,
                        highlights: hit.snippet.highlights,
                    },
                )
            })
            .collect();
        Ok(connection)
    }
}
