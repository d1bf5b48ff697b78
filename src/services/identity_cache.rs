//! [`IdentityCache`]: which account an identity provider's user is, and
//! since when their tokens count, remembered per instance so that an
//! external token costs no database read per request.
//!
//! Entries are forgotten when `revokeUserTokens` (or a deletion) says so on
//! the revocations topic, on every instance, and all at once when that
//! topic may have lost events (see [`super::session_watch`]); [`TTL`]
//! bounds how stale an entry can be even then.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::UserId;
use crate::storage::identities::Identity;

/// How long an entry is used without reading it again.
pub const TTL: Duration = Duration::from_secs(60);
/// Entries held at once: a bound on memory, far above the users one
/// instance serves within [`TTL`].
const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
pub struct IdentityCache(Mutex<HashMap<String, (Identity, Instant)>>);

impl IdentityCache {
    pub fn get(&self, subject: &str) -> Option<Identity> {
        let entries = self.0.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(subject)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(identity, _)| *identity)
    }

    pub fn insert(&self, subject: &str, identity: Identity) {
        let mut entries = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (_, at)| at.elapsed() < TTL);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(subject.to_owned(), (identity, Instant::now()));
    }

    /// Forgets `user` (their tokens were revoked, or the account deleted).
    /// A scan: revocations are rare, lookups are not.
    pub fn forget(&self, user: UserId) {
        let mut entries = self.0.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|_, (identity, _)| identity.user != user);
    }

    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}
