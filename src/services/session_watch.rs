//! [`SessionWatch`]: ends this instance's sockets of revoked sessions.
//!
//! A socket's identity is its session, not its access token: it stays open
//! past the token's expiry for as long as the session lives, and closes
//! (4403) as soon as the session is revoked. Revocations travel as
//! [`Event::SessionsRevoked`] on [`Topic::Sessions`], which every instance
//! follows once: a revocation is rare, so sending each to every instance
//! costs less than a subscription per user with sockets (which would also
//! receive all of that user's other events). An idle socket costs only a
//! [`CancellationToken`] in a map, and sockets wake for a revocation of
//! their own session only. When the bus says events may have been lost (a
//! gap, or the follower fell behind), every watched session is checked
//! against the database instead, so a revocation is never missed for good.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::domain::{SessionId, UserId};
use crate::events::{Event, EventBus, EventStream, Topic};
use crate::storage::Database;

type Sockets = Vec<(u64, SessionId, CancellationToken)>;

struct Inner {
    db: Database,
    bus: Arc<dyn EventBus>,
    users: Mutex<HashMap<UserId, Sockets>>,
    next_key: AtomicU64,
    /// The follower of the revocations topic, started with the first
    /// socket (a process with none needs none) and stopped with the watch.
    follower: Mutex<Option<DropGuard>>,
}

#[derive(Clone)]
pub struct SessionWatch(Arc<Inner>);

/// One socket's registration: `revoked` is cancelled when its session is
/// revoked. Dropping it unregisters the socket.
pub struct Watch {
    pub revoked: CancellationToken,
    inner: Arc<Inner>,
    user: UserId,
    key: u64,
}

impl SessionWatch {
    pub fn new(db: Database, bus: Arc<dyn EventBus>) -> Self {
        Self(Arc::new(Inner {
            db,
            bus,
            users: Mutex::default(),
            next_key: AtomicU64::new(0),
            follower: Mutex::default(),
        }))
    }

    /// Registers a socket of `session`. Revocations are followed from this
    /// call on, so a caller that checks the session *after* it misses none
    /// in between.
    pub fn watch(&self, user: UserId, session: SessionId) -> Watch {
        self.ensure_following();
        let revoked = CancellationToken::new();
        let key = self.0.next_key.fetch_add(1, Ordering::Relaxed);
        let mut users = self.0.users.lock().unwrap_or_else(|p| p.into_inner());
        users
            .entry(user)
            .or_default()
            .push((key, session, revoked.clone()));
        Watch {
            revoked,
            inner: self.0.clone(),
            user,
            key,
        }
    }

    fn ensure_following(&self) {
        let mut follower = self.0.follower.lock().unwrap_or_else(|p| p.into_inner());
        if follower.is_none() {
            let stop = CancellationToken::new();
            // Subscribed here, synchronously, not in the task.
            let events = self.0.bus.subscribe(Topic::Sessions);
            // Weak: the task must not keep the watch alive.
            tokio::spawn(follow(Arc::downgrade(&self.0), events, stop.clone()));
            *follower = Some(stop.drop_guard());
        }
    }
}

impl Inner {
    /// Ends the user's sockets whose session `is_revoked` says.
    fn end(&self, user: UserId, is_revoked: impl Fn(SessionId) -> bool) {
        let users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        for (_, session, revoked) in users.get(&user).into_iter().flatten() {
            if is_revoked(*session) {
                revoked.cancel();
            }
        }
    }

    /// After possibly lost events: ends the sockets whose session is gone.
    async fn recheck(&self) {
        let watched: Vec<(UserId, Vec<SessionId>)> = {
            let users = self.users.lock().unwrap_or_else(|p| p.into_inner());
            users
                .iter()
                .map(|(user, sockets)| (*user, sockets.iter().map(|(_, s, _)| *s).collect()))
                .collect()
        };
        for (user, sessions) in watched {
            match self.db.sessions().live_among(user, &sessions).await {
                Ok(live) => self.end(user, |session| !live.contains(&session)),
                // The next gap or revocation checks again; a socket is not
                // closed because the database hiccuped.
                Err(error) => tracing::warn!(?error, %user, "rechecking sessions failed"),
            }
        }
    }
}

/// Follows the revocations until `stop`, ending revoked sessions' sockets.
async fn follow(inner: std::sync::Weak<Inner>, mut events: EventStream, stop: CancellationToken) {
    loop {
        let next = tokio::select! {
            _ = stop.cancelled() => return,
            next = events.next() => next,
        };
        let Some(inner) = inner.upgrade() else {
            return;
        };
        match next {
            Some(Ok(event)) => {
                if let Event::SessionsRevoked(revoked) = &*event {
                    inner.end(revoked.user, |session| revoked.sessions.contains(&session));
                }
            }
            Some(Err(_)) => inner.recheck().await,
            // Cut off for falling behind: follow again, then check.
            None => {
                events = inner.bus.subscribe(Topic::Sessions);
                inner.recheck().await;
            }
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut users = self.inner.users.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(sockets) = users.get_mut(&self.user) {
            sockets.retain(|(key, _, _)| *key != self.key);
            if sockets.is_empty() {
                users.remove(&self.user);
            }
        }
    }
}
