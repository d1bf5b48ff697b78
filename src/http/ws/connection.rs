//! One WebSocket connection: the graphql-ws state machine.
//!
//! The socket is split in two. A writer task drains a bounded queue of
//! outgoing frames; this task reads frames, runs the protocol, and owns the
//! running operations (one spawned task each). An operation never waits on a
//! full queue: a full queue means the client stopped reading, and the socket
//! is closed as a slow consumer (1013) instead of letting memory grow.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::protocol::{ClientMessage, CloseReason, ServerMessage};
use crate::auth::{CurrentUser, Viewer, token_from_init_payload};
use crate::graphql::errors::{ensure_codes, is_failed_operation};
use crate::graphql::{AppSchema, SlowConsumer, prepare_request};
use crate::services::Services;

/// Frames queued for a socket before its client counts as too slow.
const OUTBOUND_QUEUE: usize = 128;
/// How long a close frame may take to go out before the socket is dropped.
const CLOSE_WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// What every connection shares.
pub struct WsShared {
    pub schema: AppSchema,
    pub services: Services,
    pub init_timeout: Duration,
    /// Cancelled on shutdown: every socket closes with 1001.
    pub shutdown: CancellationToken,
}

/// Serves one upgraded socket until either side closes it.
pub async fn serve(socket: WebSocket, shared: Arc<WsShared>, subprotocol_accepted: bool) {
    let connection_id = uuid::Uuid::new_v4();
    let span = tracing::info_span!("ws", %connection_id, user_id = tracing::field::Empty);
    async move {
        let (sink, stream) = socket.split();
        let (outbound, outbound_rx) = mpsc::channel(OUTBOUND_QUEUE);
        let (close_tx, close_rx) = oneshot::channel();
        let writer = tokio::spawn(write_frames(sink, outbound_rx, close_rx).in_current_span());
        let mut connection = Connection::new(shared, outbound);
        let reason = if subprotocol_accepted {
            connection.run(stream).await
        } else {
            Some(CloseReason::SubprotocolNotAcceptable)
        };
        connection.stop_operations();
        if let Some(reason) = &reason {
            tracing::debug!(code = reason.code(), reason = %reason.reason(), "closing socket");
        }
        let _ = close_tx.send(reason);
        let _ = writer.await;
    }
    .instrument(span)
    .await
}

/// Sends queued frames; on a close request, sends the close frame and ends.
async fn write_frames(
    mut sink: SplitSink<WebSocket, Message>,
    mut frames: mpsc::Receiver<String>,
    mut close: oneshot::Receiver<Option<CloseReason>>,
) {
    loop {
        tokio::select! {
            biased;
            reason = &mut close => {
                send_close(&mut sink, reason.ok().flatten()).await;
                return;
            }
            frame = frames.recv() => match frame {
                Some(text) => {
                    // A client that stops reading blocks this send; the close
                    // request still wins and the socket is dropped.
                    tokio::select! {
                        biased;
                        reason = &mut close => {
                            send_close(&mut sink, reason.ok().flatten()).await;
                            return;
                        }
                        sent = sink.send(Message::Text(text.into())) => if sent.is_err() { return },
                    }
                }
                None => return,
            },
        }
    }
}

/// Sends the close frame for `reason` (if any), giving up after a short
/// timeout: a client that does not read will not read this either.
async fn send_close(sink: &mut SplitSink<WebSocket, Message>, reason: Option<CloseReason>) {
    if let Some(reason) = reason {
        let frame = CloseFrame {
            code: reason.code(),
            reason: reason.reason().into(),
        };
        let _ =
            tokio::time::timeout(CLOSE_WRITE_TIMEOUT, sink.send(Message::Close(Some(frame)))).await;
    }
}

/// A running operation; `generation` tells a finished operation from a newer
/// one that reused its id.
struct Running {
    generation: u64,
    abort: AbortHandle,
}

enum State {
    AwaitingInit {
        deadline: Instant,
    },
    /// `connection_init` arrived; authenticating it.
    Ready {
        user: CurrentUser,
        expires: Instant,
    },
}

struct Connection {
    shared: Arc<WsShared>,
    outbound: mpsc::Sender<String>,
    state: State,
    operations: HashMap<String, Running>,
    next_generation: u64,
    finished_tx: mpsc::UnboundedSender<(String, u64)>,
    finished_rx: mpsc::UnboundedReceiver<(String, u64)>,
    slow: SlowConsumer,
}

impl Connection {
    fn new(shared: Arc<WsShared>, outbound: mpsc::Sender<String>) -> Self {
        let (finished_tx, finished_rx) = mpsc::unbounded_channel();
        let deadline = Instant::now() + shared.init_timeout;
        Self {
            shared,
            outbound,
            state: State::AwaitingInit { deadline },
            operations: HashMap::new(),
            next_generation: 0,
            finished_tx,
            finished_rx,
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
        loop {
            let (init_deadline, token_expiry) = match &self.state {
                State::AwaitingInit { deadline } => (Some(*deadline), None),
                State::Ready { expires, .. } => (None, Some(*expires)),
            };
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => return Some(CloseReason::GoingAway),
                _ = slow.cancelled() => return Some(CloseReason::SlowConsumer),
                _ = sleep_until_some(init_deadline) => return Some(CloseReason::InitTimeout),
                _ = sleep_until_some(token_expiry) => return Some(CloseReason::Forbidden("Token expired")),
                Some((id, generation)) = self.finished_rx.recv() => {
                    if self.operations.get(&id).is_some_and(|r| r.generation == generation) {
                        self.operations.remove(&id);
                    }
                }
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
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return None,
                },
            }
        }
    }

    async fn on_text(&mut self, text: &str) -> Result<(), CloseReason> {
        match ClientMessage::parse(text)? {
            ClientMessage::ConnectionInit { payload } => self.on_init(payload).await,
            ClientMessage::Ping { payload } => {
                self.send(ServerMessage::Pong { payload }.to_json());
                Ok(())
            }
            ClientMessage::Pong { .. } => Ok(()),
            ClientMessage::Subscribe { id, payload } => self.on_subscribe(id, *payload),
            ClientMessage::Complete { id } => {
                // The client stopped listening: no further message for this id.
                if let Some(running) = self.operations.remove(&id) {
                    running.abort.abort();
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
        let user = match self.shared.services.accounts.authenticate(token).await {
            Ok(user) => user,
            Err(crate::error::AppError::Internal(error)) => {
                tracing::error!(?error, "authenticating a socket failed");
                return Err(CloseReason::Internal);
            }
            Err(_) => return Err(CloseReason::Forbidden("Forbidden")),
        };
        tracing::Span::current().record("user_id", tracing::field::display(user.id));
        let remaining = (user.expires_at - chrono::Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        self.state = State::Ready {
            user,
            expires: Instant::now() + remaining,
        };
        self.send(ServerMessage::ConnectionAck.to_json());
        Ok(())
    }

    fn on_subscribe(
        &mut self,
        id: String,
        request: async_graphql::Request,
    ) -> Result<(), CloseReason> {
        let State::Ready { user, .. } = &self.state else {
            return Err(CloseReason::Unauthorized);
        };
        if self.operations.contains_key(&id) {
            return Err(CloseReason::SubscriberExists(id));
        }
        let request = prepare_request(request, &self.shared.services, Viewer::User(*user))
            .data(self.slow.clone());
        let generation = self.next_generation;
        self.next_generation += 1;
        let operation = run_operation(
            self.shared.schema.clone(),
            request,
            id.clone(),
            self.outbound.clone(),
            self.slow.clone(),
        );
        let finished = self.finished_tx.clone();
        let finished_id = id.clone();
        let task = tokio::spawn(
            async move {
                operation.await;
                let _ = finished.send((finished_id, generation));
            }
            .in_current_span(),
        );
        self.operations.insert(
            id,
            Running {
                generation,
                abort: task.abort_handle(),
            },
        );
        Ok(())
    }

    /// Queues a frame; a full queue means a slow consumer.
    fn send(&self, frame: String) {
        deliver(&self.outbound, &self.slow, frame);
    }

    fn stop_operations(&mut self) {
        for (_, running) in self.operations.drain() {
            running.abort.abort();
        }
    }
}

/// Executes one operation and streams its results as `next` messages,
/// then `complete`. A request that fails before execution (syntax,
/// validation, a refused subscription) gets one `error` and no `complete`.
async fn run_operation(
    schema: AppSchema,
    request: async_graphql::Request,
    id: String,
    outbound: mpsc::Sender<String>,
    slow: SlowConsumer,
) {
    let mut results = schema.execute_stream(request);
    let mut first = true;
    while let Some(mut response) = results.next().await {
        ensure_codes(&mut response);
        if first && is_failed_operation(&response) {
            let frame = ServerMessage::Error {
                id: &id,
                payload: &response.errors,
            }
            .to_json();
            deliver(&outbound, &slow, frame);
            return;
        }
        first = false;
        let frame = ServerMessage::Next {
            id: &id,
            payload: &response,
        }
        .to_json();
        if !deliver(&outbound, &slow, frame) {
            return;
        }
    }
    deliver(
        &outbound,
        &slow,
        ServerMessage::Complete { id: &id }.to_json(),
    );
}

/// Queues `frame` without waiting. Returns false when the socket is gone or
/// its queue is full (and then flags the socket as a slow consumer).
fn deliver(outbound: &mpsc::Sender<String>, slow: &SlowConsumer, frame: String) -> bool {
    match outbound.try_send(frame) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            slow.0.cancel();
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}

async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
