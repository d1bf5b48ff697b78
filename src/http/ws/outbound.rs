//! The way out of a socket: a bounded queue of frames and the task that
//! writes them.
//!
//! Nothing waits on a full queue. A full queue means the client stopped
//! reading: the frame is not queued, the socket is flagged as a slow consumer
//! ([`SlowConsumer`]) and closed with 1013. So a socket never holds more than
//! [`OUTBOUND_QUEUE`] frames here, whatever its subscriptions produce.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use tokio::sync::{Notify, oneshot};

use super::protocol::CloseReason;
use crate::graphql::SlowConsumer;

/// Frames queued for a socket before its client counts as too slow.
pub const OUTBOUND_QUEUE: usize = 128;
/// How long a close frame may take to go out before the socket is dropped.
const CLOSE_WRITE_TIMEOUT: Duration = Duration::from_secs(1);
/// The same for a slow consumer, whose buffers are full by definition: its
/// close frame goes out only once it reads again, so it gets longer (a
/// phone back from the background) to see a clean 1013 rather than a
/// broken connection. One frame and a socket, held that long at most.
const SLOW_CONSUMER_CLOSE_TIMEOUT: Duration = Duration::from_secs(10);
/// Room an emptied queue may keep; more is given back (after a burst).
const IDLE_CAPACITY: usize = 8;

/// The frames waiting for one socket, shared by the connection, its
/// operations and the writer. A lock and a wake-up rather than a channel:
/// a channel allocates a block of slots up front, paid by every idle
/// socket, while this holds nothing when empty.
#[derive(Clone, Default)]
pub struct Outbound(Arc<Queue>);

#[derive(Default)]
struct Queue {
    frames: Mutex<VecDeque<String>>,
    /// Wakes the writer (one waiter; a wake-up with no waiter is kept).
    ready: Notify,
    /// Set when the writer has ended: nothing more is queued.
    closed: AtomicBool,
}

/// Why a frame was not queued.
#[derive(Debug, PartialEq, Eq)]
enum Refused {
    /// [`OUTBOUND_QUEUE`] frames are waiting already.
    Full,
    /// The socket is gone.
    Closed,
}

impl Outbound {
    fn try_push(&self, frame: String) -> Result<(), Refused> {
        if self.0.closed.load(Ordering::Acquire) {
            return Err(Refused::Closed);
        }
        let mut frames = self.frames();
        if frames.len() >= OUTBOUND_QUEUE {
            return Err(Refused::Full);
        }
        frames.push_back(frame);
        drop(frames);
        self.0.ready.notify_one();
        Ok(())
    }

    fn pop(&self) -> Option<String> {
        let mut frames = self.frames();
        let frame = frames.pop_front();
        if frames.is_empty() && frames.capacity() > IDLE_CAPACITY {
            *frames = VecDeque::new();
        }
        frame
    }

    /// The next frame, once there is one.
    async fn next(&self) -> String {
        loop {
            if let Some(frame) = self.pop() {
                return frame;
            }
            self.0.ready.notified().await;
        }
    }

    fn frames(&self) -> std::sync::MutexGuard<'_, VecDeque<String>> {
        self.0.frames.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Marks the queue closed when the writer ends, however it ends.
struct ClosesQueue(Outbound);

impl Drop for ClosesQueue {
    fn drop(&mut self) {
        self.0.0.closed.store(true, Ordering::Release);
        self.0.frames().clear();
    }
}

/// Sends queued frames; on a close request, sends the close frame and ends.
pub async fn write_frames(
    mut sink: SplitSink<WebSocket, Message>,
    frames: Outbound,
    mut close: oneshot::Receiver<Option<CloseReason>>,
) {
    let frames = ClosesQueue(frames);
    let frames = &frames.0;
    loop {
        tokio::select! {
            biased;
            reason = &mut close => {
                return close_socket(&mut sink, frames, reason.ok().flatten()).await;
            }
            text = frames.next() => {
                // A client that stops reading blocks this send; the close
                // request still wins. The interrupted frame stays buffered
                // in the sink and is finished before the close frame.
                tokio::select! {
                    biased;
                    reason = &mut close => {
                        return close_socket(&mut sink, frames, reason.ok().flatten()).await;
                    }
                    sent = sink.send(Message::Text(text.into())) => if sent.is_err() { return },
                }
            }
        }
    }
}

/// Ends the socket. On shutdown (1001) the frames already queued go first:
/// they hold the results of the operations the socket let finish. On any
/// other close they are dropped unsent (for a slow consumer they are the
/// backlog it could not take).
///
/// The close frame always follows whole frames: a frame whose write was
/// interrupted by the close request stays buffered in the sink and is
/// finished first, so a client that reads again within
/// [`CLOSE_WRITE_TIMEOUT`] ([`SLOW_CONSUMER_CLOSE_TIMEOUT`] for a slow
/// consumer) gets every frame intact and then the close code (1013 for a
/// slow consumer) rather than a cut-off frame.
async fn close_socket(
    sink: &mut SplitSink<WebSocket, Message>,
    frames: &Outbound,
    reason: Option<CloseReason>,
) {
    if !matches!(reason, Some(CloseReason::GoingAway)) {
        frames.frames().clear();
    } else {
        let flushed = async {
            while let Some(text) = frames.pop() {
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
        let timeout = match reason {
            CloseReason::SlowConsumer => SLOW_CONSUMER_CLOSE_TIMEOUT,
            _ => CLOSE_WRITE_TIMEOUT,
        };
        let _ = tokio::time::timeout(timeout, sink.send(Message::Close(Some(frame)))).await;
    }
}

/// Queues `frame` without waiting. Returns false when the socket is gone or
/// its queue is full (and then flags the socket as a slow consumer).
pub fn deliver(outbound: &Outbound, slow: &SlowConsumer, frame: String) -> bool {
    match outbound.try_push(frame) {
        Ok(()) => true,
        Err(Refused::Full) => {
            slow.0.cancel();
            false
        }
        Err(Refused::Closed) => false,
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn outbound__hands_frames_over_in_order_and_refuses_beyond_the_bound() {
        let outbound = Outbound::default();
        for i in 0..OUTBOUND_QUEUE {
            assert_eq!(outbound.try_push(i.to_string()), Ok(()));
        }
        assert_eq!(outbound.try_push("one more".into()), Err(Refused::Full));
        for i in 0..OUTBOUND_QUEUE {
            assert_eq!(outbound.next().await, i.to_string());
        }
        assert!(
            outbound.frames().capacity() <= IDLE_CAPACITY,
            "emptied, it gives room back"
        );
    }

    #[tokio::test]
    async fn outbound__wakes_a_waiting_writer_and_refuses_once_closed() {
        let outbound = Outbound::default();
        let writer = outbound.clone();
        let waiting = tokio::spawn(async move { writer.next().await });
        tokio::task::yield_now().await;
        outbound.try_push("frame".into()).unwrap();
        assert_eq!(waiting.await.unwrap(), "frame");
        drop(ClosesQueue(outbound.clone()));
        assert_eq!(outbound.try_push("late".into()), Err(Refused::Closed));
    }
}
