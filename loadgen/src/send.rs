//! Sending messages on a schedule (open loop), and probing a fleet until
//! every subscription is live.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use hdrhistogram::Histogram;
use tokio::task::JoinSet;

use crate::api::{Account, Api};
use crate::fleet::{Fleet, Step};
use crate::stats;

/// How long the sends of one step may still be in flight after the last
/// was issued.
const SEND_DRAIN: Duration = Duration::from_secs(30);

/// What the sending side of a step saw.
pub struct Sends {
    pub ok: u64,
    pub failed: u64,
    pub first_error: Option<String>,
    /// `sendMessage` over HTTP, request to response.
    pub http: Histogram<u64>,
    /// When the first message was sent ([`stats::now_ns`]).
    pub started_ns: u64,
    /// How late the generator issued a send against its schedule, at worst:
    /// more than a millisecond or two means the machine, not the server,
    /// set the pace.
    pub worst_lateness: Duration,
    /// The highest cursor a send returned.
    pub last_cursor: i64,
}

/// The send times of message `i` of `count` at `rate` per second from
/// `start`: fixed by the clock, whatever the responses do.
pub fn schedule(start: Instant, rate: f64, i: usize) -> Instant {
    start + Duration::from_secs_f64(i as f64 / rate)
}

/// Sends every message of `step` into `chat` at `rate` per second, each
/// send its own task so a slow response never delays the next send.
pub async fn open_loop(
    api: &Api,
    sender: &Account,
    chat: &str,
    step: &Arc<Step>,
    rate: f64,
) -> Sends {
    let start = Instant::now() + Duration::from_millis(5);
    let mut tasks = JoinSet::new();
    let mut worst_lateness = Duration::ZERO;
    let started_ns = stats::ns_at(start);
    for i in 0..step.len() {
        let at = schedule(start, rate, i);
        tokio::time::sleep_until(at.into()).await;
        worst_lateness = worst_lateness.max(Instant::now().saturating_duration_since(at));
        let (api, sender, chat, step) =
            (api.clone(), sender.clone(), chat.to_owned(), step.clone());
        tasks.spawn(async move {
            let id = step.client_message_id(i);
            step.mark_sent(i);
            let began = Instant::now();
            let sent = api
                .send_message(&sender, &chat, &format!("load message {id}"), &id, None)
                .await;
            (sent, began.elapsed())
        });
    }
    let mut sends = Sends {
        ok: 0,
        failed: 0,
        first_error: None,
        http: stats::histogram(),
        started_ns,
        worst_lateness,
        last_cursor: -1,
    };
    let drained = tokio::time::timeout(SEND_DRAIN, async {
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((Ok(sent), took)) => {
                    sends.ok += 1;
                    stats::record(&mut sends.http, took);
                    let cursor = sent.cursor.parse().unwrap_or(-1);
                    sends.last_cursor = sends.last_cursor.max(cursor);
                }
                Ok((Err(error), _)) => {
                    sends.failed += 1;
                    sends
                        .first_error
                        .get_or_insert_with(|| format!("{error:#}"));
                }
                Err(error) => {
                    sends.failed += 1;
                    sends.first_error.get_or_insert_with(|| error.to_string());
                }
            }
        }
    })
    .await;
    if drained.is_err() {
        sends.failed += tasks.len() as u64;
        sends
            .first_error
            .get_or_insert_with(|| "sends timed out".into());
        tasks.abort_all();
    }
    sends
}

/// Waits until `step.delivered` reaches `expected`, or `timeout` passes.
pub async fn await_deliveries(step: &Step, expected: u64, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while step.delivered.load(std::sync::atomic::Ordering::Relaxed) < expected
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Sends probe messages into `chat` until every socket of `fleet` has
/// received an event: graphql-ws does not acknowledge a subscribe, so an
/// event is the proof that it is live. Returns the last probe's cursor.
pub async fn until_live(
    api: &Api,
    sender: &Account,
    chat: &str,
    fleet: &Fleet,
    timeout: Duration,
) -> anyhow::Result<i64> {
    let deadline = Instant::now() + timeout;
    let mut last_cursor = -1;
    // At most one probe per half second until the deadline.
    let probes = (timeout.as_millis() / 500).max(1) as u64;
    for probe in 0..probes {
        let id = format!("probe-{}-{probe}", stats::now_ns());
        let sent = api.send_message(sender, chat, "probe", &id, None).await?;
        last_cursor = sent.cursor.parse().unwrap_or(-1);
        let wait_until = Instant::now() + Duration::from_millis(500);
        while Instant::now() < wait_until {
            let counters = fleet.counters();
            if counters.live.load(std::sync::atomic::Ordering::Relaxed) >= fleet.len()
                && counters
                    .highest_cursor
                    .load(std::sync::atomic::Ordering::Relaxed)
                    >= last_cursor
            {
                return Ok(last_cursor);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if Instant::now() >= deadline {
            break;
        }
    }
    let live = fleet
        .counters()
        .live
        .load(std::sync::atomic::Ordering::Relaxed);
    bail!(
        "only {live} of {} subscriptions became live within {timeout:?} (last cursor {last_cursor})",
        fleet.len()
    )
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn schedule__spaces_sends_by_the_clock() {
        let start = Instant::now();
        assert_eq!(schedule(start, 100.0, 0), start);
        assert_eq!(schedule(start, 100.0, 1), start + Duration::from_millis(10));
        assert_eq!(
            schedule(start, 100.0, 250),
            start + Duration::from_millis(2_500)
        );
        assert_eq!(schedule(start, 0.5, 3), start + Duration::from_secs(6));
    }
}
