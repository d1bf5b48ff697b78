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

use super::account_log::{AccountCursor, AccountLog, RESUME_OVERLAP};
use super::chats::ChatService;

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
            cursor: AccountCursor::now(0),
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
        let mut chats_from = (DateTime::UNIX_EPOCH, None, now_at);
        if let Some(after) = after
            && let Some(since) = self.log.since(me, after.seq).await?
        {
            page.reset = false;
            chats_from = match after.page {
                Some((last, next_at)) => (after.chats_at, Some(last), next_at),
                None => (after.chats_at, None, now_at),
            };
            let mut entries = since.entries;
            seq = since.head;
            if entries.len() > LOG_PAGE {
                // The rest of the log first; the chats once it is out.
                entries.truncate(LOG_PAGE);
                seq = entries.last().map_or(seq, |(s, _)| *s);
                page.has_more = true;
                page.cursor = AccountCursor { seq, ..after };
            }
            self.fill_from_log(me, &entries, &mut page).await?;
            if page.has_more {
                return Ok(page);
            }
        }
        let (chats_at, after_chat, next_at) = chats_from;
        let mut changed: Vec<Chat> = self
            .chats
            .changed_since(me, chats_at)
            .await?
            .into_iter()
            .map(|(chat, _)| chat)
            .filter(|chat| after_chat.is_none_or(|last| chat.id.oid() > last.oid()))
            .collect();
        if changed.len() > first {
            changed.truncate(first);
            let last = changed.last().map(|c| c.id);
            page.has_more = true;
            page.cursor = AccountCursor {
                seq,
                chats_at,
                page: last.map(|last| (last, next_at)),
            };
        } else {
            page.cursor = AccountCursor {
                seq,
                chats_at: next_at,
                page: None,
            };
        }
        page.chats = changed;
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
