//! Scenario 1, end-to-end latency: one chat with N subscribers, messages
//! sent at a fixed rate (open loop), latency from the `sendMessage` request
//! to each delivery, and every delivery accounted for.

use std::time::Duration;

use super::{Aftermath, Ctx, DRAIN_TIMEOUT, name, ratio, settle};
use crate::fleet::{Fleet, Report};
use crate::machine::cpu_seconds;
use crate::plan::Scenario;
use crate::report::Row;
use crate::send::{Sends, await_deliveries, open_loop};
use crate::stats::{Percentiles, millis, thousands};

/// The latency target: p99 below this at 1,000 subscribers and 100 msg/s.
const P99_TARGET: Duration = Duration::from_millis(25);

/// One measured step: a rate held for a while into one fleet's chat.
pub struct Measured {
    pub rate: f64,
    pub messages: usize,
    pub e2e: Percentiles,
    pub delivered: u64,
    pub expected: u64,
    pub sends: Sends,
    pub report: Report,
    /// Deliveries per second from the first send to the last delivery.
    pub deliveries_per_sec: f64,
    /// CPU the server and this tool used during the step, in cores.
    pub server_cores: Option<f64>,
    pub loadgen_cores: Option<f64>,
    /// Server CPU time per delivery: unlike latency, this hardly changes
    /// when the machine is busy with something else, so it compares runs.
    pub server_cpu_per_delivery: Option<Duration>,
}

impl Measured {
    pub fn complete(&self) -> bool {
        self.sends.failed == 0 && self.delivered >= self.expected && self.report.closes.is_empty()
    }

    /// `p50 …, p99 …, max …; delivered …/… (100%)` and what went wrong.
    pub fn summary(&self) -> String {
        let http = Percentiles::of(&self.sends.http);
        let mut text = format!(
            "{}; delivered {}; sendMessage itself p50 {}, p99 {}",
            self.e2e.summary(),
            ratio(self.delivered, self.expected),
            millis(http.p50),
            millis(http.p99)
        );
        if self.sends.failed > 0 {
            text.push_str(&format!(
                "; {} sends failed ({})",
                self.sends.failed,
                self.sends.first_error.as_deref().unwrap_or("?")
            ));
        }
        if !self.report.closes.is_empty() {
            text.push_str(&format!(
                "; sockets closed: {}",
                self.report.closes_summary()
            ));
        }
        if self.sends.worst_lateness > Duration::from_millis(5) {
            text.push_str(&format!(
                "; the generator fell {} behind its schedule",
                millis(self.sends.worst_lateness)
            ));
        }
        text
    }

    /// `server 1.20 cores (14.2 µs CPU per delivery), loadgen 0.70 cores`.
    pub fn cpu(&self) -> String {
        let mut parts = Vec::new();
        if let Some(server) = self.server_cores {
            let mut part = format!("server {server:.2} cores");
            if let Some(per) = self.server_cpu_per_delivery {
                part.push_str(&format!(
                    " ({:.1} µs CPU per delivery)",
                    per.as_secs_f64() * 1e6
                ));
            }
            parts.push(part);
        }
        if let Some(loadgen) = self.loadgen_cores {
            parts.push(format!("loadgen {loadgen:.2} cores"));
        }
        parts.join(", ")
    }
}

/// Sends `rate` messages per second for `duration` into `chat`, followed by
/// `fleet`, and waits for every delivery (or the drain timeout).
pub async fn measure(
    ctx: &Ctx<'_>,
    fleet: &Fleet,
    chat: &str,
    rate: f64,
    duration: Duration,
) -> Measured {
    let messages = (rate * duration.as_secs_f64()).round().max(1.0) as usize;
    let step = ctx.step(messages, None);
    let cpu_before = cpu_now(ctx);
    fleet.begin(&step).await;
    let sends = open_loop(&ctx.api, ctx.fixture.sender(), chat, &step, rate).await;
    let expected = sends.ok * fleet.len() as u64;
    await_deliveries(&step, expected, DRAIN_TIMEOUT).await;
    let report = fleet.end().await;
    let cpu_after = cpu_now(ctx);
    let span_ns = report
        .last_delivery_ns
        .saturating_sub(sends.started_ns)
        .max(1);
    let deliveries_per_sec = report.delivered as f64 / (span_ns as f64 / 1e9);
    let wall = span_ns as f64 / 1e9;
    let cores = |before: Option<f64>, after: Option<f64>| Some((after? - before?) / wall);
    let server_cpu = cpu_after.0.zip(cpu_before.0).map(|(a, b)| a - b);
    let server_cpu_per_delivery = server_cpu
        .filter(|_| report.delivered > 0)
        .map(|cpu| Duration::from_secs_f64(cpu / report.delivered as f64));
    Measured {
        rate,
        messages,
        e2e: Percentiles::of(&report.latencies),
        delivered: report.delivered,
        expected,
        sends,
        report,
        deliveries_per_sec,
        server_cores: cores(cpu_before.0, cpu_after.0),
        loadgen_cores: cores(cpu_before.1, cpu_after.1),
        server_cpu_per_delivery,
    }
}

/// CPU seconds used so far by the server (if its pid is known) and by us.
fn cpu_now(ctx: &Ctx<'_>) -> (Option<f64>, Option<f64>) {
    (
        ctx.server.pid.and_then(cpu_seconds),
        cpu_seconds(std::process::id()),
    )
}

pub async fn run(ctx: &Ctx<'_>) -> anyhow::Result<Vec<Row>> {
    let plan = ctx.plan;
    let mut rows = Vec::new();
    for &n in &plan.latency_subscribers {
        let rate = plan.latency_rate(n);
        let fleet = ctx.subscribed_fleet(n).await?;
        let measured = measure(
            ctx,
            &fleet,
            ctx.fixture.chat(n),
            rate,
            plan.latency_duration,
        )
        .await;
        fleet.close().await;
        settle(ctx, Aftermath::SocketsClosed).await;
        let setting = format!(
            "{} subscribers, {} msg/s for {} s ({} messages)",
            thousands(n as u64),
            rate,
            plan.latency_duration.as_secs_f64(),
            thousands(measured.messages as u64)
        );
        let mut row = Row::info(name(Scenario::Latency), setting, measured.summary());
        if !measured.cpu().is_empty() {
            row.result.push_str(&format!("; {}", measured.cpu()));
        }
        // The target is set at 1,000 subscribers and 100 msg/s; every size
        // must deliver everything.
        let at_target_load = n == 1_000 && (rate - 100.0).abs() < f64::EPSILON;
        let row = if at_target_load {
            row.judged(
                "p99 < 25 ms, 100% delivered",
                Some(measured.complete() && measured.e2e.p99 < P99_TARGET),
            )
        } else {
            row.judged("100% delivered", Some(measured.complete()))
        };
        rows.push(row);
    }
    Ok(rows)
}
