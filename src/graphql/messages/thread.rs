//! A root message's thread summary, read through the `threads` DataLoader
//! (one query for every root of a page).

use async_graphql::Context;

use crate::domain::{Message, MessageKind};
use crate::graphql::context::ContextExt;
use crate::storage::threads::ThreadSummary;

/// `message`'s thread summary; empty for messages that cannot be roots
/// (thread replies, system messages), without asking the database.
pub(super) async fn summary(
    ctx: &Context<'_>,
    message: &Message,
) -> async_graphql::Result<ThreadSummary> {
    if message.thread_root.is_some() || message.kind == MessageKind::System {
        return Ok(ThreadSummary::default());
    }
    Ok(ctx
        .loaders()?
        .threads
        .load_one(message.id)
        .await?
        .unwrap_or_default())
}
