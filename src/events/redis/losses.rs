//! Events that never reached Redis, remembered per topic until the
//! publisher has sent a gap notice for them.
//!
//! Every publish gets a sequence number. A notice may go out only once the
//! publisher is past every event queued before the lost one: otherwise a
//! subscriber could refetch on the notice and then receive an older event,
//! and show stale data. A notice after newer events is harmless.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::Notify;

use crate::events::Topic;

/// Lossy topics remembered one by one; beyond this, a single notice tells
/// every instance that any topic may have lost events.
const MAX_LOST_TOPICS: usize = 1024;

#[derive(Default)]
pub struct Losses {
    lost: Mutex<Lost>,
    /// Wakes the publisher so a notice goes out even if no event follows.
    pub wake: Notify,
}

/// Notices to send: per topic, and the sequence number of the latest event
/// lost there.
#[derive(Default)]
pub struct Lost {
    pub topics: HashMap<Topic, u64>,
    pub everything: Option<u64>,
}

impl Lost {
    pub fn is_empty(&self) -> bool {
        self.topics.is_empty() && self.everything.is_none()
    }

    pub fn count(&self) -> usize {
        self.topics.len() + usize::from(self.everything.is_some())
    }
}

impl Losses {
    /// The event numbered `seq` of `topic` did not reach Redis.
    pub fn record(&self, topic: Topic, seq: u64) {
        {
            let mut lost = self.lost.lock().unwrap_or_else(|p| p.into_inner());
            let Lost { topics, everything } = &mut *lost;
            if let Some(latest) = everything {
                *latest = (*latest).max(seq);
            } else if let Some(latest) = topics.get_mut(&topic) {
                *latest = (*latest).max(seq);
            } else if topics.len() < MAX_LOST_TOPICS {
                topics.insert(topic, seq);
            } else {
                let latest = topics.values().copied().fold(seq, u64::max);
                *everything = Some(latest);
                topics.clear();
            }
        }
        self.wake.notify_one();
    }

    /// Takes the notices whose lost event `may_go(seq)` says the publisher
    /// is past.
    pub fn take_ready(&self, may_go: impl Fn(u64) -> bool) -> Lost {
        let mut lost = self.lost.lock().unwrap_or_else(|p| p.into_inner());
        let mut ready = Lost::default();
        lost.topics.retain(|&topic, &mut seq| {
            if may_go(seq) {
                ready.topics.insert(topic, seq);
            }
            !may_go(seq)
        });
        if lost.everything.is_some_and(&may_go) {
            ready.everything = lost.everything.take();
        }
        ready
    }

    /// Puts back notices that could not be sent.
    pub fn restore(&self, notices: Lost) {
        if let Some(seq) = notices.everything {
            let mut lost = self.lost.lock().unwrap_or_else(|p| p.into_inner());
            lost.everything = Some(lost.everything.map_or(seq, |s| s.max(seq)));
            lost.topics.clear();
        }
        for (topic, seq) in notices.topics {
            self.record(topic, seq);
        }
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;
    use crate::domain::UserId;

    #[test]
    fn a_notice__waits_until_the_publisher_is_past_the_lost_event() {
        let losses = Losses::default();
        let topic = Topic::User(UserId::new());
        losses.record(topic, 10);
        assert!(losses.take_ready(|seq| seq < 10).is_empty());
        let ready = losses.take_ready(|seq| seq < 11);
        assert_eq!(ready.topics.get(&topic), Some(&10));
        assert!(losses.take_ready(|_| true).is_empty());
    }

    #[test]
    fn too_many_lossy_topics__become_one_notice_for_everything() {
        let losses = Losses::default();
        for seq in 0..=MAX_LOST_TOPICS as u64 {
            losses.record(Topic::User(UserId::new()), seq);
        }
        let ready = losses.take_ready(|_| true);
        assert!(ready.topics.is_empty());
        assert_eq!(ready.everything, Some(MAX_LOST_TOPICS as u64));
    }
}
