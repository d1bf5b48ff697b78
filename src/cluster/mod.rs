//! What instances coordinate, and how. One instance alone keeps everything
//! in memory; several behind a load balancer must agree on what no single
//! one of them sees:
//!
//! - [`presence`]: whether a user has a socket open anywhere, so each
//!   online/offline transition is announced once, by one instance;
//! - [`sockets`]: the per-user socket limit, across instances;
//! - [`typing`]: whether someone types in a chat, so a renewal on any
//!   instance counts everywhere and each start and stop is announced once.
//!
//! Presence counts, socket slots and the typing decider are each a trait
//! with a local and a Redis implementation side by side, checked by one
//! contract suite (`contract_tests`) run against both.
//! With `REDIS_URL` every Redis user of an instance goes through one
//! [`RedisLink`]: one client, one instance id (the event bus tags its
//! envelopes with it too), one command connection for the scripts in
//! `lua/`, and one [`heartbeat`] that sweeps crashed instances. The keys are
//! listed in [`keys`]. The event bus keeps its own pub/sub and publishing
//! connections (a subscribed connection cannot run commands) but opens them
//! from the same client and reconnects with the same [`Backoff`].
//!
//! Deciding *who is told what* stays with the services
//! ([`crate::services::presence`], [`crate::services::typing`]).

mod backoff;
mod heartbeat;
pub mod keys;
pub mod link;
mod mirror;
pub mod presence;
pub mod sockets;
pub mod typing;

#[cfg(test)]
mod contract_tests;

use std::sync::Arc;
use std::time::Duration;

use crate::config::Settings;
use crate::domain::UserId;
use crate::limits::LocalSlots;

pub use backoff::Backoff;
pub use link::{InstanceId, RedisLink};
pub use presence::{
    LocalPresence, PresenceChange, PresenceCounts, RedisPresence, Ticket, Transition,
};
pub use sockets::{RedisSockets, UserSockets};
pub use typing::{LocalTyping, RedisTyping, TypingDecider};

/// How presence is timed across instances.
#[derive(Clone, Debug)]
pub struct Timings {
    /// `PRESENCE_HEARTBEAT_MS`.
    pub heartbeat: Duration,
    /// `PRESENCE_INSTANCE_TIMEOUT_MS`: silent this long, an instance counts
    /// as crashed.
    pub instance_timeout: Duration,
    /// `PRESENCE_GRACE_MS`.
    pub grace: Duration,
}

impl Timings {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            heartbeat: Duration::from_millis(settings.cluster.presence_heartbeat_ms),
            instance_timeout: Duration::from_millis(settings.cluster.presence_instance_timeout_ms),
            grace: Duration::from_millis(settings.messaging.presence_grace_ms),
        }
    }
}

/// This instance's part in the cluster, built once at startup.
pub struct Cluster {
    link: Option<Arc<RedisLink>>,
    presence: Arc<dyn PresenceCounts>,
    sockets: Arc<dyn UserSockets>,
}

impl Cluster {
    /// In Redis when `REDIS_URL` is set, else in this process. Fails only
    /// on a malformed URL; Redis need not be reachable yet.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let max_sockets = settings.connections.ws_max_sockets_per_user;
        match settings.cluster.redis_url() {
            None => Ok(Self::local(max_sockets)),
            Some(url) => Self::redis(url, Timings::from_settings(settings), max_sockets)
                .map_err(|e| anyhow::anyhow!("REDIS_URL is not usable: {e}")),
        }
    }

    /// One instance on its own.
    pub fn local(max_sockets: usize) -> Self {
        Self {
            link: None,
            presence: Arc::new(LocalPresence::default()),
            sockets: Arc::new(LocalSlots::<UserId>::new(max_sockets)),
        }
    }

    /// Coordinated through the Redis at `url`; starts the heartbeat (it
    /// ends when the presence counts are dropped).
    pub fn redis(url: &str, timings: Timings, max_sockets: usize) -> redis::RedisResult<Self> {
        let link = Arc::new(RedisLink::open(url)?);
        let presence = Arc::new(RedisPresence::new(link.clone(), &timings));
        let sockets = RedisSockets::new(link.clone(), max_sockets);
        tokio::spawn(heartbeat::run(
            Arc::downgrade(&presence),
            Arc::downgrade(sockets.claims()),
            timings.heartbeat,
        ));
        Ok(Self {
            link: Some(link),
            presence,
            sockets: Arc::new(sockets),
        })
    }

    /// The Redis link, when there is one.
    pub fn link(&self) -> Option<&Arc<RedisLink>> {
        self.link.as_ref()
    }

    /// This instance's id in Redis, when there is one.
    pub fn instance(&self) -> Option<InstanceId> {
        self.link.as_ref().map(|link| link.instance())
    }

    pub fn presence(&self) -> Arc<dyn PresenceCounts> {
        self.presence.clone()
    }

    pub fn user_sockets(&self) -> Arc<dyn UserSockets> {
        self.sockets.clone()
    }

    /// Decides typing (in Redis with a link, else in this process), with
    /// typing ending `timeout` after the latest start. `report` hears each
    /// change; `load` names a user whose typing started on another instance.
    pub fn typing(
        &self,
        timeout: Duration,
        report: typing::Report,
        load: typing::LoadUser,
    ) -> Arc<dyn TypingDecider> {
        match &self.link {
            None => Arc::new(LocalTyping::new(timeout, report)),
            Some(link) => Arc::new(RedisTyping::start(link.clone(), timeout, report, load)),
        }
    }
}
