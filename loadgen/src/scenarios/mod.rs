//! The scenarios. Each takes the shared [`Ctx`] and returns its rows of the
//! table; [`run`] runs them in an order that keeps them from disturbing each
//! other (idle first, on a server that has held no socket yet; the fan-out
//! ramp, which may overload sockets on purpose, after the storm).

mod fanout;
mod history;
mod idle;
mod latency;
mod mutations;
mod storm;
mod sync;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use crate::api::Api;
use crate::fleet::{Fleet, Member, Step};
use crate::plan::{Plan, Scenario};
use crate::report::Row;
use crate::server::Server;
use crate::setup::Fixture;
use crate::ws::Endpoint;

/// Handshakes in flight while a fleet opens: below the server's accept
/// backlog, so setup measures nothing but itself.
const OPEN_CONCURRENCY: usize = 128;
/// How long a fleet may take to open (thousands of sockets on 2 cores).
const OPEN_TIMEOUT: Duration = Duration::from_secs(300);
/// How long probes may take to reach every subscription.
const LIVE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long deliveries may trail the last response of a step.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// What every scenario shares.
pub struct Ctx<'a> {
    pub api: Api,
    pub endpoint: Endpoint,
    pub server: &'a Server,
    pub fixture: Fixture,
    pub plan: &'a Plan,
    next_step: AtomicU64,
}

impl<'a> Ctx<'a> {
    pub fn new(
        api: Api,
        endpoint: Endpoint,
        server: &'a Server,
        fixture: Fixture,
        plan: &'a Plan,
    ) -> Self {
        Self {
            api,
            endpoint,
            server,
            fixture,
            plan,
            next_step: AtomicU64::new(1),
        }
    }

    /// A fresh step (its client message ids are unique in the run).
    pub fn step(&self, messages: usize, target: Option<i64>) -> Arc<Step> {
        Step::new(self.next_step.fetch_add(1, Relaxed), messages, target)
    }

    /// A fleet of one socket per member of the chat of `n`, all live.
    pub async fn subscribed_fleet(&self, n: usize) -> anyhow::Result<Fleet> {
        let chat: Arc<str> = self.fixture.chat(n).into();
        let members = self.fixture.users[..n]
            .iter()
            .map(|user| Member {
                token: user.token.as_str().into(),
                chat: chat.clone(),
            })
            .collect();
        let mut fleet = Fleet::new(self.endpoint.clone(), OPEN_CONCURRENCY);
        fleet.add(members, OPEN_TIMEOUT).await?;
        crate::send::until_live(
            &self.api,
            self.fixture.sender(),
            &chat,
            &fleet,
            LIVE_TIMEOUT,
        )
        .await?;
        settle(self, Aftermath::SocketsOpened).await;
        Ok(fleet)
    }
}

/// Runs the planned scenarios; returns their rows in table order. A
/// scenario that fails gives a row saying so, and the others still run.
pub async fn run(ctx: &Ctx<'_>) -> Vec<Row> {
    let mut rows: BTreeMap<Scenario, Vec<Row>> = BTreeMap::new();
    let order = [
        Scenario::Idle,
        Scenario::Latency,
        Scenario::Storm,
        Scenario::Fanout,
        Scenario::Mutations,
        Scenario::History,
        Scenario::Sync,
    ];
    for scenario in order.into_iter().filter(|s| ctx.plan.runs(*s)) {
        eprintln!("loadgen: running {scenario:?}");
        let result = match scenario {
            Scenario::Idle => idle::run(ctx).await,
            Scenario::Latency => latency::run(ctx).await,
            Scenario::Storm => storm::run(ctx).await,
            Scenario::Fanout => fanout::run(ctx).await,
            Scenario::Mutations => mutations::run(ctx).await,
            Scenario::History => history::run(ctx).await,
            Scenario::Sync => sync::run(ctx).await,
        };
        let scenario_rows = result.unwrap_or_else(|error| {
            vec![Row::info(name(scenario), "", format!("FAILED: {error:#}"))]
        });
        for row in &scenario_rows {
            eprintln!(
                "loadgen:   {} | {} | {}",
                row.scenario, row.setting, row.result
            );
        }
        rows.insert(scenario, scenario_rows);
        // The latency scenario settles after each of its fleets itself;
        // mutations and history open no socket.
        if matches!(
            scenario,
            Scenario::Idle | Scenario::Storm | Scenario::Fanout
        ) {
            settle(ctx, Aftermath::SocketsClosed).await;
        }
    }
    rows.into_values().flatten().collect()
}

/// How long the server keeps a user online after their last socket closed
/// (`PRESENCE_GRACE_MS`, default): the offline announcements come after it.
const PRESENCE_GRACE: Duration = Duration::from_secs(5);
/// Server CPU below this counts as idle.
const IDLE_CORES: f64 = 0.05;
/// The longest a scenario waits for the previous one's aftermath.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(120);

/// What the server may still be busy with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Aftermath {
    /// Sockets opened: users came online.
    SocketsOpened,
    /// Sockets closed: users go offline once the grace period is over.
    SocketsClosed,
}

/// Waits until the server has finished what just happened, so it does not
/// land in the next measurement: a user who comes online, or goes offline
/// (after the presence grace period), is announced to everyone who shares
/// a chat with them. Says how long that took, with the server's CPU time,
/// when the server's pid is known.
pub async fn settle(ctx: &Ctx<'_>, aftermath: Aftermath) {
    let began = std::time::Instant::now();
    let cpu = || ctx.server.pid.and_then(crate::machine::cpu_seconds);
    let cpu_before = cpu();
    // A smoke run does not wait for the grace period: its figures are not
    // the point.
    if aftermath == Aftermath::SocketsClosed && !ctx.plan.quick {
        tokio::time::sleep(PRESENCE_GRACE + Duration::from_millis(500)).await;
    }
    if ctx.server.pid.is_none() {
        return;
    }
    while began.elapsed() < SETTLE_TIMEOUT {
        let (Some(a), _, Some(b)) = (
            cpu(),
            tokio::time::sleep(Duration::from_millis(500)).await,
            cpu(),
        ) else {
            return;
        };
        if (b - a) / 0.5 < IDLE_CORES {
            break;
        }
    }
    let busy = cpu()
        .zip(cpu_before)
        .map_or(0.0, |(after, before)| after - before);
    let what = match aftermath {
        Aftermath::SocketsOpened => "sockets opened",
        Aftermath::SocketsClosed => "sockets closed",
    };
    eprintln!(
        "loadgen:   settled {:.1} s after {what} ({busy:.1} s of server CPU meanwhile)",
        began.elapsed().as_secs_f64()
    );
}

/// The scenario's name in the table.
pub fn name(scenario: Scenario) -> &'static str {
    match scenario {
        Scenario::Latency => "1. end-to-end latency",
        Scenario::Fanout => "2. fan-out throughput",
        Scenario::Idle => "3. idle cost",
        Scenario::Mutations => "4. mutation throughput",
        Scenario::History => "5. history page",
        Scenario::Storm => "6. reconnect storm",
        Scenario::Sync => "7. catching up (sync)",
    }
}

/// `"1,234/1,234 (100%)"`.
pub fn ratio(got: u64, expected: u64) -> String {
    let percent = if expected == 0 {
        100.0
    } else {
        got as f64 * 100.0 / expected as f64
    };
    let percent = if got < expected {
        // Never round a shortfall up to 100%.
        format!("{:.2}", percent.min(99.99))
    } else {
        format!("{percent:.0}")
    };
    format!(
        "{}/{} ({percent}%)",
        crate::stats::thousands(got),
        crate::stats::thousands(expected)
    )
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn ratio__never_rounds_a_shortfall_up() {
        assert_eq!(ratio(1_000, 1_000), "1,000/1,000 (100%)");
        assert_eq!(ratio(999_999, 1_000_000), "999,999/1,000,000 (99.99%)");
        assert_eq!(ratio(0, 0), "0/0 (100%)");
    }
}
