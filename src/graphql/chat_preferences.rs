//! Notification preferences and the archive: `setChatNotifications`,
//! `archiveChat`, `unarchiveChat`, `chatNotificationDefault`, and on `Chat`
//! `notificationLevel`, `mutedUntil` and `isArchived` (see
//! `services::chat_preferences`).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::chats::ChatObject;
use super::context::{Authenticated, ContextExt};
use crate::domain::{Chat, ChatId, UserId};
use crate::services::Services;
use crate::services::chat_preferences::ChatSettings;

/// What a chat may raise for you: notifications (MENTIONED) and, where set
/// up, pushes. Unread counts are the same whatever the level.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::preferences::NotificationLevel")]
pub enum ChatNotificationLevel {
    /// Everything (the default).
    All,
    /// Only messages that mention you.
    Mentions,
    /// Nothing: muted.
    None,
}

#[derive(InputObject)]
pub struct SetChatNotificationsInput {
    /// The chat (you are a member); null sets your default for every chat
    /// without a level of its own.
    chat_id: Option<ID>,
    /// Null clears the chat's own level (your default applies again).
    level: Option<ChatNotificationLevel>,
    /// When the chat's level ends and your default applies again (a mute
    /// "for 8 hours"): in the future, at most a year ahead. Null: never.
    until: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct ArchiveChatInput {
    chat_id: ID,
}

/// Your notification settings after `setChatNotifications`.
#[derive(SimpleObject)]
pub struct ChatNotificationsPayload {
    /// The chat changed (null when the default was).
    chat: Option<ChatObject>,
    /// Your default level.
    default_level: ChatNotificationLevel,
}

#[derive(Default)]
pub struct ChatPreferenceQuery;

#[Object]
impl ChatPreferenceQuery {
    /// Your default notification level (ALL unless set).
    #[graphql(guard = "Authenticated")]
    async fn chat_notification_default(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<ChatNotificationLevel> {
        let me = ctx.current_user()?;
        let level = ctx
            .services()?
            .chat_preferences
            .default_level(me.id)
            .await?;
        Ok(level.into())
    }
}

#[derive(Default)]
pub struct ChatPreferenceMutation;

#[Object]
impl ChatPreferenceMutation {
    /// Sets what a chat may raise for you (or your default): see
    /// `ChatNotificationLevel`. Muted chats still count unread.
    #[graphql(guard = "Authenticated")]
    async fn set_chat_notifications(
        &self,
        ctx: &Context<'_>,
        input: SetChatNotificationsInput,
    ) -> async_graphql::Result<ChatNotificationsPayload> {
        let me = ctx.current_user()?;
        let chat = input
            .chat_id
            .as_deref()
            .map(|id| ChatId::parse("chatId", id))
            .transpose()?;
        let services = ctx.services()?;
        let preferences = &services.chat_preferences;
        preferences
            .set_level(me.id, chat, input.level.map(Into::into), input.until)
            .await?;
        let chat = match chat {
            Some(id) => Some(ChatObject(services.chats.as_member(me.id, id).await?)),
            None => None,
        };
        Ok(ChatNotificationsPayload {
            chat,
            default_level: preferences.default_level(me.id).await?.into(),
        })
    }

    /// Moves a chat out of `chats` into `chats(archived: true)`, for you
    /// only. It comes back on a new message unless it is also muted
    /// (`notificationLevel` NONE).
    #[graphql(guard = "Authenticated")]
    async fn archive_chat(
        &self,
        ctx: &Context<'_>,
        input: ArchiveChatInput,
    ) -> async_graphql::Result<ChatObject> {
        archive(ctx, input, true).await
    }

    /// Brings an archived chat back into `chats`.
    #[graphql(guard = "Authenticated")]
    async fn unarchive_chat(
        &self,
        ctx: &Context<'_>,
        input: ArchiveChatInput,
    ) -> async_graphql::Result<ChatObject> {
        archive(ctx, input, false).await
    }
}

async fn archive(
    ctx: &Context<'_>,
    input: ArchiveChatInput,
    archived: bool,
) -> async_graphql::Result<ChatObject> {
    let me = ctx.current_user()?;
    let chat = ChatId::parse("chatId", &input.chat_id)?;
    let services = ctx.services()?;
    let found = services
        .chat_preferences
        .set_archived(me.id, chat, archived)
        .await?;
    Ok(ChatObject(found))
}

/// The viewer's settings of a chat, keyed by the chat and its last
/// activity (which decides whether an archived chat came back).
pub struct SettingsLoader(pub Services, pub Option<UserId>);

impl Loader<(ChatId, DateTime<Utc>)> for SettingsLoader {
    type Value = ChatSettings;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[(ChatId, DateTime<Utc>)],
    ) -> Result<HashMap<(ChatId, DateTime<Utc>), ChatSettings>, Self::Error> {
        let Some(viewer) = self.1 else {
            return Ok(HashMap::new());
        };
        let settings = self.0.chat_preferences.settings(viewer, keys).await?;
        Ok(keys.iter().copied().zip(settings).collect())
    }
}

/// The viewer's settings of `chat`.
pub async fn settings_of(ctx: &Context<'_>, chat: &Chat) -> async_graphql::Result<ChatSettings> {
    let loaded = ctx
        .loaders()?
        .chat_settings
        .load_one((chat.id, chat.last_activity))
        .await?;
    Ok(loaded.unwrap_or_default())
}
