//! [`KnownAccounts`]: the accounts this instance has recently found to
//! exist, so checking a token's account costs a database read at most once
//! per [`KNOWN_FOR`] and user instead of once per request (a history page
//! would otherwise spend a fifth of its round trips on it).
//!
//! The trade: an account removed from the database keeps working, with
//! tokens that have not expired, for at most [`KNOWN_FOR`] on an instance
//! that had just seen it. Only existence is remembered, never a refusal.
//! Sessions are not cached at all: a revoked session's tokens are refused
//! at once (see [`super::sessions`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::UserId;

/// How long an account found to exist is taken to still exist.
pub const KNOWN_FOR: Duration = Duration::from_secs(10);
/// Accounts remembered at once: a bound on memory, far above the users one
/// instance serves within [`KNOWN_FOR`].
const MAX_KNOWN: usize = 100_000;

#[derive(Default)]
pub struct KnownAccounts(Mutex<HashMap<UserId, Instant>>);

impl KnownAccounts {
    /// True when `user` was found to exist less than [`KNOWN_FOR`] ago.
    pub fn contains(&self, user: UserId) -> bool {
        let known = self.0.lock().unwrap_or_else(|p| p.into_inner());
        known.get(&user).is_some_and(|at| at.elapsed() < KNOWN_FOR)
    }

    /// Records that `user` exists, as of now.
    pub fn insert(&self, user: UserId) {
        let mut known = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if known.len() >= MAX_KNOWN {
            known.retain(|_, at| at.elapsed() < KNOWN_FOR);
            if known.len() >= MAX_KNOWN {
                known.clear();
            }
        }
        known.insert(user, Instant::now());
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn contains__only_what_was_inserted() {
        let known = KnownAccounts::default();
        let (ada, bob) = (
            UserId(bson::oid::ObjectId::new()),
            UserId(bson::oid::ObjectId::new()),
        );
        known.insert(ada);
        assert!(known.contains(ada));
        assert!(!known.contains(bob));
    }

    #[test]
    fn insert__beyond_the_bound_forgets_rather_than_grows() {
        let known = KnownAccounts::default();
        for _ in 0..=MAX_KNOWN {
            known.insert(UserId(bson::oid::ObjectId::new()));
        }
        assert!(known.0.lock().unwrap().len() <= MAX_KNOWN);
    }
}
