//! The bus between instances: Redis pub/sub, one channel per topic.
//!
//! **Routing.** A topic's events go to the channel `chat:ev:<topic>`
//! (`chat:ev:user:<id>`, `chat:ev:chat:<id>`). An instance SUBSCRIBEs only to
//! the channels of topics its own clients follow, when the first local
//! subscriber arrives, and UNSUBSCRIBEs when the last one leaves (the
//! [`LocalBus`] hook drives this). There is no firehose that every instance
//! filters; the only other channel is `chat:ev:all`, which carries the rare
//! "everything may have been lost" notice.
//!
//! **Exactly once, and ordering.** A publish is delivered to local
//! subscribers at once, then queued for Redis in an envelope that names the
//! instance it came from; an instance drops the echo of its own envelopes.
//! So every subscriber gets each event once: locally on the publishing
//! instance, through its single SUBSCRIBE to the channel on every other one.
//! Delivering locally first (rather than only through Redis) is what keeps
//! an instance serving its own clients while Redis is down, and saves them a
//! round trip. Events of one publisher on one topic keep their order
//! everywhere (one publisher task, one connection, Redis keeps per-connection
//! order); events of different instances have no global order, as with any
//! two concurrent publishers. Chats that need one carry a sequence number.
//!
//! **Never blocking.** [`EventBus::publish`] only enqueues into a bounded
//! queue ([`RedisOptions::publish_queue`]) drained by one publisher task.
//! When the queue is full, the event still reaches local subscribers but is
//! not sent to Redis: its topic is remembered as lossy, and once the
//! publisher catches up it publishes a gap notice on that topic's channel,
//! so the other instances' subscribers get [`Interruption::Gap`] (a RESYNC
//! or a replay) instead of a silent hole. Events that fail to publish are
//! treated the same way.
//!
//! **Outages.** Both connections reconnect with the cluster's
//! [`Backoff`](crate::cluster::Backoff) (100 ms doubling up to
//! [`RedisOptions::reconnect_max`], with jitter). While the
//! subscriber link is down local delivery goes on; when it is back, the
//! instance re-subscribes every topic it still has local subscribers for and
//! then signals a gap to each of them, because remote events may have been
//! published meanwhile. Failures are logged and counted (`chat_redis_*`).
//!
//! [`Interruption::Gap`]: super::Interruption::Gap

mod link;
mod losses;
mod publisher;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::{CancellationToken, DropGuard};

use super::{Event, EventBus, EventStream, LocalBus, Topic};
use crate::cluster::RedisLink;
use crate::metrics;

use link::PendingTopics;
use losses::Losses;
use publisher::Outgoing;

/// Channel names start with this, so the bus can share a Redis server.
const CHANNEL_PREFIX: &str = "chat:ev:";
/// The channel every instance follows for notices about all topics.
const EVERYTHING_CHANNEL: &str = "chat:ev:all";
/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long Redis may take to answer a command before the link counts as
/// broken (a stalled server is as bad as a gone one).
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
/// How often an idle connection proves it is alive (a half-open TCP
/// connection would otherwise look fine forever).
const PING_INTERVAL: Duration = Duration::from_secs(5);

/// How the bus uses Redis.
#[derive(Clone, Debug)]
pub struct RedisOptions {
    /// Events waiting for the publisher before new ones are not sent.
    pub publish_queue: usize,
    /// The longest pause between reconnection attempts.
    pub reconnect_max: Duration,
}

/// What an instance publishes on a channel.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope<E> {
    /// The publishing instance, so it can skip its own echo.
    origin: u64,
    body: Body<E>,
}

#[derive(Debug, Serialize, Deserialize)]
enum Body<E> {
    Event(Topic, E),
    /// The publisher could not send some events of this topic.
    Gap(Topic),
    /// The publisher lost track of which topics it could not serve.
    GapEverywhere,
}

fn channel(topic: Topic) -> String {
    format!("{CHANNEL_PREFIX}{topic}")
}

/// The state of one connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Link {
    /// No attempt has finished yet.
    #[default]
    Starting,
    Up,
    Down,
}

/// The state of the two connections.
#[derive(Clone, Copy, Debug, Default)]
struct Health {
    subscriber: Link,
    publisher: Link,
}

impl Health {
    fn up(self) -> bool {
        self.subscriber == Link::Up && self.publisher == Link::Up
    }

    /// Both connections have made their first attempt.
    fn settled(self) -> bool {
        self.subscriber != Link::Starting && self.publisher != Link::Starting
    }
}

/// What the bus and its two tasks share.
struct Shared {
    /// The cluster's id of this instance: tells its envelopes apart.
    instance: u64,
    client: redis::Client,
    local: LocalBus,
    reconnect_max: Duration,
    health: watch::Sender<Health>,
    /// Counts failures of the subscriber link, which notices a lost server
    /// at once; the publisher then replaces its own connection.
    link_failures: watch::Sender<u64>,
}

impl Shared {
    fn set_health(&self, change: impl FnOnce(&mut Health)) {
        self.health.send_modify(|health| {
            let was = health.up();
            change(health);
            if was != health.up() {
                metrics::redis_link(health.up());
            }
        });
    }
}

/// Topic-routed delivery across instances through Redis (see the module
/// docs for the guarantees).
pub struct RedisBus {
    shared: Arc<Shared>,
    /// Numbers publishes, so gap notices keep their place (see [`Losses`]).
    next_seq: AtomicU64,
    queue: mpsc::Sender<Outgoing>,
    losses: Arc<Losses>,
    /// Stops both tasks when the bus is dropped.
    _stop: DropGuard,
}

impl RedisBus {
    /// Starts the bus and its connections, opened from the cluster's
    /// `link` (in the background: use [`RedisBus::first_attempt`] to wait
    /// for them).
    pub fn start(link: &RedisLink, options: RedisOptions) -> Self {
        let client = link.client().clone();
        let pending = Arc::new(PendingTopics::default());
        let marks = pending.clone();
        let local = LocalBus::with_hook(Arc::new(move |topic, _| marks.mark(topic)));
        let shared = Arc::new(Shared {
            instance: link.instance().as_u64(),
            client,
            local,
            reconnect_max: options.reconnect_max,
            health: watch::Sender::new(Health::default()),
            link_failures: watch::Sender::new(0),
        });
        let (queue, outgoing) = mpsc::channel(options.publish_queue.max(1));
        let losses = Arc::new(Losses::default());
        let stop = CancellationToken::new();
        tokio::spawn(link::run(shared.clone(), pending, stop.clone()));
        tokio::spawn(publisher::run(
            shared.clone(),
            outgoing,
            losses.clone(),
            stop.clone(),
        ));
        Self {
            shared,
            next_seq: AtomicU64::new(1),
            queue,
            losses,
            _stop: stop.drop_guard(),
        }
    }

    /// Waits (at most `timeout`) for the first connection attempts to
    /// succeed or fail; true when both connections are up.
    pub async fn first_attempt(&self, timeout: Duration) -> bool {
        let mut health = self.shared.health.subscribe();
        let _ = tokio::time::timeout(timeout, health.wait_for(|h| h.settled())).await;
        self.shared.health.borrow().up()
    }
}

impl EventBus for RedisBus {
    fn publish(&self, topic: Topic, event: Event) {
        metrics::event_published(topic.kind());
        let event = Arc::new(event);
        self.shared.local.deliver(topic, event.clone());
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        if self.queue.try_send(Outgoing { seq, topic, event }).is_err() {
            // Full (the publisher is behind or Redis is down) or closed:
            // the other instances will hear of a gap instead.
            metrics::redis_publish_dropped("queue_full", 1);
            self.losses.record(topic, seq);
        }
    }

    fn subscribe(&self, topic: Topic) -> EventStream {
        self.shared.local.subscribe(topic)
    }

    fn subscriber_count(&self, topic: Topic) -> usize {
        self.shared.local.subscriber_count(topic)
    }

    fn linked(&self) -> Option<bool> {
        Some(self.shared.health.borrow().up())
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;
    use crate::domain::{ChatId, User, UserId};

    #[test]
    fn channel__names_the_topic_kind_and_id() {
        let user = UserId::new();
        let chat = ChatId::new();
        assert_eq!(channel(Topic::User(user)), format!("chat:ev:user:{user}"));
        assert_eq!(channel(Topic::Chat(chat)), format!("chat:ev:chat:{chat}"));
        assert_ne!(channel(Topic::User(user)), EVERYTHING_CHANNEL);
    }

    #[test]
    fn an_envelope__survives_the_round_trip() {
        let user = User {
            id: UserId::new(),
            email: "ada@example.com".into(),
            handle: "ada".into(),
            name: "Ada".into(),
            image: None,
            bio: Some("math".into()),
            last_seen: None,
            created_at: chrono::Utc::now(),
            deleted: false,
        };
        let topic = Topic::User(user.id);
        let event = Event::ProfileUpdated(user.clone());
        let sent = Envelope {
            origin: 7,
            body: Body::Event(topic, &event),
        };
        let bytes = serde_json::to_vec(&sent).unwrap();
        let received: Envelope<Event> = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(received.origin, 7);
        match received.body {
            Body::Event(t, Event::ProfileUpdated(u)) => {
                assert_eq!(t, topic);
                assert_eq!((u.id, u.bio), (user.id, user.bio));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
