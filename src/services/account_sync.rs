//! `sync`: everything a client missed since an account cursor, in one round
//! trip (or a few pages), for a cold start or a wake-up.
//!
//! A page carries, first, the account log after the cursor (at most
//! [`LOG_PAGE`] entries a page): friend events, new notifications, and the
//! chats the user left, was removed from or that were deleted; then the
//! chats that changed since the cursor's time, as they are now, in id
//! order, `first` a page. Without a cursor (or with one whose entries are
//! no longer kept) it is a reset: every chat, and nothing from the log
//! (read `notifications` and `friendRequests` then). The last page's cursor
//! is where `chatEvents`, `friendEvents` and `notificationEvents` resume
//! with no gap (see [`super::account_log`] for why a chat may come twice
//! but never be missed).

use chrono::{DateTime, Utc};

use crate::domain::{Chat, ChatId, Notification, UserId};
use crate::error::AppResult;
use crate::events::FriendEvent;
use crate::storage::account_logs::{AccountEntry, Membership};

use super::account_cursor::MAX_SEEN;
use super::account_log::{AccountCursor, AccountLog, RESUME_OVERLAP};
use super::chats::{ChangedChat, ChatService};

/// Account log entries a page carries at most.
pub const LOG_PAGE: usize = 100;

/// One page of a sync.
pub struct SyncPage {
    /// Where the next page starts, or, once `has_more` is false, where the
    /// streams resume.
    pub cursor: AccountCursor,
    pub has_more: bool,
    /// The cursor was missing or too old: this is the whole state; drop
    /// what you had.
    pub reset: bool,
    pub chats: Vec<Chat>,
    pub removed: Vec<ChatId>,
    pub notifications: Vec<Notification>,
    pub friend_events: Vec<FriendEvent>,
}

/// Builds sync pages.
#[derive(Clone)]
pub struct AccountSync {
    log: AccountLog,
    chats: ChatService,
}

impl AccountSync {
    pub fn new(log: AccountLog, chats: ChatService) -> Self {
        Self { log, chats }
    }

    /// The page after `after` with at most `first` chats.
    pub async fn page(
        &self,
        me: UserId,
        after: Option<AccountCursor>,
        first: usize,
    ) -> AppResult<SyncPage> {
        let mut page = SyncPage {
            cursor: AccountCursor::now(0, Vec::new()),
            has_more: false,
            reset: true,
            chats: Vec::new(),
            removed: Vec::new(),
            notifications: Vec::new(),
            friend_events: Vec::new(),
        };
        // Read before anything else: whatever is numbered later comes again.
        let mut seq = self.log.head(me).await?;
        let now_at = Utc::now() - RESUME_OVERLAP;
        // Where the chats start: nothing seen for a reset.
        let mut from = AccountCursor {
            seq,
            chats_at: DateTime::UNIX_EPOCH,
            page: None,
            seen: Vec::new(),
        };
        if let Some(after) = after
            && let Some(since) = self.log.since(me, after.seq).await?
        {
            page.reset = false;
            let mut entries = since.entries;
            seq = since.head;
            if entries.len() > LOG_PAGE {
                // The rest of the log first; the chats once it is out.
                entries.truncate(LOG_PAGE);
                seq = entries.last().map_or(seq, |(s, _)| *s);
                page.has_more = true;
                page.cursor = AccountCursor {
                    seq,
                    ..after.clone()
                };
            }
            self.fill_from_log(me, &entries, &mut page).await?;
            if page.has_more {
                return Ok(page);
            }
            from = after;
        }
        let (after_chat, next_at) = match from.page {
            Some((last, next_at)) => (Some(last), next_at),
            None => (None, now_at),
        };
        let changed = self.chats.changed_since(me, from.chats_at, &from).await?;
        let mut rest = changed
            .into_iter()
            .filter(|c| after_chat.is_none_or(|last| c.chat.id.oid() > last.oid()));
        let sent: Vec<ChangedChat> = rest.by_ref().take(first).collect();
        // What the client has of the chats changed inside the new window:
        // those sent now, and those it had already (unchanged since, or sent
        // by an earlier page of this sync).
        let mut seen: Vec<(ChatId, i64)> = sent
            .iter()
            .filter(|c| c.at > next_at)
            .map(|c| (c.chat.id, c.seq))
            .collect();
        seen.extend(
            from.seen
                .iter()
                .filter(|(c, _)| !sent.iter().any(|s| s.chat.id == *c)),
        );
        seen.truncate(MAX_SEEN);
        page.cursor = if rest.next().is_some() {
            page.has_more = true;
            AccountCursor {
                seq,
                chats_at: from.chats_at,
                page: sent.last().map(|c| (c.chat.id, next_at)),
                seen,
            }
        } else {
            AccountCursor {
                seq,
                chats_at: next_at,
                page: None,
                seen,
            }
        };
        page.chats = sent.into_iter().map(|c| c.chat).collect();
        Ok(page)
    }

    /// What the log `entries` tell: friend events, notifications, and the
    /// chats `me` is no longer in.
    async fn fill_from_log(
        &self,
        me: UserId,
        entries: &[(i64, AccountEntry)],
        page: &mut SyncPage,
    ) -> AppResult<()> {
        page.friend_events = self.log.friend_events(entries).await?;
        page.notifications = self.log.notifications(entries).await?;
        let current = self.chats.chat_ids(me).await?;
        for (_, entry) in entries {
            if let AccountEntry::Chat { chat, change, .. } = entry
                && matches!(change, Membership::Left | Membership::Deleted)
                && !current.contains(chat)
                && !page.removed.contains(chat)
            {
                page.removed.push(*chat);
            }
        }
        Ok(())
    }
}
