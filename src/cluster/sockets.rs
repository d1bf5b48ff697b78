//! The per-user socket limit (`WS_MAX_SOCKETS_PER_USER`): a socket claims
//! one of its user's slots before it counts, and gives it back by dropping
//! the [`Slot`]. [`LocalSlots`] counts in this process, [`RedisSockets`]
//! across the cluster; both answer [`UserSockets`] alike (see
//! `contract_tests`).
//!
//! **In Redis** claiming is one script (`lua/sockets_claim.lua`) that sums
//! the user's per-instance counts and increments this instance's only below
//! the cap, so two instances cannot both take the last slot. A crashed
//! instance's slots are swept with its presence counts, and this instance's
//! are written back after it was swept by mistake (see
//! [`super::heartbeat`]).
//!
//! **Failures.** While Redis cannot answer, the cap holds per instance (a
//! [`LocalSlots`] fallback): the limit never refuses a socket because Redis
//! is down.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use futures_util::future::BoxFuture;
use redis::Script;

use super::keys;
use super::link::{RedisLink, lua};
use super::mirror::Mirror;
use crate::domain::UserId;
use crate::error::AppResult;
use crate::limits::{LocalSlots, Slot};

/// Where open sockets are counted per user.
pub trait UserSockets: Send + Sync + 'static {
    /// Claims one of `user`'s socket slots; `Ok(None)` when all are taken.
    /// Async and fallible so that a shared (networked) count fits.
    fn try_open(&self, user: UserId) -> BoxFuture<'_, AppResult<Option<Slot>>>;
}

impl UserSockets for LocalSlots<UserId> {
    fn try_open(&self, user: UserId) -> BoxFuture<'_, AppResult<Option<Slot>>> {
        let slot = self.try_acquire(user);
        Box::pin(std::future::ready(Ok(slot)))
    }
}

static CLAIM: LazyLock<Script> = lua!(helpers + "sockets_claim");
static RELEASE: LazyLock<Script> = lua!(helpers + "sockets_release");
static REASSERT: LazyLock<Script> = lua!(helpers + "sockets_reassert");

/// How long a claim waits for a release of the same user still in flight.
const RELEASE_WAIT: Duration = Duration::from_secs(2);

/// Open sockets per user counted across the cluster (see the module docs).
pub struct RedisSockets {
    claims: Arc<Claims>,
    max: usize,
    /// Used while Redis cannot answer: the cap then holds per instance.
    fallback: LocalSlots<UserId>,
}

/// This instance's claims, shared with their slots (which release them)
/// and the heartbeat (which writes them back).
pub(super) struct Claims {
    link: Arc<RedisLink>,
    /// This instance's claimed slots per user, as Redis should have them.
    slots: Mirror,
    /// Releases sent but not yet answered, per user; a claim of the same
    /// user waits for them, so that closing a socket and opening another in
    /// its place (in that order) never finds the slot taken.
    releasing: Mirror,
    /// Bumped after each answered release.
    released: tokio::sync::watch::Sender<u64>,
    /// Claims and releases share it; a write-back takes it alone (it sets
    /// slots from a snapshot of `slots`, which a claim or release running
    /// meanwhile would make stale: see `RedisPresence`'s).
    writes: tokio::sync::RwLock<()>,
}

impl RedisSockets {
    pub fn new(link: Arc<RedisLink>, max: usize) -> Self {
        Self {
            claims: Arc::new(Claims {
                link,
                slots: Mirror::default(),
                releasing: Mirror::default(),
                released: tokio::sync::watch::Sender::new(0),
                writes: tokio::sync::RwLock::new(()),
            }),
            max,
            fallback: LocalSlots::new(max),
        }
    }

    pub(super) fn claims(&self) -> &Arc<Claims> {
        &self.claims
    }
}

impl UserSockets for RedisSockets {
    fn try_open(&self, user: UserId) -> BoxFuture<'_, AppResult<Option<Slot>>> {
        Box::pin(async move {
            let claims = &self.claims;
            let link = &claims.link;
            claims.await_releases(user).await;
            let shared = claims.writes.read().await;
            let keys = [keys::sockets(user), keys::users_of(link.instance())];
            let args = [
                link.instance().to_string(),
                user.to_string(),
                self.max.to_string(),
            ];
            match link.run::<i64>(&CLAIM, &keys, &args).await {
                Ok(1) => {}
                Ok(_) => return Ok(None),
                Err(error) => {
                    tracing::warn!(%error, %user, "could not claim a socket slot in redis; counting on this instance");
                    return Ok(self.fallback.try_acquire(user));
                }
            }
            claims.slots.adjust(user, true);
            drop(shared);
            let claims = claims.clone();
            Ok(Some(Slot::new(move || claims.release(user))))
        })
    }
}

impl Claims {
    fn release(self: Arc<Self>, user: UserId) {
        // Released from a destructor: the Redis call runs on its own
        // (outside a runtime the process is ending anyway).
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.slots.adjust(user, false);
            return;
        };
        {
            self.releasing.adjust(user, true);
            runtime.spawn(async move {
                let _shared = self.writes.read().await;
                self.slots.adjust(user, false);
                let keys = [keys::sockets(user)];
                let args = [self.link.instance().to_string()];
                if let Err(error) = self.link.run::<i64>(&RELEASE, &keys, &args).await {
                    tracing::warn!(%error, %user, "could not release a socket slot in redis");
                }
                self.releasing.adjust(user, false);
                self.released.send_modify(|n| *n = n.wrapping_add(1));
            });
        }
    }

    /// Waits (bounded) until no slot release of `user` is in flight.
    async fn await_releases(&self, user: UserId) {
        // Subscribed before looking, so a release answered in between is
        // not missed.
        let mut released = self.released.subscribe();
        let _ = tokio::time::timeout(RELEASE_WAIT, async {
            while self.releasing.contains(user) {
                if released.changed().await.is_err() {
                    return;
                }
            }
        })
        .await;
    }

    /// Writes this instance's claims back.
    pub(super) async fn reassert(&self) -> redis::RedisResult<()> {
        let _alone = self.writes.write().await;
        if let Some(args) = self.slots.script_args(self.link.instance(), keys::PRESENCE) {
            self.link.run::<i64>(&REASSERT, &[], &args).await?;
        }
        Ok(())
    }
}
