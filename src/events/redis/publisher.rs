//! The publisher task: drains the bounded queue into Redis, a batch per
//! round trip, and turns every event it could not send into a gap notice.
//!
//! It owns one multiplexed connection. While that is down it keeps draining
//! the queue (so callers never wait and memory stays bounded), recording the
//! topics of the events it drops in [`Losses`]; once connected again it
//! publishes a gap notice on each of those topics, in order after the
//! events queued before the loss.

use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::losses::{Losses, Lost};
use super::{
    Body, CONNECT_TIMEOUT, EVERYTHING_CHANNEL, Envelope, Link, PING_INTERVAL, RESPONSE_TIMEOUT,
    Shared, channel,
};
use crate::cluster::Backoff;
use crate::events::{Event, Topic};
use crate::metrics;

/// Events sent in one pipeline at most.
const BATCH: usize = 64;
/// A connection that lasted this long failed by accident, not by design.
const STABLE_AFTER: Duration = Duration::from_secs(1);
/// An event waiting to be sent.
pub struct Outgoing {
    /// Its number in publish order (see [`Losses`]).
    pub seq: u64,
    pub topic: Topic,
    pub event: Arc<Event>,
}

pub async fn run(
    shared: Arc<Shared>,
    mut queue: mpsc::Receiver<Outgoing>,
    losses: Arc<Losses>,
    stop: CancellationToken,
) {
    let mut backoff = Backoff::new(shared.reconnect_max);
    let mut link_failures = shared.link_failures.subscribe();
    // The sequence number of the last event taken off the queue.
    let mut last_dequeued = 0;
    loop {
        // Link failures from now on are news for this connection.
        link_failures.borrow_and_update();
        match connect(&shared).await {
            Ok(mut connection) => {
                let up_since = Instant::now();
                backoff.reset();
                shared.set_health(|h| h.publisher = Link::Up);
                let served = serve(
                    &shared,
                    &mut connection,
                    &mut link_failures,
                    &mut queue,
                    &mut last_dequeued,
                    &losses,
                    &stop,
                )
                .await;
                shared.set_health(|h| h.publisher = Link::Down);
                match served {
                    Ok(()) => return,
                    Err(error) => {
                        tracing::warn!(%error, "redis publisher connection lost; reconnecting");
                        // A connection that served a while is replaced at
                        // once (it may just have gone stale); one that fails
                        // straight away waits like a failed connect, so a
                        // server that refuses to publish cannot spin us.
                        if up_since.elapsed() >= STABLE_AFTER {
                            continue;
                        }
                    }
                }
            }
            Err(error) => {
                shared.set_health(|h| h.publisher = Link::Down);
                metrics::redis_error("connect");
                tracing::warn!(%error, "redis publisher cannot connect; retrying");
            }
        }
        if !drain_while_waiting(
            backoff.pause(),
            &mut queue,
            &mut last_dequeued,
            &losses,
            &stop,
        )
        .await
        {
            return;
        }
    }
}

async fn connect(shared: &Shared) -> redis::RedisResult<MultiplexedConnection> {
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(RESPONSE_TIMEOUT));
    shared
        .client
        .get_multiplexed_async_connection_with_config(&config)
        .await
}

/// Publishes until the bus is dropped (`Ok`) or the connection fails.
///
/// A multiplexed connection only finds out it is dead when used, and the
/// event that finds out is lost. So the connection is replaced as soon as
/// the subscriber link (which hears a close at once) fails, and pinged when
/// idle in case it dies alone.
async fn serve(
    shared: &Shared,
    connection: &mut MultiplexedConnection,
    link_failures: &mut watch::Receiver<u64>,
    queue: &mut mpsc::Receiver<Outgoing>,
    last_dequeued: &mut u64,
    losses: &Losses,
    stop: &CancellationToken,
) -> Result<(), String> {
    let mut batch: Vec<Outgoing> = Vec::with_capacity(BATCH);
    let mut ping = tokio::time::interval(PING_INTERVAL);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    loop {
        let notices = losses.take_ready(|lost| queue.is_empty() || lost <= *last_dequeued);
        if !notices.is_empty()
            && let Err(error) = send_notices(shared, connection, &notices).await
        {
            losses.restore(notices);
            metrics::redis_error("publish");
            return Err(error.to_string());
        }
        tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            _ = link_failures.changed() => {
                return Err("the subscriber link failed; replacing this connection too".into());
            }
            _ = ping.tick() => {
                if let Err(error) = redis::cmd("PING").exec_async(connection).await {
                    metrics::redis_error("ping");
                    return Err(error.to_string());
                }
            }
            _ = losses.wake.notified() => {}
            received = queue.recv_many(&mut batch, BATCH) => {
                if received == 0 {
                    return Ok(());
                }
                *last_dequeued = batch.last().map_or(*last_dequeued, |o| o.seq);
                if let Err(error) = send_events(shared, connection, &batch).await {
                    metrics::redis_error("publish");
                    metrics::redis_publish_dropped("unsent", batch.len());
                    // Never retried, since some may have gone out (exactly
                    // once); a redundant gap is harmless, a missing one not.
                    for outgoing in batch.drain(..) {
                        losses.record(outgoing.topic, outgoing.seq);
                    }
                    return Err(error.to_string());
                }
                batch.clear();
            }
        }
    }
}

/// Waits `pause` before the next connection attempt, dropping (and
/// recording) whatever is published meanwhile. False when the bus is gone.
async fn drain_while_waiting(
    pause: Duration,
    queue: &mut mpsc::Receiver<Outgoing>,
    last_dequeued: &mut u64,
    losses: &Losses,
    stop: &CancellationToken,
) -> bool {
    let deadline = tokio::time::sleep(pause);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return false,
            _ = &mut deadline => return true,
            outgoing = queue.recv() => match outgoing {
                Some(outgoing) => {
                    *last_dequeued = outgoing.seq;
                    metrics::redis_publish_dropped("unsent", 1);
                    losses.record(outgoing.topic, outgoing.seq);
                }
                None => return false,
            },
        }
    }
}

async fn send_events(
    shared: &Shared,
    connection: &mut MultiplexedConnection,
    batch: &[Outgoing],
) -> redis::RedisResult<()> {
    let mut pipe = redis::pipe();
    for outgoing in batch {
        let envelope = Envelope {
            origin: shared.instance,
            body: Body::Event(outgoing.topic, outgoing.event.as_ref()),
        };
        add_publish(&mut pipe, channel(outgoing.topic), &envelope);
    }
    pipe.exec_async(connection).await?;
    metrics::redis_messages("out", batch.len());
    Ok(())
}

async fn send_notices(
    shared: &Shared,
    connection: &mut MultiplexedConnection,
    notices: &Lost,
) -> redis::RedisResult<()> {
    let mut pipe = redis::pipe();
    if notices.everything.is_some() {
        let envelope: Envelope<&Event> = Envelope {
            origin: shared.instance,
            body: Body::GapEverywhere,
        };
        add_publish(&mut pipe, EVERYTHING_CHANNEL.to_owned(), &envelope);
    }
    for &topic in notices.topics.keys() {
        let envelope: Envelope<&Event> = Envelope {
            origin: shared.instance,
            body: Body::Gap(topic),
        };
        add_publish(&mut pipe, channel(topic), &envelope);
    }
    pipe.exec_async(connection).await?;
    metrics::redis_messages("out", notices.count());
    tracing::info!(
        topics = notices.count(),
        "published gap notices for events Redis never got"
    );
    Ok(())
}

fn add_publish(pipe: &mut redis::Pipeline, channel: String, envelope: &Envelope<&Event>) {
    match serde_json::to_vec(envelope) {
        Ok(payload) => {
            pipe.cmd("PUBLISH").arg(channel).arg(payload).ignore();
        }
        // Our own types always serialise; if one ever does not, say so loudly.
        Err(error) => tracing::error!(%error, %channel, "cannot encode an event for Redis"),
    }
}
