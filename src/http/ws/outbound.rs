//! The way out of a socket: a bounded queue of frames and the task that
//! writes them.
//!
//! Nothing waits on a full queue. A full queue means the client stopped
//! reading: the frame is not queued, the socket is flagged as a slow consumer
//! ([`SlowConsumer`]) and closed with 1013. So a socket never holds more than
//! [`OUTBOUND_QUEUE`] frames here, whatever its subscriptions produce.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use tokio::sync::{mpsc, oneshot};

use super::protocol::CloseReason;
use crate::graphql::SlowConsumer;

/// Frames queued for a socket before its client counts as too slow.
pub const OUTBOUND_QUEUE: usize = 128;
/// How long a close frame may take to go out before the socket is dropped.
const CLOSE_WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// Sends queued frames; on a close request, sends the close frame and ends.
pub async fn write_frames(
    mut sink: SplitSink<WebSocket, Message>,
    mut frames: mpsc::Receiver<String>,
    mut close: oneshot::Receiver<Option<CloseReason>>,
) {
    loop {
        tokio::select! {
            biased;
            reason = &mut close => {
                return close_socket(&mut sink, &mut frames, reason.ok().flatten()).await;
            }
            frame = frames.recv() => match frame {
                Some(text) => {
                    // A client that stops reading blocks this send; the close
                    // request still wins and the socket is dropped.
                    tokio::select! {
                        biased;
                        reason = &mut close => {
                            return close_socket(&mut sink, &mut frames, reason.ok().flatten()).await;
                        }
                        sent = sink.send(Message::Text(text.into())) => if sent.is_err() { return },
                    }
                }
                None => return,
            },
        }
    }
}

/// Ends the socket. On shutdown (1001) the frames already queued go first:
/// they hold the results of the operations the socket let finish.
async fn close_socket(
    sink: &mut SplitSink<WebSocket, Message>,
    frames: &mut mpsc::Receiver<String>,
    reason: Option<CloseReason>,
) {
    if matches!(reason, Some(CloseReason::GoingAway)) {
        let flushed = async {
            while let Ok(text) = frames.try_recv() {
                if sink.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
        };
        let _ = tokio::time::timeout(CLOSE_WRITE_TIMEOUT, flushed).await;
    }
    send_close(sink, reason).await;
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

/// Queues `frame` without waiting. Returns false when the socket is gone or
/// its queue is full (and then flags the socket as a slow consumer).
pub fn deliver(outbound: &mpsc::Sender<String>, slow: &SlowConsumer, frame: String) -> bool {
    match outbound.try_send(frame) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            slow.0.cancel();
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}
