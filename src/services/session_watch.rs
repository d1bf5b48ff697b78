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
//!
//! A socket opened with an identity provider's token has no session: it
//! closes when the token expires, or when [`Event::TokensRevoked`] refuses
//! tokens of its user issued before its token. The same follower keeps the
//! [`IdentityCache`] true: it forgets a user whose tokens were revoked, and
//! everything after possibly lost events.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use tokio_util::sync::{CancellationToken, DropGuard};

use chrono::{DateTime, Utc};

use super::identity_cache::IdentityCache;
use crate::domain::{SessionId, UserId};
use crate::events::{Event, EventBus, EventStream, Topic};
use crate::storage::Database;

/// A socket: its key, its session (none for a provider's token), when its
/// token was issued, and what ends it.
type Sockets = Vec<(u64, Option<SessionId>, DateTime<Utc>, CancellationToken)>;

struct Inner {
    db: Database,
    bus: Arc<dyn EventBus>,
    users: Mutex<HashMap<UserId, Sockets>>,
    identities: Arc<IdentityCache>,
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
            identities: Arc::default(),
            next_key: AtomicU64::new(0),
            follower: Mutex::default(),
        }))
    }

    /// The identity provider's users as cached here; call
    /// [`Self::ensure_following`] before relying on it.
    pub fn identities(&self) -> &IdentityCache {
        &self.0.identities
    }

    /// Registers a socket of `session` (or, without one, of a provider's
    /// token issued at `issued_at`). Revocations are followed from this
    /// call on, so a caller that checks the session *after* it misses none
    /// in between.
    pub fn watch(
        &self,
        user: UserId,
        session: Option<SessionId>,
        issued_at: DateTime<Utc>,
    ) -> Watch {
        self.ensure_following();
        let revoked = CancellationToken::new();
        let key = self.0.next_key.fetch_add(1, Ordering::Relaxed);
        let mut users = self.0.users.lock().unwrap_or_else(|p| p.into_inner());
        users
            .entry(user)
            .or_default()
            .push((key, session, issued_at, revoked.clone()));
        Watch {
            revoked,
            inner: self.0.clone(),
            user,
            key,
        }
    }

    /// Follows the revocations topic from now on (once per process).
    pub fn ensure_following(&self) {
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
    /// Ends the user's sockets that `is_revoked` says (given the session
    /// and when the token was issued).
    fn end(&self, user: UserId, is_revoked: impl Fn(Option<SessionId>, DateTime<Utc>) -> bool) {
        let users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        for (_, session, issued_at, revoked) in users.get(&user).into_iter().flatten() {
            if is_revoked(*session, *issued_at) {
                revoked.cancel();
            }
        }
    }

    /// After possibly lost events: forgets the cached identities and ends
    /// the sockets whose session is gone or whose token was revoked.
    async fn recheck(&self) {
        self.identities.clear();
        let watched: Vec<(UserId, Vec<SessionId>, bool)> = {
            let users = self.users.lock().unwrap_or_else(|p| p.into_inner());
            users
                .iter()
                .map(|(user, sockets)| {
                    let sessions = sockets.iter().filter_map(|(_, s, _, _)| *s).collect();
                    let external = sockets.iter().any(|(_, s, _, _)| s.is_none());
                    (*user, sessions, external)
                })
                .collect()
        };
        for (user, sessions, external) in watched {
            if let Err(error) = self.recheck_user(user, &sessions, external).await {
                // The next gap or revocation checks again; a socket is not
                // closed because the database hiccuped.
                tracing::warn!(?error, %user, "rechecking sessions failed");
            }
        }
    }

    async fn recheck_user(
        &self,
        user: UserId,
        sessions: &[SessionId],
        external: bool,
    ) -> crate::error::AppResult<()> {
        let live = self.db.sessions().live_among(user, sessions).await?;
        let valid_after = match external {
            true => self.db.identities().valid_after(user).await?,
            false => None,
        };
        self.end(user, |session, issued_at| match session {
            Some(session) => !live.contains(&session),
            None => valid_after.is_some_and(|after| issued_at < after),
        });
        Ok(())
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
            Some(Ok(event)) => match &*event {
                Event::SessionsRevoked(revoked) => inner.end(revoked.user, |session, _| {
                    session.is_some_and(|s| revoked.sessions.contains(&s))
                }),
                Event::TokensRevoked(revoked) => {
                    inner.identities.forget(revoked.user);
                    inner.end(revoked.user, |session, issued_at| {
                        session.is_none() && issued_at < revoked.before
                    });
                }
                _ => {}
            },
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
            sockets.retain(|(key, _, _, _)| *key != self.key);
            if sockets.is_empty() {
                users.remove(&self.user);
            }
        }
    }
}
