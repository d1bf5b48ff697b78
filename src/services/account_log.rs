//! Each user's account timeline: what their account streams carry, numbered
//! with the user's own sequence, so that `sync` and the `after:` of
//! `chatEvents`, `friendEvents` and `notificationEvents` can tell exactly
//! what a client missed.
//!
//! What is persisted per user, and what is derived:
//!
//! - **Persisted** (one entry each, in [`crate::storage::account_logs`]):
//!   the user's own membership changes (joined, left or removed, chat
//!   deleted), their friend events, and their notifications. These are
//!   per-user facts: a group of 1,000 writes nothing per message here.
//! - **Derived at read time** from the chats' own sequences: everything that
//!   happens inside a chat (messages, edits, deletions, reactions, receipts,
//!   renames and other settings, other members coming and going). Every one
//!   of those takes the chat's next number, which stamps the chat's head
//!   with the time (`seqTakenAt`); the chats that changed since a cursor are
//!   the user's chats whose head moved since then, and they are sent as
//!   their current state (last message, unread count), never as a list of
//!   steps. `messageEvents(chatId, after)` replays the steps of one chat.
//! - **Ephemeral**: typing and presence, which are stale by the time anyone
//!   reconnects (a reconnecting client reads presence afresh).
//!
//! An [`AccountCursor`] holds both positions: the user's last number, and
//! where the client is in its chats (see [`super::account_cursor`]).

use std::sync::Arc;

use crate::domain::{Notification, NotificationId, UserId};
use crate::error::{AppError, AppResult};
use crate::events::{ChatEvent, ChatEventKind, Event, EventBus, FriendEvent, Topic};
use crate::storage::Database;
use crate::storage::account_logs::{AccountEntry, Membership, Since};

pub use super::account_cursor::{AccountCursor, RESUME_OVERLAP};

/// Records account events and tells the user's streams, numbered.
#[derive(Clone)]
pub struct AccountLog {
    db: Database,
    bus: Arc<dyn EventBus>,
}

impl AccountLog {
    pub fn new(db: Database, bus: Arc<dyn EventBus>) -> Self {
        Self { db, bus }
    }

    /// Records `event` for `user` and publishes it to them with its number.
    pub async fn friend(&self, user: UserId, mut event: FriendEvent) -> AppResult<()> {
        let entry = AccountEntry::Friend {
            kind: event.kind,
            request: event.request.as_ref().map(|r| r.id),
            counterpart: event.counterpart.id,
        };
        event.seq = Some(self.db.account_logs().append(user, &entry).await?);
        self.bus.publish(Topic::User(user), Event::Friend(event));
        Ok(())
    }

    /// Records a (stored) notification and publishes it with its number.
    pub async fn notification(&self, mut notification: Notification) -> AppResult<()> {
        let entry = AccountEntry::Notification {
            id: notification.id,
        };
        let user = notification.user;
        notification.seq = Some(self.db.account_logs().append(user, &entry).await?);
        self.bus
            .publish(Topic::User(user), Event::NotificationCreated(notification));
        Ok(())
    }

    /// Records `user`'s membership change that `event` tells, and publishes
    /// it to them with its number.
    pub async fn membership(&self, user: UserId, mut event: ChatEvent) -> AppResult<()> {
        let change = match event.kind {
            ChatEventKind::Created | ChatEventKind::MembersAdded => Membership::Joined,
            ChatEventKind::MemberRemoved => Membership::Left,
            ChatEventKind::Deleted => Membership::Deleted,
            _ => {
                return Err(AppError::internal(anyhow::anyhow!(
                    "not a membership change"
                )));
            }
        };
        let entry = AccountEntry::Chat {
            chat: event.chat.id,
            change,
            actor: event.actor,
        };
        event.seq = Some(self.db.account_logs().append(user, &entry).await?);
        self.bus.publish(Topic::User(user), Event::Chat(event));
        Ok(())
    }

    /// `user`'s entries after `after`; `None` when some are no longer kept.
    pub async fn since(&self, user: UserId, after: i64) -> AppResult<Option<Since>> {
        self.db.account_logs().since(user, after).await
    }

    /// `user`'s last number.
    pub async fn head(&self, user: UserId) -> AppResult<i64> {
        self.db.account_logs().head(user).await
    }

    /// `user`'s friend events after `after`, numbered, as things are now
    /// (the request's current state, the other person's current profile);
    /// with the last number. `None` when some are no longer kept.
    pub async fn friend_events_since(
        &self,
        user: UserId,
        after: i64,
    ) -> AppResult<Replay<FriendEvent>> {
        let Some(since) = self.since(user, after).await? else {
            return Ok(None);
        };
        Ok(Some((
            since.head,
            self.friend_events(&since.entries).await?,
        )))
    }

    /// The friend events among `entries`, as things are now.
    pub async fn friend_events(
        &self,
        entries: &[(i64, AccountEntry)],
    ) -> AppResult<Vec<FriendEvent>> {
        let mut wanted = Vec::new();
        for (seq, entry) in entries.iter().cloned() {
            if let AccountEntry::Friend {
                kind,
                request,
                counterpart,
            } = entry
            {
                wanted.push((seq, kind, request, counterpart));
            }
        }
        let requests = self
            .db
            .friends()
            .requests(&wanted.iter().filter_map(|w| w.2).collect::<Vec<_>>())
            .await?;
        let people = self
            .db
            .users()
            .profiles(&wanted.iter().map(|w| w.3).collect::<Vec<_>>())
            .await?;
        let events = wanted
            .into_iter()
            .filter_map(|(seq, kind, request, counterpart)| {
                let counterpart = people.iter().find(|u| u.id == counterpart)?.clone();
                let request = request.and_then(|id| requests.iter().find(|r| r.id == id).cloned());
                Some(FriendEvent {
                    kind,
                    request,
                    counterpart,
                    seq: Some(seq),
                })
            })
            .collect();
        Ok(events)
    }

    /// `user`'s notifications numbered after `after` (expired ones left
    /// out), with the last number. `None` when some are no longer kept.
    pub async fn notifications_since(
        &self,
        user: UserId,
        after: i64,
    ) -> AppResult<Replay<Notification>> {
        let Some(since) = self.since(user, after).await? else {
            return Ok(None);
        };
        Ok(Some((
            since.head,
            self.notifications(&since.entries).await?,
        )))
    }

    /// The notifications among `entries` (expired ones left out).
    pub async fn notifications(
        &self,
        entries: &[(i64, AccountEntry)],
    ) -> AppResult<Vec<Notification>> {
        let numbered: Vec<(i64, NotificationId)> = entries
            .iter()
            .filter_map(|(seq, entry)| match entry {
                AccountEntry::Notification { id } => Some((*seq, *id)),
                _ => None,
            })
            .collect();
        let ids: Vec<NotificationId> = numbered.iter().map(|(_, id)| *id).collect();
        let found = self.db.notifications().find_many(&ids).await?;
        let notifications = numbered
            .into_iter()
            .filter_map(|(seq, id)| {
                let mut notification = found.iter().find(|n| n.id == id)?.clone();
                notification.seq = Some(seq);
                Some(notification)
            })
            .collect();
        Ok(notifications)
    }
}

/// What a stream replays: the last account log number and the items after
/// the cursor; `None` when some are no longer kept (RESYNC).
pub type Replay<T> = Option<(i64, Vec<T>)>;
