//! [`SessionWatch`]: ends this instance's sockets of revoked sessions.
//!
//! A socket's identity is its session, not its access token: it stays open
//! past the token's expiry for as long as the session lives, and closes
//! (4403) as soon as the session is revoked. Revocations travel as
//! [`Event::SessionsRevoked`] on the user's topic, so they reach every
//! instance that follows it.
//!
//! One bus subscription per user with sockets here, not one per socket: an
//! idle socket costs only a [`CancellationToken`] in a map, and sockets wake
//! for a revocation of their own session only. When the bus says events may
//! have been lost (a gap, or the follower fell behind), the user's watched
//! sessions are checked against the database instead, so a revocation is
//! never missed for good.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::domain::{SessionId, UserId};
use crate::events::{Event, EventBus, EventStream, Topic};
use crate::storage::Database;

/// The sockets of one user on this instance and their follower task.
struct Watched {
    sockets: Vec<(u64, SessionId, CancellationToken)>,
    /// Stops the follower when the user's last socket here is gone.
    _follower: DropGuard,
}

struct Inner {
    db: Database,
    bus: Arc<dyn EventBus>,
    users: Mutex<HashMap<UserId, Watched>>,
    next_key: AtomicU64,
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
        }))
    }

    /// Registers a socket of `session`. Follows the user's topic from this
    /// call on, so a caller that checks the session *after* it misses no
    /// revocation in between.
    pub fn watch(&self, user: UserId, session: SessionId) -> Watch {
        let revoked = CancellationToken::new();
        let key = self.0.next_key.fetch_add(1, Ordering::Relaxed);
        let mut users = self.0.users.lock().unwrap_or_else(|p| p.into_inner());
        let watched = users.entry(user).or_insert_with(|| {
            let stop = CancellationToken::new();
            // Subscribed here, synchronously, not in the task.
            let events = self.0.bus.subscribe(Topic::User(user));
            tokio::spawn(follow(self.0.clone(), user, events, stop.clone()));
            Watched {
                sockets: Vec::new(),
                _follower: stop.drop_guard(),
            }
        });
        watched.sockets.push((key, session, revoked.clone()));
        Watch {
            revoked,
            inner: self.0.clone(),
            user,
            key,
        }
    }
}

impl Inner {
    /// Ends the user's sockets whose session `is_revoked` says.
    fn end(&self, user: UserId, is_revoked: impl Fn(SessionId) -> bool) {
        let users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(watched) = users.get(&user) {
            for (_, session, revoked) in &watched.sockets {
                if is_revoked(*session) {
                    revoked.cancel();
                }
            }
        }
    }

    /// After possibly lost events: ends the sockets whose session is gone.
    async fn recheck(&self, user: UserId) {
        let sessions: Vec<SessionId> = {
            let users = self.users.lock().unwrap_or_else(|p| p.into_inner());
            users
                .get(&user)
                .map(|w| w.sockets.iter().map(|(_, s, _)| *s).collect())
                .unwrap_or_default()
        };
        if sessions.is_empty() {
            return;
        }
        match self.db.sessions().live_among(user, &sessions).await {
            Ok(live) => self.end(user, |session| !live.contains(&session)),
            // The next gap or revocation checks again; a socket is not
            // closed because the database hiccuped.
            Err(error) => tracing::warn!(?error, %user, "rechecking sessions failed"),
        }
    }
}

/// Follows `user`'s topic until `stop`, ending revoked sessions' sockets.
async fn follow(inner: Arc<Inner>, user: UserId, mut events: EventStream, stop: CancellationToken) {
    loop {
        let next = tokio::select! {
            _ = stop.cancelled() => return,
            next = events.next() => next,
        };
        match next {
            Some(Ok(event)) => {
                if let Event::SessionsRevoked(revoked) = &*event {
                    inner.end(user, |session| revoked.sessions.contains(&session));
                }
            }
            Some(Err(_)) => inner.recheck(user).await,
            // Cut off for falling behind: follow again, then check.
            None => {
                events = inner.bus.subscribe(Topic::User(user));
                inner.recheck(user).await;
            }
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut users = self.inner.users.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(watched) = users.get_mut(&self.user) {
            watched.sockets.retain(|(key, _, _)| *key != self.key);
            if watched.sockets.is_empty() {
                users.remove(&self.user);
            }
        }
    }
}
