//! The accept loop and what it admits: our own instead of `axum::serve`,
//! because a server must survive clients that open connections and send
//! nothing. Each accepted connection is:
//!
//! - **admitted or refused at once** ([`admission`]): at most
//!   `MAX_CONNECTIONS_PER_IP` open connections per client address (upgraded
//!   WebSockets included) and `MAX_CONNECTIONS` in all, a budget derived from
//!   the open-file limit so that `accept` never fails for want of a file
//!   descriptor. Past the budget a few reserved slots still serve `/health`
//!   and `/ready` (and nothing else), so probes answer under a flood;
//! - **timed** ([`conn`]): it must send a complete request head within
//!   `HTTP_HEADER_READ_TIMEOUT_MS` of its first byte (or of being accepted),
//!   and may sit idle between requests for `HTTP_KEEPALIVE_IDLE_MS`. Upgraded
//!   WebSockets leave these timers behind: the graphql-ws protocol has its
//!   own (`WS_INIT_TIMEOUT_MS`, token expiry);
//! - **drained on shutdown**: the loop stops accepting, each connection
//!   finishes its request in flight and closes, and [`serve`] returns when
//!   all have (upgraded sockets are tracked and drained by the caller).
//!
//! Failed accepts (EMFILE and the like) are logged and retried after a short
//! pause instead of spinning.

pub mod admission;
mod conn;

use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use admission::{Admission, Budget};

/// The pause after a failed `accept` that is not about one connection (out
/// of file descriptors, of memory): retrying at once would spin a core.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// How connections are timed.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// From accept, or from the first byte of a request, to its complete head.
    pub header_read: Duration,
    /// Between the end of a response and the first byte of the next request.
    pub keepalive_idle: Duration,
}

/// Accepts and serves connections until `shutdown` is cancelled, then waits
/// for the connections still open to finish their requests and close.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    admission: Admission,
    timeouts: Timeouts,
    shutdown: CancellationToken,
) {
    let connections = TaskTracker::new();
    loop {
        let accepted = tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            // The client gave up before we took the connection: nothing to do.
            Err(error) if is_connection_error(&error) => continue,
            Err(error) => {
                tracing::warn!(%error, "accept failed; retrying shortly");
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                }
            }
        };
        // Refused: dropping the stream closes it before a byte is read.
        let Some(ticket) = admission.admit(peer.ip().to_canonical()) else {
            continue;
        };
        connections.spawn(conn::serve_connection(
            stream,
            peer,
            ticket,
            router.clone(),
            timeouts,
            shutdown.clone(),
        ));
    }
    // Closes the listening socket: new connections are refused by the OS.
    drop(listener);
    connections.close();
    connections.wait().await;
}

/// Errors that concern only the connection being accepted.
fn is_connection_error(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        error.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset | Interrupted
    )
}
