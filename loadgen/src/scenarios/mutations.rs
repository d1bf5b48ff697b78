//! Scenario 4, mutation throughput: `sendMessage` over HTTP from a fixed
//! number of clients, each sending its next request when the last one is
//! answered (closed loop), each into its own chat (nobody subscribed), so
//! the figure is the cost of the mutation itself.

use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::{Ctx, name};
use crate::plan::Scenario;
use crate::report::Row;
use crate::stats::{self, Percentiles, thousands};

/// Requests before measuring starts: connections open, caches warm.
const WARM_UP: Duration = Duration::from_secs(1);
/// A bound on any client's requests, whatever the duration.
const MAX_REQUESTS_PER_CLIENT: usize = 1_000_000;

pub async fn run(ctx: &Ctx<'_>) -> anyhow::Result<Vec<Row>> {
    let plan = ctx.plan;
    let measure_from = Instant::now() + WARM_UP;
    let until = measure_from + plan.mutation_duration;
    let mut clients = JoinSet::new();
    for client in 0..plan.mutation_clients {
        let api = ctx.api.clone();
        let sender = ctx.fixture.users[client + 1].clone();
        let chat = ctx.fixture.mutation_chats[client].clone();
        clients.spawn(async move {
            let mut latencies = stats::histogram();
            let mut failed = 0u64;
            let mut first_error = None;
            for i in 0..MAX_REQUESTS_PER_CLIENT {
                let began = Instant::now();
                if began >= until {
                    break;
                }
                let id = format!("m{client}-{i}");
                let sent = api
                    .send_message(&sender, &chat, "mutation load", &id, None)
                    .await;
                if began < measure_from {
                    continue;
                }
                match sent {
                    Ok(_) => stats::record(&mut latencies, began.elapsed()),
                    Err(error) => {
                        failed += 1;
                        first_error.get_or_insert_with(|| format!("{error:#}"));
                    }
                }
            }
            (latencies, failed, first_error)
        });
    }
    let mut latencies = stats::histogram();
    let mut failed = 0;
    let mut first_error = None;
    while let Some(joined) = clients.join_next().await {
        let (part, part_failed, part_error) = joined?;
        latencies.add(&part).expect("same bounds");
        failed += part_failed;
        first_error = first_error.or(part_error);
    }
    let p = Percentiles::of(&latencies);
    let per_sec = p.count as f64 / plan.mutation_duration.as_secs_f64();
    let mut result = format!("{} requests/s; {}", thousands(per_sec as u64), p.summary());
    if failed > 0 {
        result.push_str(&format!(
            "; {failed} failed ({})",
            first_error.unwrap_or_default()
        ));
    }
    let setting = format!(
        "{} clients, closed loop, {} s, one chat each",
        plan.mutation_clients,
        plan.mutation_duration.as_secs_f64()
    );
    Ok(vec![Row::info(name(Scenario::Mutations), setting, result)])
}
