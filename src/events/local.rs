//! The in-process bus: one bounded broadcast channel per topic that has
//! subscribers, created on the first subscribe and removed with the last.
//!
//! [`RedisBus`](super::RedisBus) reuses it for local fan-out: a [`TopicHook`]
//! tells it when a topic gains its first subscriber or loses its last, and
//! [`LocalBus::signal_gap`] reaches a topic's subscribers with
//! [`Interruption::Gap`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use super::{Event, EventBus, EventStream, Interruption, SUBSCRIBER_BUFFER, Topic};
use crate::metrics;

/// What a topic's channel carries: an event, or word that events may have
/// been lost (it shares the channel so it stays in order with the events).
#[derive(Clone)]
enum Signal {
    Event(Arc<Event>),
    Gap,
}

/// A change in whether a topic has local subscribers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TopicChange {
    FirstSubscriber,
    LastUnsubscribed,
}

/// Called when a topic gains its first subscriber or loses its last. It runs
/// under the bus's lock, so that changes are reported in the order they
/// happen: it must be quick and must not call back into the bus.
pub type TopicHook = Arc<dyn Fn(Topic, TopicChange) + Send + Sync>;

#[derive(Default)]
struct Shared {
    channels: RwLock<HashMap<Topic, broadcast::Sender<Signal>>>,
    hook: Option<TopicHook>,
}

impl Shared {
    fn sender(&self, topic: Topic) -> Option<broadcast::Sender<Signal>> {
        match self.channels.read() {
            Ok(channels) => channels.get(&topic).cloned(),
            Err(_) => None,
        }
    }
}

/// Topic-routed delivery inside one process.
#[derive(Clone, Default)]
pub struct LocalBus {
    shared: Arc<Shared>,
}

impl LocalBus {
    pub fn new() -> Self {
        Self::default()
    }

    /// A bus that reports topic changes to `hook`.
    pub fn with_hook(hook: TopicHook) -> Self {
        Self {
            shared: Arc::new(Shared {
                channels: RwLock::default(),
                hook: Some(hook),
            }),
        }
    }

    /// Topics with at least one subscriber (for tests and metrics).
    pub fn topic_count(&self) -> usize {
        self.shared.channels.read().map(|c| c.len()).unwrap_or(0)
    }

    /// The topics that have subscribers right now.
    pub fn topics(&self) -> Vec<Topic> {
        self.shared
            .channels
            .read()
            .map(|c| c.keys().copied().collect())
            .unwrap_or_default()
    }

    pub fn has_subscribers(&self, topic: Topic) -> bool {
        self.shared
            .channels
            .read()
            .is_ok_and(|c| c.contains_key(&topic))
    }

    /// Hands `event` to the current subscribers of `topic` (no publish count:
    /// the event may come from another instance).
    pub fn deliver(&self, topic: Topic, event: Arc<Event>) {
        if let Some(sender) = self.shared.sender(topic) {
            // An error only means every receiver left since the lookup.
            let delivered = sender.send(Signal::Event(event)).unwrap_or(0);
            metrics::events_delivered(topic.kind(), delivered);
        }
    }

    /// Tells every current subscriber of `topic` that events may have been
    /// lost; their streams yield [`Interruption::Gap`] and stay open.
    pub fn signal_gap(&self, topic: Topic) {
        if let Some(sender) = self.shared.sender(topic)
            && sender.send(Signal::Gap).is_ok()
        {
            metrics::bus_gap(topic.kind());
        }
    }
}

impl EventBus for LocalBus {
    fn publish(&self, topic: Topic, event: Event) {
        metrics::event_published(topic.kind());
        self.deliver(topic, Arc::new(event));
    }

    fn subscribe(&self, topic: Topic) -> EventStream {
        let receiver = {
            let mut channels = self
                .shared
                .channels
                .write()
                .unwrap_or_else(|p| p.into_inner());
            channels
                .entry(topic)
                .or_insert_with(|| {
                    if let Some(hook) = &self.shared.hook {
                        hook(topic, TopicChange::FirstSubscriber);
                    }
                    broadcast::channel(SUBSCRIBER_BUFFER).0
                })
                .subscribe()
        };
        EventStream::new(Subscription {
            receiver: Some(BroadcastStream::new(receiver)),
            shared: self.shared.clone(),
            topic,
        })
    }

    fn subscriber_count(&self, topic: Topic) -> usize {
        self.shared
            .sender(topic)
            .map_or(0, |sender| sender.receiver_count())
    }
}

/// One subscriber's receiver. Dropping it removes the topic's channel when
/// it was the last, so idle topics cost nothing.
struct Subscription {
    /// Always `Some` until drop, which takes it first so the receiver count
    /// no longer includes this subscriber when the topic is checked.
    receiver: Option<BroadcastStream<Signal>>,
    shared: Arc<Shared>,
    topic: Topic,
}

impl Stream for Subscription {
    type Item = Result<Arc<Event>, Interruption>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Some(receiver) = self.receiver.as_mut() else {
            return Poll::Ready(None);
        };
        receiver.poll_next_unpin(cx).map(|item| {
            item.map(|received| match received {
                Ok(Signal::Event(event)) => Ok(event),
                Ok(Signal::Gap) => Err(Interruption::Gap),
                Err(BroadcastStreamRecvError::Lagged(missed)) => Err(Interruption::Lagged(missed)),
            })
        })
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        drop(self.receiver.take());
        let mut channels = self
            .shared
            .channels
            .write()
            .unwrap_or_else(|p| p.into_inner());
        if channels
            .get(&self.topic)
            .is_some_and(|sender| sender.receiver_count() == 0)
        {
            channels.remove(&self.topic);
            if let Some(hook) = &self.shared.hook {
                hook(self.topic, TopicChange::LastUnsubscribed);
            }
        }
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;
    use crate::domain::{User, UserId};

    fn profile(handle: &str) -> Event {
        Event::ProfileUpdated(User {
            id: UserId::new(),
            email: String::new(),
            handle: handle.into(),
            name: handle.into(),
            image: None,
            bio: None,
            last_seen: None,
            created_at: chrono::Utc::now(),
            deleted: false,
        })
    }

    fn handle_of(event: &Event) -> &str {
        match event {
            Event::ProfileUpdated(user) => &user.handle,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn publish__reaches_only_subscribers_of_that_topic() {
        let bus = LocalBus::new();
        let (a, b) = (Topic::User(UserId::new()), Topic::User(UserId::new()));
        let mut on_a = bus.subscribe(a);
        let mut on_b = bus.subscribe(b);
        bus.publish(a, profile("first"));
        bus.publish(b, profile("second"));
        assert_eq!(handle_of(&on_a.next().await.unwrap().unwrap()), "first");
        assert_eq!(handle_of(&on_b.next().await.unwrap().unwrap()), "second");
    }

    #[tokio::test]
    async fn dropping_the_last_subscriber__removes_the_topic() {
        let bus = LocalBus::new();
        let topic = Topic::User(UserId::new());
        let first = bus.subscribe(topic);
        let second = bus.subscribe(topic);
        assert_eq!(bus.topic_count(), 1);
        assert_eq!(bus.subscriber_count(topic), 2);
        drop(first);
        assert_eq!(bus.topic_count(), 1);
        assert_eq!(bus.subscriber_count(topic), 1);
        drop(second);
        assert_eq!(bus.topic_count(), 0);
    }

    #[tokio::test]
    async fn the_hook__hears_the_first_subscriber_and_the_last_leaving() {
        let heard = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = heard.clone();
        let bus = LocalBus::with_hook(Arc::new(move |topic, change| {
            log.lock().unwrap().push((topic, change));
        }));
        let topic = Topic::User(UserId::new());
        let first = bus.subscribe(topic);
        let second = bus.subscribe(topic);
        drop(first);
        drop(second);
        assert_eq!(
            *heard.lock().unwrap(),
            vec![
                (topic, TopicChange::FirstSubscriber),
                (topic, TopicChange::LastUnsubscribed)
            ]
        );
    }

    #[tokio::test]
    async fn a_gap__reaches_the_topic_in_order_and_keeps_the_stream_open() {
        let bus = LocalBus::new();
        let topic = Topic::User(UserId::new());
        let mut stream = bus.subscribe(topic);
        bus.publish(topic, profile("before"));
        bus.signal_gap(topic);
        bus.publish(topic, profile("after"));
        assert_eq!(handle_of(&stream.next().await.unwrap().unwrap()), "before");
        assert_eq!(stream.next().await.unwrap().unwrap_err(), Interruption::Gap);
        assert_eq!(handle_of(&stream.next().await.unwrap().unwrap()), "after");
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind__gets_lagged_instead_of_growing() {
        let bus = LocalBus::new();
        let topic = Topic::User(UserId::new());
        let mut slow = bus.subscribe(topic);
        for i in 0..SUBSCRIBER_BUFFER + 10 {
            bus.publish(topic, profile(&format!("u{i}")));
        }
        assert_eq!(
            slow.next().await.unwrap().unwrap_err(),
            Interruption::Lagged(10)
        );
    }
}
