//! "Who can add me to groups" and group invites.
//!
//! Each user chooses who may put them into a group directly
//! ([`GroupAddPolicy`]: everyone, friends — the default — or nobody).
//! `createChat` and `addChatMembers` add those who allow it and *invite*
//! the others: a `GROUP_INVITE` notification and an entry in their
//! `groupInvites`, which they accept (and become a member) or decline. So
//! nobody ends up in a stranger's group, and the group's admins see the
//! invites still open (`Chat.pendingInvites`).
//!
//! Every person added or invited counts against the caller's
//! `MEMBER_ADDS` bucket, and a new account's against stricter ones too
//! ([`ChatService::count_additions`]): this bounds both mass adds and the
//! notifications they fan out.

use std::collections::HashSet;

use chrono::Utc;

use super::{ChatService, chat_not_found};
use crate::domain::{
    Chat, ChatId, GroupAddPolicy, GroupInvite, NotificationKind, SystemAction, UserId,
};
use crate::error::{AppError, AppResult};
use crate::events::ChatEventKind;
use crate::limits::{Bucket, RateKey};
use crate::storage::moderation::InvitesOf;

use super::super::notifications::NotificationDraft;

impl ChatService {
    /// `me`'s group-add policy.
    pub async fn group_add_policy(&self, me: UserId) -> AppResult<GroupAddPolicy> {
        let policies = self.db.moderation().group_add_policies(&[me]).await?;
        Ok(policies.get(&me).copied().unwrap_or_default())
    }

    /// Sets `me`'s group-add policy (applies to later adds; invites already
    /// sent stay open).
    pub async fn set_group_add_policy(&self, me: UserId, policy: GroupAddPolicy) -> AppResult<()> {
        self.db.moderation().set_group_add_policy(me, policy).await
    }

    /// Splits the people `me` puts into a group into those added at once
    /// and those invited (see the module docs).
    pub(super) async fn sort_additions(
        &self,
        me: UserId,
        users: &[UserId],
    ) -> AppResult<(Vec<UserId>, Vec<UserId>)> {
        let policies = self.db.moderation().group_add_policies(users).await?;
        let needs_friendship = users
            .iter()
            .any(|u| policies.get(u) == Some(&GroupAddPolicy::Friends));
        let friends: HashSet<UserId> = match needs_friendship {
            true => self
                .db
                .friends()
                .friend_ids(me)
                .await?
                .into_iter()
                .collect(),
            false => HashSet::new(),
        };
        Ok(users.iter().partition(|u| match policies.get(u) {
            Some(GroupAddPolicy::Everyone) => true,
            Some(GroupAddPolicy::Friends) => friends.contains(u),
            _ => false,
        }))
    }

    /// Counts `n` people put into groups by `me` (and one group, when
    /// `new_group`) against their buckets; a new account's count twice.
    pub(super) fn count_additions(&self, me: UserId, n: usize, new_group: bool) -> AppResult<()> {
        let key = RateKey::User(me);
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        let created = me.oid().timestamp().to_chrono();
        let is_new = Utc::now()
            .signed_duration_since(created)
            .to_std()
            .unwrap_or_default()
            < self.limits.new_account;
        if is_new && new_group {
            self.limits.rates.check(Bucket::NewAccountGroups, &key)?;
        }
        if is_new {
            self.limits
                .rates
                .check_n(Bucket::NewAccountMemberAdds, &key, n)?;
        }
        self.limits.rates.check_n(Bucket::MemberAdds, &key, n)
    }

    /// Invites `users` to `chat` and notifies those not invited already.
    pub(super) async fn invite(&self, chat: &Chat, me: UserId, users: &[UserId]) -> AppResult<()> {
        let mut fresh = Vec::new();
        for user in users {
            let invite = GroupInvite {
                chat: chat.id,
                user: *user,
                by: me,
                created_at: Utc::now(),
            };
            if self.db.moderation().put_invite(&invite).await? {
                fresh.push(*user);
            }
        }
        self.notifications
            .notify(
                &fresh,
                NotificationDraft {
                    kind: NotificationKind::GroupInvite,
                    actor: me,
                    chat: Some(chat.id),
                    friend_request: None,
                    message: None,
                },
            )
            .await
    }

    /// Accepts `me`'s invite to group `id`: they join it (unless banned or
    /// the group is full).
    #[tracing::instrument(skip(self), fields(user_id = %me, chat_id = %id))]
    pub async fn accept_invite(&self, me: UserId, id: ChatId) -> AppResult<Chat> {
        let invite = self.db.moderation().take_invite(id, me).await?;
        if invite.is_none() {
            return Err(AppError::NotFound("invite not found".into()));
        }
        let chat = self.db.chats().find(id).await?.ok_or_else(chat_not_found)?;
        if chat.is_member(me) {
            return Ok(chat);
        }
        self.enter(me, chat).await
    }

    /// Declines `me`'s invite to group `id` (nobody is told).
    #[tracing::instrument(skip(self), fields(user_id = %me, chat_id = %id))]
    pub async fn decline_invite(&self, me: UserId, id: ChatId) -> AppResult<()> {
        match self.db.moderation().take_invite(id, me).await? {
            Some(_) => Ok(()),
            None => Err(AppError::NotFound("invite not found".into())),
        }
    }

    /// A page of `me`'s open invites, after the cursor `after`.
    pub async fn my_invites(
        &self,
        me: UserId,
        after: Option<String>,
        limit: usize,
    ) -> AppResult<(Vec<GroupInvite>, bool)> {
        self.db
            .moderation()
            .invites_page(InvitesOf::User(me), after, limit)
            .await
    }

    /// A page of the open invites of group `id` (admins only).
    pub async fn pending_invites(
        &self,
        me: UserId,
        chat: &Chat,
        after: Option<String>,
        limit: usize,
    ) -> AppResult<(Vec<GroupInvite>, bool)> {
        super::permissions::ensure(chat, me, super::permissions::Action::Moderate)?;
        self.db
            .moderation()
            .invites_page(InvitesOf::Chat(chat.id), after, limit)
            .await
    }

    /// `me` joins `chat` by their own act (a public group, an invite):
    /// refused while banned; a system message; streams told.
    pub(super) async fn enter(&self, me: UserId, chat: Chat) -> AppResult<Chat> {
        self.ensure_not_banned(chat.id, &[me]).await?;
        let id = chat.id;
        let updated = self
            .db
            .chats()
            .add_members(id, &[me], self.limits.max_members)
            .await?
            .ok_or_else(|| AppError::Forbidden("the group is full".into()))?;
        let actor = self.user(me).await?;
        self.system(
            &updated,
            &actor,
            SystemAction::MemberJoined,
            &[&actor],
            None,
        )
        .await?;
        let updated = self.reload(id).await?;
        self.publish_chat(ChatEventKind::MembersAdded, &updated, me, vec![me]);
        let event = super::chat_event(ChatEventKind::MembersAdded, &updated, me, vec![me]);
        self.tell_own(&[me], &event).await?;
        Ok(updated)
    }
}
