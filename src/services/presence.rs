//! Presence: a user is ONLINE while at least one authenticated socket of
//! theirs is open (each device counts), OFFLINE when the last one closes —
//! after a grace period, so a quick reconnect does not flap. Going offline
//! stores `lastSeen`. Changes reach the user's watchers (see
//! [`super::audience`]) through `userEvents`.
//!
//! Counting sockets (in this process, or across the cluster with
//! `REDIS_URL`) is [`crate::cluster::presence`]'s job; this service decides
//! who is told what, and when.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use crate::cluster::{PresenceChange, PresenceCounts, Ticket, Transition};
use crate::domain::UserId;
use crate::events::{Event, EventBus, PresenceEvent, PresenceStatus, Topic};
use crate::storage::Database;

use super::audience::Audience;
use super::typing::TypingService;

/// Presence announcements made at once, in this process (see `announce`).
static ANNOUNCEMENTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(16);

#[derive(Clone)]
pub struct PresenceService {
    db: Database,
    bus: Arc<dyn EventBus>,
    audience: Audience,
    typing: TypingService,
    tracker: Arc<dyn PresenceCounts>,
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
        tracker: Arc<dyn PresenceCounts>,
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
