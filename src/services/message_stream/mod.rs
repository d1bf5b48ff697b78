//! Following one chat's timeline: replay from a cursor, then live, in
//! sequence order, with no gap and no duplicate at the seam.
//!
//! The bus subscription starts before the database is read, so nothing can
//! fall between replay and live; anything at or below the last delivered
//! number is a duplicate and dropped. Live events can arrive out of order
//! (two senders take numbers 7 and 8, and 8 is published first): the stream
//! holds later numbers briefly and, if the missing one does not arrive, reads
//! it from the database. The same holds for a replay: a number the chat has
//! handed out but whose write is still in flight is not stored yet when the
//! replay reads, so an incomplete replay is read again after that wait
//! before anything is given up.
//! A number that stays missing after that wait was taken by a writer that
//! may have died: once it is certainly abandoned it is filled with a VOID
//! entry and replay goes on across it (see
//! [`settle_holes`](super::timeline::settle_holes)); until then the stream
//! waits, holding at most [`PENDING_MAX`] later events.
//! What cannot be recovered — a cursor older than the retained log or the
//! replay limit, a database that does not answer, more waiting events than
//! that — is reported with an explicit resync, never skipped silently. The
//! stream ends when the member is removed or the chat deleted.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::time::Instant;

use crate::domain::{ChatId, UserId};
use crate::error::{AppError, AppResult};
use crate::events::{
    ChatEventKind, Event, EventBus, EventStream, Interruption, MessageEvent, MessageEventKind,
    Topic,
};
use crate::storage::Database;
use crate::storage::messages::Replayed;

use super::chats::ChatService;
use super::timeline::{Holes, settle_holes};
use shared_reads::{ReadQuery, SharedReads};

mod batch;
mod shared_reads;

/// How long a later number waits for an earlier one before the database is
/// asked for it.
const FILL_WAIT: Duration = Duration::from_millis(250);
/// Later events a follower holds while an earlier number is missing; beyond
/// this it gives up on the missing one with a resync rather than grow.
const PENDING_MAX: usize = crate::events::SUBSCRIBER_BUFFER;

/// How far a follower goes to deliver everything.
#[derive(Clone, Copy, Debug)]
pub struct ReplayLimits {
    /// The most events replayed at once; a longer range becomes a resync.
    pub max_events: i64,
    /// How old a missing number must be to count as abandoned.
    pub hole_timeout: Duration,
}

/// What starting a follower takes besides the database and the chat rules:
/// the bus it listens on, how far it replays, and the reads it shares with
/// the chat's other followers. The message service holds it and starts
/// every follower ([`MessageService::follow`]).
///
/// [`MessageService::follow`]: super::MessageService::follow
#[derive(Clone)]
pub struct Following {
    bus: Arc<dyn EventBus>,
    limits: ReplayLimits,
    reads: Arc<SharedReads>,
}

impl Following {
    pub fn new(
        bus: Arc<dyn EventBus>,
        limits: ReplayLimits,
        db: &Database,
        chats: &ChatService,
    ) -> Self {
        let reads = SharedReads::new(db.clone(), chats.clone(), limits.max_events);
        Self {
            bus,
            limits,
            reads: Arc::new(reads),
        }
    }
}

/// What a follower of a chat receives.
#[derive(Clone, Debug)]
pub enum TimelineItem {
    /// As published (one copy shared by the chat's followers in this
    /// process), or read back from the database for this follower alone.
    Event(Arc<MessageEvent>),
    /// Events may be missing: refetch the history, then carry on.
    Resync,
    /// The follower fell too far behind; the stream ends.
    Lagged,
}

/// One member following one chat.
pub struct Follower {
    db: Database,
    reads: Arc<SharedReads>,
    chat: ChatId,
    me: UserId,
    events: EventStream,
    limits: ReplayLimits,
    /// The last sequence number delivered (or skipped as void).
    last: i64,
    /// Numbers up to here are known to be taken (a replay asked for them):
    /// any not delivered yet are awaited.
    awaited: i64,
    /// Later numbers waiting for an earlier one. Emptied maps are replaced,
    /// not kept: an idle follower holds no buffer.
    pending: BTreeMap<i64, Arc<MessageEvent>>,
    fill_at: Option<Instant>,
    ready: VecDeque<TimelineItem>,
    ended: bool,
}

impl Follower {
    /// Starts following `chat` for `me` after `after` (or from now).
    pub(super) async fn start(
        db: Database,
        following: &Following,
        me: UserId,
        chat: ChatId,
        after: Option<i64>,
    ) -> AppResult<Self> {
        let events = following.bus.subscribe(Topic::Chat(chat));
        // After subscribing: an event published from here on is either
        // live or at most `current`. The read is shared with the chat's
        // other followers starting now, and starts after this request.
        let query = ReadQuery {
            member: Some(me),
            after,
            upto: None,
        };
        let answer = following.reads.ask(chat, query).await?;
        if !answer.member {
            return Err(ChatService::not_a_member());
        }
        let current = answer.head.unwrap_or_default();
        let mut follower = Self {
            db,
            reads: following.reads.clone(),
            chat,
            me,
            events,
            limits: following.limits,
            last: current,
            awaited: current,
            pending: BTreeMap::new(),
            fill_at: None,
            ready: VecDeque::new(),
            ended: false,
        };
        if let Some(after) = after {
            if !(0..=current).contains(&after) {
                return Err(AppError::bad_input("after", "is not a cursor of this chat"));
            }
            follower.last = after;
            follower
                .take_replay(answer.events, current, Replay::AwaitMissing)
                .await?;
        }
        Ok(follower)
    }

    pub async fn next(&mut self) -> Option<TimelineItem> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(item);
            }
            if self.ended {
                return None;
            }
            let fill_at = self.fill_at;
            tokio::select! {
                item = self.events.next() => match item {
                    None => self.ended = true,
                    Some(Ok(event)) => self.on_event(&event),
                    Some(Err(Interruption::Lagged(_))) => {
                        self.ready.push_back(TimelineItem::Lagged);
                        self.ended = true;
                    }
                    // Boxed, like `fill` below: these rare paths hold
                    // database futures, which would otherwise make every
                    // idle follower's task as large as they are.
                    Some(Err(Interruption::Gap)) => Box::pin(self.recover()).await,
                },
                _ = sleep_until(fill_at), if fill_at.is_some() => Box::pin(self.fill()).await,
            }
        }
    }

    fn on_event(&mut self, event: &Event) {
        match event {
            Event::Message(e) if e.chat == self.chat && e.seq > self.last => {
                if e.seq == self.last + 1 && self.pending.is_empty() {
                    // The usual case, in order: straight through.
                    self.last = e.seq;
                    self.deliver(e.clone());
                    self.rearm();
                } else {
                    self.pending.insert(e.seq, e.clone());
                    self.release();
                    if self.pending.len() >= PENDING_MAX {
                        // Decide about the missing number now.
                        self.fill_at = Some(Instant::now());
                    }
                }
            }
            Event::Chat(e) if e.chat.id == self.chat => {
                let removed = e.kind == ChatEventKind::MemberRemoved && e.users.contains(&self.me);
                if removed || e.kind == ChatEventKind::Deleted {
                    self.ended = true;
                }
            }
            _ => {}
        }
    }

    /// Delivers pending events that now follow without a gap.
    fn release(&mut self) {
        while let Some(event) = self.pending.remove(&(self.last + 1)) {
            self.last = event.seq;
            self.deliver(event);
        }
        self.rearm();
    }

    /// Sets the fill timer while a number is missing, clears it otherwise.
    fn rearm(&mut self) {
        let missing = !self.pending.is_empty() || self.last < self.awaited;
        self.fill_at = if missing {
            self.fill_at.or(Some(Instant::now() + FILL_WAIT))
        } else {
            None
        };
        if self.pending.is_empty() {
            // Drops the node an emptied map keeps (a few KiB per follower).
            self.pending = BTreeMap::new();
        }
    }

    fn deliver(&mut self, event: Arc<MessageEvent>) {
        let hidden_for_me = event.message.as_ref().is_some_and(|m| {
            event.kind == MessageEventKind::Created && m.deleted_for.contains(&self.me)
        });
        if event.kind != MessageEventKind::Void && !hidden_for_me {
            self.ready.push_back(TimelineItem::Event(event));
        }
    }

    /// A number stayed missing: read the range from the database, and give
    /// up on whatever is still not there.
    async fn fill(&mut self) {
        self.fill_at = None;
        // Up to the awaited number, or to just below the highest one held.
        let upto = match self.pending.keys().next_back() {
            Some(&highest) if highest > self.awaited => highest - 1,
            _ => self.awaited,
        };
        if upto <= self.last {
            return;
        }
        if let Err(error) = self.catch_up(upto, Replay::Complete).await {
            tracing::warn!(?error, chat = %self.chat, "could not fill a gap; asking for a resync");
            self.resync_to(upto);
        }
        self.release();
    }

    /// The bus may have lost events (every follower of the instance hears
    /// of it at once): catch up to the chat's current number, unless the
    /// member was removed or the chat deleted meanwhile.
    async fn recover(&mut self) {
        let query = ReadQuery {
            member: Some(self.me),
            after: Some(self.last),
            upto: None,
        };
        let answer = match self.reads.ask(self.chat, query).await {
            Ok(answer) => answer,
            Err(error) => {
                tracing::warn!(?error, chat = %self.chat, "could not recover after a bus gap");
                self.ready.push_back(TimelineItem::Resync);
                return;
            }
        };
        if !answer.member {
            self.ended = true;
            return;
        }
        let current = answer.head.unwrap_or_default();
        let caught_up = self
            .take_replay(answer.events, current, Replay::AwaitMissing)
            .await;
        if let Err(error) = caught_up {
            tracing::warn!(?error, chat = %self.chat, "could not replay after a bus gap");
            self.resync_to(current);
        }
        self.release();
    }

    /// Delivers everything in `(last, upto]` from the database, in order. A
    /// range too long becomes a resync. A range with numbers not stored is
    /// read again after [`FILL_WAIT`] ([`Replay::AwaitMissing`]: they may
    /// belong to writes still in flight), or its holes are settled
    /// ([`Replay::Complete`]): filled when abandoned, else waited for.
    async fn catch_up(&mut self, upto: i64, replay: Replay) -> AppResult<()> {
        if upto <= self.last {
            return Ok(());
        }
        let query = ReadQuery {
            member: None,
            after: Some(self.last),
            upto: Some(upto),
        };
        let answer = self.reads.ask(self.chat, query).await?;
        self.take_replay(answer.events, upto, replay).await
    }

    /// Delivers the stored events `replayed` of `(last, upto]`, as
    /// [`Self::catch_up`] says.
    async fn take_replay(
        &mut self,
        replayed: Vec<Arc<MessageEvent>>,
        upto: i64,
        replay: Replay,
    ) -> AppResult<()> {
        if upto <= self.last {
            return Ok(());
        }
        if upto - self.last > self.limits.max_events {
            self.resync_to(upto);
            return Ok(());
        }
        let mut retry_at = None;
        if replayed.len() as i64 != upto - self.last {
            match replay {
                // Read again once the writes in flight have landed: `fill`
                // runs when the timer fires.
                Replay::AwaitMissing => {
                    self.awaited = self.awaited.max(upto);
                    self.rearm();
                    return Ok(());
                }
                Replay::Complete => {
                    let stored: HashSet<i64> = replayed.iter().map(|e| e.seq).collect();
                    let missing: Vec<i64> = (self.last + 1..=upto)
                        .filter(|seq| !stored.contains(seq))
                        .collect();
                    let holes =
                        settle_holes(&self.db, self.chat, &missing, self.limits.hole_timeout)
                            .await?;
                    match holes {
                        Holes::Filled => {
                            for seq in missing {
                                self.pending
                                    .entry(seq)
                                    .or_insert_with(|| Arc::new(void(self.chat, seq)));
                            }
                        }
                        Holes::MaybeExpired => {
                            self.resync_to(upto);
                            return Ok(());
                        }
                        Holes::Young { .. } if self.pending.len() >= PENDING_MAX => {
                            self.resync_to(upto);
                            return Ok(());
                        }
                        Holes::Young { retry_at: at } => retry_at = Some(at),
                    }
                }
            }
        }
        for event in replayed {
            // A live copy already waiting is the same event: keep it (it
            // carries the sender).
            self.pending.entry(event.seq).or_insert(event);
        }
        self.awaited = self.awaited.max(upto);
        // What comes before a young hole is delivered now; the rest once
        // the hole is filled.
        if let Some(at) = retry_at {
            self.fill_at = Some(at);
        }
        self.release();
        Ok(())
    }

    fn resync_to(&mut self, upto: i64) {
        self.ready.push_back(TimelineItem::Resync);
        self.last = self.last.max(upto);
        self.pending.retain(|seq, _| *seq > upto);
    }
}

/// What a replay may leave missing.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Replay {
    /// Numbers not stored yet may belong to writes in flight: read again
    /// after a while.
    AwaitMissing,
    /// Everything should be there now; what is not may be abandoned.
    Complete,
}

/// The VOID event of a number filled as abandoned.
fn void(chat: ChatId, seq: i64) -> MessageEvent {
    MessageEvent {
        chat,
        seq,
        kind: MessageEventKind::Void,
        actor: UserId(bson::oid::ObjectId::from_bytes([0; 12])),
        message: None,
        sender: None,
        up_to: None,
    }
}

fn to_event(chat: ChatId, item: Replayed) -> MessageEvent {
    match item {
        Replayed::Created(message) => MessageEvent {
            chat,
            seq: message.seq,
            kind: MessageEventKind::Created,
            actor: message.sender,
            message: Some(message),
            sender: None,
            up_to: None,
        },
        Replayed::Logged(e) => MessageEvent {
            chat,
            seq: e.seq,
            kind: e.kind,
            actor: e.actor,
            message: e.message,
            sender: None,
            up_to: e.up_to,
        },
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
