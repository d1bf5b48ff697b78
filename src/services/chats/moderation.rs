//! Moderating a group: bans, mutes, and the group's rules (permissions and
//! slow mode). Who may do each is decided by [`super::permissions`].
//!
//! A ban removes the member and keeps them out while it stands: `joinChat`,
//! accepting an invite and being added again are refused (`FORBIDDEN`,
//! reason `BANNED`). Their open streams of the chat end at once, as a
//! removed member's do (the ban publishes the same removal). A mute keeps
//! the member in, reading, but refuses their sends, reactions and typing
//! (`FORBIDDEN`, reason `MUTED`); it is checked on the one membership read
//! those actions make already. Every action is a system message.

use chrono::{DateTime, SecondsFormat, Utc};

use super::permissions::{self, Action};
use super::{ChatService, chat_not_found};
use crate::domain::{
    BAN_REASON_MAX, Ban, Chat, ChatId, ChatPermissions, Mute, SLOW_MODE_MAX_SECONDS, SystemAction,
    UserId, text,
};
use crate::error::{AppError, AppResult};
use crate::events::ChatEventKind;

/// A ban as an admin asks for it (unchecked reason).
pub struct NewBan {
    pub chat: ChatId,
    pub user: UserId,
    pub until: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

impl ChatService {
    /// Bans a member or a former member (see the module docs).
    #[tracing::instrument(skip(self, new), fields(user_id = %me, chat_id = %new.chat, target = %new.user))]
    pub async fn ban(&self, me: UserId, new: NewBan) -> AppResult<Chat> {
        let reason = new
            .reason
            .filter(|r| !r.trim().is_empty())
            .map(|r| text::single_line("reason", &r, 1, BAN_REASON_MAX))
            .transpose()?;
        let until = future("until", new.until)?;
        let chat = self.as_member(me, new.chat).await?;
        permissions::ensure_over(&chat, me, new.user)?;
        let target = self.user(new.user).await?;
        let ban = Ban {
            chat: chat.id,
            user: target.id,
            by: me,
            until,
            reason: reason.clone(),
            created_at: Utc::now(),
        };
        self.db.moderation().put_ban(&ban).await?;
        // A pending invite would otherwise let them back in once unbanned.
        self.db.moderation().take_invite(chat.id, target.id).await?;
        let was_member = chat.is_member(target.id);
        let chat = match was_member {
            true => self
                .db
                .chats()
                .remove_member(chat.id, target.id)
                .await?
                .ok_or_else(chat_not_found)?,
            false => chat,
        };
        let actor = self.user(me).await?;
        self.system(
            &chat,
            &actor,
            SystemAction::MemberBanned,
            &[&target],
            reason,
        )
        .await?;
        let updated = self.reload(chat.id).await?;
        self.publish_chat(ChatEventKind::MemberRemoved, &updated, me, vec![target.id]);
        if was_member {
            let event =
                super::chat_event(ChatEventKind::MemberRemoved, &updated, me, vec![target.id]);
            self.tell_own(&[target.id], &event).await?;
        }
        Ok(updated)
    }

    /// Lifts a ban (admins).
    #[tracing::instrument(skip(self), fields(user_id = %me, chat_id = %id, target = %target))]
    pub async fn unban(&self, me: UserId, id: ChatId, target: UserId) -> AppResult<Chat> {
        let chat = self.as_member(me, id).await?;
        permissions::ensure(&chat, me, Action::Moderate)?;
        if !self.db.moderation().delete_ban(id, target).await? {
            return Err(AppError::NotFound("not banned from this chat".into()));
        }
        let (actor, subject) = (self.user(me).await?, self.user(target).await?);
        self.system(
            &chat,
            &actor,
            SystemAction::MemberUnbanned,
            &[&subject],
            None,
        )
        .await?;
        self.reload(id).await
    }

    /// A page of the group's bans in force (admins).
    pub async fn bans(
        &self,
        me: UserId,
        chat: &Chat,
        after: Option<UserId>,
        limit: usize,
    ) -> AppResult<(Vec<Ban>, bool)> {
        permissions::ensure(chat, me, Action::Moderate)?;
        let (bans, more) = self
            .db
            .moderation()
            .bans_page(chat.id, after, limit)
            .await?;
        let now = Utc::now();
        Ok((bans.into_iter().filter(|b| b.in_force(now)).collect(), more))
    }

    /// `FORBIDDEN` (reason `BANNED`) if any of `users` is banned from `chat`.
    pub(super) async fn ensure_not_banned(&self, chat: ChatId, users: &[UserId]) -> AppResult<()> {
        let now = Utc::now();
        let bans = self.db.moderation().bans_of(chat, users).await?;
        match bans.iter().any(|b| b.in_force(now)) {
            true => Err(AppError::forbidden_because(
                "BANNED",
                "banned from this group",
            )),
            false => Ok(()),
        }
    }

    /// Mutes a member until `until` (`None`: until unmuted).
    #[tracing::instrument(skip(self), fields(user_id = %me, chat_id = %id, target = %target))]
    pub async fn mute(
        &self,
        me: UserId,
        id: ChatId,
        target: UserId,
        until: Option<DateTime<Utc>>,
    ) -> AppResult<Chat> {
        let until = future("until", until)?;
        let chat = self.as_member(me, id).await?;
        permissions::ensure_over(&chat, me, target)?;
        if !chat.is_member(target) {
            return Err(AppError::NotFound("not a member of this chat".into()));
        }
        let mute = Mute {
            user: target,
            until,
        };
        self.db.moderation().put_mute(id, mute).await?;
        let (actor, subject) = (self.user(me).await?, self.user(target).await?);
        let value = until.map(|u| u.to_rfc3339_opts(SecondsFormat::Secs, true));
        self.system(&chat, &actor, SystemAction::MemberMuted, &[&subject], value)
            .await?;
        let updated = self.reload(id).await?;
        self.publish_chat(ChatEventKind::Updated, &updated, me, vec![target]);
        Ok(updated)
    }

    /// Lifts a mute (admins).
    #[tracing::instrument(skip(self), fields(user_id = %me, chat_id = %id, target = %target))]
    pub async fn unmute(&self, me: UserId, id: ChatId, target: UserId) -> AppResult<Chat> {
        let chat = self.as_member(me, id).await?;
        permissions::ensure(&chat, me, Action::Moderate)?;
        if chat.mute_of(target, Utc::now()).is_none() {
            return Err(AppError::NotFound("not muted in this chat".into()));
        }
        self.db.moderation().delete_mute(id, target).await?;
        let (actor, subject) = (self.user(me).await?, self.user(target).await?);
        self.system(
            &chat,
            &actor,
            SystemAction::MemberUnmuted,
            &[&subject],
            None,
        )
        .await?;
        let updated = self.reload(id).await?;
        self.publish_chat(ChatEventKind::Updated, &updated, me, vec![target]);
        Ok(updated)
    }

    /// Applies new rules to `chat` (the caller checked `EditInfo`); one
    /// system message per rule that changed. True if any did.
    pub(super) async fn change_rules(
        &self,
        me: UserId,
        chat: &Chat,
        new_permissions: Option<ChatPermissions>,
        slow_mode_seconds: Option<u32>,
    ) -> AppResult<bool> {
        if let Some(seconds) = slow_mode_seconds
            && seconds > SLOW_MODE_MAX_SECONDS
        {
            return Err(AppError::bad_input(
                "slowModeSeconds",
                format!("at most {SLOW_MODE_MAX_SECONDS}"),
            ));
        }
        let permissions = new_permissions.unwrap_or(chat.permissions);
        let slow = slow_mode_seconds.unwrap_or(chat.slow_mode_seconds);
        if permissions == chat.permissions && slow == chat.slow_mode_seconds {
            return Ok(false);
        }
        self.db
            .moderation()
            .set_permissions(chat.id, &permissions, slow)
            .await?;
        let actor = self.user(me).await?;
        if permissions != chat.permissions {
            let label = |l| match l {
                crate::domain::PermissionLevel::Members => "MEMBERS",
                crate::domain::PermissionLevel::Admins => "ADMINS",
            };
            let value = format!(
                "send={} editInfo={} addMembers={} pin={} mentionAll={}",
                label(permissions.send),
                label(permissions.edit_info),
                label(permissions.add_members),
                label(permissions.pin),
                label(permissions.mention_all)
            );
            self.system(
                chat,
                &actor,
                SystemAction::PermissionsChanged,
                &[],
                Some(value),
            )
            .await?;
        }
        if slow != chat.slow_mode_seconds {
            self.system(
                chat,
                &actor,
                SystemAction::SlowModeChanged,
                &[],
                Some(slow.to_string()),
            )
            .await?;
        }
        Ok(true)
    }
}

/// A time that must lie ahead, if given.
fn future(field: &'static str, at: Option<DateTime<Utc>>) -> AppResult<Option<DateTime<Utc>>> {
    match at {
        Some(at) if at <= Utc::now() => Err(AppError::bad_input(field, "must be in the future")),
        other => Ok(other),
    }
}
