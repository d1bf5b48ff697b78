//! One HTTP/1.1 connection: hyper serves it (upgrades included) while a
//! watchdog closes it when it is too slow to send a request head or idle too
//! long between requests.
//!
//! hyper's own `header_read_timeout` is not used: its timer restarts as soon
//! as a response is written, so it would also cut every keep-alive
//! connection idle for that long. Here the two are told apart: a connection
//! waiting for its first byte is idle (`HTTP_KEEPALIVE_IDLE_MS`, or the
//! header timeout for a connection that has not sent anything yet), one that
//! has started a request head must finish it (`HTTP_HEADER_READ_TIMEOUT_MS`),
//! and one with a request in flight is left alone. What counts is seen
//! through the socket ([`Watched`], its reads) and the service (requests
//! starting, responses finished).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode, header};
use futures_util::future::BoxFuture;
use http_body::Frame;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Timeouts;
use super::admission::{Service, Ticket};
use crate::metrics;

/// Serves one connection until it closes, is timed out, or (on shutdown)
/// has finished its request in flight.
pub async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    ticket: Ticket,
    router: Router,
    timeouts: Timeouts,
    shutdown: CancellationToken,
) {
    let health_only = ticket.service == Service::HealthOnly;
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        stream,
        activity: activity.clone(),
        _ticket: ticket,
    });
    let service = ConnService {
        router: TowerToHyperService::new(router),
        peer,
        activity: activity.clone(),
        health_only,
    };
    let mut builder = http1::Builder::new();
    // A health-only connection holds a reserved slot: one answer, then close.
    builder.keep_alive(!health_only).header_read_timeout(None);
    let connection = builder.serve_connection(io, service).with_upgrades();
    tokio::pin!(connection);
    let mut draining = false;
    loop {
        let deadline = activity.deadline(timeouts);
        tokio::select! {
            served = connection.as_mut() => {
                if let Err(error) = served {
                    tracing::debug!(%error, "connection ended with an error");
                }
                return;
            }
            _ = shutdown.cancelled(), if !draining => {
                draining = true;
                // Closes at once when idle, else after the response.
                connection.as_mut().graceful_shutdown();
            }
            _ = activity.changed.notified() => {}
            _ = sleep_until(deadline) => {
                if activity.deadline(timeouts).is_some_and(|d| d <= Instant::now()) {
                    tracing::debug!(%peer, "closing a connection idle or slow past its timeout");
                    return;
                }
            }
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// What the watchdog needs to know about a connection.
struct Activity {
    state: Mutex<State>,
    /// Set while no byte of the next request head has been read, so a read
    /// costs one atomic swap (a WebSocket's reads too, which keep this).
    awaiting_first_byte: AtomicBool,
    /// Wakes the watchdog when the deadline may have moved.
    changed: Notify,
}

struct State {
    in_flight: usize,
    /// When the connection was accepted, or its last response finished.
    idle_since: Instant,
    /// Whether a response was finished (then the idle wait is keep-alive).
    served: bool,
    /// The first byte of the next request head.
    first_byte: Option<Instant>,
}

impl Activity {
    fn new() -> Self {
        Self {
            state: Mutex::new(State {
                in_flight: 0,
                idle_since: Instant::now(),
                served: false,
                first_byte: None,
            }),
            awaiting_first_byte: AtomicBool::new(true),
            changed: Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// When the connection is to be closed; `None` while a request runs.
    fn deadline(&self, timeouts: Timeouts) -> Option<Instant> {
        let state = self.state();
        if state.in_flight > 0 {
            return None;
        }
        Some(match state.first_byte {
            Some(first) => first + timeouts.header_read,
            None if state.served => state.idle_since + timeouts.keepalive_idle,
            None => state.idle_since + timeouts.header_read,
        })
    }

    fn on_read(&self) {
        if self.awaiting_first_byte.swap(false, Ordering::AcqRel) {
            let mut state = self.state();
            if state.in_flight == 0 && state.first_byte.is_none() {
                state.first_byte = Some(Instant::now());
            }
            drop(state);
            self.changed.notify_one();
        }
    }

    fn request_started(self: &Arc<Self>) -> InFlight {
        let mut state = self.state();
        state.in_flight += 1;
        state.first_byte = None;
        drop(state);
        self.changed.notify_one();
        InFlight(self.clone())
    }
}

/// A request being handled, until its response body is finished.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let activity = &self.0;
        let mut state = activity.state();
        state.in_flight -= 1;
        if state.in_flight == 0 {
            state.idle_since = Instant::now();
            state.served = true;
            activity.awaiting_first_byte.store(true, Ordering::Release);
        }
        drop(state);
        activity.changed.notify_one();
    }
}

/// The connection's socket; it reports reads and carries the connection's
/// [`Ticket`], so the place is held until the socket closes, also after an
/// upgrade to WebSocket.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
    _ticket: Ticket,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.on_read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// The router, with the peer address as `ConnectInfo` (what
/// `into_make_service_with_connect_info` would add) and requests counted.
struct ConnService {
    router: TowerToHyperService<Router>,
    peer: SocketAddr,
    activity: Arc<Activity>,
    health_only: bool,
}

impl hyper::service::Service<Request<Incoming>> for ConnService {
    type Response = Response<CountedBody>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn call(&self, mut request: Request<Incoming>) -> Self::Future {
        let in_flight = self.activity.request_started();
        if self.health_only && !matches!(request.uri().path(), "/health" | "/ready") {
            metrics::connection_refused("capacity");
            let refused = Response::builder()
                .status(StatusCode::SERVICE_UNAVAILABLE)
                .header(header::CONNECTION, "close")
                .header(header::RETRY_AFTER, "1")
                .body(Body::empty())
                .unwrap_or_default();
            let counted = refused.map(|body| CountedBody::new(body, in_flight));
            return Box::pin(std::future::ready(Ok(counted)));
        }
        request.extensions_mut().insert(ConnectInfo(self.peer));
        let response = hyper::service::Service::call(&self.router, request);
        Box::pin(async move {
            let response = response.await?;
            Ok(response.map(|body| CountedBody::new(body, in_flight)))
        })
    }
}

/// A response body that ends the request's [`InFlight`] when dropped (hyper
/// drops it once written, or when the connection goes).
struct CountedBody {
    body: Body,
    _in_flight: InFlight,
}

impl CountedBody {
    fn new(body: Body, in_flight: InFlight) -> Self {
        Self {
            body,
            _in_flight: in_flight,
        }
    }
}

impl http_body::Body for CountedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}
