//! [`RenderMemo`]: what subscribers made of the events being delivered.
//!
//! The bus hands every follower of a chat in this process the same
//! `Arc<MessageEvent>` (see [`TimelineItem`]). When a thousand members
//! follow a chat, most of them ask for the same fields of each event;
//! turning the event into that response once and handing the result to all
//! of them is what makes fan-out cheap. This is the memo for it: per event,
//! a slot per *key*, where the key says exactly what was asked (the
//! transport decides what goes in it, and only puts an answer here that
//! does not depend on who is asking).
//!
//! An event is known by its allocation, never by its content: a live event
//! is one allocation shared by its followers, while an event replayed from
//! the database is built for one follower and is an allocation of its own
//! (a later edit, replayed, is not the event that was published). An entry
//! holds a [`Weak`] to its event, which keeps the allocation, and so its
//! address, from being reused while the entry exists: two renderings meet
//! in one entry only when they render the very same event. Keys are
//! compared in full, never by hash alone: a wrong match would hand one
//! user's answer to another.
//!
//! Bounds: an event remembers at most [`MAX_KEYS`] keys (a subscriber whose
//! key does not fit computes its answer itself), and the memo at most
//! [`MAX_EVENTS`] events. Entries whose event is gone are forgotten first,
//! the oldest still held when there is no room otherwise. An event that
//! nobody else holds is not remembered at all: no one could share it.
//!
//! [`TimelineItem`]: crate::services::message_stream::TimelineItem

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::OnceCell;

use crate::events::MessageEvent;

/// Distinct keys one event remembers (clients of one app ask a handful of
/// different selections; more than this is not worth keeping).
pub const MAX_KEYS: usize = 16;
/// Events remembered at once, in this process.
pub const MAX_EVENTS: usize = 4096;
/// Locks the memo is split over, so that renderings of different events
/// seldom wait for each other (those of one event share one lock, as they
/// share one event).
const SHARDS: usize = 16;
const SHARD_EVENTS: usize = MAX_EVENTS / SHARDS;

/// One rendering: `None` when the renderer found the answer depends on the
/// viewer after all (then each subscriber computes its own).
pub type Rendering = Option<Arc<str>>;

/// Where one rendering is kept: the first caller fills it
/// (`OnceCell::get_or_init`), the others wait for it.
pub type Slot = Arc<OnceCell<Rendering>>;

/// The renderings of the events being delivered (one per server).
pub struct RenderMemo {
    shards: [Mutex<Shard>; SHARDS],
}

impl Default for RenderMemo {
    fn default() -> Self {
        Self {
            shards: std::array::from_fn(|_| Mutex::default()),
        }
    }
}

impl RenderMemo {
    /// The slot for `key` of `event`, created empty on first use; `None`
    /// when the event already holds [`MAX_KEYS`] other keys. An event held
    /// by nobody else gets a fresh slot that is not kept.
    pub fn slot(&self, event: &mut Arc<MessageEvent>, key: &Arc<str>) -> Option<Slot> {
        // No other `Arc` and no `Weak`: nobody can ever ask about it.
        if Arc::get_mut(event).is_some() {
            return Some(Slot::default());
        }
        let address = Arc::as_ptr(event) as usize;
        let mut shard = self.shards[shard_of(address)]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        // An entry at this address holds this very allocation (see the
        // module docs), so it is this event's.
        if let Some(entry) = shard.entries.get_mut(&address) {
            return entry.slot(key);
        }
        shard.make_room();
        shard.order.push_back(address);
        let entry = Entry {
            event: Arc::downgrade(event),
            slots: Vec::new(),
        };
        shard.entries.entry(address).or_insert(entry).slot(key)
    }

    /// Events remembered (for tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        let shards = self.shards.iter();
        shards.map(|s| s.lock().unwrap().entries.len()).sum()
    }
}

/// The shard of an address (a multiplicative hash: allocations are
/// aligned, so the low bits alone would crowd a few shards).
fn shard_of(address: usize) -> usize {
    let mixed = (address as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (mixed >> (u64::BITS - SHARDS.trailing_zeros())) as usize
}

#[derive(Default)]
struct Shard {
    /// By the address of the event's allocation.
    entries: HashMap<usize, Entry>,
    /// The addresses of `entries`, oldest first (one each).
    order: VecDeque<usize>,
}

impl Shard {
    /// Forgets the oldest entries whose event is gone; when the shard is
    /// still full, every entry whose event is gone, then the oldest.
    fn make_room(&mut self) {
        while let Some(oldest) = self.order.front() {
            if self.entries[oldest].event.strong_count() > 0 {
                break;
            }
            self.entries.remove(oldest);
            self.order.pop_front();
        }
        if self.entries.len() < SHARD_EVENTS {
            return;
        }
        let entries = &mut self.entries;
        entries.retain(|_, entry| entry.event.strong_count() > 0);
        self.order.retain(|address| entries.contains_key(address));
        if self.entries.len() >= SHARD_EVENTS
            && let Some(oldest) = self.order.pop_front()
        {
            self.entries.remove(&oldest);
        }
    }
}

/// One event's renderings.
struct Entry {
    /// Keeps the allocation (not the event): its address stays this
    /// event's while the entry exists.
    event: Weak<MessageEvent>,
    /// Keys and their slots, in the order they were first asked for.
    slots: Vec<(Arc<str>, Slot)>,
}

impl Entry {
    fn slot(&mut self, key: &Arc<str>) -> Option<Slot> {
        if let Some((_, slot)) = self
            .slots
            .iter()
            .find(|(k, _)| Arc::ptr_eq(k, key) || **k == **key)
        {
            return Some(slot.clone());
        }
        if self.slots.len() >= MAX_KEYS {
            return None;
        }
        let slot = Slot::default();
        self.slots.push((key.clone(), slot.clone()));
        Some(slot)
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;
    use crate::domain::{ChatId, MessageEventKind, UserId};

    fn event(seq: i64) -> Arc<MessageEvent> {
        Arc::new(MessageEvent {
            chat: ChatId::new(),
            seq,
            kind: MessageEventKind::Read,
            actor: UserId::new(),
            message: None,
            sender: None,
            up_to: Some(seq),
        })
    }

    #[tokio::test]
    async fn slot__is_shared_by_equal_keys_of_one_event() {
        let memo = RenderMemo::default();
        let (mut mine, mut theirs) = (event(1), event(1));
        let mut mine_again = mine.clone();
        let key: Arc<str> = "query A".into();
        let same_text: Arc<str> = "query A".into();
        let first = memo.slot(&mut mine, &key).unwrap();
        first.get_or_init(|| async { Some("payload".into()) }).await;
        let again = memo.slot(&mut mine_again, &same_text).unwrap();
        assert_eq!(again.get().cloned().flatten().as_deref(), Some("payload"));
        let other = memo.slot(&mut mine, &"query B".into()).unwrap();
        assert!(other.get().is_none(), "another key has its own slot");
        let _held = theirs.clone();
        let equal_event = memo.slot(&mut theirs, &key).unwrap();
        assert!(
            equal_event.get().is_none(),
            "an equal event built apart has its own slots"
        );
    }

    #[test]
    fn slot__refuses_keys_beyond_the_bound() {
        let memo = RenderMemo::default();
        let mut event = event(1);
        let _held = event.clone();
        for i in 0..MAX_KEYS {
            assert!(memo.slot(&mut event, &format!("key {i}").into()).is_some());
        }
        assert!(memo.slot(&mut event, &"one more".into()).is_none());
        assert!(
            memo.slot(&mut event, &"key 0".into()).is_some(),
            "known keys still found"
        );
    }

    #[tokio::test]
    async fn slot__keeps_nothing_for_an_event_nobody_else_holds() {
        let memo = RenderMemo::default();
        let mut alone = event(1);
        let key: Arc<str> = "query A".into();
        let slot = memo.slot(&mut alone, &key).unwrap();
        slot.get_or_init(|| async { Some("payload".into()) }).await;
        assert_eq!(memo.len(), 0);
        assert!(memo.slot(&mut alone, &key).unwrap().get().is_none());
    }

    #[test]
    fn slot__forgets_events_that_are_gone_and_stays_bounded() {
        let memo = RenderMemo::default();
        let key: Arc<str> = "query A".into();
        for seq in 0..3 * MAX_EVENTS as i64 {
            let mut event = event(seq);
            let _held = event.clone();
            memo.slot(&mut event, &key).unwrap();
        }
        assert!(memo.len() <= SHARDS, "gone events are dropped as new come");
        let mut held = Vec::new();
        for seq in 0..3 * MAX_EVENTS as i64 {
            let event = event(seq);
            memo.slot(&mut event.clone(), &key).unwrap();
            held.push(event);
        }
        assert!(memo.len() <= MAX_EVENTS, "{} events kept", memo.len());
        let newest = held.last().unwrap();
        let first = memo.slot(&mut newest.clone(), &key).unwrap();
        let again = memo.slot(&mut newest.clone(), &key).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "the newest events are kept");
    }
}
