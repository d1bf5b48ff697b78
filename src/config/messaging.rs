//! [`MessagingSettings`]: the rules of chats and what happens in them:
//! group size, edit and delete windows, timeline replay, typing and
//! presence.

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct MessagingSettings {
    /// `MAX_GROUP_MEMBERS`: the most members a group may have.
    #[serde(default = "defaults::max_group_members")]
    pub max_group_members: usize,
    /// `MESSAGE_EDIT_WINDOW_SECONDS`: how long after sending an author may edit.
    #[serde(default = "defaults::message_edit_window_seconds")]
    pub message_edit_window_seconds: u64,
    /// `MESSAGE_DELETE_WINDOW_SECONDS`: how long after sending an author may
    /// delete for everyone (group admins may at any time).
    #[serde(default = "defaults::message_delete_window_seconds")]
    pub message_delete_window_seconds: u64,
    /// `MESSAGE_REPLAY_MAX`: the most events `messageEvents(after:)` replays;
    /// an older cursor gets a RESYNC event instead.
    #[serde(default = "defaults::message_replay_max")]
    pub message_replay_max: i64,
    /// `SEQUENCE_HOLE_TIMEOUT_MS`: a sequence number taken this long ago and
    /// never written (its writer died) is filled with a VOID entry, and
    /// replay goes on across it. Keep it well above `DB_TIMEOUT_MS`.
    #[serde(default = "defaults::sequence_hole_timeout_ms")]
    pub sequence_hole_timeout_ms: u64,
    /// `TYPING_TIMEOUT_MS`: typing stops this long after the last startTyping.
    #[serde(default = "defaults::typing_timeout_ms")]
    pub typing_timeout_ms: u64,
    /// `TYPING_THROTTLE_MS`: at most one typing broadcast per user and chat
    /// in this time; changes in between are coalesced.
    #[serde(default = "defaults::typing_throttle_ms")]
    pub typing_throttle_ms: u64,
    /// `PRESENCE_GRACE_MS`: a user whose last socket closed is shown offline
    /// only if they have not reconnected within this time.
    #[serde(default = "defaults::presence_grace_ms")]
    pub presence_grace_ms: u64,
}

mod defaults {
    pub fn max_group_members() -> usize {
        1_000
    }
    pub fn message_edit_window_seconds() -> u64 {
        15 * 60
    }
    pub fn message_delete_window_seconds() -> u64 {
        60 * 60
    }
    pub fn message_replay_max() -> i64 {
        1_000
    }
    pub fn sequence_hole_timeout_ms() -> u64 {
        15_000
    }
    pub fn typing_timeout_ms() -> u64 {
        5_000
    }
    pub fn typing_throttle_ms() -> u64 {
        1_000
    }
    pub fn presence_grace_ms() -> u64 {
        5_000
    }
}
