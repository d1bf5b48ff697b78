//! Subscriptions backed by the event bus, with the slow-consumer policy.

use std::sync::Arc;

use async_graphql::Context;
use futures_util::{Stream, StreamExt};
use tokio_util::sync::CancellationToken;

use crate::events::{Event, EventStream, Interruption, Topic};

/// Put in a WebSocket operation's data by the transport: cancelled when a
/// subscription on that socket fell too far behind, so the socket closes as a
/// slow consumer and the client reconnects and resumes.
#[derive(Clone, Default)]
pub struct SlowConsumer(pub CancellationToken);

/// What a live subscription sees.
pub enum Live {
    Event(Arc<Event>),
    /// Events may have been lost: resynchronise (replay, or tell the client
    /// to refetch).
    Gap,
}

/// The `events` of `topic` as a stream that ends if the subscriber lags,
/// signalling the socket so the end is never silent.
pub fn topic_stream(
    ctx: &Context<'_>,
    topic: Topic,
    events: EventStream,
) -> impl Stream<Item = Live> + Send + use<> {
    let slow = ctx.data_opt::<SlowConsumer>().cloned();
    events
        .take_while(move |item| {
            let lagged = matches!(item, Err(Interruption::Lagged(_)));
            if lagged {
                tracing::warn!(?topic, "subscriber lagged; closing as slow consumer");
                if let Some(slow) = &slow {
                    slow.0.cancel();
                }
            }
            std::future::ready(!lagged)
        })
        .map(|item| match item {
            Ok(event) => Live::Event(event),
            Err(_) => Live::Gap,
        })
}

/// The `events` of `topic` that `pick` turns into items, with `resync()`
/// in place of a gap: the shape of every subscription that cannot replay.
pub fn picked_stream<T, P>(
    ctx: &Context<'_>,
    topic: Topic,
    events: EventStream,
    resync: fn() -> T,
    pick: P,
) -> impl Stream<Item = T> + Send + use<T, P>
where
    T: Send + 'static,
    P: Fn(&Event) -> Option<T> + Send + 'static,
{
    topic_stream(ctx, topic, events).filter_map(move |live| {
        std::future::ready(match live {
            Live::Event(event) => pick(&event),
            Live::Gap => Some(resync()),
        })
    })
}

/// A subscription of the user's own topic that resumes: `replayed` (what
/// came after the client's cursor, or `None` when that is no longer kept:
/// then `resync()` first) and then the live events `pick` turns into
/// numbered items, leaving out those numbered up to `replayed_up_to`. The
/// live `events` must have been subscribed before the replay was read, so
/// nothing falls in between.
pub fn resumed_stream<T, P>(
    ctx: &Context<'_>,
    topic: Topic,
    events: EventStream,
    replayed: Option<(i64, Vec<T>)>,
    resync: fn() -> T,
    pick: P,
) -> impl Stream<Item = T> + Send + use<T, P>
where
    T: Send + 'static,
    P: Fn(&Event) -> Option<(Option<i64>, T)> + Send + 'static,
{
    let (replayed_up_to, first) = match replayed {
        Some((head, items)) => (head, items),
        None => (0, vec![resync()]),
    };
    let live = topic_stream(ctx, topic, events).filter_map(move |live| {
        std::future::ready(match live {
            Live::Event(event) => match pick(&event) {
                Some((Some(seq), _)) if seq <= replayed_up_to => None,
                Some((_, item)) => Some(item),
                None => None,
            },
            Live::Gap => Some(resync()),
        })
    });
    futures_util::stream::iter(first).chain(live)
}
