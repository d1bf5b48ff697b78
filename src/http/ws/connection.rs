//! One WebSocket connection: the graphql-ws state machine.
//!
//! The socket is split in two. A writer task drains a bounded queue of
//! outgoing frames ([`super::outbound`]); this task reads frames, runs the
//! protocol, and owns the running operations (one spawned task each, see
//! [`super::operation`]). An operation never waits on a full queue: a full
//! queue means the client stopped reading, and the socket is closed as a slow
//! consumer (1013) instead of letting memory grow.
//!
//! What one socket can hold is bounded: [`OUTBOUND_QUEUE`] frames waiting to
//! be written, each subscription's bus buffer (see [`crate::events`]), and at
//! most `WS_MAX_OPERATIONS` operations (one more gets an `error` message with
//! `RATE_LIMITED`; the socket stays open). Sockets themselves are counted:
//! per client address until `connection_init`, per user after it (both
//! closed with 4008 when over; see [`CloseReason::TooManyConnections`]).
//!
//! The socket's identity is its session, not its access token: it stays
//! open past the token's expiry while the session lives, and closes with
//! 4403 when the session is revoked (on any instance, see
//! [`crate::services::session_watch`]) or ends without a refresh. A socket
//! opened with the identity provider's token has no session: it closes with
//! 4403 when that token expires or its user's tokens are revoked.
//!
//! On shutdown the socket stops reading, ends its subscriptions, lets the
//! queries and mutations already running finish and sends their results,
//! then closes with 1001: a mutation the server started is never cut off
//! halfway (the server's drain deadline still bounds the wait).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::parser::types::OperationType;
use axum::extract::ws::{Message, WebSocket};
use futures_util::StreamExt;
use tokio::sync::oneshot;
use tokio::task::{AbortHandle, JoinHandle};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::operation::{run_operation, too_many_operations};
use super::outbound::{Outbound, deliver, write_frames};
use super::protocol::{ClientMessage, CloseReason, ServerMessage};
use crate::auth::{CurrentUser, Viewer, token_from_init_payload};
use crate::cluster::UserSockets;
use crate::graphql::operation::operation_type;
use crate::graphql::persisted_queries::PersistedQueries;
use crate::graphql::shared_events::{SharedEvents, SharedSubscription};
use crate::graphql::{AppSchema, QueryLimits, SlowConsumer, prepare_request};
use crate::limits::{ClientIp, LocalSlots, Slot};
use crate::metrics::{self, GaugeGuard};
use crate::services::Services;
use crate::services::presence::PresenceGuard;
use crate::services::session_watch::Watch;

/// What every connection shares.
pub struct WsShared {
    pub schema: AppSchema,
    /// Apollo's automatic persisted queries, shared with HTTP.
    pub persisted: Arc<PersistedQueries>,
    /// Renders `messageEvents` once for the subscribers asking the same.
    pub events: Arc<SharedEvents>,
    pub services: Services,
    pub init_timeout: Duration,
    /// Cancelled on shutdown: every socket closes with 1001.
    pub shutdown: CancellationToken,
    /// The limits on a document's text, checked before a socket parses one
    /// to tell a subscription from a query or mutation.
    pub query_limits: QueryLimits,
    /// Operations one socket may run at once.
    pub max_operations: usize,
    /// Open sockets per user.
    pub user_sockets: Arc<dyn UserSockets>,
    /// Sockets per client address that have not sent `connection_init` yet:
    /// they cost memory before anyone is accountable for them.
    pub pending: LocalSlots<ClientIp>,
}

/// Serves one upgraded socket until either side closes it.
pub async fn serve(
    socket: WebSocket,
    shared: Arc<WsShared>,
    subprotocol_accepted: bool,
    client_ip: ClientIp,
) {
    let connection_id = uuid::Uuid::new_v4();
    let span = tracing::info_span!("ws", %connection_id, user_id = tracing::field::Empty);
    async move {
        let _open = GaugeGuard::new(metrics::WS_CONNECTIONS);
        let (sink, stream) = socket.split();
        let outbound = Outbound::default();
        let (close_tx, close_rx) = oneshot::channel();
        let writer = tokio::spawn(write_frames(sink, outbound.clone(), close_rx).in_current_span());
        let pending = shared.pending.try_acquire(client_ip);
        let mut connection = Connection::new(shared, outbound, client_ip);
        let reason = match pending {
            _ if !subprotocol_accepted => Some(CloseReason::SubprotocolNotAcceptable),
            None => Some(CloseReason::TooManyConnections),
            Some(pending) => {
                connection.pending = Some(pending);
                connection.run(stream).await
            }
        };
        connection.stop_operations().await;
        // Its slots go back before the client can see the socket end, so a
        // client that reconnects at once finds them free.
        drop(connection);
        if let Some(reason) = &reason {
            if matches!(reason, CloseReason::SlowConsumer) {
                metrics::slow_consumer_dropped();
            }
            tracing::debug!(code = reason.code(), reason = %reason.reason(), "closing socket");
        }
        let _ = close_tx.send(reason);
        let _ = writer.await;
    }
    .instrument(span)
    .await
}

/// A running operation; `generation` tells a finished operation from a newer
/// one that reused its id.
struct Running {
    generation: u64,
    task: JoinHandle<()>,
    /// Subscriptions end at once on shutdown; the others may finish.
    subscription: bool,
}

enum State {
    AwaitingInit {
        deadline: Instant,
    },
    /// `connection_init` arrived; authenticating it.
    Ready {
        user: CurrentUser,
        /// When the session ends unless refreshed (checked again then).
        expires: Instant,
        /// Cancelled when the session is revoked.
        watch: Watch,
        /// One of the user's socket slots, held while the socket is open.
        _slot: Slot,
        /// Keeps the user counted online while the socket is open.
        _presence: PresenceGuard,
    },
}

struct Connection {
    shared: Arc<WsShared>,
    outbound: Outbound,
    client_ip: ClientIp,
    /// The client address's slot for sockets awaiting `connection_init`;
    /// given back once the socket is authenticated.
    pending: Option<Slot>,
    state: State,
    operations: HashMap<String, Running>,
    next_generation: u64,
    finished: Arc<Finished>,
    slow: SlowConsumer,
}

/// Operations that ended, reported by their tasks. A list and a wake-up
/// rather than a channel: a channel allocates a block of slots up front,
/// paid by every idle socket, for what happens a few times a socket.
#[derive(Default)]
struct Finished {
    ended: std::sync::Mutex<Vec<(String, u64)>>,
    wake: tokio::sync::Notify,
}

impl Finished {
    fn report(&self, id: String, generation: u64) {
        self.ended
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((id, generation));
        // Stores a permit when the connection is not waiting right now.
        self.wake.notify_one();
    }

    fn take(&self) -> Vec<(String, u64)> {
        std::mem::take(&mut *self.ended.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Connection {
    fn new(shared: Arc<WsShared>, outbound: Outbound, client_ip: ClientIp) -> Self {
        let deadline = Instant::now() + shared.init_timeout;
        Self {
            shared,
            outbound,
            client_ip,
            pending: None,
            state: State::AwaitingInit { deadline },
            operations: HashMap::new(),
            next_generation: 0,
            finished: Arc::default(),
            slow: SlowConsumer::default(),
        }
    }

    /// Runs the protocol; returns how to close (`None`: the client left).
    async fn run(
        &mut self,
        mut stream: futures_util::stream::SplitStream<WebSocket>,
    ) -> Option<CloseReason> {
        let shutdown = self.shared.shutdown.clone();
        let slow = self.slow.0.clone();
        let finished = self.finished.clone();
        loop {
            // One timer (every idle socket holds it): the init deadline,
            // then the session's end.
            let (deadline, revoked) = match &self.state {
                State::AwaitingInit { deadline } => (*deadline, None),
                State::Ready { expires, watch, .. } => (*expires, Some(watch.revoked.clone())),
            };
            let revoked = async move {
                match revoked {
                    Some(revoked) => revoked.cancelled_owned().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => {
                    // Boxed: a rare path, which should not size every socket.
                    Box::pin(self.finish_in_flight()).await;
                    return Some(CloseReason::GoingAway);
                }
                _ = slow.cancelled() => return Some(CloseReason::SlowConsumer),
                _ = revoked => return Some(CloseReason::Forbidden("Session revoked")),
                _ = tokio::time::sleep_until(deadline) => {
                    if let Some(reason) = Box::pin(self.on_deadline()).await {
                        return Some(reason);
                    }
                }
                _ = finished.wake.notified() => self.reap_finished(),
                frame = stream.next() => match frame {
                    Some(Ok(Message::Text(text))) => {
                        if let Err(reason) = self.on_text(text.as_str()).await {
                            return Some(reason);
                        }
                    }
                    Some(Ok(Message::Binary(_))) => {
                        return Some(CloseReason::InvalidMessage("Binary messages are not supported"));
                    }
                    // WebSocket-level pings are answered by the library.
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Close(_))) | None => return None,
                    Some(Err(error)) => return read_failed(error),
                },
            }
        }
    }

    async fn on_text(&mut self, text: &str) -> Result<(), CloseReason> {
        match ClientMessage::parse(text)? {
            ClientMessage::ConnectionInit { payload } => {
                // Boxed: the handshake's database and bus futures would
                // otherwise stay part of every open socket's task.
                Box::pin(self.on_init(payload)).await
            }
            ClientMessage::Ping { payload } => {
                self.send(ServerMessage::Pong { payload }.to_json());
                Ok(())
            }
            ClientMessage::Pong { .. } => Ok(()),
            ClientMessage::Subscribe { id, payload } => self.on_subscribe(id, *payload),
            ClientMessage::Complete { id } => {
                // The client stopped listening: no further message for this id.
                if let Some(running) = self.operations.remove(&id) {
                    running.task.abort();
                }
                Ok(())
            }
        }
    }

    async fn on_init(&mut self, payload: Option<serde_json::Value>) -> Result<(), CloseReason> {
        if matches!(self.state, State::Ready { .. }) {
            return Err(CloseReason::TooManyInitRequests);
        }
        let token = token_from_init_payload(payload.as_ref())
            .ok_or(CloseReason::Forbidden("Missing token"))?;
        // Bounded like the wait for `connection_init` itself: a stalled
        // database must not hold the socket.
        let authenticating = self.shared.services.sessions.authenticate_socket(token);
        let Ok(authenticated) =
            tokio::time::timeout(self.shared.init_timeout, authenticating).await
        else {
            tracing::warn!("authenticating a socket timed out");
            return Err(CloseReason::Internal);
        };
        let (user, watch, session_ends) = match authenticated {
            Ok(found) => found,
            Err(crate::error::AppError::Internal(error)) => {
                tracing::error!(?error, "authenticating a socket failed");
                return Err(CloseReason::Internal);
            }
            // Not the client's fault: it may retry, unlike after a 4403.
            Err(crate::error::AppError::Unavailable { .. }) => return Err(CloseReason::Internal),
            Err(_) => return Err(CloseReason::Forbidden("Forbidden")),
        };
        tracing::Span::current().record("user_id", tracing::field::display(user.id));
        let slot = match self.shared.user_sockets.try_open(user.id).await {
            Ok(Some(slot)) => slot,
            Ok(None) => return Err(CloseReason::TooManyConnections),
            Err(error) => {
                tracing::error!(?error, "counting a user's sockets failed");
                return Err(CloseReason::Internal);
            }
        };
        self.state = State::Ready {
            user,
            expires: instant_of(session_ends),
            watch,
            _slot: slot,
            _presence: self.shared.services.presence.connected(user.id).await,
        };
        // Before the ack, so a client that opens its next socket on seeing
        // the ack finds the address's slot free.
        self.pending = None;
        self.send(ServerMessage::ConnectionAck.to_json());
        Ok(())
    }

    /// The init deadline passed, or the session's end: an expired session
    /// closes the socket; a refreshed one moves the deadline.
    async fn on_deadline(&mut self) -> Option<CloseReason> {
        let State::Ready { user, expires, .. } = &mut self.state else {
            return Some(CloseReason::InitTimeout);
        };
        // A provider's token has no session: the socket ends with it.
        let Some(session) = user.session else {
            return Some(CloseReason::Forbidden("Token expired"));
        };
        match self
            .shared
            .services
            .sessions
            .live_until(user.id, session)
            .await
        {
            Ok(Some(ends)) if ends > chrono::Utc::now() => {
                *expires = instant_of(ends);
                None
            }
            Ok(_) => Some(CloseReason::Forbidden("Session expired")),
            Err(error) => {
                tracing::warn!(?error, "checking a socket's session failed");
                *expires = Instant::now() + SESSION_RECHECK;
                None
            }
        }
    }

    fn on_subscribe(
        &mut self,
        id: String,
        mut request: async_graphql::Request,
    ) -> Result<(), CloseReason> {
        // An operation that just ended frees its id and its slot, even if
        // the wake-up for it has not been handled yet.
        self.reap_finished();
        let State::Ready { user, .. } = &self.state else {
            return Err(CloseReason::Unauthorized);
        };
        if self.operations.contains_key(&id) {
            return Err(CloseReason::SubscriberExists(id));
        }
        if self.operations.len() >= self.shared.max_operations {
            metrics::rate_limited("socket_operations");
            let refused = too_many_operations(self.shared.max_operations);
            self.send(
                ServerMessage::Error {
                    id: &id,
                    payload: &[refused],
                }
                .to_json(),
            );
            return Ok(());
        }
        if let Err(error) = self.shared.persisted.resolve(&mut request) {
            self.send(
                ServerMessage::Error {
                    id: &id,
                    payload: &[error],
                }
                .to_json(),
            );
            return Ok(());
        }
        let subscription = operation_type(&mut request, &self.shared.query_limits)
            == Some(OperationType::Subscription);
        // Only after the query limits passed (`operation_type` checks them).
        let shared = subscription
            .then(|| SharedSubscription::detect(&mut request, Viewer::User(*user)))
            .flatten()
            .map(|subscriber| self.shared.events.intern(subscriber));
        let mut request =
            prepare_request(request, Viewer::User(*user), self.client_ip).data(self.slow.clone());
        if let Some(shared) = &shared {
            request = request.data(shared.takeover.clone());
        }
        let generation = self.next_generation;
        self.next_generation += 1;
        let operation = run_operation(
            self.shared.schema.clone(),
            self.shared.events.clone(),
            shared,
            request,
            id.clone(),
            self.outbound.clone(),
            self.slow.clone(),
        );
        let finished = self.finished.clone();
        let finished_id = id.clone();
        let outbound = self.outbound.clone();
        let slow = self.slow.clone();
        let task = tokio::spawn(
            async move {
                let last = operation.await;
                // The id is freed before the client can see the operation
                // end, so reusing it at once is never taken for a duplicate
                // or counted against the operation limit.
                finished.report(finished_id, generation);
                if let Some(frame) = last {
                    deliver(&outbound, &slow, frame);
                }
            }
            .in_current_span(),
        );
        self.operations.insert(
            id,
            Running {
                generation,
                task,
                subscription,
            },
        );
        Ok(())
    }

    /// Forgets the operations that ended (unless their id was reused since).
    fn reap_finished(&mut self) {
        for (id, generation) in self.finished.take() {
            if self
                .operations
                .get(&id)
                .is_some_and(|r| r.generation == generation)
            {
                self.operations.remove(&id);
            }
        }
    }

    /// Queues a frame; a full queue means a slow consumer.
    fn send(&self, frame: String) {
        deliver(&self.outbound, &self.slow, frame);
    }

    /// On shutdown: ends the subscriptions and waits until the other
    /// operations have finished and queued their last frame. No new message
    /// is read meanwhile; a client too slow to take the results is not
    /// waited for.
    async fn finish_in_flight(&mut self) {
        let in_flight: Vec<String> = self
            .operations
            .iter()
            .filter(|(_, running)| !running.subscription)
            .map(|(id, _)| id.clone())
            .collect();
        let mut tasks: Vec<JoinHandle<()>> = in_flight
            .iter()
            .filter_map(|id| self.operations.remove(id))
            .map(|running| running.task)
            .collect();
        for running in self.operations.values() {
            running.task.abort();
        }
        let aborts: Vec<_> = tasks.iter().map(JoinHandle::abort_handle).collect();
        tokio::select! {
            _ = self.slow.0.cancelled() => aborts.iter().for_each(AbortHandle::abort),
            _ = futures_util::future::join_all(tasks.iter_mut()) => {}
        }
    }

    /// Stops every operation and waits until they are gone, so their bus
    /// subscriptions are dropped before the socket is reported closed.
    async fn stop_operations(&mut self) {
        let running: Vec<_> = self.operations.drain().map(|(_, r)| r.task).collect();
        for task in &running {
            task.abort();
        }
        for task in running {
            let _ = task.await;
        }
    }
}

/// How soon to look again when checking a session failed.
const SESSION_RECHECK: Duration = Duration::from_secs(30);

/// `at` on the runtime's clock.
fn instant_of(at: chrono::DateTime<chrono::Utc>) -> Instant {
    Instant::now() + (at - chrono::Utc::now()).to_std().unwrap_or(Duration::ZERO)
}

/// How to close after a failed read: a message over `WS_MAX_MESSAGE_BYTES`
/// gets 1009 (the library refused it before buffering all of it); anything
/// else (a reset connection, a protocol violation) just ends the socket.
fn read_failed(error: axum::Error) -> Option<CloseReason> {
    // `tungstenite` must be the version axum uses, or this never matches
    // (the test for oversized messages then fails).
    match error.into_inner().downcast::<tungstenite::Error>() {
        Ok(error) if matches!(*error, tungstenite::Error::Capacity(_)) => {
            Some(CloseReason::MessageTooBig)
        }
        _ => None,
    }
}
