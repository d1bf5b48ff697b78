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

use crate::domain::preferences::{NotificationLevel, effective_level};
use crate::domain::{ChatId, Message, MessageId, MessageKind, NotificationKind, UserId};
use crate::error::{AppError, AppResult};
use crate::storage::Database;
use crate::storage::messages::HistoryPage;
use crate::storage::threads::{Scope, ThreadSummary};

use super::chats::ChatService;
use super::notifications::{NotificationDraft, NotificationService};

/// The most followers one reply notifies: followers are members, and a
/// group holds at most `MAX_GROUP_MEMBERS` (1,000 by default); this bounds
/// the read should that setting be raised far.
const FOLLOWERS_NOTIFIED: i64 = 10_000;

pub use crate::storage::threads::MAX_THREAD_PARTICIPANTS;

/// A user's state in a thread.
#[derive(Clone, Debug)]
pub struct ThreadState {
    pub root: Message,
    pub following: bool,
    /// Others' replies after `read_seq`, not deleted.
    pub unread_count: u64,
    /// The last reply's time (the root's own without replies).
    pub last_reply_at: chrono::DateTime<chrono::Utc>,
    /// The chat cursor up to which the user has read the thread.
    pub read_seq: i64,
}

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

    /// Follows (or unfollows) the thread of `root`, a root message of a
    /// chat `me` is a member of. A new follower starts with everything
    /// read.
    pub async fn set_following(
        &self,
        me: UserId,
        root: MessageId,
        following: bool,
    ) -> AppResult<ThreadState> {
        let root = self.root_of_mine(me, root).await?;
        let summary = self.summary(root.id).await?;
        let last = summary.last_reply_at.unwrap_or(root.created_at);
        self.db
            .thread_follows()
            .set_following(
                me,
                root.chat,
                root.id,
                following,
                true,
                summary.last_reply_seq,
                last,
            )
            .await?;
        self.state(me, root).await
    }

    /// Records that `me` has read `root`'s thread up to the chat cursor
    /// `up_to` (default: its last reply). Never moves backwards.
    pub async fn mark_read(
        &self,
        me: UserId,
        root: MessageId,
        up_to: Option<i64>,
    ) -> AppResult<ThreadState> {
        let root = self.root_of_mine(me, root).await?;
        let summary = self.summary(root.id).await?;
        let head = self.db.chat_heads().find(root.chat).await?;
        let seq = match up_to {
            None => summary.last_reply_seq,
            Some(n) if (0..=head.seq).contains(&n) => n,
            Some(_) => return Err(AppError::bad_input("upTo", "is not a cursor of this chat")),
        };
        let last = summary.last_reply_at.unwrap_or(root.created_at);
        self.db
            .thread_follows()
            .mark_read(me, root.chat, root.id, seq, last)
            .await?;
        self.state(me, root).await
    }

    /// A page of the threads `me` follows, newest reply first: in `chat`
    /// (a member's), or in every chat `me` is a member of now.
    pub async fn followed(
        &self,
        me: UserId,
        chat: Option<ChatId>,
        after: Option<(chrono::DateTime<chrono::Utc>, MessageId)>,
        limit: usize,
    ) -> AppResult<(Vec<ThreadState>, bool)> {
        let chats = match chat {
            Some(chat) => {
                self.chats.membership(me, chat).await?;
                vec![chat]
            }
            None => self.db.chats().ids_for_member(me).await?,
        };
        let (page, more) = self
            .db
            .thread_follows()
            .page(me, &chats, after, limit)
            .await?;
        let ids: Vec<MessageId> = page.iter().map(|f| f.root).collect();
        let roots: HashMap<MessageId, Message> = self
            .db
            .messages()
            .find_many(&ids)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        // One counted index range per thread of the page, concurrently.
        let store = self.db.threads();
        let counts = futures_util::future::try_join_all(
            page.iter()
                .map(|f| store.unread(f.chat, f.root, me, f.read_seq)),
        )
        .await?;
        let states = page
            .into_iter()
            .zip(counts)
            .filter_map(|(f, unread)| {
                Some(ThreadState {
                    root: roots.get(&f.root)?.clone(),
                    following: true,
                    unread_count: unread,
                    last_reply_at: f.last_reply_at,
                    read_seq: f.read_seq,
                })
            })
            .collect();
        Ok((states, more))
    }

    /// `me`'s state in `root`'s thread.
    async fn state(&self, me: UserId, root: Message) -> AppResult<ThreadState> {
        let found = self.db.thread_follows().find(me, root.id).await?;
        let (following, followed) = match found {
            Some((following, f)) => (following, Some(f)),
            None => (false, None),
        };
        let read_seq = followed.as_ref().map_or(0, |f| f.read_seq);
        let unread_count = self
            .db
            .threads()
            .unread(root.chat, root.id, me, read_seq)
            .await?;
        Ok(ThreadState {
            last_reply_at: followed.map_or(root.created_at, |f| f.last_reply_at),
            following,
            unread_count,
            read_seq,
            root,
        })
    }

    async fn summary(&self, root: MessageId) -> AppResult<ThreadSummary> {
        let mut found = self.db.threads().find_many(&[root]).await?;
        Ok(found.remove(&root).unwrap_or_default())
    }

    /// `id` as a thread root of a chat `me` is a member of.
    async fn root_of_mine(&self, me: UserId, id: MessageId) -> AppResult<Message> {
        let not_found = || AppError::NotFound("message not found".into());
        let message = self.db.messages().find(id).await?.ok_or_else(not_found)?;
        self.chats
            .membership(me, message.chat)
            .await
            .map_err(|_| not_found())?;
        if message.deleted_for.contains(&me) {
            return Err(not_found());
        }
        if message.thread_root.is_some() || message.kind == MessageKind::System {
            return Err(AppError::bad_input("rootId", "is not a thread root"));
        }
        Ok(message)
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

/// Notifies, in a task of its own, the followers of `reply`'s thread other
/// than its sender (`THREAD_REPLY`): only members of the chat now, at the
/// chat's level ALL (see `domain::preferences`), and not those the reply
/// mentions (they have `MENTIONED`). A failure is logged; the reply stands.
pub fn notify_followers(db: &Database, notifications: &NotificationService, reply: &Message) {
    let Some(root) = reply.thread_root else {
        return;
    };
    if reply.mentions_all {
        return;
    }
    let (db, notifications, reply) = (db.clone(), notifications.clone(), reply.clone());
    tokio::spawn(async move {
        if let Err(error) = notify(&db, &notifications, root, &reply).await {
            tracing::warn!(?error, %root, "could not notify a thread's followers");
        }
    });
}

async fn notify(
    db: &Database,
    notifications: &NotificationService,
    root: MessageId,
    reply: &Message,
) -> AppResult<()> {
    let followers: Vec<UserId> = db
        .thread_follows()
        .followers(root, FOLLOWERS_NOTIFIED)
        .await?
        .into_iter()
        .filter(|user| *user != reply.sender && !reply.mentions.contains(user))
        .collect();
    if followers.is_empty() {
        return Ok(());
    }
    let members = db.chats().members_among(reply.chat, &followers).await?;
    let preferences = db.chat_preferences().of_chat(reply.chat, &members).await?;
    let now = chrono::Utc::now();
    let recipients: Vec<UserId> = members
        .into_iter()
        .filter(|user| {
            let prefs = preferences.get(user);
            let level = effective_level(
                prefs.and_then(|p| p.default),
                prefs.and_then(|p| p.chats.get(&reply.chat)),
                now,
            );
            level == NotificationLevel::All
        })
        .collect();
    let draft = NotificationDraft {
        kind: NotificationKind::ThreadReply,
        actor: reply.sender,
        chat: Some(reply.chat),
        friend_request: None,
        message: Some(reply.id),
    };
    notifications.notify(&recipients, draft).await
}

/// Counts `reply` (just posted) in its thread's summary, makes its sender
/// (always) and the root's author (unless they chose before) follow the
/// thread, and moves the followers' copy of the last reply time. Best
/// effort after the reply is stored: a failure is logged (the reply
/// itself stands).
pub async fn count_reply(db: &Database, reply: &Message) {
    let Some(root) = reply.thread_root else {
        return;
    };
    if let Err(error) = record_reply(db, root, reply).await {
        tracing::warn!(?error, %root, "could not count a thread reply");
    }
}

async fn record_reply(db: &Database, root: MessageId, reply: &Message) -> AppResult<()> {
    let at = reply.created_at;
    db.threads()
        .add_reply(reply.chat, root, reply.sender, reply.seq, at)
        .await?;
    let follows = db.thread_follows();
    follows
        .set_following(reply.sender, reply.chat, root, true, true, reply.seq, at)
        .await?;
    if let Some(author) = db.messages().find(root).await?.map(|m| m.sender)
        && author != reply.sender
    {
        // From the root on, every reply is news to its author.
        follows
            .set_following(author, reply.chat, root, true, false, 0, at)
            .await?;
    }
    follows.reply_at(root, at).await
}
