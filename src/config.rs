//! Settings read once from environment variables at startup.
//!
//! Every variable has a documented default (the README lists them all), so a
//! developer can start the server with no configuration at all. Secrets live
//! in [`SecretString`] so that printing the settings never prints them.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub mod identity;
mod quota;

pub use identity::{AuthMode, ServerApiKey};
pub use quota::RateQuota;

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
    /// `DB_TIMEOUT_MS`: how long a request waits for the database to be
    /// reachable (server selection, connecting) before it fails with
    /// `UNAVAILABLE`. A `serverSelectionTimeoutMS` in the URI wins.
    #[serde(default = "defaults::db_timeout_ms")]
    pub db_timeout_ms: u64,
    /// `REQUEST_TIMEOUT_MS`: the longest a query or mutation may run; past
    /// it the caller gets `UNAVAILABLE` (a stalled database, say).
    #[serde(default = "defaults::request_timeout_ms")]
    pub request_timeout_ms: u64,
    /// `MAX_RESPONSE_BYTES`: the largest result a query or mutation may
    /// return; a larger one is refused with `BAD_USER_INPUT` (ask for less).
    #[serde(default = "defaults::max_response_bytes")]
    pub max_response_bytes: usize,
    /// `JWT_SECRET`: HS256 signing key. Unset means a development key with a
    /// loud warning; production refuses to start without a real one.
    #[serde(default)]
    pub jwt_secret: Option<SecretString>,
    /// `ACCESS_TOKEN_TTL_SECONDS`: lifetime of an access token (the JWT);
    /// short, since only a refresh renews it. `JWT_TTL_SECONDS` is read as
    /// an older name for it.
    #[serde(
        default = "defaults::access_token_ttl_seconds",
        alias = "jwt_ttl_seconds"
    )]
    pub access_token_ttl_seconds: u64,
    /// `REFRESH_TOKEN_TTL_SECONDS`: how long a session lives without a
    /// refresh; each refresh starts this time again (sliding).
    #[serde(default = "defaults::refresh_token_ttl_seconds")]
    pub refresh_token_ttl_seconds: u64,
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
    /// `SSE_KEEPALIVE_MS`: how often an idle Server-Sent Events stream gets a
    /// comment, so proxies that close quiet connections keep it open.
    #[serde(default = "defaults::sse_keepalive_ms")]
    pub sse_keepalive_ms: u64,
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
    /// `SEQUENCE_HOLE_TIMEOUT_MS`: a sequence number taken this long ago and
    /// never written (its writer died) is filled with a VOID entry, and
    /// replay goes on across it. Keep it well above `DB_TIMEOUT_MS`.
    #[serde(default = "defaults::sequence_hole_timeout_ms")]
    pub sequence_hole_timeout_ms: u64,
    /// `TYPING_TIMEOUT_MS`: typing stops this long after the last startTyping.
    #[serde(default = "defaults::typing_timeout_ms")]
    pub typing_timeout_ms: u64,
    /// `TYPING_THROTTLE_MS`: at most one typing broadcast per user and chat
    /// in this time; changes in between are coalesced.
    #[serde(default = "defaults::typing_throttle_ms")]
    pub typing_throttle_ms: u64,
    /// `PRESENCE_GRACE_MS`: a user whose last socket closed is shown offline
    /// only if they have not reconnected within this time.
    #[serde(default = "defaults::presence_grace_ms")]
    pub presence_grace_ms: u64,
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
    /// `CORS_ALLOWED_ORIGINS`: the browser origins (comma-separated, exact,
    /// such as `https://app.example.com`) that may call `/graphql` from
    /// another origin; `*` for any (not in production). Unset: any
    /// `http://localhost:*` or `http://127.0.0.1:*` in development, none in
    /// production. When set, or in production, WebSocket upgrades from other
    /// origins are refused too (see `http::origins`).
    #[serde(default)]
    pub cors_allowed_origins: Option<String>,
    /// `PLAYGROUND_ENABLED`: serve GraphiQL at `/playground`; defaults to on
    /// in development and off in production.
    #[serde(default)]
    pub playground_enabled: Option<bool>,
    /// `INTROSPECTION_ENABLED`: allow schema introspection; defaults to on in
    /// development and off in production.
    #[serde(default)]
    pub introspection_enabled: Option<bool>,

    // Abuse resistance. Every limit is refused with a clear error naming it;
    // the defaults leave room for real clients (GraphiQL's introspection
    // query, a busy chat) and none for scripted floods.
    /// `MAX_QUERY_DEPTH`: deepest field nesting in an operation
    /// (introspection fields do not count, so GraphiQL loads the schema).
    #[serde(default = "defaults::max_query_depth")]
    pub max_query_depth: usize,
    /// `MAX_QUERY_COMPLEXITY`: total cost of an operation: one per field,
    /// every list counted at the most items it may return (the page size
    /// asked for, or its fixed bound): in effect, the most values a
    /// response may hold.
    #[serde(default = "defaults::max_query_complexity")]
    pub max_query_complexity: usize,
    /// `MAX_QUERY_ALIASES`: aliased fields in an operation (fragments count
    /// each time they are spread).
    #[serde(default = "defaults::max_query_aliases")]
    pub max_query_aliases: usize,
    /// `MAX_QUERY_ROOT_FIELDS`: top-level fields in an operation.
    #[serde(default = "defaults::max_query_root_fields")]
    pub max_query_root_fields: usize,
    /// `MAX_QUERY_DIRECTIVES`: directives in an operation.
    #[serde(default = "defaults::max_query_directives")]
    pub max_query_directives: usize,
    /// `MAX_QUERY_TOKENS`: lexical tokens in a document, counted before it
    /// is parsed.
    #[serde(default = "defaults::max_query_tokens")]
    pub max_query_tokens: usize,
    /// `MAX_QUERY_BYTES`: size of the document text.
    #[serde(default = "defaults::max_query_bytes")]
    pub max_query_bytes: usize,
    /// `APQ_CACHE_ENTRIES`: automatic persisted queries remembered per
    /// instance (least recently used first out).
    #[serde(default = "defaults::apq_cache_entries")]
    pub apq_cache_entries: usize,
    /// `APQ_CACHE_BYTES`: the most bytes of query text they may hold.
    #[serde(default = "defaults::apq_cache_bytes")]
    pub apq_cache_bytes: usize,
    /// `MAX_REQUEST_BODY_BYTES`: largest HTTP request body; larger is 413.
    #[serde(default = "defaults::max_request_body_bytes")]
    pub max_request_body_bytes: usize,
    /// `WS_MAX_MESSAGE_BYTES`: largest graphql-ws message; larger closes the
    /// socket (1009).
    #[serde(default = "defaults::ws_max_message_bytes")]
    pub ws_max_message_bytes: usize,
    /// `WS_MAX_OPERATIONS`: operations running at once on one socket; one
    /// more gets an `error` message (`RATE_LIMITED`), the socket stays open.
    #[serde(default = "defaults::ws_max_operations")]
    pub ws_max_operations: usize,
    /// `WS_MAX_SOCKETS_PER_USER`: open sockets per user; one more is closed
    /// with 4008 right after `connection_init`.
    #[serde(default = "defaults::ws_max_sockets_per_user")]
    pub ws_max_sockets_per_user: usize,
    /// `WS_MAX_PENDING_SOCKETS_PER_IP`: sockets from one address still
    /// waiting for `connection_init`; one more is closed with 4008 at once.
    #[serde(default = "defaults::ws_max_pending_sockets_per_ip")]
    pub ws_max_pending_sockets_per_ip: usize,
    /// `HTTP_HEADER_READ_TIMEOUT_MS`: time a connection has to send a whole
    /// request head, counted from its first byte (from being accepted, for a
    /// new connection); then it is closed. Keeps idle and slow clients from
    /// holding connections they do not use.
    #[serde(default = "defaults::http_header_read_timeout_ms")]
    pub http_header_read_timeout_ms: u64,
    /// `HTTP_KEEPALIVE_IDLE_MS`: a keep-alive connection idle this long
    /// between requests is closed (upgraded WebSockets are not: graphql-ws
    /// has its own timeouts).
    #[serde(default = "defaults::http_keepalive_idle_ms")]
    pub http_keepalive_idle_ms: u64,
    /// `MAX_CONNECTIONS_PER_IP`: open connections from one address,
    /// WebSockets included; one more is closed at once.
    #[serde(default = "defaults::max_connections_per_ip")]
    pub max_connections_per_ip: usize,
    /// `MAX_CONNECTIONS`: open connections in all; one more gets only
    /// `/health` and `/ready` (a few), then is closed at once. Unset: the
    /// open-file limit minus what the rest of the process needs; a larger
    /// value is lowered to that.
    #[serde(default)]
    pub max_connections: Option<usize>,
    /// `RATE_LIMIT_MUTATIONS`: calls of any mutation without a bucket of its
    /// own, per user (per client address before sign-in).
    #[serde(default = "defaults::rate_limit_mutations")]
    pub rate_limit_mutations: RateQuota,
    /// `RATE_LIMIT_SIGN_IN`: `signIn` calls per user or client address.
    #[serde(default = "defaults::rate_limit_sign_in")]
    pub rate_limit_sign_in: RateQuota,
    /// `RATE_LIMIT_SIGN_IN_PER_LOGIN`: `signIn` attempts per account (or
    /// unknown login) and network (an IPv4 address or IPv6 /64): against
    /// password guessing from one place, without locking out the others.
    #[serde(default = "defaults::rate_limit_sign_in_per_login")]
    pub rate_limit_sign_in_per_login: RateQuota,
    /// `RATE_LIMIT_REFRESH_SESSION`: `refreshSession` calls per client
    /// address (the caller's access token may have expired).
    #[serde(default = "defaults::rate_limit_refresh_session")]
    pub rate_limit_refresh_session: RateQuota,
    /// `RATE_LIMIT_CHANGE_PASSWORD`: `changePassword` calls per user (each
    /// hashes twice; wrong current passwords also count as failed sign-ins).
    #[serde(default = "defaults::rate_limit_change_password")]
    pub rate_limit_change_password: RateQuota,
    /// `RATE_LIMIT_DATA_EXPORT`: `exportMyData` calls per user (each link
    /// reads everything the user has).
    #[serde(default = "defaults::rate_limit_data_export")]
    pub rate_limit_data_export: RateQuota,
    /// `RATE_LIMIT_SIGN_UP`: `signUp` calls per user or client address.
    #[serde(default = "defaults::rate_limit_sign_up")]
    pub rate_limit_sign_up: RateQuota,
    /// `RATE_LIMIT_FRIEND_REQUESTS`: `sendFriendRequest` calls per user.
    #[serde(default = "defaults::rate_limit_friend_requests")]
    pub rate_limit_friend_requests: RateQuota,
    /// `RATE_LIMIT_MESSAGES`: `sendMessage` calls per user.
    #[serde(default = "defaults::rate_limit_messages")]
    pub rate_limit_messages: RateQuota,
    /// `RATE_LIMIT_TYPING`: `startTyping` and `stopTyping` calls per user
    /// (generous: the typing feature already throttles them silently).
    #[serde(default = "defaults::rate_limit_typing")]
    pub rate_limit_typing: RateQuota,
    /// `RATE_LIMIT_CREATE_CHAT`: `createChat` calls per user (each group
    /// may hold `MAX_GROUP_MEMBERS` people, so making them is not cheap).
    #[serde(default = "defaults::rate_limit_create_chat")]
    pub rate_limit_create_chat: RateQuota,
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
    /// `RATE_LIMIT_SIGN_IN_FAILURES_PER_ACCOUNT`: `signIn` attempts per
    /// account from networks it has not signed in from lately, and wrong
    /// passwords from those it has. Once spent, only networks known for the
    /// account may sign in to it, so guessing from many addresses stays
    /// slow while the owner is not locked out.
    #[serde(default = "defaults::rate_limit_sign_in_failures_per_account")]
    pub rate_limit_sign_in_failures_per_account: RateQuota,

    // ---- Identity: the app's own sign-in and its backend (see
    // [`identity`], which holds these settings' defaults and checks). ----
    /// `AUTH_MODE`: which tokens sign people in: `builtin` (this server's
    /// own accounts; the default), `external` (only the identity provider's
    /// tokens; `signUp`, `signIn` and `changePassword` are refused), or
    /// `both`.
    #[serde(default)]
    pub auth_mode: AuthMode,
    /// `AUTH_JWKS_URL`: where the identity provider publishes its signing
    /// keys. Unset: read from `AUTH_ISSUER`'s OIDC discovery document
    /// (`/.well-known/openid-configuration`, its `jwks_uri`).
    #[serde(default)]
    pub auth_jwks_url: Option<String>,
    /// `AUTH_ISSUER`: the `iss` external tokens must carry (required with
    /// `AUTH_MODE=external` or `both`).
    #[serde(default)]
    pub auth_issuer: Option<String>,
    /// `AUTH_AUDIENCE`: the `aud` external tokens must carry (required with
    /// `AUTH_MODE=external` or `both`).
    #[serde(default)]
    pub auth_audience: Option<String>,
    /// `AUTH_ALGORITHMS`: the signature algorithms accepted on external
    /// tokens, comma-separated, among `RS256`, `ES256` and `EdDSA` (default
    /// all three). `none` and `HS*` are refused at start.
    #[serde(default = "identity::default_algorithms")]
    pub auth_algorithms: String,
    /// `AUTH_JWKS_CACHE_SECONDS`: how long fetched keys are used before they
    /// are fetched again (kept on when the provider cannot be reached).
    #[serde(default = "identity::jwks_cache_seconds")]
    pub auth_jwks_cache_seconds: u64,
    /// `AUTH_JWKS_REFRESH_MIN_SECONDS`: the shortest time between two
    /// fetches of the keys, whatever caused them (a flood of made-up `kid`s
    /// must not become a flood of requests to the provider, and a provider
    /// that is down is not asked again sooner).
    #[serde(default = "identity::jwks_refresh_min_seconds")]
    pub auth_jwks_refresh_min_seconds: u64,
    /// `AUTH_JWKS_TIMEOUT_MS`: the deadline of one request to the provider.
    #[serde(default = "identity::jwks_timeout_ms")]
    pub auth_jwks_timeout_ms: u64,
    /// `AUTH_PROFILE_SYNC`: `first` (the default) fills a provisioned
    /// user's profile from the claims of their first token only; `always`
    /// also updates name and picture from every later token.
    #[serde(default)]
    pub auth_profile_sync: identity::ProfileSync,
    /// `SERVER_API_KEYS`: keys of the app's backend for the server-side API,
    /// comma-separated, each `<id>:<secret>` (the id names the key in the
    /// audit log; the secret at least 32 characters). Several at once for
    /// rotation. Unset: the server-side API is off.
    #[serde(default)]
    pub server_api_keys: Option<SecretString>,
    /// `RATE_LIMIT_SERVER_API`: requests per API key (apart from users'
    /// limits).
    #[serde(default = "identity::rate_limit_server_api")]
    pub rate_limit_server_api: RateQuota,
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
        if self.db_timeout_ms == 0 || self.request_timeout_ms == 0 {
            return Err(ConfigError(
                "DB_TIMEOUT_MS and REQUEST_TIMEOUT_MS must be at least 1".into(),
            ));
        }
        // A writer may hold a sequence number for as long as a request
        // runs; a hole younger than that may still be written.
        if self.sequence_hole_timeout_ms <= self.request_timeout_ms {
            return Err(ConfigError(
                "SEQUENCE_HOLE_TIMEOUT_MS must be longer than REQUEST_TIMEOUT_MS".into(),
            ));
        }
        if self.access_token_ttl_seconds == 0 || self.refresh_token_ttl_seconds == 0 {
            return Err(ConfigError(
                "ACCESS_TOKEN_TTL_SECONDS and REFRESH_TOKEN_TTL_SECONDS must be at least 1".into(),
            ));
        }
        let at_least_one = [
            ("MAX_QUERY_DEPTH", self.max_query_depth),
            ("MAX_QUERY_COMPLEXITY", self.max_query_complexity),
            ("MAX_QUERY_ROOT_FIELDS", self.max_query_root_fields),
            ("MAX_QUERY_TOKENS", self.max_query_tokens),
            ("MAX_QUERY_BYTES", self.max_query_bytes),
            ("MAX_REQUEST_BODY_BYTES", self.max_request_body_bytes),
            ("WS_MAX_MESSAGE_BYTES", self.ws_max_message_bytes),
            ("WS_MAX_OPERATIONS", self.ws_max_operations),
            ("WS_MAX_SOCKETS_PER_USER", self.ws_max_sockets_per_user),
            (
                "WS_MAX_PENDING_SOCKETS_PER_IP",
                self.ws_max_pending_sockets_per_ip,
            ),
            (
                "HTTP_HEADER_READ_TIMEOUT_MS",
                self.http_header_read_timeout_ms as usize,
            ),
            (
                "HTTP_KEEPALIVE_IDLE_MS",
                self.http_keepalive_idle_ms as usize,
            ),
            ("SSE_KEEPALIVE_MS", self.sse_keepalive_ms as usize),
            ("MAX_CONNECTIONS_PER_IP", self.max_connections_per_ip),
            ("MAX_CONNECTIONS", self.max_connections.unwrap_or(1)),
            ("REDIS_PUBLISH_QUEUE", self.redis_publish_queue),
            ("PRESENCE_HEARTBEAT_MS", self.presence_heartbeat_ms as usize),
            (
                "PRESENCE_INSTANCE_TIMEOUT_MS",
                self.presence_instance_timeout_ms as usize,
            ),
        ];
        if let Some((name, _)) = at_least_one.iter().find(|(_, value)| *value == 0) {
            return Err(ConfigError(format!("{name} must be at least 1")));
        }
        identity::validate(self)
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

    pub fn access_token_ttl(&self) -> Duration {
        Duration::from_secs(self.access_token_ttl_seconds)
    }

    pub fn refresh_token_ttl(&self) -> Duration {
        Duration::from_secs(self.refresh_token_ttl_seconds)
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

    pub fn sse_keepalive(&self) -> Duration {
        Duration::from_millis(self.sse_keepalive_ms)
    }

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
    use std::time::Duration;

    use secrecy::SecretString;

    use super::RateQuota;

    const MINUTE: Duration = Duration::from_secs(60);
    const HOUR: Duration = Duration::from_secs(60 * 60);

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
    pub fn db_timeout_ms() -> u64 {
        3_000
    }
    pub fn request_timeout_ms() -> u64 {
        10_000
    }
    pub fn max_response_bytes() -> usize {
        4 * 1024 * 1024
    }
    pub fn access_token_ttl_seconds() -> u64 {
        15 * 60
    }
    pub fn refresh_token_ttl_seconds() -> u64 {
        30 * 24 * 60 * 60
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
    pub fn sequence_hole_timeout_ms() -> u64 {
        15_000
    }
    pub fn typing_timeout_ms() -> u64 {
        5_000
    }
    pub fn typing_throttle_ms() -> u64 {
        1_000
    }
    pub fn presence_grace_ms() -> u64 {
        5_000
    }
    pub fn presence_heartbeat_ms() -> u64 {
        5_000
    }
    pub fn presence_instance_timeout_ms() -> u64 {
        15_000
    }
    pub fn shutdown_drain_ms() -> u64 {
        10_000
    }
    pub fn sse_keepalive_ms() -> u64 {
        12_000
    }

    pub fn max_query_depth() -> usize {
        12
    }
    pub fn max_query_complexity() -> usize {
        50_000
    }
    pub fn max_query_aliases() -> usize {
        30
    }
    pub fn max_query_root_fields() -> usize {
        20
    }
    pub fn max_query_directives() -> usize {
        50
    }
    pub fn max_query_tokens() -> usize {
        2_000
    }
    pub fn apq_cache_entries() -> usize {
        10_000
    }
    pub fn apq_cache_bytes() -> usize {
        16 * 1024 * 1024
    }
    pub fn max_query_bytes() -> usize {
        32 * 1024
    }
    pub fn max_request_body_bytes() -> usize {
        256 * 1024
    }
    pub fn ws_max_message_bytes() -> usize {
        64 * 1024
    }
    pub fn ws_max_operations() -> usize {
        32
    }
    pub fn ws_max_sockets_per_user() -> usize {
        10
    }
    pub fn ws_max_pending_sockets_per_ip() -> usize {
        16
    }
    pub fn http_header_read_timeout_ms() -> u64 {
        5_000
    }
    pub fn http_keepalive_idle_ms() -> u64 {
        60_000
    }
    pub fn max_connections_per_ip() -> usize {
        256
    }
    pub fn rate_limit_mutations() -> RateQuota {
        RateQuota::new(120, MINUTE)
    }
    pub fn rate_limit_refresh_session() -> RateQuota {
        RateQuota::new(30, MINUTE)
    }
    pub fn rate_limit_change_password() -> RateQuota {
        RateQuota::new(5, 15 * MINUTE)
    }
    pub fn rate_limit_data_export() -> RateQuota {
        RateQuota::new(5, HOUR)
    }
    pub fn rate_limit_sign_in() -> RateQuota {
        RateQuota::new(20, 5 * MINUTE)
    }
    pub fn rate_limit_sign_in_per_login() -> RateQuota {
        RateQuota::new(10, 15 * MINUTE)
    }
    pub fn rate_limit_sign_up() -> RateQuota {
        RateQuota::new(10, HOUR)
    }
    pub fn rate_limit_friend_requests() -> RateQuota {
        RateQuota::new(30, HOUR)
    }
    pub fn rate_limit_messages() -> RateQuota {
        RateQuota::new(60, MINUTE)
    }
    pub fn rate_limit_typing() -> RateQuota {
        RateQuota::new(120, MINUTE)
    }
    pub fn rate_limit_create_chat() -> RateQuota {
        RateQuota::new(20, HOUR)
    }
    pub fn redis_publish_queue() -> usize {
        4_096
    }
    pub fn redis_reconnect_max_ms() -> u64 {
        5_000
    }
    pub fn rate_limit_sign_in_failures_per_account() -> RateQuota {
        RateQuota::new(50, HOUR)
    }
}
