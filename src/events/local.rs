//! The in-process bus: one bounded broadcast channel per topic that has
//! subscribers, created on the first subscribe and removed with the last.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use super::{Event, EventBus, EventStream, Interruption, SUBSCRIBER_BUFFER, Topic};

type Channels = RwLock<HashMap<Topic, broadcast::Sender<Arc<Event>>>>;

/// Topic-routed delivery inside one process.
#[derive(Default)]
pub struct LocalBus {
    channels: Arc<Channels>,
}

impl LocalBus {
    pub fn new() -> Self {
        Self::default()
    }

    /// Topics with at least one subscriber (for tests and metrics).
    pub fn topic_count(&self) -> usize {
        self.channels.read().map(|c| c.len()).unwrap_or(0)
    }
}

impl EventBus for LocalBus {
    fn publish(&self, topic: Topic, event: Event) {
        let sender = match self.channels.read() {
            Ok(channels) => channels.get(&topic).cloned(),
            Err(_) => None,
        };
        if let Some(sender) = sender {
            // An error only means every receiver left since the lookup.
            let _ = sender.send(Arc::new(event));
        }
    }

    fn subscribe(&self, topic: Topic) -> EventStream {
        let receiver = {
            let mut channels = self.channels.write().unwrap_or_else(|p| p.into_inner());
            channels
                .entry(topic)
                .or_insert_with(|| broadcast::channel(SUBSCRIBER_BUFFER).0)
                .subscribe()
        };
        EventStream::new(Subscription {
            receiver: Some(BroadcastStream::new(receiver)),
            channels: self.channels.clone(),
            topic,
        })
    }

    fn subscriber_count(&self, topic: Topic) -> usize {
        let channels = self.channels.read().unwrap_or_else(|p| p.into_inner());
        channels
            .get(&topic)
            .map_or(0, |sender| sender.receiver_count())
    }
}

/// One subscriber's receiver. Dropping it removes the topic's channel when
/// it was the last, so idle topics cost nothing.
struct Subscription {
    /// Always `Some` until drop, which takes it first so the receiver count
    /// no longer includes this subscriber when the topic is checked.
    receiver: Option<BroadcastStream<Arc<Event>>>,
    channels: Arc<Channels>,
    topic: Topic,
}

impl Stream for Subscription {
    type Item = Result<Arc<Event>, Interruption>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Some(receiver) = self.receiver.as_mut() else {
            return Poll::Ready(None);
        };
        receiver.poll_next_unpin(cx).map(|item| {
            item.map(|r| {
                r.map_err(|BroadcastStreamRecvError::Lagged(missed)| Interruption::Lagged(missed))
            })
        })
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        drop(self.receiver.take());
        let mut channels = self.channels.write().unwrap_or_else(|p| p.into_inner());
        if channels
            .get(&self.topic)
            .is_some_and(|sender| sender.receiver_count() == 0)
        {
            channels.remove(&self.topic);
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
