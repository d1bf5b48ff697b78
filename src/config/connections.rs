//! [`ConnectionSettings`]: what one connection, socket or stream may hold
//! and for how long, and how many of them the server accepts.

use std::time::Duration;

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct ConnectionSettings {
    /// `MAX_REQUEST_BODY_BYTES`: largest HTTP request body; larger is 413.
    #[serde(default = "defaults::max_request_body_bytes")]
    pub max_request_body_bytes: usize,
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
    /// `WS_INIT_TIMEOUT_MS`: how long a socket may wait before `connection_init`.
    #[serde(default = "defaults::ws_init_timeout_ms")]
    pub ws_init_timeout_ms: u64,
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
    /// `SSE_KEEPALIVE_MS`: how often an idle Server-Sent Events stream gets a
    /// comment, so proxies that close quiet connections keep it open.
    #[serde(default = "defaults::sse_keepalive_ms")]
    pub sse_keepalive_ms: u64,
}

impl ConnectionSettings {
    pub fn ws_init_timeout(&self) -> Duration {
        Duration::from_millis(self.ws_init_timeout_ms)
    }

    pub fn sse_keepalive(&self) -> Duration {
        Duration::from_millis(self.sse_keepalive_ms)
    }
}

mod defaults {
    pub fn max_request_body_bytes() -> usize {
        256 * 1024
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
    pub fn ws_init_timeout_ms() -> u64 {
        3_000
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
    pub fn sse_keepalive_ms() -> u64 {
        12_000
    }
}
