//! Scenario 2, fan-out throughput: the send rate into a chat of 1,000
//! subscribers is raised step by step until p99 passes 250 ms (or a
//! delivery is lost); the figure is the deliveries per second of the last
//! step that held.

use std::time::Duration;

use super::latency::{Measured, measure};
use super::{Ctx, name};
use crate::plan::{FANOUT_GROWTH, FANOUT_P99_BOUND, Scenario};
use crate::report::Row;
use crate::stats::{millis, thousands};

/// The fan-out target, in deliveries per second.
const TARGET_PER_SEC: f64 = 100_000.0;

pub async fn run(ctx: &Ctx<'_>) -> anyhow::Result<Vec<Row>> {
    let plan = ctx.plan;
    let n = plan.fanout_subscribers;
    let fleet = ctx.subscribed_fleet(n).await?;
    let chat = ctx.fixture.chat(n);
    let mut rate = plan.fanout_start_rate;
    let mut held: Option<Measured> = None;
    let mut broke: Option<Measured> = None;
    for _ in 0..plan.fanout_max_steps {
        let step = measure(ctx, &fleet, chat, rate, plan.fanout_step).await;
        eprintln!(
            "loadgen:   fan-out {rate:.0} msg/s: {:.0} deliveries/s, {}; {}",
            step.deliveries_per_sec,
            step.summary(),
            step.cpu()
        );
        if step.complete() && step.e2e.p99 <= FANOUT_P99_BOUND {
            held = Some(step);
        } else {
            broke = Some(step);
            break;
        }
        rate = (rate * FANOUT_GROWTH).round();
        // Queues empty before the next step.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    fleet.close().await;
    let setting = format!(
        "{} subscribers, rate ×{FANOUT_GROWTH} per {} s step from {} msg/s until p99 > {}",
        thousands(n as u64),
        plan.fanout_step.as_secs_f64(),
        plan.fanout_start_rate,
        millis(FANOUT_P99_BOUND)
    );
    let mut result = match &held {
        Some(step) => format!(
            "{} deliveries/s at {:.0} msg/s ({}; {})",
            thousands(step.deliveries_per_sec as u64),
            step.rate,
            step.e2e.summary(),
            step.cpu()
        ),
        None => "no step held".into(),
    };
    match &broke {
        Some(step) => result.push_str(&format!(
            "; next step {:.0} msg/s: {}",
            step.rate,
            step.summary()
        )),
        None => result.push_str(&format!(
            "; the bound was not reached within {} steps",
            plan.fanout_max_steps
        )),
    }
    // The target is set for a chat of 1,000; other sizes are for looking.
    let met = (n == 1_000).then(|| {
        held.as_ref()
            .is_some_and(|step| step.deliveries_per_sec >= TARGET_PER_SEC)
    });
    Ok(vec![
        Row::info(name(Scenario::Fanout), setting, result).judged(">= 100,000 deliveries/s", met),
    ])
}
