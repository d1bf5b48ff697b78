//! Prometheus metrics: the process-wide recorder behind `/metrics`, and one
//! function per series so that every metric name lives in this file.
//!
//! Series (all prefixed `chat_`):
//!
//! | name | type | labels | what |
//! |---|---|---|---|
//! | `chat_ws_connections` | gauge | | open WebSocket connections |
//! | `chat_subscriptions_active` | gauge | | running GraphQL subscriptions |
//! | `chat_graphql_operations_total` | counter | `operation`, `type`, `outcome` | operations by root field, `query`/`mutation`/`subscription`, and `ok` or the error code |
//! | `chat_graphql_operation_duration_seconds` | histogram | `operation`, `type` | latency of queries and mutations |
//! | `chat_events_published_total` | counter | `kind` (`chat`/`user`) | events published on this instance |
//! | `chat_events_delivered_total` | counter | `kind` | events handed to local subscribers |
//! | `chat_bus_gaps_total` | counter | `kind` | topics told that events may have been lost |
//! | `chat_slow_consumers_dropped_total` | counter | | sockets closed because their client fell behind |
//! | `chat_db_commands_total` | counter | `command`, `outcome` | MongoDB commands finished (`ok`/`error`) |
//! | `chat_db_command_duration_seconds` | histogram | `command` | MongoDB command latency |
//! | `chat_redis_messages_total` | counter | `direction` (`in`/`out`) | Redis bus messages received and published |
//! | `chat_redis_errors_total` | counter | `op` | Redis failures (`connect`, `publish`, `subscribe`, `ping`, `decode`, `link`) |
//! | `chat_redis_publish_dropped_total` | counter | `reason` (`queue_full`/`unsent`) | events never sent to Redis (their topics get a gap) |
//! | `chat_redis_link_up` | gauge | | 1 while this instance is linked to Redis |
//! | `chat_rate_limited_total` | counter | `bucket` | calls refused by rate limiting (the rate limiter's buckets, and `socket_operations` for one operation too many on a socket) |
//! | `chat_http_connections` | gauge | | open client connections (HTTP and upgraded WebSockets) |
//! | `chat_connections_refused_total` | counter | `reason` (`per_ip`/`capacity`) | connections closed at once, or (in the health reserve) requests answered 503 |
//! | `chat_persisted_queries_total` | counter | `outcome` (`hit`/`miss`/`registered`/`refused`) | requests naming an automatic persisted query |
//!
//! Labels only ever hold values from a fixed set (schema field names, error
//! codes, driver command names), never client input, so the number of series
//! stays bounded. The recorder is global: every application in one process
//! (as in the test suite) reports into the same series.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub const WS_CONNECTIONS: &str = "chat_ws_connections";
pub const SUBSCRIPTIONS_ACTIVE: &str = "chat_subscriptions_active";
pub const GRAPHQL_OPERATIONS: &str = "chat_graphql_operations_total";
pub const GRAPHQL_DURATION: &str = "chat_graphql_operation_duration_seconds";
pub const EVENTS_PUBLISHED: &str = "chat_events_published_total";
pub const EVENTS_DELIVERED: &str = "chat_events_delivered_total";
pub const BUS_GAPS: &str = "chat_bus_gaps_total";
pub const SLOW_CONSUMERS_DROPPED: &str = "chat_slow_consumers_dropped_total";
pub const DB_COMMANDS: &str = "chat_db_commands_total";
pub const DB_DURATION: &str = "chat_db_command_duration_seconds";
pub const REDIS_MESSAGES: &str = "chat_redis_messages_total";
pub const REDIS_ERRORS: &str = "chat_redis_errors_total";
pub const REDIS_PUBLISH_DROPPED: &str = "chat_redis_publish_dropped_total";
pub const REDIS_LINK_UP: &str = "chat_redis_link_up";
/// Incremented by the rate limiter for every refused call.
pub const RATE_LIMITED: &str = "chat_rate_limited_total";
pub const HTTP_CONNECTIONS: &str = "chat_http_connections";
pub const CONNECTIONS_REFUSED: &str = "chat_connections_refused_total";
pub const PERSISTED_QUERIES: &str = "chat_persisted_queries_total";
/// Webhook deliveries not yet made (see `services::webhooks::delivery`).
pub const WEBHOOK_BACKLOG: &str = "chat_webhook_backlog";
/// Webhook attempts by outcome.
pub const WEBHOOK_DELIVERIES: &str = "chat_webhook_deliveries_total";

/// Every series name above (the dashboard in `ops/` is checked against it).
pub const NAMES: &[&str] = &[
    WS_CONNECTIONS,
    SUBSCRIPTIONS_ACTIVE,
    GRAPHQL_OPERATIONS,
    GRAPHQL_DURATION,
    EVENTS_PUBLISHED,
    EVENTS_DELIVERED,
    BUS_GAPS,
    SLOW_CONSUMERS_DROPPED,
    DB_COMMANDS,
    DB_DURATION,
    REDIS_MESSAGES,
    REDIS_ERRORS,
    REDIS_PUBLISH_DROPPED,
    REDIS_LINK_UP,
    RATE_LIMITED,
    HTTP_CONNECTIONS,
    CONNECTIONS_REFUSED,
    PERSISTED_QUERIES,
    WEBHOOK_BACKLOG,
    WEBHOOK_DELIVERIES,
];

/// Latency buckets in seconds: from a cached read to a request that timed out.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// How often histograms are folded into their buckets when nobody scrapes,
/// so samples never pile up in memory.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the recorder (once per process) and returns its handle; `None`
/// when another recorder was installed first (an embedding program's).
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .and_then(|builder| builder.install_recorder());
            match handle {
                Ok(handle) => {
                    describe();
                    spawn_upkeep(handle.clone());
                    Some(handle)
                }
                Err(error) => {
                    tracing::warn!(%error, "metrics recorder not installed; /metrics stays empty");
                    None
                }
            }
        })
        .as_ref()
}

/// The current values in the Prometheus text format.
pub fn render() -> String {
    install().map(PrometheusHandle::render).unwrap_or_default()
}

/// A thread rather than a task: the recorder outlives any one runtime (the
/// tests start one per test).
fn spawn_upkeep(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_INTERVAL);
                handle.run_upkeep();
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "metrics upkeep thread not started");
    }
}

/// Help texts, and a zero for the counters without labels so that their
/// series exist (and dashboards show 0) before anything happens.
fn describe() {
    describe_gauge!(WS_CONNECTIONS, "Open WebSocket connections");
    describe_gauge!(SUBSCRIPTIONS_ACTIVE, "Running GraphQL subscriptions");
    describe_counter!(
        GRAPHQL_OPERATIONS,
        "GraphQL operations by root field and outcome"
    );
    describe_histogram!(
        GRAPHQL_DURATION,
        Unit::Seconds,
        "Latency of GraphQL queries and mutations"
    );
    describe_counter!(EVENTS_PUBLISHED, "Events published on this instance");
    describe_counter!(EVENTS_DELIVERED, "Events handed to local subscribers");
    describe_counter!(BUS_GAPS, "Topics told that events may have been lost");
    describe_counter!(
        SLOW_CONSUMERS_DROPPED,
        "Sockets closed because the client fell behind"
    );
    describe_counter!(DB_COMMANDS, "MongoDB commands finished");
    describe_histogram!(DB_DURATION, Unit::Seconds, "MongoDB command latency");
    describe_counter!(
        REDIS_MESSAGES,
        "Redis bus messages received (in) and published (out)"
    );
    describe_counter!(REDIS_ERRORS, "Redis bus failures by operation");
    describe_counter!(REDIS_PUBLISH_DROPPED, "Events never sent to Redis");
    describe_gauge!(REDIS_LINK_UP, "1 while this instance is linked to Redis");
    describe_gauge!(WEBHOOK_BACKLOG, "Webhook deliveries not yet made");
    describe_counter!(WEBHOOK_DELIVERIES, "Webhook attempts by outcome");
    describe_counter!(RATE_LIMITED, "Calls refused by rate limiting, by bucket");
    describe_gauge!(HTTP_CONNECTIONS, "Open client connections");
    describe_counter!(
        CONNECTIONS_REFUSED,
        "Connections refused by the per-address cap or the capacity budget"
    );
    counter!(SLOW_CONSUMERS_DROPPED).absolute(0);
    for name in [WS_CONNECTIONS, SUBSCRIPTIONS_ACTIVE, HTTP_CONNECTIONS] {
        gauge!(name).increment(0.0);
    }
}

/// Adds one to a gauge for as long as it lives.
pub struct GaugeGuard(&'static str);

impl GaugeGuard {
    pub fn new(name: &'static str) -> Self {
        gauge!(name).increment(1.0);
        Self(name)
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        gauge!(self.0).decrement(1.0);
    }
}

/// One finished GraphQL operation; `latency` is `None` for subscriptions,
/// whose lifetime is not a latency.
pub fn graphql_operation(
    operation: &str,
    kind: &'static str,
    outcome: &'static str,
    latency: Option<Duration>,
) {
    counter!(GRAPHQL_OPERATIONS, "operation" => operation.to_owned(), "type" => kind, "outcome" => outcome)
        .increment(1);
    if let Some(latency) = latency {
        histogram!(GRAPHQL_DURATION, "operation" => operation.to_owned(), "type" => kind)
            .record(latency.as_secs_f64());
    }
}

pub fn event_published(kind: &'static str) {
    counter!(EVENTS_PUBLISHED, "kind" => kind).increment(1);
}

pub fn events_delivered(kind: &'static str, subscribers: usize) {
    counter!(EVENTS_DELIVERED, "kind" => kind).increment(subscribers as u64);
}

pub fn bus_gap(kind: &'static str) {
    counter!(BUS_GAPS, "kind" => kind).increment(1);
}

pub fn slow_consumer_dropped() {
    counter!(SLOW_CONSUMERS_DROPPED).increment(1);
}

pub fn db_command(command: &str, ok: bool, duration: Duration) {
    let outcome = if ok { "ok" } else { "error" };
    counter!(DB_COMMANDS, "command" => command.to_owned(), "outcome" => outcome).increment(1);
    histogram!(DB_DURATION, "command" => command.to_owned()).record(duration.as_secs_f64());
}

pub fn redis_messages(direction: &'static str, count: usize) {
    counter!(REDIS_MESSAGES, "direction" => direction).increment(count as u64);
}

pub fn redis_error(op: &'static str) {
    counter!(REDIS_ERRORS, "op" => op).increment(1);
}

pub fn redis_publish_dropped(reason: &'static str, count: usize) {
    counter!(REDIS_PUBLISH_DROPPED, "reason" => reason).increment(count as u64);
}

pub fn redis_link(up: bool) {
    if up {
        gauge!(REDIS_LINK_UP).increment(1.0);
    } else {
        gauge!(REDIS_LINK_UP).decrement(1.0);
    }
}

/// One call refused by the limit named `bucket`.
pub fn rate_limited(bucket: &'static str) {
    counter!(RATE_LIMITED, "bucket" => bucket).increment(1);
}

/// One request naming a persisted query: `hit`, `miss`, `registered` or
/// `refused` (a malformed extension or a hash that is not the query's).
pub fn persisted_query(outcome: &'static str) {
    counter!(PERSISTED_QUERIES, "outcome" => outcome).increment(1);
}

/// One connection refused (`per_ip` or `capacity`).
pub fn connection_refused(reason: &'static str) {
    counter!(CONNECTIONS_REFUSED, "reason" => reason).increment(1);
}
