//! GraphQL over Server-Sent Events: the graphql-sse protocol's "distinct
//! connections" mode, for clients behind proxies that refuse WebSockets.
//!
//! A request to `/graphql` (POST, or GET for queries and subscriptions) that
//! accepts `text/event-stream` gets its results as events: one
//! `event: next` per result (`data:` the ExecutionResult JSON), then
//! `event: complete`. One endpoint for both transports, so Apollo's and
//! urql's documented graphql-sse setups point at the URL they already use.
//! Queries and mutations get one `next` and `complete`.
//!
//! It is the same API as over WebSocket: the caller comes from the
//! `Authorization` header (as for any HTTP request), the request is prepared
//! and limited as over HTTP, and `messageEvents(after:)` resumes. A request
//! refused before its stream starts (no valid token for a subscription, too
//! many streams, a document that does not parse or validate) gets an
//! ordinary JSON error response with a 4xx status.
//!
//! A subscription stream counts as one of its user's sockets
//! (`WS_MAX_SOCKETS_PER_USER`) and keeps the user online, for as long as it
//! is open. It ends without `complete` (the response simply finishes, and
//! graphql-sse clients retry, resuming with `after:`) when the server shuts
//! down, when the token expires, or when the client stops reading: results
//! wait in a queue of [`QUEUE`] events, and one more ends the stream as a
//! slow consumer instead of letting memory grow. Idle streams get a comment
//! every `SSE_KEEPALIVE_MS`, so proxies do not close them as quiet.

use std::convert::Infallible;

use async_graphql::parser::types::OperationType;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;
use tokio::time::Instant;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::AppState;
use super::graphql::{ResponseBody, ResponseMedia, error_response, failure_status, json_response};
use crate::auth::Viewer;
use crate::error::{AppError, ErrorCode};
use crate::graphql::errors::{ensure_codes, is_failed_operation};
use crate::graphql::operation::operation_type;
use crate::graphql::{SlowConsumer, prepare_request};
use crate::limits::{ClientIp, Slot};
use crate::metrics;
use crate::services::presence::PresenceGuard;
use crate::services::session_watch::Watch;

pub const EVENT_STREAM: &str = "text/event-stream";
/// Results waiting for a client that reads slowly. Each is one rendered
/// result; a client this far behind has stopped reading.
pub const QUEUE: usize = 64;

/// Whether the client asked for an event stream: it lists
/// `text/event-stream` first (as graphql-sse's client does). Clients that
/// merely accept it among others, after the JSON types (urql's fetch, ready
/// for incremental delivery), get a plain JSON answer.
pub fn wants_event_stream(headers: &HeaderMap) -> bool {
    let first = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|range| range.split(';').next().unwrap_or_default().trim())
        .find(|media| !media.is_empty());
    first.is_some_and(|media| media.eq_ignore_ascii_case(EVENT_STREAM))
}

/// What an open subscription stream holds until it ends.
struct Session {
    /// Cancelled when the session is revoked (the stream ends then).
    watch: Watch,
    /// One of the user's socket slots.
    _slot: Slot,
    /// Keeps the user counted online.
    _presence: PresenceGuard,
    /// When the token stops being valid.
    expires: Instant,
}

/// Runs `request` for `viewer` and answers with its results as events, or
/// with an error response when it is refused before any result.
pub(super) async fn respond(
    state: &AppState,
    viewer: Viewer,
    client_ip: ClientIp,
    mut request: async_graphql::Request,
    media: ResponseMedia,
) -> Response {
    let subscription =
        operation_type(&mut request, &state.ws.query_limits) == Some(OperationType::Subscription);
    let session = if subscription {
        match open_session(state, &viewer, media).await {
            Ok(session) => Some(session),
            Err(refused) => return refused,
        }
    } else {
        None
    };
    let slow = SlowConsumer::default();
    let request = prepare_request(request, viewer, client_ip).data(slow.clone());
    let mut results = state.schema.execute_stream(request);
    // What fails before execution (parse, validation, limits) fails on the
    // first poll, with nothing awaited: it can still get an HTTP error.
    // Anything that awaits (a guard, the database) is already the stream's.
    let first = match results.next().now_or_never() {
        Some(Some(mut response)) => {
            ensure_codes(&mut response);
            if is_failed_operation(&response) {
                let status = failure_status(&response);
                return json_response(status, media, &ResponseBody::of(&response));
            }
            Some(response)
        }
        _ => None,
    };
    let (events, queue) = mpsc::channel(QUEUE);
    let forwarding = Forwarding {
        session,
        results,
        events,
        slow,
        // Queries and mutations finish on shutdown, as over WebSocket.
        shutdown: subscription.then(|| state.ws.shutdown.clone()),
    };
    tokio::spawn(forwarding.run(first).in_current_span());
    let stream = ReceiverStream::new(queue).map(Ok::<_, Infallible>);
    let keep_alive = KeepAlive::new().interval(state.settings.connections.sse_keepalive());
    let mut response = Sse::new(stream).keep_alive(keep_alive).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // nginx buffers responses by default, which would hold events back.
    headers.insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    response
}

/// Authenticates a subscription and claims one of its user's slots.
async fn open_session(
    state: &AppState,
    viewer: &Viewer,
    media: ResponseMedia,
) -> Result<Session, Response> {
    let user = viewer
        .require()
        .map_err(|error| error_response(StatusCode::UNAUTHORIZED, media, error))?;
    // Ends the stream when the session is revoked, like a socket's.
    let watch = state
        .services
        .sessions
        .watch_caller(&user)
        .await
        .map_err(|error| match error {
            AppError::Unauthenticated(_) => error_response(StatusCode::UNAUTHORIZED, media, error),
            other => error_response(StatusCode::SERVICE_UNAVAILABLE, media, other),
        })?;
    let slot = match state.ws.user_sockets.try_open(user.id).await {
        Ok(Some(slot)) => slot,
        Ok(None) => {
            metrics::rate_limited("user_sockets");
            let max = state.settings.connections.ws_max_sockets_per_user;
            let response = async_graphql::Response::from_errors(vec![too_many_streams(max)]);
            let body = ResponseBody::of(&response);
            return Err(json_response(StatusCode::TOO_MANY_REQUESTS, media, &body));
        }
        Err(error) => {
            return Err(error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                media,
                error,
            ));
        }
    };
    let remaining = (user.expires_at - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    Ok(Session {
        watch,
        _slot: slot,
        _presence: state.services.presence.connected(user.id).await,
        expires: Instant::now() + remaining,
    })
}

/// The error for a stream over `WS_MAX_SOCKETS_PER_USER`. No `retryAfterMs`:
/// a slot frees when one of the user's sockets or streams closes.
fn too_many_streams(max: usize) -> async_graphql::ServerError {
    let mut error = async_graphql::ServerError::new(
        format!("this user already has {max} open sockets and streams, the most allowed"),
        None,
    );
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", ErrorCode::RateLimited.as_str());
    extensions.set("limit", "sockets");
    extensions.set("max", max as u64);
    error
}

/// Moves results into the bounded queue the response reads. A task of its
/// own, so that a client that stops reading is noticed (the queue fills)
/// and one that leaves is too (the queue closes) while no result comes.
struct Forwarding {
    /// `None` for queries and mutations. First, so it is dropped first: the
    /// slot is free again by the time the subscription is seen to end.
    session: Option<Session>,
    results: BoxStream<'static, async_graphql::Response>,
    events: mpsc::Sender<Event>,
    slow: SlowConsumer,
    /// `None` for queries and mutations, which are not cut off.
    shutdown: Option<CancellationToken>,
}

impl Forwarding {
    async fn run(mut self, first: Option<async_graphql::Response>) {
        if let Some(first) = first
            && !self.offer(next(&first))
        {
            return;
        }
        let subscription = self.shutdown.is_some();
        let shutdown = self.shutdown.clone().unwrap_or_default();
        let slow = self.slow.0.clone();
        let expires = self.session.as_ref().map(|s| s.expires);
        let revoked = self
            .session
            .as_ref()
            .map(|s| s.watch.revoked.clone())
            .unwrap_or_default();
        let expired = async move {
            match expires {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(expired);
        loop {
            let result = tokio::select! {
                biased;
                _ = shutdown.cancelled(), if subscription => return,
                _ = slow.cancelled() => {
                    metrics::slow_consumer_dropped();
                    return;
                }
                _ = &mut expired => return,
                _ = revoked.cancelled(), if subscription => return,
                // The client left: stop the subscription now, not at its next event.
                _ = self.events.closed(), if subscription => return,
                result = self.results.next() => result,
            };
            let Some(mut response) = result else {
                self.offer(Event::default().event("complete").data(""));
                return;
            };
            ensure_codes(&mut response);
            if !self.offer(next(&response)) {
                return;
            }
        }
    }

    /// Queues an event; false when the stream must end (the client left, or
    /// reads too slowly).
    fn offer(&self, event: Event) -> bool {
        match self.events.try_send(event) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                tracing::warn!("event stream client fell behind; ending it as a slow consumer");
                metrics::slow_consumer_dropped();
                false
            }
            Err(TrySendError::Closed(_)) => false,
        }
    }
}

fn next(response: &async_graphql::Response) -> Event {
    let data = serde_json::to_string(response).unwrap_or_default();
    Event::default().event("next").data(data)
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn accepting(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn wants_event_stream__only_when_listed_first() {
        // graphql-sse's client.
        assert!(wants_event_stream(&accepting("text/event-stream")));
        assert!(wants_event_stream(&accepting(
            "text/event-stream; charset=utf-8, application/json"
        )));
        // urql's fetch, ready for incremental delivery: JSON first.
        assert!(!wants_event_stream(&accepting(
            "application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed"
        )));
        assert!(!wants_event_stream(&accepting("application/json")));
        assert!(!wants_event_stream(&HeaderMap::new()));
    }
}
