//! A user's notification preferences: a default level and, per chat, a
//! level that may expire (a mute "for 8 hours"), and whether the chat is
//! archived. Muting never changes what is counted unread; it decides what
//! raises a notification (and, later, a push).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ChatId;

/// What a chat may raise for one user.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationLevel {
    /// Every message (and mentions).
    #[default]
    All,
    /// Only messages that mention the user.
    Mentions,
    /// Nothing at all.
    None,
}

impl NotificationLevel {
    /// Whether a mention of the user raises anything at this level.
    pub fn allows_mentions(self) -> bool {
        self != NotificationLevel::None
    }
}

/// One user's setting for one chat, as stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChatPreference {
    pub chat: Option<ChatId>,
    /// `None`: the user's default applies.
    pub level: Option<NotificationLevel>,
    /// When `level` ends and the default applies again (`None`: never).
    pub until: Option<DateTime<Utc>>,
    /// When the user archived the chat (`None`: not archived).
    pub archived_at: Option<DateTime<Utc>>,
}

impl ChatPreference {
    /// The chat's own level if set and in force at `now`.
    pub fn level_at(&self, now: DateTime<Utc>) -> Option<NotificationLevel> {
        self.level
            .filter(|_| self.until.is_none_or(|until| until > now))
    }
}

/// The level in force at `now` for a chat: its own setting while in force,
/// else the user's default, else ALL.
pub fn effective_level(
    default: Option<NotificationLevel>,
    chat: Option<&ChatPreference>,
    now: DateTime<Utc>,
) -> NotificationLevel {
    chat.and_then(|p| p.level_at(now))
        .or(default)
        .unwrap_or_default()
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn effective_level__expired_mute_falls_back_to_the_default() {
        let now = Utc::now();
        let muted = ChatPreference {
            level: Some(NotificationLevel::None),
            until: Some(now - chrono::Duration::seconds(1)),
            ..Default::default()
        };
        let level = effective_level(Some(NotificationLevel::Mentions), Some(&muted), now);
        assert_eq!(level, NotificationLevel::Mentions);
        let still = ChatPreference {
            until: Some(now + chrono::Duration::seconds(60)),
            ..muted
        };
        assert_eq!(
            effective_level(None, Some(&still), now),
            NotificationLevel::None
        );
        assert_eq!(effective_level(None, None, now), NotificationLevel::All);
    }
}
