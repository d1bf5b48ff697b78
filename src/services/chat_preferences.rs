//! A user's notification preferences and archive: `setChatNotifications`
//! (per chat, with an optional end, or the user's default), `archiveChat`
//! and `unarchiveChat`, and the archive filter of `chats`.
//!
//! Archived chats come back on a new message unless the chat is also muted
//! (its level in force is NONE): a chat is archived while it was archived
//! after its last activity, or while muted. Nothing is written on the send
//! path for it; a chat found back is unmarked when the user's chat list is
//! next read, so a later mute does not send it back to the archive.

use chrono::{DateTime, Utc};

use crate::domain::preferences::{ChatPreference, NotificationLevel, effective_level};
use crate::domain::{Chat, ChatId, UserId};
use crate::error::{AppError, AppResult};
use crate::storage::chats::{ChatCursor, ChatSet};
use crate::storage::{Database, Page};

use super::chats::ChatService;

/// The longest a level may be set for ahead (a "mute for a year").
const MAX_UNTIL_DAYS: i64 = 366;

/// One user's settings of one chat, as the API shows them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChatSettings {
    /// The level in force now.
    pub level: NotificationLevel,
    /// When the chat's own level ends (the default applies then).
    pub until: Option<DateTime<Utc>>,
    pub archived: bool,
}

#[derive(Clone)]
pub struct ChatPreferences {
    db: Database,
    chats: ChatService,
}

impl ChatPreferences {
    pub fn new(db: Database, chats: ChatService) -> Self {
        Self { db, chats }
    }

    /// Sets `me`'s level for `chat` (a member's), in force until `until`,
    /// or clears it with `None` (the default applies); without a chat, sets
    /// `me`'s default (which never ends).
    #[tracing::instrument(skip(self), fields(user_id = %me))]
    pub async fn set_level(
        &self,
        me: UserId,
        chat: Option<ChatId>,
        level: Option<NotificationLevel>,
        until: Option<DateTime<Utc>>,
    ) -> AppResult<()> {
        if let Some(until) = until {
            let now = Utc::now();
            if level.is_none() || chat.is_none() {
                return Err(AppError::bad_input(
                    "until",
                    "ends a chat's own level: give chatId and level with it",
                ));
            }
            if until <= now || until > now + chrono::Duration::days(MAX_UNTIL_DAYS) {
                return Err(AppError::bad_input(
                    "until",
                    format!("must be in the future, at most {MAX_UNTIL_DAYS} days ahead"),
                ));
            }
        }
        match chat {
            Some(chat) => {
                self.chats.membership(me, chat).await?;
            }
            None if level.is_none() => {
                return Err(AppError::bad_input("level", "the default needs a level"));
            }
            None => {}
        }
        self.db
            .chat_preferences()
            .set_level(me, chat, level, until)
            .await
    }

    /// `me`'s default level (ALL unless set).
    pub async fn default_level(&self, me: UserId) -> AppResult<NotificationLevel> {
        let prefs = self.db.chat_preferences().of_user(me, &[]).await?;
        Ok(prefs.default.unwrap_or_default())
    }

    /// Archives (`true`) or unarchives `chat` for `me` (a member).
    #[tracing::instrument(skip(self), fields(user_id = %me, chat_id = %chat))]
    pub async fn set_archived(&self, me: UserId, chat: ChatId, archived: bool) -> AppResult<Chat> {
        let found = self.chats.as_member(me, chat).await?;
        // After the chat's last activity, which is what brings it back.
        let at = archived.then(|| Utc::now().max(found.last_activity));
        self.db
            .chat_preferences()
            .set_archived(me, chat, at)
            .await?;
        Ok(found)
    }

    /// `me`'s settings of `chats` now: one query for any number.
    pub async fn settings(
        &self,
        me: UserId,
        chats: &[(ChatId, DateTime<Utc>)],
    ) -> AppResult<Vec<ChatSettings>> {
        let ids: Vec<ChatId> = chats.iter().map(|(id, _)| *id).collect();
        let prefs = self.db.chat_preferences().of_user(me, &ids).await?;
        let now = Utc::now();
        Ok(chats
            .iter()
            .map(|(id, last_activity)| {
                let own = prefs.chats.get(id);
                let level = effective_level(prefs.default, own, now);
                ChatSettings {
                    level,
                    until: own
                        .filter(|p| p.level_at(now).is_some())
                        .and_then(|p| p.until),
                    archived: own.is_some_and(|p| archived(p, level, *last_activity)),
                }
            })
            .collect())
    }

    /// A page of `me`'s chats, the archived ones or the others.
    pub async fn page(
        &self,
        me: UserId,
        after: Option<ChatCursor>,
        limit: usize,
        archived_only: bool,
    ) -> AppResult<Page<Chat>> {
        let store = self.db.chat_preferences();
        let marked = store.archived(me).await?;
        if marked.is_empty() && !archived_only {
            return self.chats.page(me, after, limit).await;
        }
        let ids: Vec<ChatId> = marked.iter().filter_map(|p| p.chat).collect();
        let chats = self.db.chats();
        let (activities, defaults) =
            tokio::try_join!(chats.last_activities(&ids), store.of_user(me, &[]))?;
        let now = Utc::now();
        let mut archived_now = Vec::new();
        for pref in &marked {
            let Some(chat) = pref.chat else { continue };
            let level = effective_level(defaults.default, Some(pref), now);
            match activities.get(&chat) {
                Some(at) if !archived(pref, level, *at) => {
                    // Back on a new message: unmarked for good.
                    store.set_archived(me, chat, None).await?;
                }
                _ => archived_now.push(chat),
            }
        }
        let set = match archived_only {
            true => ChatSet::Only(archived_now),
            false => ChatSet::Except(archived_now),
        };
        self.db
            .chats()
            .page_for_member_of(me, after, limit, &set)
            .await
    }
}

/// Whether a chat marked by `pref` is archived now: muted (its level in
/// force `level` is NONE), or no activity since it was archived.
fn archived(pref: &ChatPreference, level: NotificationLevel, last_activity: DateTime<Utc>) -> bool {
    pref.archived_at
        .is_some_and(|at| level == NotificationLevel::None || last_activity <= at)
}
