//! Fleets of subscribed sockets, many per task.
//!
//! A [`Fleet`] splits its sockets into shards of [`SHARD_SIZE`]; each shard
//! is one task that owns its sockets (a `SelectAll`, so a frame wakes only
//! the socket it arrived on) and records what they receive. There is no
//! thread or task per socket, and nothing shared on the hot path but two
//! atomic counters of the current [`Step`].
//!
//! What a shard checks on every event: the cursor follows the last one seen
//! by that socket (a lower one is a duplicate, a higher one a gap); the
//! latency from the send of a step's message to its delivery; and, for a
//! step with a target cursor, when the socket reached it (caught up).

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll};
use std::time::Duration;

use anyhow::bail;
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, SelectAll};
use futures_util::{Stream, StreamExt};
use hdrhistogram::Histogram;
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::stats::{self, now_ns};
use crate::ws::{self, Endpoint, Frame, Socket};

/// Sockets per shard task.
pub const SHARD_SIZE: usize = 250;
/// Failure messages kept per shard (the first few say what went wrong).
const KEPT_FAILURES: usize = 5;

/// One socket's subscription: whose token, which chat.
#[derive(Clone, Debug)]
pub struct Member {
    pub token: Arc<str>,
    pub chat: Arc<str>,
}

/// One measured batch of messages. Message `i` is sent with the client
/// message id `"{tag}{i}"`; deliveries of other messages are not counted.
pub struct Step {
    tag: String,
    /// When each message was sent ([`now_ns`]); 0 until then.
    sent_at: Box<[AtomicU64]>,
    /// Deliveries of this step's messages, over every socket.
    pub delivered: AtomicU64,
    /// The cursor every socket must reach to count as caught up.
    target: Option<i64>,
    /// When the step's disruption began ([`now_ns`]), for catch-up times.
    origin: AtomicU64,
    /// Sockets that have reached `target`.
    pub caught_up: AtomicUsize,
}

impl Step {
    pub fn new(id: u64, messages: usize, target: Option<i64>) -> Arc<Self> {
        Arc::new(Self {
            tag: format!("s{id}-"),
            sent_at: (0..messages).map(|_| AtomicU64::new(0)).collect(),
            delivered: AtomicU64::new(0),
            target,
            origin: AtomicU64::new(now_ns()),
            caught_up: AtomicUsize::new(0),
        })
    }

    pub fn len(&self) -> usize {
        self.sent_at.len()
    }

    pub fn client_message_id(&self, i: usize) -> String {
        format!("{}{i}", self.tag)
    }

    /// Records that message `i` leaves now (call just before sending it).
    pub fn mark_sent(&self, i: usize) {
        self.sent_at[i].store(now_ns().max(1), Relaxed);
    }

    /// Catch-up times count from now.
    pub fn start_clock(&self) {
        self.origin.store(now_ns(), Relaxed);
    }

    pub fn origin_ns(&self) -> u64 {
        self.origin.load(Relaxed)
    }

    fn index_of(&self, client_message_id: &str) -> Option<usize> {
        let i: usize = client_message_id.strip_prefix(&self.tag)?.parse().ok()?;
        (i < self.sent_at.len()).then_some(i)
    }
}

/// Counters of a whole fleet, read while it runs.
#[derive(Default)]
pub struct FleetCounters {
    /// Subscriptions sent (socket open, acknowledged, subscribed).
    pub opened: AtomicUsize,
    /// Sockets that could not be opened.
    pub failed: AtomicUsize,
    /// Sockets that received at least one event since they opened: their
    /// subscription is live (graphql-ws has no subscribe acknowledgement).
    pub live: AtomicUsize,
    /// Sockets the server closed or that failed after opening.
    pub closed: AtomicUsize,
    /// The highest cursor any socket has seen.
    pub highest_cursor: AtomicI64,
}

/// What a fleet saw during one step.
pub struct Report {
    pub latencies: Histogram<u64>,
    /// Times from the step's origin until each socket caught up.
    pub catch_up: Histogram<u64>,
    pub delivered: u64,
    /// Cursors skipped (events lost) and seen again (duplicates).
    pub gaps: u64,
    pub duplicates: u64,
    /// RESYNC events: the server could not replay what was missed.
    pub resyncs: u64,
    /// Close codes (or errors) of sockets that ended, with counts.
    pub closes: BTreeMap<String, u64>,
    pub failures: Vec<String>,
    /// The last delivery of a step message ([`now_ns`]).
    pub last_delivery_ns: u64,
    /// The last cursor each socket saw (-1: none yet).
    pub cursors: Vec<i64>,
}

impl Report {
    fn empty() -> Self {
        Self {
            latencies: stats::histogram(),
            catch_up: stats::histogram(),
            delivered: 0,
            gaps: 0,
            duplicates: 0,
            resyncs: 0,
            closes: BTreeMap::new(),
            failures: Vec::new(),
            last_delivery_ns: 0,
            cursors: Vec::new(),
        }
    }

    fn merge(&mut self, other: Report) {
        self.latencies.add(&other.latencies).expect("same bounds");
        self.catch_up.add(&other.catch_up).expect("same bounds");
        self.delivered += other.delivered;
        self.gaps += other.gaps;
        self.duplicates += other.duplicates;
        self.resyncs += other.resyncs;
        for (code, n) in other.closes {
            *self.closes.entry(code).or_default() += n;
        }
        let room = KEPT_FAILURES.saturating_sub(self.failures.len());
        self.failures.extend(other.failures.into_iter().take(room));
        self.last_delivery_ns = self.last_delivery_ns.max(other.last_delivery_ns);
        self.cursors.extend(other.cursors);
    }

    /// `"1013 Slow consumer ×3, ..."`, or empty when no socket ended.
    pub fn closes_summary(&self) -> String {
        self.closes
            .iter()
            .map(|(code, n)| format!("{code} ×{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

enum Control {
    Begin(Arc<Step>),
    End(oneshot::Sender<Report>),
    /// Close every socket at once (the TCP connections just go away).
    DropAll,
    /// Reopen every socket, resuming after the last cursor it saw.
    Resubscribe,
}

struct ShardHandle {
    control: mpsc::Sender<Control>,
    task: JoinHandle<()>,
}

pub struct Fleet {
    endpoint: Endpoint,
    shards: Vec<ShardHandle>,
    counters: Arc<FleetCounters>,
    /// Handshakes in flight at once, over the whole fleet.
    permits: Arc<Semaphore>,
    size: usize,
}

impl Fleet {
    /// An empty fleet; `concurrency` bounds handshakes in flight.
    pub fn new(endpoint: Endpoint, concurrency: usize) -> Self {
        Self {
            endpoint,
            shards: Vec::new(),
            counters: Arc::default(),
            permits: Arc::new(Semaphore::new(concurrency)),
            size: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.size
    }

    pub fn counters(&self) -> &FleetCounters {
        &self.counters
    }

    /// Opens one socket per member (live only, no `after`) and waits until
    /// every one is subscribed, or fails if any could not be.
    pub async fn add(&mut self, members: Vec<Member>, timeout: Duration) -> anyhow::Result<()> {
        let target = self.counters.opened.load(Relaxed) + members.len();
        self.size += members.len();
        for chunk in members.chunks(SHARD_SIZE) {
            let (control, rx) = mpsc::channel(8);
            let shard = Shard::new(
                self.endpoint.clone(),
                chunk.to_vec(),
                self.counters.clone(),
                self.permits.clone(),
            );
            let task = tokio::spawn(shard.run(rx));
            self.shards.push(ShardHandle { control, task });
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let failed = self.counters.failed.load(Relaxed);
            if failed > 0 {
                let report = self.end().await;
                bail!(
                    "{failed} sockets could not subscribe; first errors: {:?}",
                    report.failures
                );
            }
            if self.counters.opened.load(Relaxed) >= target {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                bail!("sockets were still opening after {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Starts recording `step` (and resets the per-step counts).
    pub async fn begin(&self, step: &Arc<Step>) {
        self.broadcast(|| Control::Begin(step.clone())).await;
    }

    /// Stops recording and merges what every shard saw since `begin`.
    pub async fn end(&self) -> Report {
        let mut replies = Vec::new();
        for shard in &self.shards {
            let (tx, rx) = oneshot::channel();
            if shard.control.send(Control::End(tx)).await.is_ok() {
                replies.push(rx);
            }
        }
        let mut report = Report::empty();
        for reply in replies {
            if let Ok(part) = reply.await {
                report.merge(part);
            }
        }
        report
    }

    pub async fn drop_all(&self) {
        self.broadcast(|| Control::DropAll).await;
    }

    pub async fn resubscribe(&self) {
        self.broadcast(|| Control::Resubscribe).await;
    }

    async fn broadcast(&self, control: impl Fn() -> Control) {
        for shard in &self.shards {
            let _ = shard.control.send(control()).await;
        }
    }

    /// Closes every socket and waits for the shard tasks to end.
    pub async fn close(self) {
        let tasks: Vec<_> = self
            .shards
            .into_iter()
            .map(|shard| {
                drop(shard.control);
                shard.task
            })
            .collect();
        for task in tasks {
            let _ = task.await;
        }
    }
}

/// A socket tagged with its slot, so `SelectAll` says where a frame is from.
struct Tagged {
    slot: usize,
    socket: Socket,
}

impl Stream for Tagged {
    type Item = (usize, Result<Message, tungstenite::Error>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let slot = self.slot;
        self.socket
            .poll_next_unpin(cx)
            .map(|item| item.map(|frame| (slot, frame)))
    }
}

/// What a shard knows about one of its sockets.
struct SocketState {
    member: Member,
    /// The last cursor seen, -1 before the first.
    last: i64,
    /// Received an event since it (re)opened.
    live: bool,
    open: bool,
    caught_up: bool,
}

type Opening = BoxFuture<'static, (usize, anyhow::Result<Socket>)>;

struct Shard {
    endpoint: Endpoint,
    sockets: SelectAll<Tagged>,
    opening: FuturesUnordered<Opening>,
    state: Vec<SocketState>,
    counters: Arc<FleetCounters>,
    permits: Arc<Semaphore>,
    step: Option<Arc<Step>>,
    report: Report,
}

impl Shard {
    fn new(
        endpoint: Endpoint,
        members: Vec<Member>,
        counters: Arc<FleetCounters>,
        permits: Arc<Semaphore>,
    ) -> Self {
        let mut shard = Self {
            endpoint,
            sockets: SelectAll::new(),
            opening: FuturesUnordered::new(),
            state: members
                .into_iter()
                .map(|member| SocketState {
                    member,
                    last: -1,
                    live: false,
                    open: false,
                    caught_up: false,
                })
                .collect(),
            counters,
            permits,
            step: None,
            report: Report::empty(),
        };
        for slot in 0..shard.state.len() {
            shard.open(slot, None);
        }
        shard
    }

    async fn run(mut self, mut control: mpsc::Receiver<Control>) {
        loop {
            tokio::select! {
                command = control.recv() => match command {
                    Some(command) => self.on_control(command),
                    None => return,
                },
                Some((slot, opened)) = self.opening.next(), if !self.opening.is_empty() => {
                    self.on_opened(slot, opened);
                }
                Some((slot, frame)) = self.sockets.next(), if !self.sockets.is_empty() => {
                    self.on_frame(slot, frame);
                }
            }
        }
    }

    fn open(&mut self, slot: usize, after: Option<i64>) {
        let endpoint = self.endpoint.clone();
        let member = self.state[slot].member.clone();
        let permits = self.permits.clone();
        self.opening.push(Box::pin(async move {
            let _permit = permits.acquire_owned().await;
            let socket = ws::subscribe(&endpoint, &member.token, &member.chat, after).await;
            (slot, socket)
        }));
    }

    fn on_control(&mut self, command: Control) {
        match command {
            Control::Begin(step) => {
                self.report = Report::empty();
                for state in &mut self.state {
                    state.caught_up = false;
                }
                self.step = Some(step);
            }
            Control::End(reply) => {
                self.step = None;
                let mut report = std::mem::replace(&mut self.report, Report::empty());
                report.cursors = self.state.iter().map(|s| s.last).collect();
                let _ = reply.send(report);
            }
            Control::DropAll => {
                self.sockets = SelectAll::new();
                self.opening = FuturesUnordered::new();
                for state in &mut self.state {
                    state.open = false;
                    state.live = false;
                }
            }
            Control::Resubscribe => {
                for slot in 0..self.state.len() {
                    let last = self.state[slot].last;
                    self.open(slot, (last >= 0).then_some(last));
                }
            }
        }
    }

    fn on_opened(&mut self, slot: usize, opened: anyhow::Result<Socket>) {
        match opened {
            Ok(socket) => {
                self.state[slot].open = true;
                self.sockets.push(Tagged { slot, socket });
                self.counters.opened.fetch_add(1, Relaxed);
            }
            Err(error) => {
                self.counters.failed.fetch_add(1, Relaxed);
                self.fail(format!("opening: {error:#}"));
            }
        }
    }

    fn on_frame(&mut self, slot: usize, frame: Result<Message, tungstenite::Error>) {
        let text = match frame {
            Ok(Message::Text(text)) => text,
            Ok(Message::Close(close)) => {
                let code = close.map_or_else(
                    || "close without code".to_owned(),
                    |c| format!("{} {}", u16::from(c.code), c.reason),
                );
                self.ended(slot, code);
                return;
            }
            Ok(_) => return,
            Err(error) => {
                self.ended(slot, format!("error: {error}"));
                return;
            }
        };
        match ws::parse(text.as_str()) {
            Frame::Event {
                cursor,
                client_message_id,
                ..
            } => self.on_event(slot, cursor, client_message_id.as_deref()),
            Frame::Failed(error) => self.fail(format!("operation failed: {error}")),
            Frame::Complete => self.ended(slot, "complete".into()),
            Frame::Other => {}
        }
    }

    fn on_event(&mut self, slot: usize, cursor: Option<i64>, client_message_id: Option<&str>) {
        let now = now_ns();
        let state = &mut self.state[slot];
        if !state.live {
            state.live = true;
            self.counters.live.fetch_add(1, Relaxed);
        }
        match cursor {
            None => self.report.resyncs += 1,
            Some(cursor) => {
                if state.last >= 0 {
                    if cursor <= state.last {
                        self.report.duplicates += 1;
                    } else {
                        self.report.gaps += (cursor - state.last - 1) as u64;
                    }
                }
                state.last = state.last.max(cursor);
                self.counters.highest_cursor.fetch_max(cursor, Relaxed);
            }
        }
        let Some(step) = &self.step else {
            return;
        };
        if let Some(i) = client_message_id.and_then(|id| step.index_of(id)) {
            let sent = step.sent_at[i].load(Relaxed);
            if sent > 0 {
                stats::record(
                    &mut self.report.latencies,
                    Duration::from_nanos(now.saturating_sub(sent)),
                );
            }
            self.report.delivered += 1;
            self.report.last_delivery_ns = now;
            step.delivered.fetch_add(1, Relaxed);
        }
        if let Some(target) = step.target
            && !state.caught_up
            && state.last >= target
        {
            state.caught_up = true;
            stats::record(
                &mut self.report.catch_up,
                Duration::from_nanos(now.saturating_sub(step.origin_ns())),
            );
            step.caught_up.fetch_add(1, Relaxed);
        }
    }

    fn ended(&mut self, slot: usize, why: String) {
        let state = &mut self.state[slot];
        if state.open {
            state.open = false;
            self.counters.closed.fetch_add(1, Relaxed);
            *self.report.closes.entry(why).or_default() += 1;
        }
    }

    fn fail(&mut self, why: String) {
        if self.report.failures.len() < KEPT_FAILURES {
            self.report.failures.push(why);
        }
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    fn member() -> Member {
        Member {
            token: "t".into(),
            chat: "c".into(),
        }
    }

    fn shard_without_sockets(slots: usize) -> Shard {
        Shard {
            endpoint: Endpoint::new("ws://127.0.0.1:9/graphql").unwrap(),
            sockets: SelectAll::new(),
            opening: FuturesUnordered::new(),
            state: (0..slots)
                .map(|_| SocketState {
                    member: member(),
                    last: -1,
                    live: false,
                    open: true,
                    caught_up: false,
                })
                .collect(),
            counters: Arc::default(),
            permits: Arc::new(Semaphore::new(1)),
            step: None,
            report: Report::empty(),
        }
    }

    #[test]
    fn step__maps_client_message_ids_back_to_messages() {
        let step = Step::new(7, 3, None);
        assert_eq!(step.client_message_id(2), "s7-2");
        assert_eq!(step.index_of("s7-2"), Some(2));
        assert_eq!(step.index_of("s7-3"), None, "out of range");
        assert_eq!(step.index_of("s8-1"), None, "another step");
        assert_eq!(step.index_of("s7-x"), None);
    }

    #[test]
    fn shard__counts_latency_gaps_duplicates_and_catch_up() {
        let mut shard = shard_without_sockets(2);
        let step = Step::new(1, 2, Some(12));
        shard.on_control(Control::Begin(step.clone()));
        step.mark_sent(0);
        step.mark_sent(1);
        shard.on_event(0, Some(10), Some("s1-0"));
        shard.on_event(0, Some(11), Some("s1-1"));
        shard.on_event(0, Some(11), None);
        shard.on_event(0, Some(13), Some("other"));
        shard.on_event(1, Some(12), Some("s1-1"));
        shard.on_event(1, None, None);
        assert_eq!(step.delivered.load(Relaxed), 3);
        assert_eq!(step.caught_up.load(Relaxed), 2);
        assert_eq!(shard.counters.live.load(Relaxed), 2);
        let (tx, mut rx) = oneshot::channel();
        shard.on_control(Control::End(tx));
        let report = rx.try_recv().unwrap();
        assert_eq!(report.latencies.len(), 3);
        assert_eq!(report.catch_up.len(), 2);
        assert_eq!(report.duplicates, 1);
        assert_eq!(report.gaps, 1, "12 was skipped on socket 0");
        assert_eq!(report.resyncs, 1);
        assert_eq!(report.cursors, vec![13, 12]);
    }

    #[test]
    fn shard__counts_each_socket_end_once() {
        let mut shard = shard_without_sockets(1);
        shard.ended(0, "1013 Slow consumer".into());
        shard.ended(0, "error: reset".into());
        assert_eq!(shard.counters.closed.load(Relaxed), 1);
        assert_eq!(shard.report.closes_summary(), "1013 Slow consumer ×1");
    }
}
