//! Presence: a user is ONLINE while at least one authenticated socket of
//! theirs is open (each device counts), OFFLINE when the last one closes —
//! after a grace period, so a quick reconnect does not flap. Going offline
//! stores `lastSeen`. Changes reach the user's watchers (see
//! [`super::audience`]) through `userEvents`.
//!
//! Connection counting sits behind [`PresenceTracker`]; [`LocalPresence`]
//! counts in this process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::task::AbortHandle;

use crate::domain::UserId;
use crate::events::{Event, EventBus, PresenceEvent, PresenceStatus, Topic};
use crate::storage::Database;

use super::audience::Audience;
use super::typing::TypingService;

/// Counts a user's open sockets.
pub trait PresenceTracker: Send + Sync + 'static {
    /// A socket opened; true when the user was not online before (and no
    /// offline transition is pending).
    fn open(&self, user: UserId) -> Transition;
    /// A socket closed; true when it was the user's last one.
    fn close(&self, user: UserId) -> bool;
    fn is_online(&self, user: UserId) -> bool;
    /// Remembers the pending offline task of `user` (to cancel on reconnect).
    fn set_pending_offline(&self, user: UserId, task: AbortHandle);
    /// The grace period ended with no socket open: forget the user. True
    /// when they are indeed still without sockets.
    fn confirm_offline(&self, user: UserId) -> bool;
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
    pending_offline: Option<AbortHandle>,
}

/// Presence counted in this process.
#[derive(Default)]
pub struct LocalPresence {
    users: Mutex<HashMap<UserId, Counts>>,
}

impl PresenceTracker for LocalPresence {
    fn open(&self, user: UserId) -> Transition {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        let counts = users.entry(user).or_default();
        counts.sockets += 1;
        let returning = counts
            .pending_offline
            .take()
            .map(|task| task.abort())
            .is_some();
        if counts.sockets == 1 && !returning {
            Transition::CameOnline
        } else {
            Transition::Unchanged
        }
    }

    fn close(&self, user: UserId) -> bool {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        let Some(counts) = users.get_mut(&user) else {
            return false;
        };
        counts.sockets = counts.sockets.saturating_sub(1);
        counts.sockets == 0
    }

    fn is_online(&self, user: UserId) -> bool {
        let users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        users.contains_key(&user)
    }

    fn set_pending_offline(&self, user: UserId, task: AbortHandle) {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        match users.get_mut(&user) {
            Some(counts) if counts.sockets == 0 => counts.pending_offline = Some(task),
            _ => task.abort(),
        }
    }

    fn confirm_offline(&self, user: UserId) -> bool {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        if users.get(&user).is_some_and(|c| c.sockets == 0) {
            users.remove(&user);
            true
        } else {
            false
        }
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
        Self {
            db,
            bus,
            audience,
            typing,
            tracker,
            grace,
        }
    }

    /// Counts a new authenticated socket of `user` in.
    pub fn connected(&self, user: UserId) -> PresenceGuard {
        if self.tracker.open(user) == Transition::CameOnline {
            let this = self.clone();
            tokio::spawn(async move { this.announce(user, PresenceStatus::Online).await });
        }
        PresenceGuard {
            service: Box::new(self.clone()),
            user,
        }
    }

    pub fn is_online(&self, user: UserId) -> bool {
        self.tracker.is_online(user)
    }

    fn closed(&self, user: UserId) {
        if !self.tracker.close(user) {
            return;
        }
        // Typing stops at once; presence waits out the grace period.
        self.typing.disconnected(user);
        let this = self.clone();
        let grace = self.grace;
        let task = tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            if this.tracker.confirm_offline(user) {
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
