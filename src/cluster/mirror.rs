//! What this instance has written to Redis, kept in memory so it can be
//! written back when Redis may have lost it (this instance was swept, Redis
//! restarted, or a heartbeat failed).

use std::collections::HashMap;
use std::sync::Mutex;

use super::InstanceId;
use crate::domain::UserId;

/// Counts per user; users at zero have no entry.
#[derive(Default)]
pub struct Mirror(Mutex<HashMap<UserId, usize>>);

impl Mirror {
    /// Counts `user` up or down, dropping the entry at zero.
    pub fn adjust(&self, user: UserId, up: bool) {
        let mut counts = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let count = counts.entry(user).or_default();
        if up {
            *count += 1;
        } else {
            *count = count.saturating_sub(1);
        }
        if *count == 0 {
            counts.remove(&user);
        }
    }

    pub fn contains(&self, user: UserId) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(&user)
    }

    /// The write-back scripts' arguments: the instance and the key prefix,
    /// then user and count pairs. `None` when there is nothing to write.
    pub fn script_args(&self, instance: InstanceId, prefix: &str) -> Option<Vec<String>> {
        let counts = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if counts.is_empty() {
            return None;
        }
        let mut args = vec![instance.to_string(), prefix.to_owned()];
        for (user, count) in counts.iter() {
            args.push(user.to_string());
            args.push(count.to_string());
        }
        Some(args)
    }
}
