//! One graphql-ws operation: executing it, streaming its results, and the
//! refusal sent instead when a socket runs too many.
//!
//! A `messageEvents` subscription starts like any other; then its events
//! are delivered here, each rendered once for every subscriber that asks
//! the same (see [`crate::graphql::shared_events`]).

use std::sync::Arc;

use futures_util::StreamExt;

use super::outbound::{Outbound, deliver};
use super::protocol::{ServerMessage, next_with_payload};
use crate::error::ErrorCode;
use crate::graphql::errors::{ensure_codes, is_failed_operation};
use crate::graphql::shared_events::{Feed, SharedEvents, SharedSubscription};
use crate::graphql::{AppSchema, SlowConsumer};
use crate::services::message_stream::TimelineItem;

/// The `error` payload for a `subscribe` over the operation limit. There is
/// no `retryAfterMs`: a slot frees when one of the socket's operations ends.
pub fn too_many_operations(max: usize) -> async_graphql::ServerError {
    let mut error = async_graphql::ServerError::new(
        format!("this socket already runs {max} operations, the most allowed; complete one first"),
        None,
    );
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", ErrorCode::RateLimited.as_str());
    extensions.set("limit", "operations");
    extensions.set("max", max as u64);
    error
}

/// Executes one operation and streams its results as `next` messages.
/// Returns the last frame to send, `complete`, or for a request that fails
/// before execution (syntax, validation, limits, a refused subscription) one
/// `error`; `None` when the socket is gone or too slow. `shared` is set for
/// a `messageEvents` subscription whose events are delivered here.
///
/// Not an `async fn`: a future keeps its arguments for as long as it runs,
/// and the request (with the schema) is only needed to start the stream. A
/// subscription's task should hold no more than waiting for events needs.
pub fn run_operation(
    schema: AppSchema,
    events: Arc<SharedEvents>,
    shared: Option<SharedSubscription>,
    request: async_graphql::Request,
    id: String,
    outbound: Outbound,
    slow: SlowConsumer,
) -> impl Future<Output = Option<String>> + Send + 'static {
    let results = schema.execute_stream(request);
    stream_results(results, events, shared, id, outbound, slow)
}

async fn stream_results(
    mut results: futures_util::stream::BoxStream<'static, async_graphql::Response>,
    events: Arc<SharedEvents>,
    mut shared: Option<SharedSubscription>,
    id: String,
    outbound: Outbound,
    slow: SlowConsumer,
) -> Option<String> {
    let mut first = true;
    while let Some(mut response) = results.next().await {
        ensure_codes(&mut response);
        if first && is_failed_operation(&response) {
            let frame = ServerMessage::Error {
                id: &id,
                payload: &response.errors,
            }
            .to_json();
            return Some(frame);
        }
        first = false;
        let frame = ServerMessage::Next {
            id: &id,
            payload: &response,
        }
        .to_json();
        if !deliver(&outbound, &slow, frame) {
            return None;
        }
    }
    drop(results);
    // Borrowed, not moved: the task keeps one copy of the subscriber.
    if let Some(subscriber) = &mut shared
        && let Some(feed) = subscriber.takeover.take()
    {
        return deliver_events(&events, subscriber, feed, &id, &outbound, &slow).await;
    }
    Some(ServerMessage::Complete { id: &id }.to_json())
}

/// Delivers a handed-over `messageEvents` subscription until it ends.
async fn deliver_events(
    events: &SharedEvents,
    subscriber: &mut SharedSubscription,
    mut feed: Feed,
    id: &str,
    outbound: &Outbound,
    slow: &SlowConsumer,
) -> Option<String> {
    while let Some(item) = feed.follower.next().await {
        if matches!(item, TimelineItem::Lagged) {
            // Too far behind: the socket closes and the client resumes.
            slow.0.cancel();
            return None;
        }
        // Boxed: the task keeps only what waiting for the next event needs.
        let payload = Box::pin(events.render(subscriber, feed.chat, item)).await;
        if !deliver(outbound, slow, next_with_payload(id, &payload)) {
            return None;
        }
    }
    Some(ServerMessage::Complete { id }.to_json())
}
