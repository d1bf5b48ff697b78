//! Scenario 5, a history page: `messages(first: 50)` with senders, replies
//! (with their senders) and reactions (with who reacted), over HTTP, one
//! request at a time; and the database round trips one page costs, read
//! from the server's `/metrics` before and after a page of each size.

use std::time::Instant;

use futures_util::{StreamExt, TryStreamExt, stream};
use serde_json::{Value, json};

use super::{Ctx, name};
use crate::api::{Account, Api};
use crate::plan::{HISTORY_MEMBERS, Scenario};
use crate::report::Row;
use crate::stats::{self, Percentiles};

/// What a chat client shows for a page of its timeline.
const PAGE: &str = "query Page($chatId: ID!, $first: Int!) { \
    messages(chatId: $chatId, first: $first) { \
    edges { cursor node { id text createdAt sender { id handle name image } \
    replyTo { id text sender { id handle name } } \
    reactions { emoji count reactedByMe users(first: 2) { id handle } } } } \
    pageInfo { hasNextPage endCursor } } }";
/// The page size timed.
const TIMED_PAGE: usize = 50;
/// Page sizes whose round trips are counted: the count must not grow.
const COUNTED_PAGES: [usize; 3] = [10, 50, 100];
/// Untimed requests first.
const WARM_UP: usize = 5;
/// The most round trips a page may cost (the target): four for the page,
/// plus the session check every authenticated request makes (so that a
/// revoked session stops at once).
const MAX_ROUND_TRIPS: f64 = 5.0;
/// Metric names tried, in order, for the server's database command count.
const COMMAND_METRICS: [&str; 3] = [
    "chat_db_commands_total",
    "chat_db_round_trips_total",
    "mongodb_commands_total",
];

pub async fn run(ctx: &Ctx<'_>) -> anyhow::Result<Vec<Row>> {
    let plan = ctx.plan;
    let chat = &ctx.fixture.history_chat;
    let members = &ctx.fixture.users[..HISTORY_MEMBERS];
    seed(&ctx.api, members, chat, plan.history_messages).await?;
    let reader = &members[1];
    for _ in 0..WARM_UP {
        page(&ctx.api, reader, chat, TIMED_PAGE).await?;
    }
    let mut latencies = stats::histogram();
    for _ in 0..plan.history_requests {
        let began = Instant::now();
        page(&ctx.api, reader, chat, TIMED_PAGE).await?;
        stats::record(&mut latencies, began.elapsed());
    }
    let p = Percentiles::of(&latencies);
    let trips = round_trips(ctx, reader, chat).await?;
    let (trips_text, met) = match &trips {
        Some(counts) => {
            let text = counts
                .iter()
                .map(|(size, n)| format!("{n:.0} (first: {size})"))
                .collect::<Vec<_>>()
                .join(", ");
            let constant = counts.windows(2).all(|w| w[0].1 == w[1].1);
            let bounded = counts.iter().all(|(_, n)| *n <= MAX_ROUND_TRIPS);
            (text, Some(constant && bounded))
        }
        None => (
            "n/a (the server has no /metrics with a database command counter yet)".into(),
            None,
        ),
    };
    let setting = format!(
        "first: {TIMED_PAGE} of {} messages (half replies, half with 2 reactions), {} requests",
        plan.history_messages, plan.history_requests
    );
    // Each request also checks its token (one round trip), counted here.
    let result = format!(
        "{}; DB round trips per page, token check included: {trips_text}",
        p.summary()
    );
    Ok(vec![
        Row::info(name(Scenario::History), setting, result)
            .judged("constant round trips, <= 4", met),
    ])
}

/// Messages from every member in turn; every other one replies to the one
/// before; every other one gets two reactions.
async fn seed(api: &Api, members: &[Account], chat: &str, count: usize) -> anyhow::Result<()> {
    let mut ids: Vec<String> = Vec::with_capacity(count);
    for i in 0..count {
        let sender = &members[i % members.len()];
        let reply_to = (i % 2 == 1).then(|| ids[i - 1].as_str());
        let id = format!("h-{i}");
        let sent = api
            .send_message(sender, chat, &format!("history message {i}"), &id, reply_to)
            .await?;
        ids.push(sent.id);
    }
    let reactions = ids.iter().enumerate().step_by(2).flat_map(|(i, id)| {
        [
            (&members[(i + 1) % members.len()], id, "👍"),
            (&members[(i + 2) % members.len()], id, "🎉"),
        ]
    });
    stream::iter(reactions)
        .map(|(user, id, emoji)| api.add_reaction(user, id, emoji))
        .buffer_unordered(8)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

async fn page(api: &Api, reader: &Account, chat: &str, first: usize) -> anyhow::Result<Value> {
    api.gql(
        Some(&reader.token),
        PAGE,
        json!({ "chatId": chat, "first": first }),
    )
    .await
}

/// Round trips per page of each counted size (the fewest of three tries,
/// so a background command of the server does not count), or `None`
/// when the server exposes no counter.
async fn round_trips(
    ctx: &Ctx<'_>,
    reader: &Account,
    chat: &str,
) -> anyhow::Result<Option<Vec<(usize, f64)>>> {
    let counter = || async {
        let text = ctx.api.get_text("/metrics").await?;
        db_commands(&text)
    };
    if counter().await.is_none() {
        return Ok(None);
    }
    let mut counts = Vec::new();
    for size in COUNTED_PAGES {
        let mut fewest = f64::INFINITY;
        for _ in 0..3 {
            let (Some(before), _, Some(after)) = (
                counter().await,
                page(&ctx.api, reader, chat, size).await?,
                counter().await,
            ) else {
                return Ok(None);
            };
            fewest = fewest.min(after - before);
        }
        counts.push((size, fewest));
    }
    Ok(Some(counts))
}

/// The database command count in a Prometheus text exposition: the sum over
/// every label set of the first of [`COMMAND_METRICS`] present.
fn db_commands(exposition: &str) -> Option<f64> {
    COMMAND_METRICS.iter().find_map(|metric| {
        let samples: Vec<f64> = exposition
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| {
                let (name, rest) = line.split_at(line.find(['{', ' '])?);
                if name != *metric {
                    return None;
                }
                rest.rsplit(' ').next()?.parse::<f64>().ok()
            })
            .collect();
        (!samples.is_empty()).then(|| samples.iter().sum())
    })
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn db_commands__sums_every_label_set_of_the_counter() {
        let text = "# HELP chat_db_commands_total Commands sent.\n\
            # TYPE chat_db_commands_total counter\n\
            chat_db_commands_total{collection=\"messages\",command=\"find\"} 12\n\
            chat_db_commands_total{collection=\"users\",command=\"find\"} 3\n\
            chat_db_commands_total_other 100\n\
            http_requests_total 7\n";
        assert_eq!(db_commands(text), Some(15.0));
        assert_eq!(db_commands("chat_db_round_trips_total 4\n"), Some(4.0));
        assert_eq!(db_commands("http_requests_total 7\n"), None);
    }
}
