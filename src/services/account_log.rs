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
//! a time before which every chat change has been seen. That time is taken
//! [`RESUME_OVERLAP`] early, so a change whose number was taken just before
//! (on another instance, a clock apart, or written late) is sent again
//! rather than missed; since chats go out as snapshots, seeing one twice
//! is harmless.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::domain::{ChatId, Notification, NotificationId, UserId};
use crate::error::{AppError, AppResult};
use crate::events::{ChatEvent, ChatEventKind, Event, EventBus, FriendEvent, Topic};
use crate::storage::Database;
use crate::storage::account_logs::{AccountEntry, Membership, Since};

/// How far back of "now" a cursor's chat position is put.
pub const RESUME_OVERLAP: Duration = Duration::seconds(30);

/// Where a client is in its account's timeline (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountCursor {
    /// The last account log number seen.
    pub seq: i64,
    /// Chats changed before this have been seen.
    pub chats_at: DateTime<Utc>,
    /// In the middle of a paged `sync`: the last chat sent, and the
    /// `chats_at` to move to once the last page is out.
    pub page: Option<(ChatId, DateTime<Utc>)>,
}

impl AccountCursor {
    /// The cursor of a client that has seen everything up to `seq` and
    /// every chat change until now.
    pub fn now(seq: i64) -> Self {
        Self {
            seq,
            chats_at: Utc::now() - RESUME_OVERLAP,
            page: None,
        }
    }

    pub fn encode(&self) -> String {
        let mut out = format!("a1.{}.{}", self.seq, self.chats_at.timestamp_millis());
        if let Some((chat, next)) = self.page {
            out.push_str(&format!(".{chat}.{}", next.timestamp_millis()));
        }
        out
    }

    /// `BAD_USER_INPUT` on `field` unless `raw` came from [`Self::encode`].
    pub fn parse(field: &'static str, raw: &str) -> AppResult<Self> {
        let invalid = || AppError::bad_input(field, "is not a cursor from this API");
        let parts: Vec<&str> = raw.split('.').collect();
        let time = |raw: &str| {
            raw.parse::<i64>()
                .ok()
                .and_then(DateTime::from_timestamp_millis)
                .ok_or_else(invalid)
        };
        let (seq, chats_at) = match parts[..] {
            ["a1", seq, at, ..] => (seq.parse::<i64>().map_err(|_| invalid())?, time(at)?),
            _ => return Err(invalid()),
        };
        let page = match parts[3..] {
            [] => None,
            [chat, next] => Some((ChatId::parse(field, chat)?, time(next)?)),
            _ => return Err(invalid()),
        };
        if seq < 0 {
            return Err(invalid());
        }
        Ok(Self {
            seq,
            chats_at,
            page,
        })
    }
}

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

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor__survives_the_round_trip_and_nothing_else_parses() {
        let plain = AccountCursor::now(42);
        let millis = |c: &AccountCursor| c.chats_at.timestamp_millis();
        let parsed = AccountCursor::parse("after", &plain.encode()).unwrap();
        assert_eq!((parsed.seq, millis(&parsed)), (42, millis(&plain)));
        let paged = AccountCursor {
            page: Some((ChatId::new(), Utc::now())),
            ..plain
        };
        let again = AccountCursor::parse("after", &paged.encode()).unwrap();
        assert_eq!(again.page.map(|p| p.0), paged.page.map(|p| p.0));
        for bad in [
            "",
            "a1",
            "a1.x.1",
            "a2.1.1",
            "a1.-1.1",
            "a1.1.1.notanid.1",
            "7",
        ] {
            assert!(AccountCursor::parse("after", bad).is_err(), "{bad}");
        }
    }
}
