//! Scenario 3, idle cost: authenticated sockets, each holding a
//! `messageEvents` subscription, added level by level; the server's memory
//! per socket is its RSS growth over the sockets open.
//!
//! The sockets subscribe to one chat of 1,000 members, several sockets per
//! member beyond that (devices), so every subscribe reads a chat of the
//! same ordinary size. Each level is probed until every subscription has
//! delivered an event, so the figure includes a socket's state after it
//! has written something, not just after its handshake.

use std::sync::Arc;
use std::time::Duration;

use super::{Aftermath, Ctx, LIVE_TIMEOUT, OPEN_CONCURRENCY, OPEN_TIMEOUT, name, settle};
use crate::fleet::{Fleet, Member};
use crate::machine::rss_kib;
use crate::plan::Scenario;
use crate::report::Row;
use crate::send::until_live;
use crate::stats::thousands;

/// The idle target: server memory per subscribed socket, KiB.
const TARGET_KIB: f64 = 16.0;
/// Time for the allocator and the kernel to settle before RSS is read.
const SETTLE: Duration = Duration::from_secs(1);

pub async fn run(ctx: &Ctx<'_>) -> anyhow::Result<Vec<Row>> {
    let plan = ctx.plan;
    let members = plan.idle_chat_members();
    let chat: Arc<str> = ctx.fixture.chat(members).into();
    let tokens: Vec<Arc<str>> = ctx.fixture.users[..members]
        .iter()
        .map(|user| user.token.as_str().into())
        .collect();
    tokio::time::sleep(SETTLE).await;
    let base = ctx.server.rss_kib();
    let own_base = rss_kib(std::process::id());
    let mut fleet = Fleet::new(ctx.endpoint.clone(), OPEN_CONCURRENCY);
    let mut rows = Vec::new();
    // The previous level, for the cost of each socket added since: the
    // first level also pays for what the server allocates once.
    let mut previous: Option<(usize, u64)> = None;
    for &level in &plan.idle_levels {
        let added = (fleet.len()..level)
            .map(|i| Member {
                token: tokens[i % members].clone(),
                chat: chat.clone(),
            })
            .collect();
        fleet.add(added, OPEN_TIMEOUT).await?;
        until_live(&ctx.api, ctx.fixture.sender(), &chat, &fleet, LIVE_TIMEOUT).await?;
        settle(ctx, Aftermath::SocketsOpened).await;
        tokio::time::sleep(SETTLE).await;
        let rss = ctx.server.rss_kib();
        let own = rss_kib(std::process::id());
        let per_socket = |before: Option<u64>, after: Option<u64>| {
            Some(after?.saturating_sub(before?) as f64 / level as f64)
        };
        let setting = format!(
            "{} sockets ({} per member of a {}-member chat)",
            thousands(level as u64),
            level.div_ceil(members),
            thousands(members as u64)
        );
        let row = match per_socket(base, rss) {
            Some(kib) => {
                let mut result = format!(
                    "{kib:.1} KiB per socket (server RSS {:.1} → {:.1} MiB)",
                    base.unwrap_or(0) as f64 / 1024.0,
                    rss.unwrap_or(0) as f64 / 1024.0
                );
                if let (Some((count, before)), Some(now)) = (previous, rss) {
                    let added = now.saturating_sub(before) as f64 / (level - count) as f64;
                    result.push_str(&format!(
                        "; {added:.1} KiB per socket added since {}",
                        thousands(count as u64)
                    ));
                }
                if let Some(own) = per_socket(own_base, own) {
                    result.push_str(&format!("; loadgen {own:.1} KiB per socket"));
                }
                // The target is for the default sizes, not a smoke run's.
                let met = (!plan.quick).then_some(kib <= TARGET_KIB);
                Row::info(name(Scenario::Idle), setting, result).judged("<= 16 KiB per socket", met)
            }
            None => Row::info(
                name(Scenario::Idle),
                setting,
                "n/a: the server's pid is unknown (pass --server-pid with --url)",
            ),
        };
        rows.push(row);
        previous = rss.map(|rss| (level, rss));
    }
    fleet.close().await;
    Ok(rows)
}
