//! The subscriber link: one pub/sub connection that follows exactly the
//! topics with local subscribers, hands what arrives to the [`LocalBus`],
//! and signals a gap after every reconnection.
//!
//! The local bus's hook only marks a topic as changed ([`PendingTopics`]);
//! this task then compares what the local bus has with what Redis has and
//! sends the difference. Reading the truth at sync time (instead of replaying
//! a queue of changes) keeps the work bounded by the number of topics and
//! makes a quick subscribe-unsubscribe-subscribe come out right.
//!
//! [`LocalBus`]: crate::events::LocalBus

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use redis::aio::{PubSubSink, PubSubStream};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{
    Body, CONNECT_TIMEOUT, EVERYTHING_CHANNEL, Envelope, Link, PING_INTERVAL, RESPONSE_TIMEOUT,
    Shared, channel,
};
use crate::cluster::Backoff;
use crate::events::{Event, Topic};
use crate::metrics;

/// Channels per SUBSCRIBE / UNSUBSCRIBE command.
const CHANNELS_PER_COMMAND: usize = 500;

/// Topics whose local subscription changed since the link last looked.
#[derive(Default)]
pub struct PendingTopics {
    topics: Mutex<HashSet<Topic>>,
    wake: Notify,
}

impl PendingTopics {
    pub fn mark(&self, topic: Topic) {
        self.topics
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(topic);
        self.wake.notify_one();
    }

    fn take(&self) -> HashSet<Topic> {
        std::mem::take(&mut *self.topics.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Why a link ended.
enum Ended {
    Stopped,
    Failed(&'static str, String),
}

impl<E: std::fmt::Display> From<(&'static str, E)> for Ended {
    fn from((op, error): (&'static str, E)) -> Self {
        Ended::Failed(op, error.to_string())
    }
}

pub async fn run(shared: Arc<Shared>, pending: Arc<PendingTopics>, stop: CancellationToken) {
    let mut backoff = Backoff::new(shared.reconnect_max);
    loop {
        let ended = tokio::select! {
            _ = stop.cancelled() => Ended::Stopped,
            ended = link(&shared, &pending, &mut backoff) => ended,
        };
        let was_up = shared.health.borrow().subscriber == Link::Up;
        shared.set_health(|h| h.subscriber = Link::Down);
        match ended {
            Ended::Stopped => return,
            Ended::Failed(op, error) => {
                metrics::redis_error(op);
                if was_up {
                    shared.link_failures.send_modify(|failures| *failures += 1);
                    tracing::error!(%error, op, "redis link lost; serving local subscribers only until it is back");
                } else {
                    tracing::warn!(%error, op, "redis link still down; retrying");
                }
            }
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(backoff.pause()) => {}
        }
    }
}

/// One connection's life: connect, follow the wanted topics, signal the
/// gap, then relay messages and topic changes until something fails.
async fn link(shared: &Shared, pending: &PendingTopics, backoff: &mut Backoff) -> Ended {
    let pubsub = match tokio::time::timeout(CONNECT_TIMEOUT, shared.client.get_async_pubsub()).await
    {
        Ok(Ok(pubsub)) => pubsub,
        Ok(Err(error)) => return ("connect", error).into(),
        Err(_) => return ("connect", "timed out").into(),
    };
    let (mut sink, mut messages) = pubsub.split();
    if let Err(ended) = command("subscribe", sink.subscribe(EVERYTHING_CHANNEL)).await {
        return ended;
    }
    // Changes from now on are marked again and handled by `sync`.
    pending.take();
    let wanted: HashSet<Topic> = shared.local.topics().into_iter().collect();
    let topics: Vec<Topic> = wanted.iter().copied().collect();
    if let Err(ended) = subscribe_all(&mut sink, &topics).await {
        return ended;
    }
    backoff.reset();
    shared.set_health(|h| h.subscriber = Link::Up);
    // Remote events published while these topics were not followed are lost
    // to them: say so (after subscribing, so nothing slips in between).
    for &topic in &topics {
        shared.local.signal_gap(topic);
    }
    tracing::info!(
        topics = topics.len(),
        "redis link up; followed topics were told of a possible gap"
    );
    relay(shared, pending, sink, &mut messages, wanted).await
}

async fn relay(
    shared: &Shared,
    pending: &PendingTopics,
    mut sink: PubSubSink,
    messages: &mut PubSubStream,
    mut followed: HashSet<Topic>,
) -> Ended {
    let mut ping = tokio::time::interval(PING_INTERVAL);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    loop {
        tokio::select! {
            message = messages.next() => match message {
                Some(message) => receive(shared, message.get_payload_bytes()),
                None => return ("link", "connection closed").into(),
            },
            _ = pending.wake.notified() => {
                if let Err(ended) = sync(shared, pending, &mut sink, &mut followed).await {
                    return ended;
                }
            }
            _ = ping.tick() => {
                if let Err(ended) = command("ping", sink.ping::<redis::Value>()).await {
                    return ended;
                }
            }
        }
    }
}

/// Subscribes to newly wanted topics and unsubscribes from abandoned ones.
async fn sync(
    shared: &Shared,
    pending: &PendingTopics,
    sink: &mut PubSubSink,
    followed: &mut HashSet<Topic>,
) -> Result<(), Ended> {
    let (mut join, mut leave) = (Vec::new(), Vec::new());
    for topic in pending.take() {
        match (
            shared.local.has_subscribers(topic),
            followed.contains(&topic),
        ) {
            (true, false) => join.push(topic),
            (false, true) => leave.push(topic),
            _ => {}
        }
    }
    for chunk in leave.chunks(CHANNELS_PER_COMMAND) {
        command("subscribe", sink.unsubscribe(channels(chunk))).await?;
        for topic in chunk {
            followed.remove(topic);
        }
    }
    subscribe_all(sink, &join).await?;
    followed.extend(join);
    Ok(())
}

async fn subscribe_all(sink: &mut PubSubSink, topics: &[Topic]) -> Result<(), Ended> {
    for chunk in topics.chunks(CHANNELS_PER_COMMAND) {
        command("subscribe", sink.subscribe(channels(chunk))).await?;
    }
    Ok(())
}

fn channels(topics: &[Topic]) -> Vec<String> {
    topics.iter().map(|&topic| channel(topic)).collect()
}

/// Awaits a command with the response timeout.
async fn command<T>(
    op: &'static str,
    sent: impl Future<Output = redis::RedisResult<T>>,
) -> Result<T, Ended> {
    match tokio::time::timeout(RESPONSE_TIMEOUT, sent).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err((op, error).into()),
        Err(_) => Err((op, "timed out").into()),
    }
}

/// Hands one message to the local subscribers, unless this instance sent it
/// (its own subscribers already have it).
fn receive(shared: &Shared, payload: &[u8]) {
    metrics::redis_messages("in", 1);
    // The event is decoded on its own, so that one this version does not
    // know (from a newer instance during a rolling upgrade) still names its
    // topic, which then gets a gap instead of silence.
    let envelope: Envelope<serde_json::Value> = match serde_json::from_slice(payload) {
        Ok(envelope) => envelope,
        Err(error) => {
            metrics::redis_error("decode");
            tracing::warn!(%error, "ignoring an undecodable message from redis");
            return;
        }
    };
    if envelope.origin == shared.instance {
        return;
    }
    match envelope.body {
        Body::Event(topic, event) => match serde_json::from_value::<Event>(event) {
            Ok(event) => shared.local.deliver(topic, Arc::new(event)),
            Err(error) => {
                metrics::redis_error("decode");
                tracing::warn!(%error, %topic, "an event from redis could not be decoded");
                shared.local.signal_gap(topic);
            }
        },
        Body::Gap(topic) => shared.local.signal_gap(topic),
        Body::GapEverywhere => {
            for topic in shared.local.topics() {
                shared.local.signal_gap(topic);
            }
        }
    }
}
