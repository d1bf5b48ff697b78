//! Chats: `createChat`, `updateChat`, `addChatMembers`, `removeChatMember`,
//! `leaveChat`, `promoteAdmin`, `demoteAdmin`, `joinChat`, `chats`, `chat`,
//! `searchChats`, and the `chatEvents` subscription; moderation (bans,
//! mutes, invites, roles and permissions) in [`moderation`].

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};

mod events;
mod invite_links;
mod moderation;
mod reports;

pub use events::ChatSubscription;
pub use invite_links::InviteLinkMutation;
use moderation::{
    BannedMemberObject, ChatPermissionsObject, ChatRole, GroupInviteObject, MyPermissions,
};
pub use moderation::{GroupAddPolicy, ModerationMutation, ModerationQuery};
pub use reports::{ReportMutation, ReportQuery};

use super::context::{Authenticated, ContextExt};
use super::messages::MessageObject;
use super::pagination::{self, decode_cursor};
use super::users::{UserObject, load_user, users_in_order};
use crate::domain::{Chat, ChatHead, ChatId, UserId};
use crate::error::AppError;
use crate::services::chats::{ChatUpdate, NewChat};
use crate::storage::chats::ChatCursor;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "ChatPrivacy", remote = "crate::domain::ChatPrivacy")]
pub enum ChatPrivacy {
    /// By invitation only; invisible to non-members.
    Private,
    /// Findable with `searchChats` and joinable with `joinChat`.
    Public,
}

/// A direct chat between two people, or a group.
pub struct ChatObject(pub Chat);

#[Object(name = "Chat")]
impl ChatObject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn is_group(&self) -> bool {
        self.0.is_group
    }

    /// Groups only.
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// The group's picture: for one set with `imageUploadId` a signed URL
    /// working for `DOWNLOAD_URL_TTL_SECONDS`, else the http(s) URL set.
    async fn image(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        crate::graphql::uploads::signed_url(ctx, self.0.image.as_deref()).await
    }

    async fn privacy(&self) -> ChatPrivacy {
        self.0.privacy.into()
    }

    /// Members, longest-standing first: the first `first` (default 20, at
    /// most 100) after the member `after`. `memberCount` says how many
    /// there are; page on with `after:` the last id you got.
    #[graphql(complexity = "crate::graphql::user_list_complexity(first, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<UserObject>> {
        let page = pagination::user_page(&self.0.participants, first, after.as_ref())?;
        users_in_order(ctx, page).await
    }

    async fn member_count(&self) -> usize {
        self.0.participants.len()
    }

    /// Admins, in the order they were promoted: the first `first` (default
    /// 20, at most 100) after the admin `after`.
    #[graphql(complexity = "crate::graphql::user_list_complexity(first, child_complexity)")]
    async fn admins(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<UserObject>> {
        let page = pagination::user_page(&self.0.admins, first, after.as_ref())?;
        users_in_order(ctx, page).await
    }

    async fn admin_count(&self) -> usize {
        self.0.admins.len()
    }

    /// The owner: the creator, or whom ownership passed to.
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        load_user(ctx, self.0.created_by).await
    }

    async fn last_message(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<MessageObject>> {
        let Some(id) = head(ctx, self.0.id).await?.last_message else {
            return Ok(None);
        };
        let message = ctx.loaders()?.messages.load_one(id).await?;
        Ok(message.map(MessageObject::new))
    }

    /// Messages from others after your read position, not deleted; the
    /// same on all your devices.
    async fn unread_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(ctx
            .loaders()?
            .unread
            .load_one(self.0.id)
            .await?
            .unwrap_or(0))
    }

    /// Of `unreadCount`, the messages that mention you (by name or
    /// everyone at once); the same on all your devices.
    async fn unread_mention_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(ctx
            .loaders()?
            .unread_mentions
            .load_one(self.0.id)
            .await?
            .unwrap_or(0))
    }

    /// What the chat may raise for you now (see `setChatNotifications`):
    /// its own level while in force, else your default.
    async fn notification_level(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<crate::graphql::chat_preferences::ChatNotificationLevel> {
        let settings = crate::graphql::chat_preferences::settings_of(ctx, &self.0).await?;
        Ok(settings.level.into())
    }

    /// When the chat's own level ends (your default applies then); null
    /// when it has none in force, or one without end.
    async fn muted_until(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DateTime<Utc>>> {
        Ok(crate::graphql::chat_preferences::settings_of(ctx, &self.0)
            .await?
            .until)
    }

    /// True while you have the chat archived (out of `chats`).
    async fn is_archived(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(crate::graphql::chat_preferences::settings_of(ctx, &self.0)
            .await?
            .archived)
    }

    /// When the chat last had a message (what orders `chats`); in groups of
    /// more than 64 members, to within a second.
    async fn last_activity(&self) -> DateTime<Utc> {
        self.0.last_activity
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The last sequence number of the chat's timeline: pass it as
    /// `messageEvents(after:)` to receive only what comes next.
    async fn cursor(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(head(ctx, self.0.id).await?.seq.to_string())
    }

    /// Who may send, edit the group and add members (groups).
    async fn permissions(&self) -> ChatPermissionsObject {
        self.0.permissions.into()
    }

    /// Slow mode: a member who is not an admin may send once per this many
    /// seconds (0: off).
    async fn slow_mode_seconds(&self) -> u32 {
        self.0.slow_mode_seconds
    }

    /// The signed-in user's role (`null` in a direct chat or for a viewer
    /// who is not a member).
    async fn my_role(&self, ctx: &Context<'_>) -> Option<ChatRole> {
        let me = ctx.current_user().ok()?;
        self.0
            .is_group
            .then(|| self.0.role(me.id))
            .flatten()
            .map(Into::into)
    }

    /// Pinned messages, newest pin first (at most 50; none for a viewer
    /// who is not a member; messages since deleted, for everyone or for
    /// you, left out).
    #[graphql(complexity = "crate::services::pins::MAX_PINS * child_complexity + 1")]
    async fn pinned_messages(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::pins::PinnedMessageObject>> {
        let me = ctx.current_user()?;
        let pinned = ctx.services()?.pins.pinned(me.id, &self.0).await?;
        Ok(pinned
            .into_iter()
            .map(|(pin, message)| crate::graphql::pins::PinnedMessageObject(pin, message))
            .collect())
    }

    /// What the signed-in user may do here now.
    async fn my_permissions(&self, ctx: &Context<'_>) -> async_graphql::Result<MyPermissions> {
        let me = ctx.current_user()?;
        Ok(MyPermissions::of(&self.0.membership_of(me.id)))
    }

    /// People banned from the group (admins only; `FORBIDDEN` for others):
    /// the first `first` (default 20, at most 100) after the cursor `after`.
    #[graphql(
        complexity = "crate::graphql::connection_complexity(first, None::<i32>, pagination::DEFAULT_PAGE, child_complexity)"
    )]
    async fn banned_members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, BannedMemberObject>> {
        moderation::banned_members(ctx, &self.0, first, after).await
    }

    /// The group's invite links, oldest first (admins only; `FORBIDDEN`
    /// for others): the first `first` (default 20, at most 100) after the
    /// cursor `after`. Their codes are not shown (only when made).
    #[graphql(
        complexity = "crate::graphql::connection_complexity(first, None::<i32>, pagination::DEFAULT_PAGE, child_complexity)"
    )]
    async fn invite_links(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, invite_links::InviteLinkObject>> {
        invite_links::page(ctx, &self.0, first, after).await
    }

    /// Invites not yet accepted or declined (admins only; `FORBIDDEN` for
    /// others): people whose group-add policy did not let them be added.
    #[graphql(
        complexity = "crate::graphql::connection_complexity(first, None::<i32>, pagination::DEFAULT_PAGE, child_complexity)"
    )]
    async fn pending_invites(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, GroupInviteObject>> {
        moderation::pending_invites(ctx, &self.0, first, after).await
    }
}

async fn head(ctx: &Context<'_>, chat: ChatId) -> async_graphql::Result<ChatHead> {
    Ok(ctx
        .loaders()?
        .heads
        .load_one(chat)
        .await?
        .unwrap_or_default())
}

#[derive(InputObject)]
pub struct CreateChatInput {
    /// The other participants (the creator is added). Exactly one for a
    /// direct chat.
    participant_ids: Vec<ID>,
    is_group: bool,
    /// Groups: 1–100 characters (required).
    name: Option<String>,
    /// Groups: at most 1,000 characters.
    description: Option<String>,
    /// Groups: an http(s) URL of at most 2,048 characters.
    image: Option<String>,
    /// Groups: PRIVATE (default) or PUBLIC.
    privacy: Option<ChatPrivacy>,
}

#[derive(InputObject)]
pub struct UpdateChatInput {
    chat_id: ID,
    name: Option<String>,
    /// Empty clears it.
    description: Option<String>,
    /// Empty clears it.
    image: Option<String>,
    /// A completed CHAT_IMAGE upload of yours for this chat (see
    /// `createUpload`), in place of `image`.
    image_upload_id: Option<ID>,
    privacy: Option<ChatPrivacy>,
    /// Who may send, edit the group and add members.
    permissions: Option<ChatPermissionsObject>,
    /// Slow mode period in seconds, 0–86,400 (0: off).
    slow_mode_seconds: Option<i32>,
}

#[derive(InputObject)]
pub struct AddChatMembersInput {
    chat_id: ID,
    user_ids: Vec<ID>,
}

/// A chat and one of its members.
#[derive(InputObject)]
pub struct ChatMemberInput {
    chat_id: ID,
    user_id: ID,
}

impl ChatMemberInput {
    fn parse(&self) -> Result<(ChatId, UserId), AppError> {
        Ok((
            ChatId::parse("chatId", &self.chat_id)?,
            UserId::parse("userId", &self.user_id)?,
        ))
    }
}

/// Names a chat.
#[derive(InputObject)]
pub struct ChatIdInput {
    chat_id: ID,
}

/// The most users `createChat` or `addChatMembers` takes at once.
const MAX_IDS_PER_CALL: usize = 1_000;

fn parse_user_ids(field: &'static str, ids: &[ID]) -> async_graphql::Result<Vec<UserId>> {
    if ids.len() > MAX_IDS_PER_CALL {
        return Err(AppError::bad_input(field, format!("at most {MAX_IDS_PER_CALL} ids")).into());
    }
    Ok(ids
        .iter()
        .map(|id| UserId::parse(field, id))
        .collect::<Result<_, _>>()?)
}

#[derive(Default)]
pub struct ChatQuery;

#[Object]
impl ChatQuery {
    /// The signed-in user's chats, most recent activity first; with
    /// `archived: true` only those archived (`archiveChat`), else the rest.
    #[graphql(
        guard = "Authenticated",
        complexity = "super::connection_complexity(first, None::<i32>, super::pagination::DEFAULT_PAGE, child_complexity)"
    )]
    async fn chats(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default = false)] archived: bool,
    ) -> async_graphql::Result<Connection<String, ChatObject>> {
        let me = ctx.current_user()?;
        let limit = pagination::page_size("first", first)?;
        let cursor = after
            .as_deref()
            .map(|raw| {
                ChatCursor::decode(raw)
                    .ok_or_else(|| AppError::bad_input("after", "is not a valid cursor"))
            })
            .transpose()?;
        let page = ctx
            .services()?
            .chat_preferences
            .page(me.id, cursor, limit, archived)
            .await?;
        let mut connection = Connection::new(cursor.is_some(), page.has_next);
        connection.edges = page
            .items
            .into_iter()
            .map(|chat| Edge::new(ChatCursor::of(&chat).encode(), ChatObject(chat)))
            .collect();
        Ok(connection)
    }

    /// A chat the signed-in user is a member of; `NOT_FOUND` otherwise.
    #[graphql(guard = "Authenticated")]
    async fn chat(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ChatObject> {
        let me = ctx.current_user()?;
        let id = ChatId::parse("id", &id)?;
        Ok(ChatObject(
            ctx.services()?.chats.as_member(me.id, id).await?,
        ))
    }

    /// Public groups whose name starts with `query` (any case), newest first.
    #[graphql(
        guard = "Authenticated",
        complexity = "super::connection_complexity(first, None::<i32>, super::pagination::DEFAULT_PAGE, child_complexity)"
    )]
    async fn search_chats(
        &self,
        ctx: &Context<'_>,
        query: String,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ChatObject>> {
        let limit = pagination::page_size("first", first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let page = ctx
            .services()?
            .chats
            .search_public(&query, after, limit)
            .await?;
        let mut connection = Connection::new(after.is_some(), page.has_next);
        connection.edges = page
            .items
            .into_iter()
            .map(|c| Edge::new(c.id.oid().to_hex(), ChatObject(c)))
            .collect();
        Ok(connection)
    }
}

#[derive(Default)]
pub struct ChatMutation;

#[Object]
impl ChatMutation {
    /// Creates a chat. Direct: exactly one other participant; the existing
    /// chat of the two is returned if there is one; refused across a block
    /// (`FORBIDDEN`). Group: a name is required; the creator becomes owner
    /// and admin; nobody who blocked the creator (or was blocked) may be in
    /// it; at most MAX_GROUP_MEMBERS members. Participants whose
    /// `groupAddPolicy` does not let the creator add them are invited
    /// instead (a `GROUP_INVITE` notification). Every member gets a
    /// `chatEvents` CREATED event and the others a notification. Creating
    /// groups and each person put in count against rate limits, stricter
    /// for a new account (`RATE_LIMITED`).
    #[graphql(guard = "Authenticated")]
    async fn create_chat(
        &self,
        ctx: &Context<'_>,
        input: CreateChatInput,
    ) -> async_graphql::Result<ChatObject> {
        let me = ctx.current_user()?;
        let new = NewChat {
            participant_ids: parse_user_ids("participantIds", &input.participant_ids)?,
            is_group: input.is_group,
            name: input.name,
            description: input.description,
            image: input.image,
            privacy: input.privacy.map(Into::into),
        };
        Ok(ChatObject(ctx.services()?.chats.create(me.id, new).await?))
    }

    /// Changes a group's settings (whom `permissions.editInfo` lets: admins
    /// by default; others get `FORBIDDEN`, reason `ADMINS_ONLY`), including
    /// its permissions and slow mode. Each change adds a system message to
    /// the chat.
    #[graphql(guard = "Authenticated")]
    async fn update_chat(
        &self,
        ctx: &Context<'_>,
        input: UpdateChatInput,
    ) -> async_graphql::Result<ChatObject> {
        let me = ctx.current_user()?;
        let id = ChatId::parse("chatId", &input.chat_id)?;
        let touches_image = input.image.is_some() || input.image_upload_id.is_some();
        let upload = crate::graphql::uploads::take_image(
            ctx,
            input.image.is_some(),
            input.image_upload_id.as_ref(),
            crate::domain::upload::UploadPurpose::ChatImage,
            Some(id),
        )
        .await?;
        let update = ChatUpdate {
            name: input.name,
            description: input.description,
            image: input.image,
            uploaded_image: upload.as_ref().map(|u| u.reference.clone()),
            privacy: input.privacy.map(Into::into),
            permissions: input.permissions.map(Into::into),
            slow_mode_seconds: input
                .slow_mode_seconds
                .map(|n| {
                    u32::try_from(n)
                        .map_err(|_| AppError::bad_input("slowModeSeconds", "must be 0 or more"))
                })
                .transpose()?,
        };
        let updated = ctx.services()?.chats.update(me.id, id, update).await;
        Ok(ChatObject(
            crate::graphql::uploads::settle(
                ctx,
                crate::graphql::uploads::ImageChange {
                    purpose: crate::domain::upload::UploadPurpose::ChatImage,
                    chat: Some(id),
                    touched: touches_image,
                    taken: upload,
                },
                updated,
            )
            .await?,
        ))
    }

    /// Adds members to a group (whom `permissions.addMembers` lets: admins
    /// by default). They must exist, not be members already (`CONFLICT`),
    /// not be banned (`FORBIDDEN`, reason `BANNED`) and not be blocked
    /// either way. People whose `groupAddPolicy` does not let the caller
    /// add them are invited instead (`GROUP_INVITE`; see
    /// `Chat.pendingInvites`). Each person counts against the caller's
    /// member-adds rate limit (`RATE_LIMITED`).
    #[graphql(guard = "Authenticated")]
    async fn add_chat_members(
        &self,
        ctx: &Context<'_>,
        input: AddChatMembersInput,
    ) -> async_graphql::Result<ChatObject> {
        let me = ctx.current_user()?;
        let id = ChatId::parse("chatId", &input.chat_id)?;
        let users = parse_user_ids("userIds", &input.user_ids)?;
        Ok(ChatObject(
            ctx.services()?.chats.add_members(me.id, id, users).await?,
        ))
    }

    /// Removes a member (admins; an admin only by the creator; never the
    /// creator). Their streams of the chat end at once.
    #[graphql(guard = "Authenticated")]
    async fn remove_chat_member(
        &self,
        ctx: &Context<'_>,
        input: ChatMemberInput,
    ) -> async_graphql::Result<ChatObject> {
        let me = ctx.current_user()?;
        let id = ChatId::parse("chatId", &input.chat_id)?;
        let user = UserId::parse("userId", &input.user_id)?;
        let services = ctx.services()?;
        let chat = services.chats.remove_member(me.id, id, user).await?;
        // Like a mute or a ban: an indicator showing stops at once.
        services.typing.silence(user, id);
        Ok(ChatObject(chat))
    }

    /// Leaves a group. When the owner leaves, ownership passes to the
    /// longest-standing admin, else the longest-standing member; a group
    /// left empty is deleted with its history.
    #[graphql(guard = "Authenticated")]
    async fn leave_chat(
        &self,
        ctx: &Context<'_>,
        input: ChatIdInput,
    ) -> async_graphql::Result<ChatObject> {
        let me = ctx.current_user()?;
        let id = ChatId::parse("chatId", &input.chat_id)?;
        let services = ctx.services()?;
        let chat = services.chats.leave(me.id, id).await?;
        services.typing.silence(me.id, id);
        Ok(ChatObject(chat))
    }

    /// Makes a member an admin (the creator only).
    #[graphql(guard = "Authenticated")]
    async fn promote_admin(
        &self,
        ctx: &Context<'_>,
        input: ChatMemberInput,
    ) -> async_graphql::Result<ChatObject> {
        let me = ctx.current_user()?;
        let id = ChatId::parse("chatId", &input.chat_id)?;
        let user = UserId::parse("userId", &input.user_id)?;
        Ok(ChatObject(
            ctx.services()?
                .chats
                .set_admin(me.id, id, user, true)
                .await?,
        ))
    }

    /// Takes the admin role back (the creator only; never from the creator).
    #[graphql(guard = "Authenticated")]
    async fn demote_admin(
        &self,
        ctx: &Context<'_>,
        input: ChatMemberInput,
    ) -> async_graphql::Result<ChatObject> {
        let me = ctx.current_user()?;
        let id = ChatId::parse("chatId", &input.chat_id)?;
        let user = UserId::parse("userId", &input.user_id)?;
        Ok(ChatObject(
            ctx.services()?
                .chats
                .set_admin(me.id, id, user, false)
                .await?,
        ))
    }

    /// Joins a public group (a member already gets the chat back;
    /// `FORBIDDEN`, reason `BANNED`, while banned).
    #[graphql(guard = "Authenticated")]
    async fn join_chat(
        &self,
        ctx: &Context<'_>,
        input: ChatIdInput,
    ) -> async_graphql::Result<ChatObject> {
        let me = ctx.current_user()?;
        let id = ChatId::parse("chatId", &input.chat_id)?;
        Ok(ChatObject(ctx.services()?.chats.join(me.id, id).await?))
    }
}
