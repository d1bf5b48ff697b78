//! Per-user thread state: `threads`, `followThread`, `unfollowThread`,
//! `markThreadRead` and the `Thread` type (rules in `services::threads`).

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use super::context::{Authenticated, ContextExt};
use super::messages::MessageObject;
use super::pagination;
use crate::domain::{ChatId, MessageId};
use crate::error::AppError;
use crate::services::threads::ThreadState;

/// A thread as you see it: its root, whether you follow it, and how many
/// replies you have not read. The root carries `replyCount`, `lastReplyAt`
/// and `threadParticipants`; page the replies with
/// `messages(chatId, threadRootId: root.id)`.
pub struct ThreadObject(ThreadState);

#[Object(name = "Thread")]
impl ThreadObject {
    async fn root(&self) -> MessageObject {
        MessageObject::new(self.0.root.clone())
    }

    async fn chat_id(&self) -> ID {
        ID(self.0.root.chat.to_string())
    }

    async fn following(&self) -> bool {
        self.0.following
    }

    /// Replies by others after your read position, not deleted: the same
    /// on every device of yours.
    async fn unread_count(&self) -> u64 {
        self.0.unread_count
    }

    /// The last reply's time (the root's own before any reply).
    async fn last_reply_at(&self) -> DateTime<Utc> {
        self.0.last_reply_at
    }

    /// The chat cursor up to which you have read the thread (`0`: none).
    async fn read_up_to(&self) -> String {
        self.0.read_seq.to_string()
    }
}

#[derive(InputObject)]
pub struct ThreadInput {
    /// The thread's root message.
    root_id: ID,
}

#[derive(InputObject)]
pub struct MarkThreadReadInput {
    root_id: ID,
    /// A message cursor of the chat; the thread is read up to it. Default:
    /// its last reply.
    up_to: Option<String>,
}

#[derive(Default)]
pub struct ThreadQuery;

#[Object]
impl ThreadQuery {
    /// The threads you follow, the one with the newest reply first: in
    /// `chatId` (a chat of yours) or in every chat you are a member of now.
    /// `first` (default 20, at most 100) after the cursor `after`.
    #[graphql(
        guard = "Authenticated",
        complexity = "super::connection_complexity(first, None::<i32>, pagination::DEFAULT_PAGE, child_complexity)"
    )]
    async fn threads(
        &self,
        ctx: &Context<'_>,
        chat_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ThreadObject>> {
        let me = ctx.current_user()?;
        let chat = chat_id
            .as_deref()
            .map(|id| ChatId::parse("chatId", id))
            .transpose()?;
        let after = after.as_deref().map(parse_cursor).transpose()?;
        let limit = pagination::page_size("first", first)?;
        let (threads, more) = ctx
            .services()?
            .threads
            .followed(me.id, chat, after, limit)
            .await?;
        let mut connection = Connection::new(after.is_some(), more);
        connection.edges = threads
            .into_iter()
            .map(|t| Edge::new(cursor_of(&t), ThreadObject(t)))
            .collect();
        Ok(connection)
    }
}

#[derive(Default)]
pub struct ThreadMutation;

#[Object]
impl ThreadMutation {
    /// Follows a thread (its root: a message of a chat of yours that is not
    /// a thread reply or a system message). You start with it all read.
    /// Writing the root or replying follows a thread by itself.
    #[graphql(guard = "Authenticated")]
    async fn follow_thread(
        &self,
        ctx: &Context<'_>,
        input: ThreadInput,
    ) -> async_graphql::Result<ThreadObject> {
        set_following(ctx, input, true).await
    }

    /// Stops following a thread (until you reply in it again).
    #[graphql(guard = "Authenticated")]
    async fn unfollow_thread(
        &self,
        ctx: &Context<'_>,
        input: ThreadInput,
    ) -> async_graphql::Result<ThreadObject> {
        set_following(ctx, input, false).await
    }

    /// Records that you have read a thread up to `upTo` (default: all of
    /// it), for every device of yours. Never moves back.
    #[graphql(guard = "Authenticated")]
    async fn mark_thread_read(
        &self,
        ctx: &Context<'_>,
        input: MarkThreadReadInput,
    ) -> async_graphql::Result<ThreadObject> {
        let me = ctx.current_user()?;
        let root = MessageId::parse("rootId", &input.root_id)?;
        let up_to = super::messages::parse_cursor("upTo", input.up_to.as_deref())?;
        let state = ctx
            .services()?
            .threads
            .mark_read(me.id, root, up_to)
            .await?;
        Ok(ThreadObject(state))
    }
}

async fn set_following(
    ctx: &Context<'_>,
    input: ThreadInput,
    following: bool,
) -> async_graphql::Result<ThreadObject> {
    let me = ctx.current_user()?;
    let root = MessageId::parse("rootId", &input.root_id)?;
    let state = ctx
        .services()?
        .threads
        .set_following(me.id, root, following)
        .await?;
    Ok(ThreadObject(state))
}

/// A page position: the last reply's time (ms) and the root's id.
fn cursor_of(t: &ThreadState) -> String {
    format!("{}:{}", t.last_reply_at.timestamp_millis(), t.root.id)
}

fn parse_cursor(raw: &str) -> Result<(DateTime<Utc>, MessageId), AppError> {
    let invalid = || AppError::bad_input("after", "is not a valid cursor");
    let (ms, id) = raw.split_once(':').ok_or_else(invalid)?;
    let at = ms
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_millis)
        .ok_or_else(invalid)?;
    let id = MessageId::parse("after", id).map_err(|_| invalid())?;
    Ok((at, id))
}
