//! [`DatabaseSettings`]: the MongoDB to use, how long to wait for it, and
//! how long it keeps what expires.

use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct DatabaseSettings {
    /// `MONGODB_URI`: connection string (may hold credentials, hence secret).
    #[serde(default = "defaults::mongodb_uri")]
    pub mongodb_uri: SecretString,
    /// `MONGODB_DATABASE`: database name.
    #[serde(default = "defaults::mongodb_database")]
    pub mongodb_database: String,
    /// `MONGODB_POOL_SIZE`: maximum connections in the driver's pool.
    #[serde(default = "defaults::mongodb_pool_size")]
    pub mongodb_pool_size: u32,
    /// `DB_TIMEOUT_MS`: how long a request waits for the database to be
    /// reachable (server selection, connecting) before it fails with
    /// `UNAVAILABLE`. A `serverSelectionTimeoutMS` in the URI wins.
    #[serde(default = "defaults::db_timeout_ms")]
    pub db_timeout_ms: u64,
    /// `NOTIFICATION_RETENTION_DAYS`: notifications are deleted this long
    /// after they were created (a TTL index).
    #[serde(default = "defaults::notification_retention_days")]
    pub notification_retention_days: u64,
    /// `CHAT_EVENT_RETENTION_DAYS`: how long edits, reactions and receipts
    /// stay replayable by `messageEvents(after:)`; older cursors get RESYNC.
    #[serde(default = "defaults::chat_event_retention_days")]
    pub chat_event_retention_days: u64,
}

impl DatabaseSettings {
    pub fn notification_retention(&self) -> Duration {
        Duration::from_secs(self.notification_retention_days * 24 * 60 * 60)
    }

    pub fn chat_event_retention(&self) -> Duration {
        Duration::from_secs(self.chat_event_retention_days * 24 * 60 * 60)
    }
}

mod defaults {
    use secrecy::SecretString;

    pub fn mongodb_uri() -> SecretString {
        SecretString::from("mongodb://127.0.0.1:27017")
    }
    pub fn mongodb_database() -> String {
        "chat".into()
    }
    pub fn mongodb_pool_size() -> u32 {
        10
    }
    pub fn db_timeout_ms() -> u64 {
        3_000
    }
    pub fn notification_retention_days() -> u64 {
        30
    }
    pub fn chat_event_retention_days() -> u64 {
        30
    }
}
