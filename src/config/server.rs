//! [`ServerSettings`]: where the server listens, how it stops, and what it
//! shows to browsers and tools (CORS, GraphiQL, introspection).

use std::time::Duration;

use serde::Deserialize;

/// Where the process runs; production tightens defaults and refuses unsafe ones.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AppEnv {
    #[default]
    Development,
    Production,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ServerSettings {
    /// `APP_ENV`: `development` or `production`.
    #[serde(default)]
    pub app_env: AppEnv,
    /// `APP_HOST`: the address to bind.
    #[serde(default = "defaults::host")]
    pub app_host: String,
    /// `APP_PORT`: the port to bind; 0 picks a free one.
    #[serde(default = "defaults::port")]
    pub app_port: u16,
    /// `SHUTDOWN_DRAIN_MS`: how long a shutdown waits for requests and sockets.
    #[serde(default = "defaults::shutdown_drain_ms")]
    pub shutdown_drain_ms: u64,
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
}

impl ServerSettings {
    pub fn is_production(&self) -> bool {
        self.app_env == AppEnv::Production
    }

    pub fn playground_enabled(&self) -> bool {
        self.playground_enabled.unwrap_or(!self.is_production())
    }

    pub fn introspection_enabled(&self) -> bool {
        self.introspection_enabled.unwrap_or(!self.is_production())
    }

    pub fn shutdown_drain(&self) -> Duration {
        Duration::from_millis(self.shutdown_drain_ms)
    }
}

mod defaults {
    pub fn host() -> String {
        "127.0.0.1".into()
    }
    pub fn port() -> u16 {
        8080
    }
    pub fn shutdown_drain_ms() -> u64 {
        10_000
    }
}
