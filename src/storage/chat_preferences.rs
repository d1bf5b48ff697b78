//! The `chat_preferences` collection: per user, a default notification
//! level (`<user>:*`) and per chat a level that may expire and an archive
//! mark (`<user>:<chat>`). Keyed by those strings, so every lookup the send
//! path makes (the mentioned users of one chat, with their defaults) is one
//! `_id $in` query, and a user's own settings for a page of chats another.

use std::collections::HashMap;

use bson::oid::ObjectId;
use bson::{Bson, doc};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::options::UpdateOptions;
use mongodb::{Collection, IndexModel};
use serde::{Deserialize, Serialize};

use super::to_chrono;
use crate::domain::preferences::{ChatPreference, NotificationLevel};
use crate::domain::{ChatId, UserId};
use crate::error::AppResult;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PreferenceDoc {
    #[serde(rename = "_id")]
    key: String,
    user_id: ObjectId,
    /// `None` for the user's default.
    chat_id: Option<ObjectId>,
    level: Option<NotificationLevel>,
    until: Option<bson::DateTime>,
    archived_at: Option<bson::DateTime>,
}

impl From<PreferenceDoc> for ChatPreference {
    fn from(d: PreferenceDoc) -> Self {
        ChatPreference {
            chat: d.chat_id.map(ChatId),
            level: d.level,
            until: d.until.map(to_chrono),
            archived_at: d.archived_at.map(to_chrono),
        }
    }
}

fn key(user: UserId, chat: Option<ChatId>) -> String {
    match chat {
        Some(chat) => format!("{user}:{chat}"),
        None => format!("{user}:*"),
    }
}

/// A user's default and their settings of some chats.
#[derive(Debug, Default)]
pub struct UserPreferences {
    pub default: Option<NotificationLevel>,
    pub chats: HashMap<ChatId, ChatPreference>,
}

#[derive(Clone)]
pub struct ChatPreferenceStore {
    preferences: Collection<PreferenceDoc>,
}

impl ChatPreferenceStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            preferences: db.collection("chat_preferences"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        self.preferences
            .create_index(
                IndexModel::builder()
                    .keys(doc! { "userId": 1, "archivedAt": 1 })
                    .build(),
            )
            .await?;
        Ok(())
    }

    /// Sets `user`'s level for `chat` (their default with `None`), in force
    /// until `until`; `level: None` clears it (the default applies).
    pub async fn set_level(
        &self,
        user: UserId,
        chat: Option<ChatId>,
        level: Option<NotificationLevel>,
        until: Option<DateTime<Utc>>,
    ) -> AppResult<()> {
        let level = bson::to_bson(&level)?;
        let until = until.map_or(Bson::Null, |t| {
            Bson::DateTime(bson::DateTime::from_chrono(t))
        });
        self.upsert(user, chat, doc! { "level": level, "until": until })
            .await
    }

    /// Archives (`Some(time)`) or unarchives (`None`) `chat` for `user`.
    pub async fn set_archived(
        &self,
        user: UserId,
        chat: ChatId,
        at: Option<DateTime<Utc>>,
    ) -> AppResult<()> {
        let at = at.map_or(Bson::Null, |t| {
            Bson::DateTime(bson::DateTime::from_chrono(t))
        });
        self.upsert(user, Some(chat), doc! { "archivedAt": at })
            .await
    }

    async fn upsert(
        &self,
        user: UserId,
        chat: Option<ChatId>,
        set: bson::Document,
    ) -> AppResult<()> {
        let mut on_insert = doc! { "userId": user.oid(), "chatId": chat.map(|c| c.oid()) };
        // Fields the update does not set start out null.
        for field in ["level", "until", "archivedAt"] {
            if !set.contains_key(field) {
                on_insert.insert(field, Bson::Null);
            }
        }
        super::upsert_racing(|| {
            self.preferences
                .update_one(
                    doc! { "_id": key(user, chat) },
                    doc! { "$set": set.clone(), "$setOnInsert": on_insert.clone() },
                )
                .with_options(UpdateOptions::builder().upsert(true).build())
                .into_future()
        })
        .await?;
        Ok(())
    }

    /// `user`'s default and their settings of `chats`: one query.
    pub async fn of_user(&self, user: UserId, chats: &[ChatId]) -> AppResult<UserPreferences> {
        let keys: Vec<String> = chats
            .iter()
            .map(|c| key(user, Some(*c)))
            .chain([key(user, None)])
            .collect();
        let docs: Vec<PreferenceDoc> = self
            .preferences
            .find(doc! { "_id": { "$in": keys } })
            .await?
            .try_collect()
            .await?;
        let mut out = UserPreferences::default();
        for doc in docs {
            let pref = ChatPreference::from(doc);
            match pref.chat {
                Some(chat) => {
                    out.chats.insert(chat, pref);
                }
                None => out.default = pref.level,
            }
        }
        Ok(out)
    }

    /// Each of `users`' setting of `chat` and default: one query.
    pub async fn of_chat(
        &self,
        chat: ChatId,
        users: &[UserId],
    ) -> AppResult<HashMap<UserId, UserPreferences>> {
        let keys: Vec<String> = users
            .iter()
            .flat_map(|u| [key(*u, Some(chat)), key(*u, None)])
            .collect();
        let docs: Vec<PreferenceDoc> = self
            .preferences
            .find(doc! { "_id": { "$in": keys } })
            .await?
            .try_collect()
            .await?;
        let mut out: HashMap<UserId, UserPreferences> = HashMap::new();
        for doc in docs {
            let user = UserId(doc.user_id);
            let pref = ChatPreference::from(doc);
            let entry = out.entry(user).or_default();
            match pref.chat {
                Some(chat) => {
                    entry.chats.insert(chat, pref);
                }
                None => entry.default = pref.level,
            }
        }
        Ok(out)
    }

    /// `user`'s archived chats with their settings.
    pub async fn archived(&self, user: UserId) -> AppResult<Vec<ChatPreference>> {
        let docs: Vec<PreferenceDoc> = self
            .preferences
            .find(doc! { "userId": user.oid(), "archivedAt": { "$ne": Bson::Null } })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(ChatPreference::from).collect())
    }

    /// Removes everything of `user` (account deletion).
    pub async fn delete_user(&self, user: UserId) -> AppResult<()> {
        self.preferences
            .delete_many(doc! { "userId": user.oid() })
            .await?;
        Ok(())
    }
}
