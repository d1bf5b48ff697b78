//! Whether someone types in a chat, decided in Redis for the whole cluster
//! (`lua/typing_*.lua`): a start sets the user's key in the chat to a fresh
//! owner token and is news only when the key did not exist; the expiry of
//! the latest start, a stop, and the last socket closing delete it and are
//! news only when it existed. See [`crate::services::typing_redis`] for the
//! worker that runs them.

use std::sync::LazyLock;

use redis::Script;

use super::link::lua;

/// KEYS: typing key, user's chats. ARGV: token, ttl (ms), chat.
pub(crate) static START: LazyLock<Script> = lua!("typing_start");
/// KEYS: as START. ARGV: token, chat.
pub(crate) static EXPIRE: LazyLock<Script> = lua!("typing_expire");
/// KEYS: as START. ARGV: chat.
pub(crate) static STOP: LazyLock<Script> = lua!("typing_stop");
/// KEYS: user's chats. ARGV: user.
pub(crate) static STOP_ALL: LazyLock<Script> = lua!("typing_stop_all");
