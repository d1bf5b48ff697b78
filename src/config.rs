//! Settings read once from environment variables at startup.
//!
//! Every variable has a documented default (the README lists them all), so a
//! developer can start the server with no configuration at all. Secrets live
//! in [`SecretString`] so that printing the settings never prints them.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// A signing key only fit for local development; refused in production.
const DEVELOPMENT_JWT_SECRET: &str = "development-only-secret-change-me-0123456789abcdef";
/// HS256 keys shorter than this are brute-forceable; production refuses them.
const MIN_PRODUCTION_SECRET_LEN: usize = 32;

/// Where the process runs; production tightens defaults and refuses unsafe ones.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AppEnv {
    #[default]
    Development,
    Production,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Coloured, one event per line, for people at a terminal.
    #[default]
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

/// All runtime configuration. Field names are the environment variable names
/// in lower case (`app_port` is read from `APP_PORT`).
#[derive(Clone, Debug, Deserialize)]
pub struct Settings {
    /// `APP_ENV`: `development` or `production`.
    #[serde(default)]
    pub app_env: AppEnv,
    /// `APP_HOST`: the address to bind.
    #[serde(default = "defaults::host")]
    pub app_host: String,
    /// `APP_PORT`: the port to bind; 0 picks a free one.
    #[serde(default = "defaults::port")]
    pub app_port: u16,
    /// `MONGODB_URI`: connection string (may hold credentials, hence secret).
    #[serde(default = "defaults::mongodb_uri")]
    pub mongodb_uri: SecretString,
    /// `MONGODB_DATABASE`: database name.
    #[serde(default = "defaults::mongodb_database")]
    pub mongodb_database: String,
    /// `MONGODB_POOL_SIZE`: maximum connections in the driver's pool.
    #[serde(default = "defaults::mongodb_pool_size")]
    pub mongodb_pool_size: u32,
    /// `JWT_SECRET`: HS256 signing key. Unset means a development key with a
    /// loud warning; production refuses to start without a real one.
    #[serde(default)]
    pub jwt_secret: Option<SecretString>,
    /// `JWT_TTL_SECONDS`: token lifetime.
    #[serde(default = "defaults::jwt_ttl_seconds")]
    pub jwt_ttl_seconds: u64,
    /// `JWT_ISSUER`: the `iss` claim written and required.
    #[serde(default = "defaults::jwt_issuer")]
    pub jwt_issuer: String,
    /// `JWT_AUDIENCE`: the `aud` claim written and required.
    #[serde(default = "defaults::jwt_audience")]
    pub jwt_audience: String,
    /// `PASSWORD_HASH_MEMORY_KIB`: argon2id memory cost (OWASP minimum 19 MiB).
    #[serde(default = "defaults::password_hash_memory_kib")]
    pub password_hash_memory_kib: u32,
    /// `PASSWORD_HASH_ITERATIONS`: argon2id time cost.
    #[serde(default = "defaults::password_hash_iterations")]
    pub password_hash_iterations: u32,
    /// `LOG_FORMAT`: `human` or `json`.
    #[serde(default)]
    pub log_format: LogFormat,
    /// `LOG_LEVEL`: a tracing filter such as `info` or `chat_server=debug,info`.
    #[serde(default = "defaults::log_level")]
    pub log_level: String,
    /// `WS_INIT_TIMEOUT_MS`: how long a socket may wait before `connection_init`.
    #[serde(default = "defaults::ws_init_timeout_ms")]
    pub ws_init_timeout_ms: u64,
    /// `SHUTDOWN_DRAIN_MS`: how long a shutdown waits for requests and sockets.
    #[serde(default = "defaults::shutdown_drain_ms")]
    pub shutdown_drain_ms: u64,
    /// `NOTIFICATION_RETENTION_DAYS`: notifications are deleted this long
    /// after they were created (a TTL index).
    #[serde(default = "defaults::notification_retention_days")]
    pub notification_retention_days: u64,
    /// `CHAT_EVENT_RETENTION_DAYS`: how long edits, reactions and receipts
    /// stay replayable by `messageEvents(after:)`; older cursors get RESYNC.
    #[serde(default = "defaults::chat_event_retention_days")]
    pub chat_event_retention_days: u64,
    /// `MAX_GROUP_MEMBERS`: the most members a group may have.
    #[serde(default = "defaults::max_group_members")]
    pub max_group_members: usize,
    /// `MESSAGE_EDIT_WINDOW_SECONDS`: how long after sending an author may edit.
    #[serde(default = "defaults::message_edit_window_seconds")]
    pub message_edit_window_seconds: u64,
    /// `MESSAGE_DELETE_WINDOW_SECONDS`: how long after sending an author may
    /// delete for everyone (group admins may at any time).
    #[serde(default = "defaults::message_delete_window_seconds")]
    pub message_delete_window_seconds: u64,
    /// `MESSAGE_REPLAY_MAX`: the most events `messageEvents(after:)` replays;
    /// an older cursor gets a RESYNC event instead.
    #[serde(default = "defaults::message_replay_max")]
    pub message_replay_max: i64,
    /// `PLAYGROUND_ENABLED`: serve GraphiQL at `/playground`; defaults to on
    /// in development and off in production.
    #[serde(default)]
    pub playground_enabled: Option<bool>,
    /// `INTROSPECTION_ENABLED`: allow schema introspection; defaults to on in
    /// development and off in production.
    #[serde(default)]
    pub introspection_enabled: Option<bool>,
}

/// Why the settings could not be used.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "configuration error: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Settings {
    /// Reads the process environment and checks the combination is safe.
    pub fn from_env() -> Result<Self, ConfigError> {
        let settings: Settings = envy::from_env().map_err(|e| ConfigError(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Refuses combinations that must never reach production.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.app_env == AppEnv::Production {
            match &self.jwt_secret {
                None => {
                    return Err(ConfigError(
                        "JWT_SECRET must be set when APP_ENV=production".into(),
                    ));
                }
                Some(secret) if secret.expose_secret().len() < MIN_PRODUCTION_SECRET_LEN => {
                    return Err(ConfigError(format!(
                        "JWT_SECRET must be at least {MIN_PRODUCTION_SECRET_LEN} bytes in production"
                    )));
                }
                Some(secret) if secret.expose_secret() == DEVELOPMENT_JWT_SECRET => {
                    return Err(ConfigError(
                        "JWT_SECRET is the development key; set a real one".into(),
                    ));
                }
                Some(_) => {}
            }
        }
        if self.mongodb_pool_size == 0 {
            return Err(ConfigError("MONGODB_POOL_SIZE must be at least 1".into()));
        }
        if self.jwt_ttl_seconds == 0 {
            return Err(ConfigError("JWT_TTL_SECONDS must be at least 1".into()));
        }
        Ok(())
    }

    /// True when no `JWT_SECRET` was given and the development key is in use.
    pub fn uses_development_jwt_secret(&self) -> bool {
        self.jwt_secret.is_none()
    }

    /// The key that signs and checks tokens.
    pub fn jwt_secret_bytes(&self) -> &[u8] {
        match &self.jwt_secret {
            Some(secret) => secret.expose_secret().as_bytes(),
            None => DEVELOPMENT_JWT_SECRET.as_bytes(),
        }
    }

    pub fn is_production(&self) -> bool {
        self.app_env == AppEnv::Production
    }

    pub fn playground_enabled(&self) -> bool {
        self.playground_enabled.unwrap_or(!self.is_production())
    }

    pub fn introspection_enabled(&self) -> bool {
        self.introspection_enabled.unwrap_or(!self.is_production())
    }

    pub fn jwt_ttl(&self) -> Duration {
        Duration::from_secs(self.jwt_ttl_seconds)
    }

    pub fn ws_init_timeout(&self) -> Duration {
        Duration::from_millis(self.ws_init_timeout_ms)
    }

    pub fn notification_retention(&self) -> Duration {
        Duration::from_secs(self.notification_retention_days * 24 * 60 * 60)
    }

    pub fn chat_event_retention(&self) -> Duration {
        Duration::from_secs(self.chat_event_retention_days * 24 * 60 * 60)
    }

    pub fn shutdown_drain(&self) -> Duration {
        Duration::from_millis(self.shutdown_drain_ms)
    }
}

mod defaults {
    use secrecy::SecretString;

    pub fn host() -> String {
        "127.0.0.1".into()
    }
    pub fn port() -> u16 {
        8080
    }
    pub fn mongodb_uri() -> SecretString {
        SecretString::from("mongodb://127.0.0.1:27017")
    }
    pub fn mongodb_database() -> String {
        "chat".into()
    }
    pub fn mongodb_pool_size() -> u32 {
        10
    }
    pub fn jwt_ttl_seconds() -> u64 {
        24 * 60 * 60
    }
    pub fn jwt_issuer() -> String {
        "chat-server".into()
    }
    pub fn jwt_audience() -> String {
        "chat-clients".into()
    }
    pub fn password_hash_memory_kib() -> u32 {
        19 * 1024
    }
    pub fn password_hash_iterations() -> u32 {
        2
    }
    pub fn log_level() -> String {
        "info".into()
    }
    pub fn ws_init_timeout_ms() -> u64 {
        3_000
    }
    pub fn notification_retention_days() -> u64 {
        30
    }
    pub fn chat_event_retention_days() -> u64 {
        30
    }
    pub fn max_group_members() -> usize {
        1_000
    }
    pub fn message_edit_window_seconds() -> u64 {
        15 * 60
    }
    pub fn message_delete_window_seconds() -> u64 {
        60 * 60
    }
    pub fn message_replay_max() -> i64 {
        1_000
    }
    pub fn shutdown_drain_ms() -> u64 {
        10_000
    }
}
