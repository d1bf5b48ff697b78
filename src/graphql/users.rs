//! Accounts and profiles: `signUp`, `signIn`, `me`, `user`, `userByHandle`,
//! and the `userEvents` subscription.

use std::collections::HashMap;

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::Stream;

use super::chats::GroupAddPolicy;
use super::context::{Authenticated, ContextExt};
use super::live::picked_stream;
use super::pagination::{self, connection};
use crate::auth::Viewer;
use crate::domain::upload::UploadPurpose;
use crate::domain::{User, UserId};
use crate::error::AppError;
use crate::events::{Event, PresenceStatus, Topic};
use crate::limits::ClientIp;
use crate::services::users::{ProfileUpdate, SignUp};

use super::sessions::{AuthPayload, client_info};

/// One user through the request's DataLoader (batched with its siblings).
pub async fn load_user(ctx: &Context<'_>, id: UserId) -> async_graphql::Result<UserObject> {
    let user = ctx.loaders()?.users.load_one(id).await?;
    user.map(UserObject::new)
        .ok_or_else(|| AppError::NotFound("user not found".into()).into())
}

/// Many users in one batch; ids of deleted users are absent from the map.
pub async fn load_users(
    ctx: &Context<'_>,
    ids: impl IntoIterator<Item = UserId>,
) -> async_graphql::Result<HashMap<UserId, User>> {
    ctx.loaders()?.users.load_many(ids).await
}

/// `ids` as users, in that order, loaded in one batch (deleted users left
/// out).
pub async fn users_in_order(
    ctx: &Context<'_>,
    ids: &[UserId],
) -> async_graphql::Result<Vec<UserObject>> {
    let mut users = load_users(ctx, ids.iter().copied()).await?;
    Ok(ids
        .iter()
        .filter_map(|id| users.remove(id))
        .map(UserObject::new)
        .collect())
}

/// A person with an account. `email` is visible to its owner only.
pub struct UserObject {
    user: User,
    /// Set where the caller just proved ownership (sign-up and sign-in
    /// results), since such a request carries no token yet.
    owner_view: bool,
    /// Presence already known to be visible (a presence event was routed
    /// to this viewer because they may watch the user).
    presence: Option<PresenceStatus>,
}

impl UserObject {
    pub fn new(user: User) -> Self {
        Self {
            user,
            owner_view: false,
            presence: None,
        }
    }

    /// The user as seen by their owner.
    pub fn owned(user: User) -> Self {
        Self {
            user,
            owner_view: true,
            presence: None,
        }
    }

    /// The user with a presence the viewer is known to be allowed to see.
    pub fn with_presence(user: User, status: PresenceStatus) -> Self {
        Self {
            user,
            owner_view: false,
            presence: Some(status),
        }
    }

    /// Whether the viewer may see this user's presence: themself, friends
    /// and chat partners, never across a block.
    async fn presence_visible(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        if self.user.deleted {
            return Ok(false);
        }
        if self.owner_view || self.presence.is_some() {
            return Ok(true);
        }
        let Viewer::User(me) = ctx.viewer() else {
            return Ok(false);
        };
        if me.id == self.user.id {
            return Ok(true);
        }
        let services = ctx.services()?;
        let watchable = ctx
            .loaders()?
            .watchable
            .get_or_try_init(|| services.audience.watchers_of(me.id))
            .await?;
        Ok(watchable.contains(&self.user.id))
    }
}

#[Object(name = "User")]
impl UserObject {
    async fn id(&self) -> ID {
        ID(self.user.id.to_string())
    }

    /// Unique (regardless of case), shown as chosen. Empty for a deleted
    /// account.
    async fn handle(&self) -> &str {
        &self.user.handle
    }

    /// "Deleted account" for a deleted account.
    async fn name(&self) -> &str {
        &self.user.name
    }

    /// True for an account that was deleted (`deleteAccount`): its messages
    /// are tombstones and it is shown as "Deleted account", with an empty
    /// handle and no image, bio or presence. Its id stays the same.
    async fn deleted(&self) -> bool {
        self.user.deleted
    }

    /// Only the account's owner sees it; `null` for everyone else.
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        match ctx.viewer() {
            // Deleted, or provisioned from the identity provider without one.
            _ if self.user.deleted || self.user.email.is_empty() => None,
            _ if self.owner_view => Some(&self.user.email),
            Viewer::User(me) if me.id == self.user.id => Some(&self.user.email),
            _ => None,
        }
    }

    /// Who may add this user to groups. Only the account's owner sees it;
    /// `null` for everyone else.
    async fn group_add_policy(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<GroupAddPolicy>> {
        let own = match ctx.viewer() {
            _ if self.user.deleted => false,
            Viewer::User(me) => self.owner_view || me.id == self.user.id,
            _ => self.owner_view,
        };
        if !own {
            return Ok(None);
        }
        let policy = ctx.services()?.chats.group_add_policy(self.user.id).await?;
        Ok(Some(policy.into()))
    }

    /// The avatar: for a picture set with `imageUploadId` a signed URL
    /// working for `DOWNLOAD_URL_TTL_SECONDS` (read again for a fresh one),
    /// else the http(s) URL that was set.
    async fn image(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        super::uploads::signed_url(ctx, self.user.image.as_deref()).await
    }

    async fn bio(&self) -> Option<&str> {
        self.user.bio.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.user.created_at
    }

    /// ONLINE while any of their devices is connected. Visible to
    /// themself, friends and chat partners (never across a block); null
    /// for everyone else.
    async fn status(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Presence>> {
        if !self.presence_visible(ctx).await? {
            return Ok(None);
        }
        let status = match self.presence {
            Some(status) => status,
            None if ctx.services()?.presence.is_online(self.user.id).await => {
                PresenceStatus::Online
            }
            None => PresenceStatus::Offline,
        };
        Ok(Some(status.into()))
    }

    /// When their last device disconnected; same visibility as `status`.
    async fn last_seen(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DateTime<Utc>>> {
        Ok(if self.presence_visible(ctx).await? {
            self.user.last_seen
        } else {
            None
        })
    }
}

/// A user as everyone sees them: the fields of [`UserObject`] whose answer
/// does not depend on the viewer (no `email`, `status` or `lastSeen`). This
/// is what a rendering shared between viewers returns (see
/// [`shared_events`](super::shared_events)); a field added here cannot
/// read the viewer, since a shared rendering carries none.
pub struct SharedUser(UserObject);

impl From<UserObject> for SharedUser {
    fn from(user: UserObject) -> Self {
        Self(user)
    }
}

#[Object(name = "User")]
impl SharedUser {
    async fn id(&self, ctx: &Context<'_>) -> async_graphql::Result<ID> {
        self.0.id(ctx).await
    }

    async fn handle(&self, ctx: &Context<'_>) -> async_graphql::Result<&str> {
        self.0.handle(ctx).await
    }

    async fn name(&self, ctx: &Context<'_>) -> async_graphql::Result<&str> {
        self.0.name(ctx).await
    }

    async fn deleted(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        self.0.deleted(ctx).await
    }

    async fn image(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        self.0.image(ctx).await
    }

    async fn bio(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        self.0.bio(ctx).await
    }

    async fn created_at(&self, ctx: &Context<'_>) -> async_graphql::Result<DateTime<Utc>> {
        self.0.created_at(ctx).await
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::events::PresenceStatus")]
pub enum Presence {
    Online,
    Offline,
}

#[derive(InputObject)]
pub struct SignUpInput {
    /// Unique; stored lower-cased; at most 254 characters.
    email: String,
    /// 3–30 letters, digits or underscores, starting with a letter; unique
    /// regardless of case.
    handle: String,
    /// 1–80 characters.
    name: String,
    /// 8 characters or more (at most 256 bytes).
    password: String,
    /// A name for this device, shown in `sessions` (at most 80 characters).
    device_name: Option<String>,
    /// Who may add you to groups (default FRIENDS).
    group_add_policy: Option<GroupAddPolicy>,
}

#[derive(InputObject)]
pub struct SignInInput {
    /// The account's email or handle.
    login: String,
    password: String,
    /// A name for this device, shown in `sessions` (at most 80 characters).
    device_name: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateProfileInput {
    /// 1–80 characters.
    name: Option<String>,
    /// Same rules as at sign-up; must still be unique.
    handle: Option<String>,
    /// At most 500 characters; empty clears it.
    bio: Option<String>,
    /// An http(s) URL of at most 2,048 characters; empty clears it.
    image: Option<String>,
    /// A completed AVATAR upload of yours (see `createUpload`), in place of
    /// `image`.
    image_upload_id: Option<ID>,
    /// Who may add you to groups; anyone else can only invite you.
    group_add_policy: Option<GroupAddPolicy>,
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The signed-in user.
    #[graphql(guard = "Authenticated")]
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        let me = ctx.current_user()?;
        Ok(UserObject::owned(ctx.services()?.accounts.me(me.id).await?))
    }

    /// A user by id. Someone who blocked you is `NOT_FOUND`.
    #[graphql(guard = "Authenticated")]
    async fn user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<UserObject> {
        let me = ctx.current_user()?;
        let id = UserId::parse("id", &id)?;
        Ok(UserObject::new(
            ctx.services()?.accounts.user(me.id, id).await?,
        ))
    }

    /// A user by handle (any case). Someone who blocked you is `NOT_FOUND`.
    #[graphql(guard = "Authenticated")]
    async fn user_by_handle(
        &self,
        ctx: &Context<'_>,
        handle: String,
    ) -> async_graphql::Result<UserObject> {
        let me = ctx.current_user()?;
        Ok(UserObject::new(
            ctx.services()?
                .accounts
                .user_by_handle(me.id, &handle)
                .await?,
        ))
    }

    /// Users whose handle or name starts with `query` (any case), newest
    /// accounts first. Never returns someone who has blocked you.
    #[graphql(
        guard = "Authenticated",
        complexity = "super::connection_complexity(first, None::<i32>, super::pagination::DEFAULT_PAGE, child_complexity)"
    )]
    async fn search_users(
        &self,
        ctx: &Context<'_>,
        query: String,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, UserObject>> {
        let me = ctx.current_user()?;
        let request = pagination::forward(first, after.as_deref())?;
        let page = ctx
            .services()?
            .accounts
            .search(me.id, &query, request)
            .await?;
        Ok(connection(&request, page, |u| u.id.oid(), UserObject::new))
    }
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Creates an account and signs it in. A taken email or handle is
    /// `CONFLICT`; an invalid field is `BAD_USER_INPUT` naming the field.
    /// This server's own accounts only: `FORBIDDEN` with `AUTH_MODE=external`.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        input: SignUpInput,
    ) -> async_graphql::Result<AuthPayload> {
        let ip = ctx.data_opt::<ClientIp>().copied().unwrap_or_default();
        let client = client_info(ctx, input.device_name.as_deref())?;
        let signed_in = ctx
            .services()?
            .accounts
            .sign_up(
                SignUp {
                    email: input.email,
                    handle: input.handle,
                    name: input.name,
                    password: input.password,
                },
                client,
                ip,
            )
            .await?;
        if let Some(policy) = input.group_add_policy {
            ctx.services()?
                .chats
                .set_group_add_policy(signed_in.user.id, policy.into())
                .await?;
        }
        Ok(AuthPayload::new(signed_in.credentials, signed_in.user))
    }

    /// Changes the signed-in user's profile. Absent fields stay as they are;
    /// an empty `bio` or `image` clears it. Any invalid field refuses the
    /// whole change (`BAD_USER_INPUT`); a taken handle is `CONFLICT`. The new
    /// profile reaches friends and chat partners through `userEvents`.
    #[graphql(guard = "Authenticated")]
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        input: UpdateProfileInput,
    ) -> async_graphql::Result<UserObject> {
        let me = ctx.current_user()?;
        let services = ctx.services()?;
        let touches_image = input.image.is_some() || input.image_upload_id.is_some();
        let upload = super::uploads::take_image(
            ctx,
            input.image.is_some(),
            input.image_upload_id.as_ref(),
            UploadPurpose::Avatar,
            None,
        )
        .await?;
        let updated = services
            .accounts
            .update_profile(
                me.id,
                ProfileUpdate {
                    name: input.name,
                    handle: input.handle,
                    bio: input.bio,
                    image: input.image,
                    uploaded_image: upload.as_ref().map(|u| u.reference.clone()),
                },
            )
            .await;
        let change = super::uploads::ImageChange {
            purpose: UploadPurpose::Avatar,
            chat: None,
            touched: touches_image,
            taken: upload,
        };
        let user = super::uploads::settle(ctx, change, updated).await?;
        // After the profile: an invalid profile field changes nothing.
        if let Some(policy) = input.group_add_policy {
            ctx.services()?
                .chats
                .set_group_add_policy(me.id, policy.into())
                .await?;
        }
        Ok(UserObject::owned(user))
    }

    /// Signs in with email or handle (this server's own accounts only:
    /// `FORBIDDEN` with `AUTH_MODE=external`). A wrong password is the same
    /// `UNAUTHENTICATED` error whether the login exists or not. Too many
    /// attempts at one account from one network, or from networks it has not
    /// signed in from lately, get `RATE_LIMITED` with `retryAfterMs`;
    /// networks the account signed in from lately are not locked out by
    /// guesses from elsewhere.
    async fn sign_in(
        &self,
        ctx: &Context<'_>,
        input: SignInInput,
    ) -> async_graphql::Result<AuthPayload> {
        let ip = ctx.data_opt::<ClientIp>().copied().unwrap_or_default();
        let client = client_info(ctx, input.device_name.as_deref())?;
        let signed_in = ctx
            .services()?
            .accounts
            .sign_in(&input.login, &input.password, client, ip)
            .await?;
        Ok(AuthPayload::new(signed_in.credentials, signed_in.user))
    }
}

/// What happened to a user the subscriber can see.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum UserEventKind {
    ProfileUpdated,
    /// `user.status` changed (and `user.lastSeen`, on going offline).
    PresenceChanged,
    /// Events may have been missed (a server-side outage): refetch what you
    /// show. `user` is null.
    Resync,
}

#[derive(SimpleObject)]
pub struct UserEvent {
    kind: UserEventKind,
    /// The user concerned; null only for RESYNC.
    user: Option<UserObject>,
}

#[derive(Default)]
pub struct UserSubscription;

#[Subscription]
impl UserSubscription {
    /// Profile and presence changes of the people the signed-in user may
    /// watch — friends and members of shared chats, never across a block —
    /// and their own profile changes (from other devices).
    #[graphql(guard = "Authenticated")]
    async fn user_events(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = UserEvent> + use<>> {
        let me = ctx.current_user()?.id;
        let events = ctx.services()?.own_events(me);
        let resync = || UserEvent {
            kind: UserEventKind::Resync,
            user: None,
        };
        Ok(picked_stream(
            ctx,
            Topic::User(me),
            events,
            resync,
            |event| match event {
                Event::ProfileUpdated(user) => Some(UserEvent {
                    kind: UserEventKind::ProfileUpdated,
                    user: Some(UserObject::new(user.clone())),
                }),
                Event::Presence(p) => Some(UserEvent {
                    kind: UserEventKind::PresenceChanged,
                    user: Some(UserObject::with_presence(p.user.clone(), p.status)),
                }),
                _ => None,
            },
        ))
    }
}
