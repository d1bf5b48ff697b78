//! Counting open WebSockets: per user (through
//! [`crate::cluster::UserSockets`], since a cluster counts them together) and,
//! before `connection_init`, per client address.
//!
//! A socket holds a [`Slot`] for as long as it counts; dropping the slot
//! gives it back, so every way a socket can end (client close, error,
//! shutdown, panic) releases it.
//!
//! [`LocalSlots`] counts inside one process; counting sockets that have not
//! said who they are stays local, since it guards this instance.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// A claim on one of a key's slots; dropping it releases the slot.
pub struct Slot {
    release: Option<Box<dyn FnOnce() + Send + Sync>>,
}

impl Slot {
    /// A slot released by calling `release` exactly once, on drop.
    pub fn new(release: impl FnOnce() + Send + Sync + 'static) -> Self {
        Self {
            release: Some(Box::new(release)),
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            release();
        }
    }
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slot")
    }
}

/// At most `max` slots per key, counted in this process.
pub struct LocalSlots<K> {
    max: usize,
    held: Arc<Mutex<HashMap<K, usize>>>,
}

impl<K: Hash + Eq + Clone + Send + Sync + 'static> LocalSlots<K> {
    pub fn new(max: usize) -> Self {
        Self {
            max,
            held: Arc::default(),
        }
    }

    /// Claims a slot for `key`, or `None` when it holds `max` already.
    pub fn try_acquire(&self, key: K) -> Option<Slot> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let count = held.entry(key.clone()).or_insert(0);
        if *count >= self.max {
            if *count == 0 {
                held.remove(&key);
            }
            return None;
        }
        *count += 1;
        let owner = Arc::clone(&self.held);
        Some(Slot::new(move || {
            let mut held = owner.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(count) = held.get_mut(&key) {
                *count -= 1;
                // Keys without sockets are removed, so the map only holds
                // the callers that are connected right now.
                if *count == 0 {
                    held.remove(&key);
                }
            }
        }))
    }

    /// Slots `key` holds now.
    pub fn held(&self, key: &K) -> usize {
        let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        held.get(key).copied().unwrap_or(0)
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn try_acquire__stops_at_max_and_dropping_a_slot_frees_it() {
        let slots = LocalSlots::new(2);
        let first = slots.try_acquire("a").unwrap();
        let _second = slots.try_acquire("a").unwrap();
        assert!(slots.try_acquire("a").is_none());
        assert!(slots.try_acquire("b").is_some(), "keys are counted apart");
        drop(first);
        assert_eq!(slots.held(&"a"), 1);
        assert!(slots.try_acquire("a").is_some());
    }

    #[test]
    fn released_keys__leave_no_entry_behind() {
        let slots = LocalSlots::new(1);
        drop(slots.try_acquire(7).unwrap());
        assert!(slots.held.lock().unwrap().is_empty());
    }
}
