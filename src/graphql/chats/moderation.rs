//! Moderation and group privacy: `banMember`, `unbanMember`, `muteMember`,
//! `unmuteMember`, `acceptGroupInvite`, `declineGroupInvite`, the
//! `groupInvites` query, and the types `Chat` shows them with (roles,
//! permissions, bans, invites). The rules are the chat service's.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::super::context::{Authenticated, ContextExt};
use super::super::pagination;
use super::super::users::{UserObject, load_user};
use super::{ChatIdInput, ChatMemberInput, ChatObject};
use crate::domain::{Ban, Chat, ChatId, GroupInvite, Membership, UserId};
use crate::services::chats::NewBan;
use crate::services::chats::permissions::{Action, allows};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::Role")]
pub enum ChatRole {
    Member,
    Admin,
    /// The creator, or whom ownership passed to.
    Owner,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::PermissionLevel")]
pub enum PermissionLevel {
    /// Every member.
    Members,
    /// Admins and the owner only.
    Admins,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::GroupAddPolicy")]
pub enum GroupAddPolicy {
    /// Anyone may add you to a group.
    Everyone,
    /// Friends may add you; anyone else can only invite you (the default).
    Friends,
    /// Nobody may add you; anyone can only invite you.
    Nobody,
}

/// Who in a group may do what the group can open up or close down.
/// Moderating (remove, ban, mute) is always the admins'; managing admins
/// the owner's.
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(name = "ChatPermissions", input_name = "ChatPermissionsInput")]
pub struct ChatPermissionsObject {
    /// Sending messages (and typing); ADMINS makes an announcement channel.
    pub send: PermissionLevel,
    /// Changing the group's name, description, image, privacy, permissions
    /// and slow mode.
    pub edit_info: PermissionLevel,
    /// Adding (or inviting) members.
    pub add_members: PermissionLevel,
    /// Pinning and unpinning messages (default ADMINS; in a direct chat
    /// either person may pin).
    #[graphql(default_with = "PermissionLevel::Admins")]
    pub pin: PermissionLevel,
    /// Mentioning everyone (`mentionsAll`); ADMINS when left out.
    #[graphql(default_with = "PermissionLevel::Admins")]
    pub mention_all: PermissionLevel,
}

impl From<crate::domain::ChatPermissions> for ChatPermissionsObject {
    fn from(p: crate::domain::ChatPermissions) -> Self {
        Self {
            send: p.send.into(),
            edit_info: p.edit_info.into(),
            add_members: p.add_members.into(),
            pin: p.pin.into(),
            mention_all: p.mention_all.into(),
        }
    }
}

impl From<ChatPermissionsObject> for crate::domain::ChatPermissions {
    fn from(p: ChatPermissionsObject) -> Self {
        Self {
            send: p.send.into(),
            edit_info: p.edit_info.into(),
            add_members: p.add_members.into(),
            pin: p.pin.into(),
            mention_all: p.mention_all.into(),
        }
    }
}

/// What the signed-in user may do in a chat now (for the UI; the server
/// checks again on every call).
#[derive(SimpleObject)]
pub struct MyPermissions {
    /// False when muted, or when only admins may send.
    can_send: bool,
    /// False when muted.
    can_react: bool,
    can_edit_info: bool,
    can_add_members: bool,
    /// Remove, ban and mute members; see bans and pending invites.
    can_moderate: bool,
    /// Promote and demote admins.
    can_manage_admins: bool,
    /// Pin and unpin messages.
    can_pin: bool,
    /// Mention everyone (`mentionsAll`).
    can_mention_all: bool,
    /// When the signed-in user's mute ends; `null` when not muted or muted
    /// until unmuted (see `muted`).
    muted_until: Option<DateTime<Utc>>,
    muted: bool,
}

impl MyPermissions {
    pub fn of(membership: &Membership) -> Self {
        let now = Utc::now();
        let mute = membership.mute.filter(|m| m.in_force(now));
        let may = |action| allows(&membership.permissions, membership.role, action);
        let group = membership.is_group;
        Self {
            can_send: mute.is_none() && (!group || may(Action::Send)),
            can_react: mute.is_none(),
            can_edit_info: group && may(Action::EditInfo),
            can_add_members: group && may(Action::AddMembers),
            can_moderate: group && may(Action::Moderate),
            can_manage_admins: group && may(Action::ManageAdmins),
            can_pin: mute.is_none() && (!group || may(Action::Pin)),
            can_mention_all: !group || may(Action::MentionAll),
            muted_until: mute.and_then(|m| m.until),
            muted: mute.is_some(),
        }
    }
}

/// Someone banned from a group.
pub struct BannedMemberObject(pub Ban);

#[Object(name = "BannedMember")]
impl BannedMemberObject {
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        load_user(ctx, self.0.user).await
    }

    /// The admin who banned them.
    async fn banned_by(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        load_user(ctx, self.0.by).await
    }

    /// When the ban ends; `null`: until `unbanMember`.
    async fn until(&self) -> Option<DateTime<Utc>> {
        self.0.until
    }

    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// An open invitation to a group.
pub struct GroupInviteObject(pub GroupInvite);

#[Object(name = "GroupInvite")]
impl GroupInviteObject {
    async fn chat_id(&self) -> ID {
        ID(self.0.chat.to_string())
    }

    /// The group's name (the invitee is not a member, so cannot read the
    /// chat itself yet).
    async fn chat_name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let chat = ctx.loaders()?.chats.load_one(self.0.chat).await?;
        Ok(chat.and_then(|c| c.name))
    }

    /// Whom the invite is for.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        load_user(ctx, self.0.user).await
    }

    async fn invited_by(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        load_user(ctx, self.0.by).await
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

fn bans_connection(
    bans: Vec<Ban>,
    has_previous: bool,
    has_next: bool,
) -> Connection<String, BannedMemberObject> {
    let mut connection = Connection::new(has_previous, has_next);
    connection.edges = bans
        .into_iter()
        .map(|b| Edge::new(b.user.to_string(), BannedMemberObject(b)))
        .collect();
    connection
}

fn invites_connection(
    invites: Vec<GroupInvite>,
    has_previous: bool,
    has_next: bool,
) -> Connection<String, GroupInviteObject> {
    let mut connection = Connection::new(has_previous, has_next);
    connection.edges = invites
        .into_iter()
        .map(|i| Edge::new(format!("{}:{}", i.chat, i.user), GroupInviteObject(i)))
        .collect();
    connection
}

/// `Chat.bannedMembers`: a page of `chat`'s bans in force (admins).
pub(super) async fn banned_members(
    ctx: &Context<'_>,
    chat: &Chat,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Connection<String, BannedMemberObject>> {
    let me = ctx.current_user()?;
    let limit = pagination::page_size("first", first)?;
    let cursor = after
        .as_deref()
        .map(|raw| UserId::parse("after", raw))
        .transpose()?;
    let (bans, more) = ctx
        .services()?
        .chats
        .bans(me.id, chat, cursor, limit)
        .await?;
    Ok(bans_connection(bans, cursor.is_some(), more))
}

/// `Chat.pendingInvites`: a page of `chat`'s open invites (admins).
pub(super) async fn pending_invites(
    ctx: &Context<'_>,
    chat: &Chat,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Connection<String, GroupInviteObject>> {
    let me = ctx.current_user()?;
    let limit = pagination::page_size("first", first)?;
    let had_cursor = after.is_some();
    let (invites, more) = ctx
        .services()?
        .chats
        .pending_invites(me.id, chat, after, limit)
        .await?;
    Ok(invites_connection(invites, had_cursor, more))
}

#[derive(InputObject)]
pub struct BanMemberInput {
    chat_id: ID,
    user_id: ID,
    /// When the ban ends; absent: until `unbanMember`.
    until: Option<DateTime<Utc>>,
    /// Shown in the system message and to admins (at most 500 characters).
    reason: Option<String>,
}

#[derive(InputObject)]
pub struct MuteMemberInput {
    chat_id: ID,
    user_id: ID,
    /// When the mute ends; absent: until `unmuteMember`.
    until: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct ModerationQuery;

#[Object]
impl ModerationQuery {
    /// The signed-in user's open group invites.
    #[graphql(
        guard = "Authenticated",
        complexity = "crate::graphql::connection_complexity(first, None::<i32>, pagination::DEFAULT_PAGE, child_complexity)"
    )]
    async fn group_invites(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, GroupInviteObject>> {
        let me = ctx.current_user()?;
        let limit = pagination::page_size("first", first)?;
        let had_cursor = after.is_some();
        let (invites, more) = ctx
            .services()?
            .chats
            .my_invites(me.id, after, limit)
            .await?;
        Ok(invites_connection(invites, had_cursor, more))
    }
}

#[derive(Default)]
pub struct ModerationMutation;

#[Object]
impl ModerationMutation {
    /// Bans someone from a group (admins; an admin only by the owner; never
    /// the owner): removes them if they are a member and refuses `joinChat`,
    /// invites and re-adds while the ban stands (`FORBIDDEN`, reason
    /// `BANNED`). Their open streams of the chat end at once.
    #[graphql(guard = "Authenticated")]
    async fn ban_member(
        &self,
        ctx: &Context<'_>,
        input: BanMemberInput,
    ) -> async_graphql::Result<ChatObject> {
        let me = ctx.current_user()?;
        let ban = NewBan {
            chat: ChatId::parse("chatId", &input.chat_id)?,
            user: UserId::parse("userId", &input.user_id)?,
            until: input.until,
            reason: input.reason,
        };
        let (chat, user) = (ban.chat, ban.user);
        let services = ctx.services()?;
        let banned = services.chats.ban(me.id, ban).await?;
        services.typing.silence(user, chat);
        Ok(ChatObject(banned))
    }

    /// Lifts a ban (admins). `NOT_FOUND` when there is none.
    #[graphql(guard = "Authenticated")]
    async fn unban_member(
        &self,
        ctx: &Context<'_>,
        input: ChatMemberInput,
    ) -> async_graphql::Result<ChatObject> {
        let me = ctx.current_user()?;
        let (chat, user) = input.parse()?;
        Ok(ChatObject(
            ctx.services()?.chats.unban(me.id, chat, user).await?,
        ))
    }

    /// Mutes a member (admins; an admin only by the owner): they stay and
    /// read, but sending, reacting and typing are `FORBIDDEN` (reason
    /// `MUTED`) until `until` or `unmuteMember`.
    #[graphql(guard = "Authenticated")]
    async fn mute_member(
        &self,
        ctx: &Context<'_>,
        input: MuteMemberInput,
    ) -> async_graphql::Result<ChatObject> {
        let me = ctx.current_user()?;
        let chat = ChatId::parse("chatId", &input.chat_id)?;
        let user = UserId::parse("userId", &input.user_id)?;
        let services = ctx.services()?;
        let muted = services.chats.mute(me.id, chat, user, input.until).await?;
        services.typing.silence(user, chat);
        Ok(ChatObject(muted))
    }

    /// Lifts a mute (admins). `NOT_FOUND` when the member is not muted.
    #[graphql(guard = "Authenticated")]
    async fn unmute_member(
        &self,
        ctx: &Context<'_>,
        input: ChatMemberInput,
    ) -> async_graphql::Result<ChatObject> {
        let me = ctx.current_user()?;
        let (chat, user) = input.parse()?;
        Ok(ChatObject(
            ctx.services()?.chats.unmute(me.id, chat, user).await?,
        ))
    }

    /// Accepts an invite to a group: you join it (`FORBIDDEN` while banned;
    /// `NOT_FOUND` without an open invite).
    #[graphql(guard = "Authenticated")]
    async fn accept_group_invite(
        &self,
        ctx: &Context<'_>,
        input: ChatIdInput,
    ) -> async_graphql::Result<ChatObject> {
        let me = ctx.current_user()?;
        let chat = ChatId::parse("chatId", &input.chat_id)?;
        Ok(ChatObject(
            ctx.services()?.chats.accept_invite(me.id, chat).await?,
        ))
    }

    /// Declines an invite to a group (nobody is told). Returns true.
    #[graphql(guard = "Authenticated")]
    async fn decline_group_invite(
        &self,
        ctx: &Context<'_>,
        input: ChatIdInput,
    ) -> async_graphql::Result<bool> {
        let me = ctx.current_user()?;
        let chat = ChatId::parse("chatId", &input.chat_id)?;
        ctx.services()?.chats.decline_invite(me.id, chat).await?;
        Ok(true)
    }
}
