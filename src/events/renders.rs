//! [`Renders`]: what subscribers made of one event, kept with the event.
//!
//! The bus hands every subscriber of a topic the same `Arc<Event>`. When a
//! thousand members follow a chat, most of them ask for the same fields of
//! each event; turning the event into that response once and handing the
//! result to all of them is what makes fan-out cheap. This is the memo for
//! it: a slot per *key*, where the key says exactly what was asked (the
//! transport decides what goes in it, and only puts an answer here that
//! does not depend on who is asking).
//!
//! Keys are compared in full, never by hash alone: a wrong match would hand
//! one user's answer to another. The memo lives and dies with the event (a
//! clone of the event shares it), and holds at most [`MAX_KEYS`] keys: a
//! subscriber whose key does not fit computes its answer itself.

use std::fmt;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

/// Distinct keys one event remembers (clients of one app ask a handful of
/// different selections; more than this is not worth keeping).
pub const MAX_KEYS: usize = 16;

/// One rendering: `None` when the renderer found the answer depends on the
/// viewer after all (then each subscriber computes its own).
pub type Rendering = Option<Arc<str>>;

type Slot = Arc<OnceCell<Rendering>>;
/// Keys and their slots, in the order they were first asked for.
type Slots = Vec<(Arc<str>, Slot)>;

/// The renderings of one event, by key. Cloning shares them.
#[derive(Clone, Default)]
pub struct Renders(Arc<Mutex<Slots>>);

impl Renders {
    /// The slot for `key`, created empty on first use; `None` when the
    /// event already holds [`MAX_KEYS`] other keys. The first caller fills
    /// the slot (`OnceCell::get_or_init`); the others wait for it.
    pub fn slot(&self, key: &Arc<str>) -> Option<Slot> {
        let mut slots = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, slot)) = slots
            .iter()
            .find(|(k, _)| Arc::ptr_eq(k, key) || **k == **key)
        {
            return Some(slot.clone());
        }
        if slots.len() >= MAX_KEYS {
            return None;
        }
        let slot = Slot::default();
        slots.push((key.clone(), slot.clone()));
        Some(slot)
    }
}

impl fmt::Debug for Renders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = self.0.lock().map_or(0, |slots| slots.len());
        write!(f, "Renders({keys} keys)")
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slot__is_shared_by_equal_keys_and_by_clones() {
        let renders = Renders::default();
        let key: Arc<str> = "query A".into();
        let same_text: Arc<str> = "query A".into();
        let first = renders.slot(&key).unwrap();
        first.get_or_init(|| async { Some("payload".into()) }).await;
        let again = renders.clone().slot(&same_text).unwrap();
        assert_eq!(again.get().cloned().flatten().as_deref(), Some("payload"));
        let other = renders.slot(&"query B".into()).unwrap();
        assert!(other.get().is_none(), "another key has its own slot");
    }

    #[test]
    fn slot__refuses_keys_beyond_the_bound() {
        let renders = Renders::default();
        for i in 0..MAX_KEYS {
            assert!(renders.slot(&format!("key {i}").into()).is_some());
        }
        assert!(renders.slot(&"one more".into()).is_none());
        assert!(
            renders.slot(&"key 0".into()).is_some(),
            "known keys still found"
        );
    }
}
