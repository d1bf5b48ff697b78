//! Threads: replies in the thread of a root message of the same chat.
//!
//! A thread reply is an ordinary message of the chat with `threadRoot`: it
//! takes the chat's next sequence number like any other, so one cursor and
//! `messageEvents(after:)` replay cover threads too. Only a root starts a
//! thread: a message of the same chat that is neither a thread reply, a
//! system message nor deleted for everyone. Replying "in the thread of" a
//! thread reply lands in its root's thread (the reply is mapped to its
//! root), so a thread is never nested.
//!
//! The root's summary (`replyCount`, `lastReplyAt`, first participants) is
//! kept in `storage::threads`, updated atomically per reply and never by
//! rewriting the root message.

use std::collections::HashMap;

use crate::domain::{ChatId, Message, MessageId, MessageKind, UserId};
use crate::error::{AppError, AppResult};
use crate::storage::Database;
use crate::storage::messages::HistoryPage;
use crate::storage::threads::{Scope, ThreadSummary};

use super::chats::ChatService;

pub use crate::storage::threads::MAX_THREAD_PARTICIPANTS;

#[derive(Clone)]
pub struct ThreadService {
    db: Database,
    chats: ChatService,
}

impl ThreadService {
    pub fn new(db: Database, chats: ChatService) -> Self {
        Self { db, chats }
    }

    /// A page of `chat`'s messages in `scope` (members only). A thread's
    /// root must be a message of `chat` (`BAD_USER_INPUT` otherwise).
    pub async fn history(
        &self,
        me: UserId,
        chat: ChatId,
        scope: Scope,
        page: HistoryPage,
    ) -> AppResult<(Vec<Message>, bool)> {
        self.chats.membership(me, chat).await?;
        if let Scope::Thread(root) = scope {
            let found = self.db.messages().find(root).await?;
            if found.is_none_or(|m| m.chat != chat || m.deleted_for.contains(&me)) {
                return Err(AppError::bad_input(
                    "threadRootId",
                    "must be a message of this chat",
                ));
            }
        }
        self.db.messages().history_in(chat, me, page, scope).await
    }

    /// Thread summaries of `roots` (those without replies are left out),
    /// for a DataLoader.
    pub async fn summaries(
        &self,
        roots: &[MessageId],
    ) -> AppResult<HashMap<MessageId, ThreadSummary>> {
        self.db.threads().find_many(roots).await
    }
}

/// The root of the thread a new message of `chat` replies in, given the
/// `threadRootId` its sender named: the message itself when it is a root,
/// its root when it is a thread reply. `BAD_USER_INPUT` for a message of
/// another chat (or none), a system message or a deleted one.
pub async fn root_for_reply(db: &Database, chat: ChatId, named: MessageId) -> AppResult<MessageId> {
    let refuse = |why: &str| Err(AppError::bad_input("threadRootId", why));
    let Some(mut root) = db.messages().find(named).await? else {
        return refuse("must be a message of the same chat");
    };
    if let Some(parent) = root.thread_root {
        match db.messages().find(parent).await? {
            Some(parent) => root = parent,
            None => return refuse("the thread's root is gone"),
        }
    }
    if root.chat != chat {
        return refuse("must be a message of the same chat");
    }
    if root.kind == MessageKind::System {
        return refuse("a system message cannot start a thread");
    }
    if root.is_deleted {
        return refuse("the message was deleted");
    }
    Ok(root.id)
}

/// Counts `reply` (just posted) in its thread's summary. Best effort after
/// the reply is stored: a failure is logged (the reply itself stands).
pub async fn count_reply(db: &Database, reply: &Message) {
    let Some(root) = reply.thread_root else {
        return;
    };
    let counted = db
        .threads()
        .add_reply(reply.chat, root, reply.sender, reply.seq, reply.created_at)
        .await;
    if let Err(error) = counted {
        tracing::warn!(?error, %root, "could not count a thread reply");
    }
}
