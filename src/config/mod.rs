//! Settings read once from environment variables at startup.
//!
//! Every variable has a documented default (the README lists them all), so a
//! developer can start the server with no configuration at all. Secrets live
//! in [`SecretString`] so that printing the settings never prints them.
//!
//! [`Settings`] holds one group per concern, each in its own module. A
//! group's field names are the environment variable names in lower case
//! (`server.app_port` is read from `APP_PORT`), and each group is read from
//! the whole environment on its own, picking its own variables: no prefix,
//! no nesting in the names. (Not `#[serde(flatten)]`: through it, envy
//! hands every value over as a string, and a number no longer parses.)
//!
//! [`SecretString`]: secrecy::SecretString

mod auth;
mod cluster;
mod connections;
mod database;
pub mod identity;
mod logging;
mod messaging;
mod moderation;
mod push;
mod queries;
mod quota;
mod rate_limits;
mod server;
mod storage;
mod webhooks;

use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;

pub use auth::AuthSettings;
pub use cluster::ClusterSettings;
pub use connections::ConnectionSettings;
pub use database::DatabaseSettings;
pub use identity::{AuthMode, IdentitySettings, ServerApiKey};
pub use logging::{LogFormat, LoggingSettings};
pub use messaging::MessagingSettings;
pub use moderation::ModerationSettings;
pub use push::PushSettings;
pub use queries::QuerySettings;
pub use quota::RateQuota;
pub use rate_limits::RateLimitSettings;
pub use server::{AppEnv, ServerSettings};
pub use storage::StorageSettings;
pub use webhooks::{WebhookEndpoint, WebhookSettings};

use auth::{DEVELOPMENT_JWT_SECRET, MIN_PRODUCTION_SECRET_LEN};

/// All runtime configuration, by concern.
#[derive(Clone, Debug)]
pub struct Settings {
    pub server: ServerSettings,
    pub logging: LoggingSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub queries: QuerySettings,
    pub connections: ConnectionSettings,
    pub rate_limits: RateLimitSettings,
    pub messaging: MessagingSettings,
    pub cluster: ClusterSettings,
    pub identity: IdentitySettings,
    pub moderation: ModerationSettings,
    pub storage: StorageSettings,
    pub webhooks: WebhookSettings,
    pub push: PushSettings,
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
        let settings = Self::from_vars(std::env::vars())?;
        settings.validate()?;
        Ok(settings)
    }

    /// Reads `(NAME, value)` pairs as the environment would be read, without
    /// checking the combination ([`Settings::validate`]): no pairs at all
    /// give the defaults.
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let vars: Vec<(String, String)> = vars.into_iter().collect();
        Ok(Self {
            server: group(&vars)?,
            logging: group(&vars)?,
            database: group(&vars)?,
            auth: group(&vars)?,
            queries: group(&vars)?,
            connections: group(&vars)?,
            rate_limits: group(&vars)?,
            messaging: group(&vars)?,
            cluster: group(&vars)?,
            identity: group(&vars)?,
            moderation: group(&vars)?,
            storage: group(&vars)?,
            webhooks: group(&vars)?,
            push: group(&vars)?,
        })
    }

    /// Refuses combinations that must never reach production.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let (server, database, auth) = (&self.server, &self.database, &self.auth);
        let (queries, connections, cluster) = (&self.queries, &self.connections, &self.cluster);
        if server.is_production() {
            match &auth.jwt_secret {
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
        self.webhooks.endpoints().map_err(ConfigError)?;
        self.push.vapid_key().map_err(ConfigError)?;
        if database.mongodb_pool_size == 0 {
            return Err(ConfigError("MONGODB_POOL_SIZE must be at least 1".into()));
        }
        if database.db_timeout_ms == 0 || queries.request_timeout_ms == 0 {
            return Err(ConfigError(
                "DB_TIMEOUT_MS and REQUEST_TIMEOUT_MS must be at least 1".into(),
            ));
        }
        // A writer may hold a sequence number for as long as a request
        // runs; a hole younger than that may still be written.
        if self.messaging.sequence_hole_timeout_ms <= queries.request_timeout_ms {
            return Err(ConfigError(
                "SEQUENCE_HOLE_TIMEOUT_MS must be longer than REQUEST_TIMEOUT_MS".into(),
            ));
        }
        if auth.access_token_ttl_seconds == 0 || auth.refresh_token_ttl_seconds == 0 {
            return Err(ConfigError(
                "ACCESS_TOKEN_TTL_SECONDS and REFRESH_TOKEN_TTL_SECONDS must be at least 1".into(),
            ));
        }
        let at_least_one = [
            ("MAX_QUERY_DEPTH", queries.max_query_depth),
            ("MAX_QUERY_COMPLEXITY", queries.max_query_complexity),
            ("MAX_QUERY_ROOT_FIELDS", queries.max_query_root_fields),
            ("MAX_QUERY_TOKENS", queries.max_query_tokens),
            ("MAX_QUERY_BYTES", queries.max_query_bytes),
            ("MAX_REQUEST_BODY_BYTES", connections.max_request_body_bytes),
            ("WS_MAX_MESSAGE_BYTES", connections.ws_max_message_bytes),
            ("WS_MAX_OPERATIONS", connections.ws_max_operations),
            (
                "WS_MAX_SOCKETS_PER_USER",
                connections.ws_max_sockets_per_user,
            ),
            (
                "WS_MAX_PENDING_SOCKETS_PER_IP",
                connections.ws_max_pending_sockets_per_ip,
            ),
            (
                "HTTP_HEADER_READ_TIMEOUT_MS",
                connections.http_header_read_timeout_ms as usize,
            ),
            (
                "HTTP_KEEPALIVE_IDLE_MS",
                connections.http_keepalive_idle_ms as usize,
            ),
            ("SSE_KEEPALIVE_MS", connections.sse_keepalive_ms as usize),
            ("MAX_CONNECTIONS_PER_IP", connections.max_connections_per_ip),
            ("MAX_CONNECTIONS", connections.max_connections.unwrap_or(1)),
            ("REDIS_PUBLISH_QUEUE", cluster.redis_publish_queue),
            (
                "PRESENCE_HEARTBEAT_MS",
                cluster.presence_heartbeat_ms as usize,
            ),
            (
                "PRESENCE_INSTANCE_TIMEOUT_MS",
                cluster.presence_instance_timeout_ms as usize,
            ),
        ];
        if let Some((name, _)) = at_least_one.iter().find(|(_, value)| *value == 0) {
            return Err(ConfigError(format!("{name} must be at least 1")));
        }
        self.storage.validate()?;
        identity::validate(&self.identity)
    }
}

/// One group, read from all of `vars` (it takes the names it knows).
fn group<T: DeserializeOwned>(vars: &[(String, String)]) -> Result<T, ConfigError> {
    envy::from_iter(vars.iter().cloned()).map_err(|e| ConfigError(e.to_string()))
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests;
