//! Subscriptions backed by the event bus, with the slow-consumer policy.

use std::sync::Arc;

use async_graphql::Context;
use futures_util::{Stream, StreamExt};
use tokio_util::sync::CancellationToken;

use crate::events::{Event, EventBus, Topic};

/// Put in a WebSocket operation's data by the transport: cancelled when a
/// subscription on that socket fell too far behind, so the socket closes as a
/// slow consumer and the client reconnects and resumes.
#[derive(Clone, Default)]
pub struct SlowConsumer(pub CancellationToken);

/// The events of `topic` as a stream that ends if the subscriber lags,
/// signalling the socket so the end is never silent.
pub fn topic_stream(
    ctx: &Context<'_>,
    bus: &Arc<dyn EventBus>,
    topic: Topic,
) -> impl Stream<Item = Arc<Event>> + Send + use<> {
    let slow = ctx.data_opt::<SlowConsumer>().cloned();
    bus.subscribe(topic)
        .take_while(move |item| {
            let keep = item.is_ok();
            if !keep {
                tracing::warn!(?topic, "subscriber lagged; closing as slow consumer");
                if let Some(slow) = &slow {
                    slow.0.cancel();
                }
            }
            std::future::ready(keep)
        })
        .filter_map(|item| std::future::ready(item.ok()))
}
