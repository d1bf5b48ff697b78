//! Membership of groups: adding, removing, leaving (with the passing of
//! ownership), admins, and joining public groups. Who may do each is
//! decided by [`super::permissions`].

use super::permissions::{self, Action};
use super::{ChatService, chat_event, chat_not_found};
use crate::domain::{Chat, ChatId, ChatPrivacy, SystemAction, User, UserId};
use crate::error::{AppError, AppResult};
use crate::events::ChatEventKind;

impl ChatService {
    /// Adds members (whom the group's permissions let: admins by default).
    /// They must exist, not be members yet, not be banned, and not have
    /// blocked the caller; those whose group-add policy does not let the
    /// caller add them are invited instead (see [`super::invites`]).
    #[tracing::instrument(skip(self, users), fields(user_id = %me, chat_id = %id))]
    pub async fn add_members(&self, me: UserId, id: ChatId, users: Vec<UserId>) -> AppResult<Chat> {
        let chat = self.as_member(me, id).await?;
        permissions::ensure(&chat, me, Action::AddMembers)?;
        let mut new: Vec<UserId> = Vec::new();
        for user in users {
            if !new.contains(&user) {
                new.push(user);
            }
        }
        if new.is_empty() {
            return Err(AppError::bad_input("userIds", "name at least one user"));
        }
        if new.iter().any(|u| chat.is_member(*u)) {
            return Err(AppError::Conflict("already a member".into()));
        }
        let added_users = self.existing_users(&new).await?;
        self.ensure_none_blocked(me, &new).await?;
        self.ensure_not_banned(id, &new).await?;
        self.count_additions(me, new.len(), false)?;
        let (new, invited) = self.sort_additions(me, &new).await?;
        self.invite(&chat, me, &invited).await?;
        if new.is_empty() {
            return Ok(chat);
        }
        let max_members = self.limits.max_members;
        let updated = self
            .db
            .chats()
            .add_members(id, &new, max_members)
            .await?
            .ok_or_else(|| {
                AppError::bad_input(
                    "userIds",
                    format!("a group has at most {max_members} members"),
                )
            })?;
        let actor = self.user(me).await?;
        let added: Vec<&User> = new.iter().filter_map(|u| added_users.get(u)).collect();
        self.system(&updated, &actor, SystemAction::MembersAdded, &added, None)
            .await?;
        let updated = self.reload(id).await?;
        self.publish_chat(ChatEventKind::MembersAdded, &updated, me, new.clone());
        // The new members do not listen to the chat yet.
        let event = chat_event(ChatEventKind::MembersAdded, &updated, me, new.clone());
        self.tell_own(&new, &event).await?;
        self.notify_added(&updated, me, &new).await?;
        Ok(updated)
    }

    /// Removes a member (admins only; only the creator may remove an admin;
    /// nobody may remove the creator).
    #[tracing::instrument(skip(self), fields(user_id = %me, chat_id = %id, target = %target))]
    pub async fn remove_member(&self, me: UserId, id: ChatId, target: UserId) -> AppResult<Chat> {
        let chat = self.as_member(me, id).await?;
        permissions::ensure(&chat, me, Action::Moderate)?;
        if target == me {
            return Err(AppError::bad_input("userId", "use leaveChat to leave"));
        }
        if !chat.is_member(target) {
            return Err(AppError::NotFound("not a member of this chat".into()));
        }
        permissions::ensure_over(&chat, me, target)?;
        let updated = self
            .db
            .chats()
            .remove_member(id, target)
            .await?
            .ok_or_else(chat_not_found)?;
        let (actor, removed) = (self.user(me).await?, self.user(target).await?);
        self.system(
            &updated,
            &actor,
            SystemAction::MemberRemoved,
            &[&removed],
            None,
        )
        .await?;
        let updated = self.reload(id).await?;
        self.publish_chat(ChatEventKind::MemberRemoved, &updated, me, vec![target]);
        let event = chat_event(ChatEventKind::MemberRemoved, &updated, me, vec![target]);
        self.tell_own(&[target], &event).await?;
        Ok(updated)
    }

    /// Leaves a group (any member). See the module docs for ownership and
    /// for a group left empty. Returns the chat as the leaver last saw it.
    #[tracing::instrument(skip(self), fields(user_id = %me, chat_id = %id))]
    pub async fn leave(&self, me: UserId, id: ChatId) -> AppResult<Chat> {
        let actor = self.user(me).await?;
        self.depart(&actor, id).await
    }

    /// `actor` leaves group `id` (also for a deleted account, whose
    /// system messages name it as such).
    pub(super) async fn depart(&self, actor: &User, id: ChatId) -> AppResult<Chat> {
        let me = actor.id;
        let chat = self.as_member(me, id).await?;
        if !chat.is_group {
            return Err(AppError::bad_input(
                "chatId",
                "a direct chat cannot be left",
            ));
        }
        let updated = self
            .db
            .chats()
            .remove_member(id, me)
            .await?
            .ok_or_else(chat_not_found)?;
        if updated.participants.is_empty() {
            self.db.chats().delete(id).await?;
            self.db.chat_heads().delete(id).await?;
            self.db.messages().delete_chat(id).await?;
            self.db.pins().delete_chat(id).await?;
            self.db.threads().delete_chat(id).await?;
            self.db.thread_follows().delete_chat(id).await?;
            self.publish_chat(ChatEventKind::Deleted, &updated, me, vec![me]);
            let event = chat_event(ChatEventKind::Deleted, &updated, me, vec![me]);
            self.tell_own(&[me], &event).await?;
            return Ok(updated);
        }
        self.system(&updated, actor, SystemAction::MemberLeft, &[actor], None)
            .await?;
        if updated.created_by == me {
            let heir = updated
                .admins
                .first()
                .or(updated.participants.first())
                .copied()
                .ok_or_else(chat_not_found)?;
            let succeeded = self
                .db
                .chats()
                .set_creator(id, heir)
                .await?
                .ok_or_else(chat_not_found)?;
            let heir_user = self.user(heir).await?;
            self.system(
                &succeeded,
                actor,
                SystemAction::OwnerChanged,
                &[&heir_user],
                None,
            )
            .await?;
        }
        let updated = self.reload(id).await?;
        self.publish_chat(ChatEventKind::MemberRemoved, &updated, me, vec![me]);
        let event = chat_event(ChatEventKind::MemberRemoved, &updated, me, vec![me]);
        self.tell_own(&[me], &event).await?;
        Ok(updated)
    }

    /// Makes a member an admin, or takes the role back (creator only).
    #[tracing::instrument(skip(self), fields(user_id = %me, chat_id = %id, target = %target))]
    pub async fn set_admin(
        &self,
        me: UserId,
        id: ChatId,
        target: UserId,
        admin: bool,
    ) -> AppResult<Chat> {
        let chat = self.as_member(me, id).await?;
        permissions::ensure(&chat, me, Action::ManageAdmins)?;
        if !chat.is_member(target) {
            return Err(AppError::NotFound("not a member of this chat".into()));
        }
        if !admin && target == chat.created_by {
            return Err(AppError::Forbidden("the creator cannot be demoted".into()));
        }
        if chat.is_admin(target) == admin {
            let state = if admin {
                "already an admin"
            } else {
                "not an admin"
            };
            return Err(AppError::Conflict(state.into()));
        }
        let updated = self
            .db
            .chats()
            .set_admin(id, target, admin)
            .await?
            .ok_or_else(chat_not_found)?;
        let (actor, subject) = (self.user(me).await?, self.user(target).await?);
        let (action, kind) = if admin {
            (SystemAction::AdminPromoted, ChatEventKind::AdminPromoted)
        } else {
            (SystemAction::AdminDemoted, ChatEventKind::AdminDemoted)
        };
        self.system(&updated, &actor, action, &[&subject], None)
            .await?;
        let updated = self.reload(id).await?;
        self.publish_chat(kind, &updated, me, vec![target]);
        Ok(updated)
    }

    /// Joins a public group.
    #[tracing::instrument(skip(self), fields(user_id = %me, chat_id = %id))]
    pub async fn join(&self, me: UserId, id: ChatId) -> AppResult<Chat> {
        let chat = self.db.chats().find(id).await?.ok_or_else(chat_not_found)?;
        if chat.is_member(me) {
            return Ok(chat);
        }
        if !chat.is_group || chat.privacy != ChatPrivacy::Public {
            return Err(chat_not_found());
        }
        self.enter(me, chat).await
    }
}
