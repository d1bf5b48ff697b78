//! Scenario 6, a reconnect storm: N subscribed sockets all dropped at once
//! (as when a network link or a load balancer goes away), then every
//! client reconnects at once and resubscribes with `after` set to the last
//! cursor it saw, while messages keep coming. The figure is the time from
//! the drop until every client has every message up to the last one sent,
//! and the check is that none was lost or repeated.

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use super::{Ctx, name, ratio};
use crate::plan::Scenario;
use crate::report::Row;
use crate::send::open_loop;
use crate::stats::{Percentiles, millis, thousands};

/// How long clients may take to catch up before the storm counts as failed.
const CATCH_UP_TIMEOUT: Duration = Duration::from_secs(60);

pub async fn run(ctx: &Ctx<'_>) -> anyhow::Result<Vec<Row>> {
    let plan = ctx.plan;
    let n = plan.storm_sockets;
    let chat = ctx.fixture.chat(n);
    let fleet = ctx.subscribed_fleet(n).await?;
    // The probes left the chat at some cursor; the storm's messages take
    // the next numbers, so the last cursor every client must reach is known.
    let before = fleet.counters().highest_cursor.load(Relaxed);
    let k = plan.storm_messages;
    let step = ctx.step(k, Some(before + k as i64));
    fleet.begin(&step).await;
    step.start_clock();
    fleet.drop_all().await;
    fleet.resubscribe().await;
    let sends = open_loop(&ctx.api, ctx.fixture.sender(), chat, &step, plan.storm_rate).await;
    let deadline = Instant::now() + CATCH_UP_TIMEOUT;
    while step.caught_up.load(Relaxed) < n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let report = fleet.end().await;
    fleet.close().await;
    let caught_up = step.caught_up.load(Relaxed);
    let expected = sends.ok * n as u64;
    let catch_up = Percentiles::of(&report.catch_up);
    let lost = report.gaps + expected.saturating_sub(report.delivered);
    let clean = caught_up == n
        && sends.failed == 0
        && lost == 0
        && report.duplicates == 0
        && report.resyncs == 0;
    let mut result = if caught_up == n {
        format!(
            "all caught up {} after the drop (per client: p50 {}, p99 {})",
            millis(catch_up.max),
            millis(catch_up.p50),
            millis(catch_up.p99)
        )
    } else {
        format!(
            "only {caught_up} of {n} caught up within {}",
            millis(CATCH_UP_TIMEOUT)
        )
    };
    result.push_str(&format!(
        "; delivered {}, lost {lost}, duplicated {}, resyncs {}",
        ratio(report.delivered, expected),
        report.duplicates,
        report.resyncs
    ));
    if sends.failed > 0 {
        result.push_str(&format!("; {} sends failed", sends.failed));
    }
    if let Some(failure) = report.failures.first() {
        result.push_str(&format!("; {failure}"));
    }
    let setting = format!(
        "{} sockets dropped at once and resubscribed with after; {k} messages at {} msg/s meanwhile",
        thousands(n as u64),
        plan.storm_rate
    );
    Ok(vec![
        Row::info(name(Scenario::Storm), setting, result)
            .judged("nothing lost or repeated", Some(clean)),
    ])
}
