//! Presence: a user is ONLINE while at least one authenticated socket of
//! theirs is open (each device counts), OFFLINE when the last one closes —
//! after a grace period, so a quick reconnect does not flap. Going offline
//! stores `lastSeen`. Changes reach the user's watchers (see
//! [`super::audience`]) through `userEvents`.
//!
//! Connection counting sits behind [`PresenceTracker`]; [`LocalPresence`]
//! counts in this process, [`RedisPresence`] across a cluster (chosen in
//! [`super::Services::new`] when `REDIS_URL` is set).
//!
//! [`RedisPresence`]: super::presence_redis::RedisPresence

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use futures_util::future::BoxFuture;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use crate::domain::UserId;
use crate::events::{Event, EventBus, PresenceEvent, PresenceStatus, Topic};
use crate::storage::Database;

use super::audience::Audience;
use super::typing::TypingService;

/// Presence announcements made at once, in this process (see `announce`).
static ANNOUNCEMENTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(16);

/// Identifies one pending offline transition, so that only the grace
/// period of the latest one can end it (a reconnect and a new last close in
/// between make a new one).
pub type Ticket = u64;

/// Counts a user's open sockets. Async because a cluster counts them in a
/// shared store; a failure there is logged by the implementation and
/// answered with the harmless default (presence is best effort, it must
/// never refuse a socket).
pub trait PresenceTracker: Send + Sync + 'static {
    /// A socket opened; says whether the user came online (they were not
    /// online before and no offline transition was pending).
    fn open(&self, user: UserId) -> BoxFuture<'_, Transition>;
    /// A socket closed. When it was the user's last one, the offline
    /// transition is now pending: its ticket is returned.
    fn close(&self, user: UserId) -> BoxFuture<'_, Option<Ticket>>;
    /// Online, or within the grace period after the last socket closed.
    fn is_online(&self, user: UserId) -> BoxFuture<'_, bool>;
    /// Remembers the task that waits out the grace period of `user`, so a
    /// reconnect can stop it early. Only an optimisation: the ticket check
    /// in [`PresenceTracker::confirm_offline`] is what keeps it correct.
    fn set_pending_offline(&self, user: UserId, task: AbortHandle);
    /// The grace period of `ticket` ended: true (once) when the user is
    /// still without sockets, and then forgets them.
    fn confirm_offline(&self, user: UserId, ticket: Ticket) -> BoxFuture<'_, bool>;
    /// Transitions this tracker found by itself (the sockets of a crashed
    /// instance, or of this one put back after it was cut off). `None` when
    /// it never does; taken once.
    fn changes(&self) -> Option<mpsc::UnboundedReceiver<PresenceChange>> {
        None
    }
}

/// A transition a tracker found by itself.
#[derive(Debug, PartialEq, Eq)]
pub enum PresenceChange {
    /// The user came online.
    Online(UserId),
    /// The user has no socket left: confirm after the grace period.
    Offline(UserId, Ticket),
    /// A transition another instance should have confirmed long ago (it
    /// died): confirm now.
    Overdue(UserId, Ticket),
}

/// What opening a socket changed.
#[derive(Debug, PartialEq, Eq)]
pub enum Transition {
    /// The user came online.
    CameOnline,
    /// Already online, or back within the grace period: nothing to tell.
    Unchanged,
}

#[derive(Default)]
struct Counts {
    sockets: usize,
    /// The pending offline transition, if any.
    pending: Option<Ticket>,
    task: Option<AbortHandle>,
}

/// Presence counted in this process.
#[derive(Default)]
pub struct LocalPresence {
    users: Mutex<HashMap<UserId, Counts>>,
    next_ticket: AtomicU64,
}

impl LocalPresence {
    fn open_now(&self, user: UserId) -> Transition {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        let counts = users.entry(user).or_default();
        counts.sockets += 1;
        let returning = counts.pending.take().is_some();
        if let Some(task) = counts.task.take() {
            task.abort();
        }
        if counts.sockets == 1 && !returning {
            Transition::CameOnline
        } else {
            Transition::Unchanged
        }
    }

    fn close_now(&self, user: UserId) -> Option<Ticket> {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        let counts = users.get_mut(&user)?;
        if counts.sockets == 0 {
            return None;
        }
        counts.sockets -= 1;
        if counts.sockets > 0 {
            return None;
        }
        // Marked pending at once (not when the grace task is registered), so
        // a reconnect racing with this close is seen as a return.
        let ticket = self.next_ticket.fetch_add(1, Ordering::Relaxed);
        counts.pending = Some(ticket);
        Some(ticket)
    }

    fn confirm_now(&self, user: UserId, ticket: Ticket) -> bool {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        if users
            .get(&user)
            .is_some_and(|c| c.sockets == 0 && c.pending == Some(ticket))
        {
            users.remove(&user);
            true
        } else {
            false
        }
    }
}

impl PresenceTracker for LocalPresence {
    fn open(&self, user: UserId) -> BoxFuture<'_, Transition> {
        Box::pin(std::future::ready(self.open_now(user)))
    }

    fn close(&self, user: UserId) -> BoxFuture<'_, Option<Ticket>> {
        Box::pin(std::future::ready(self.close_now(user)))
    }

    fn is_online(&self, user: UserId) -> BoxFuture<'_, bool> {
        let users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        Box::pin(std::future::ready(users.contains_key(&user)))
    }

    fn set_pending_offline(&self, user: UserId, task: AbortHandle) {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        match users.get_mut(&user) {
            Some(counts) if counts.pending.is_some() => counts.task = Some(task),
            _ => task.abort(),
        }
    }

    fn confirm_offline(&self, user: UserId, ticket: Ticket) -> BoxFuture<'_, bool> {
        Box::pin(std::future::ready(self.confirm_now(user, ticket)))
    }
}

#[derive(Clone)]
pub struct PresenceService {
    db: Database,
    bus: Arc<dyn EventBus>,
    audience: Audience,
    typing: TypingService,
    tracker: Arc<dyn PresenceTracker>,
    grace: Duration,
}

/// Held by an authenticated socket; dropping it (the socket closed) counts
/// the socket out.
pub struct PresenceGuard {
    /// Boxed: a socket keeps this for its whole life, so keep it one pointer.
    service: Box<PresenceService>,
    user: UserId,
}

impl Drop for PresenceGuard {
    fn drop(&mut self) {
        self.service.closed(self.user);
    }
}

impl PresenceService {
    pub fn new(
        db: Database,
        bus: Arc<dyn EventBus>,
        audience: Audience,
        typing: TypingService,
        tracker: Arc<dyn PresenceTracker>,
        grace: Duration,
    ) -> Self {
        let service = Self {
            db,
            bus,
            audience,
            typing,
            tracker,
            grace,
        };
        service.follow_changes();
        service
    }

    /// Counts a new authenticated socket of `user` in.
    pub async fn connected(&self, user: UserId) -> PresenceGuard {
        if self.tracker.open(user).await == Transition::CameOnline {
            let this = self.clone();
            tokio::spawn(async move { this.announce(user, PresenceStatus::Online).await });
        }
        PresenceGuard {
            service: Box::new(self.clone()),
            user,
        }
    }

    pub async fn is_online(&self, user: UserId) -> bool {
        self.tracker.is_online(user).await
    }

    /// Acts on the transitions the tracker found by itself: offline ones
    /// after the grace period, like any other.
    fn follow_changes(&self) {
        let Some(mut changes) = self.tracker.changes() else {
            return;
        };
        let this = self.clone();
        tokio::spawn(async move {
            while let Some(change) = changes.recv().await {
                match change {
                    PresenceChange::Offline(user, ticket) => {
                        this.await_offline(user, ticket, this.grace);
                    }
                    PresenceChange::Overdue(user, ticket) => {
                        this.await_offline(user, ticket, Duration::ZERO);
                    }
                    PresenceChange::Online(user) => {
                        this.announce(user, PresenceStatus::Online).await;
                    }
                }
            }
        });
    }

    fn closed(&self, user: UserId) {
        // Dropped outside a runtime (the process is ending): nothing to do.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let this = self.clone();
        runtime.spawn(async move {
            let Some(ticket) = this.tracker.close(user).await else {
                return;
            };
            // Typing stops at once; presence waits out the grace period.
            this.typing.disconnected(user);
            this.await_offline(user, ticket, this.grace);
        });
    }

    /// After `grace`, announces `user` offline if `ticket` is still their
    /// pending transition and they have no socket.
    fn await_offline(&self, user: UserId, ticket: Ticket, grace: Duration) {
        let this = self.clone();
        let task = tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            if this.tracker.confirm_offline(user, ticket).await {
                this.went_offline(user).await;
            }
        });
        self.tracker.set_pending_offline(user, task.abort_handle());
    }

    async fn went_offline(&self, user: UserId) {
        if let Err(error) = self.db.users().set_last_seen(user, Utc::now()).await {
            tracing::warn!(?error, %user, "could not store last seen");
        }
        self.announce(user, PresenceStatus::Offline).await;
    }

    /// Tells everyone who may watch `user`.
    async fn announce(&self, user: UserId, status: PresenceStatus) {
        // A few at a time: an announcement reads every chat the user is in
        // and makes an event per watcher, so a thousand users connecting at
        // once (a large group after an outage) would otherwise hold hundreds
        // of MiB at the peak. Presence may lag a little in such a burst.
        let Ok(_permit) = ANNOUNCEMENTS.acquire().await else {
            return;
        };
        let result = async {
            let snapshot = self.db.users().find(user).await?;
            let watchers = self.audience.watchers_of(user).await?;
            Ok::<_, crate::error::AppError>((snapshot, watchers))
        }
        .await;
        match result {
            Ok((Some(snapshot), watchers)) => {
                for watcher in watchers {
                    self.bus.publish(
                        Topic::User(watcher),
                        Event::Presence(PresenceEvent {
                            user: snapshot.clone(),
                            status,
                        }),
                    );
                }
            }
            Ok((None, _)) => {}
            Err(error) => tracing::warn!(?error, %user, "could not announce presence"),
        }
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn local_presence__only_the_latest_ticket_confirms_and_a_return_cancels_it() {
        let presence = LocalPresence::default();
        let ada = UserId::new();
        assert_eq!(presence.open_now(ada), Transition::CameOnline);
        assert_eq!(presence.open_now(ada), Transition::Unchanged);
        assert_eq!(presence.close_now(ada), None, "one socket is left");
        let first = presence.close_now(ada).expect("the last socket closed");
        assert_eq!(presence.open_now(ada), Transition::Unchanged, "a return");
        assert!(!presence.confirm_now(ada, first), "the return cancelled it");
        let second = presence.close_now(ada).expect("the last socket closed");
        assert!(!presence.confirm_now(ada, first), "an older ticket");
        assert!(presence.confirm_now(ada, second));
        assert!(!presence.confirm_now(ada, second), "confirmed once");
        assert_eq!(presence.open_now(ada), Transition::CameOnline);
    }
}
