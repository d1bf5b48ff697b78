//! [`ClusterSettings`]: the Redis that links instances, and how they keep
//! track of each other through it. Without `REDIS_URL` the server runs as a
//! single instance and the rest is unused.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct ClusterSettings {
    /// `REDIS_URL`: the Redis (`redis://host:port`) that carries events
    /// between instances. Unset or empty: a single instance with the
    /// in-process bus. May hold a password, hence secret.
    #[serde(default)]
    pub redis_url: Option<SecretString>,
    /// `REDIS_PUBLISH_QUEUE`: events waiting to be sent to Redis; when full,
    /// new events reach only local subscribers and their topics get a gap
    /// notice on the other instances.
    #[serde(default = "defaults::redis_publish_queue")]
    pub redis_publish_queue: usize,
    /// `REDIS_RECONNECT_MAX_MS`: the longest pause between attempts to
    /// reconnect to Redis (the pause starts at 100 ms and doubles).
    #[serde(default = "defaults::redis_reconnect_max_ms")]
    pub redis_reconnect_max_ms: u64,
    /// `PRESENCE_HEARTBEAT_MS`: with `REDIS_URL`, how often an instance
    /// tells Redis it is alive (and sweeps instances that stopped doing so).
    #[serde(default = "defaults::presence_heartbeat_ms")]
    pub presence_heartbeat_ms: u64,
    /// `PRESENCE_INSTANCE_TIMEOUT_MS`: with `REDIS_URL`, an instance without
    /// a heartbeat for this long counts as crashed: its sockets are taken
    /// out of presence (its users go offline after the grace period). Keep
    /// it several heartbeats long.
    #[serde(default = "defaults::presence_instance_timeout_ms")]
    pub presence_instance_timeout_ms: u64,
}

impl ClusterSettings {
    /// The Redis URL, when one is configured (an empty value counts as none,
    /// as deployment templates often leave it).
    pub fn redis_url(&self) -> Option<&str> {
        self.redis_url
            .as_ref()
            .map(|url| url.expose_secret())
            .filter(|url| !url.trim().is_empty())
    }

    pub fn redis_reconnect_max(&self) -> Duration {
        Duration::from_millis(self.redis_reconnect_max_ms)
    }
}

mod defaults {
    pub fn redis_publish_queue() -> usize {
        4_096
    }
    pub fn redis_reconnect_max_ms() -> u64 {
        5_000
    }
    pub fn presence_heartbeat_ms() -> u64 {
        5_000
    }
    pub fn presence_instance_timeout_ms() -> u64 {
        15_000
    }
}
