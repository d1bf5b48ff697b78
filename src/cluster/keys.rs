//! Every Redis key the cluster uses (one Redis, not Redis Cluster: the
//! scripts touch keys they build themselves, so the prefixes below are
//! written in `lua/` too).
//!
//! Presence and socket slots:
//! - `chat:presence:count:<user>`: a hash, field = instance id, value = that
//!   instance's open sockets of the user; the cluster-wide total is the sum;
//! - `chat:presence:offline:<user>`: the ticket of the pending offline
//!   transition (set when the total reached 0, expires on its own);
//! - `chat:presence:sockets:<user>`: the same per-instance counts for the
//!   per-user socket limit; kept apart from the presence counts because a
//!   slot is claimed before presence counts the socket and released on its
//!   own;
//! - `chat:presence:users:<instance>`: the users an instance has counted,
//!   so its fields can be found when it crashes;
//! - `chat:presence:instances`: a sorted set of instance ids scored by the
//!   time they count as crashed unless they beat again: their last heartbeat
//!   plus their own `PRESENCE_INSTANCE_TIMEOUT_MS` (Redis time, so clocks
//!   need not agree; each instance's own timeout, so instances configured
//!   differently do not sweep each other early);
//! - `chat:presence:pending`: pending offline transitions, scored by when
//!   they count as abandoned by their confirmer.
//!
//! Typing:
//! - `chat:typing:<chat>:<user>`: the owner token of the latest start,
//!   expiring a little after the typing timeout (in case its owner dies);
//! - `chat:typing-user:<user>`: the chats the user types in, so all of
//!   their keys can be found when their last socket closes.
//!
//! The event bus's channels (`chat:ev:*`) are described in
//! [`crate::events::RedisBus`].

use super::InstanceId;
use crate::domain::{ChatId, UserId};

/// Prefix of the presence and socket-slot keys (passed to the scripts that
/// build keys of other users or instances).
pub const PRESENCE: &str = "chat:presence:";
pub const INSTANCES: &str = "chat:presence:instances";
pub const PENDING: &str = "chat:presence:pending";

pub fn count(user: UserId) -> String {
    format!("{PRESENCE}count:{user}")
}

pub fn sockets(user: UserId) -> String {
    format!("{PRESENCE}sockets:{user}")
}

pub fn offline_marker(user: UserId) -> String {
    format!("{PRESENCE}offline:{user}")
}

pub fn users_of(instance: InstanceId) -> String {
    format!("{PRESENCE}users:{instance}")
}

pub fn typing(chat: ChatId, user: UserId) -> String {
    format!("chat:typing:{chat}:{user}")
}

pub fn typing_chats(user: UserId) -> String {
    format!("chat:typing-user:{user}")
}
