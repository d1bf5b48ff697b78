//! Accounts and profiles: `signUp`, `signIn`, `me`, `user`, `userByHandle`,
//! and the `userEvents` subscription.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};

use super::context::{Authenticated, ContextExt};
use super::live::topic_stream;
use crate::auth::Viewer;
use crate::domain::{User, UserId};
use crate::events::{Event, Topic};
use crate::services::users::{Session, SignUp};

/// A person with an account. `email` is visible to its owner only.
pub struct UserObject {
    user: User,
    /// Set where the caller just proved ownership (sign-up and sign-in
    /// results), since such a request carries no token yet.
    owner_view: bool,
}

impl UserObject {
    pub fn new(user: User) -> Self {
        Self {
            user,
            owner_view: false,
        }
    }

    /// The user as seen by their owner.
    pub fn owned(user: User) -> Self {
        Self {
            user,
            owner_view: true,
        }
    }
}

#[Object(name = "User")]
impl UserObject {
    async fn id(&self) -> ID {
        ID(self.user.id.to_string())
    }

    /// Unique (regardless of case), shown as chosen.
    async fn handle(&self) -> &str {
        &self.user.handle
    }

    async fn name(&self) -> &str {
        &self.user.name
    }

    /// Only the account's owner sees it; `null` for everyone else.
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        match ctx.viewer() {
            _ if self.owner_view => Some(&self.user.email),
            Viewer::User(me) if me.id == self.user.id => Some(&self.user.email),
            _ => None,
        }
    }

    /// An http(s) URL of the avatar.
    async fn image(&self) -> Option<&str> {
        self.user.image.as_deref()
    }

    async fn bio(&self) -> Option<&str> {
        self.user.bio.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.user.created_at
    }
}

/// A signed-in session.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Send as `Authorization: Bearer <token>` over HTTP and in the
    /// `connection_init` payload over WebSocket.
    token: String,
    /// When the token stops working; sockets using it are closed then (4403).
    expires_at: DateTime<Utc>,
    user: UserObject,
}

impl From<Session> for AuthPayload {
    fn from(session: Session) -> Self {
        Self {
            token: session.token.token,
            expires_at: session.token.expires_at,
            user: UserObject::owned(session.user),
        }
    }
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
}

#[derive(InputObject)]
pub struct SignInInput {
    /// The account's email or handle.
    login: String,
    password: String,
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The signed-in user.
    #[graphql(guard = "Authenticated")]
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        let me = ctx.current_user()?;
        Ok(UserObject::owned(
            ctx.services()?.accounts.user(me.id).await?,
        ))
    }

    /// A user by id.
    #[graphql(guard = "Authenticated")]
    async fn user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<UserObject> {
        let id = UserId::parse("id", &id)?;
        Ok(UserObject::new(ctx.services()?.accounts.user(id).await?))
    }

    /// A user by handle (any case).
    #[graphql(guard = "Authenticated")]
    async fn user_by_handle(
        &self,
        ctx: &Context<'_>,
        handle: String,
    ) -> async_graphql::Result<UserObject> {
        Ok(UserObject::new(
            ctx.services()?.accounts.user_by_handle(&handle).await?,
        ))
    }
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Creates an account and signs it in. A taken email or handle is
    /// `CONFLICT`; an invalid field is `BAD_USER_INPUT` naming the field.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        input: SignUpInput,
    ) -> async_graphql::Result<AuthPayload> {
        let session = ctx
            .services()?
            .accounts
            .sign_up(SignUp {
                email: input.email,
                handle: input.handle,
                name: input.name,
                password: input.password,
            })
            .await?;
        Ok(session.into())
    }

    /// Signs in with email or handle. Any failure is the same
    /// `UNAUTHENTICATED` error, whether the login exists or not.
    async fn sign_in(
        &self,
        ctx: &Context<'_>,
        input: SignInInput,
    ) -> async_graphql::Result<AuthPayload> {
        let session = ctx
            .services()?
            .accounts
            .sign_in(&input.login, &input.password)
            .await?;
        Ok(session.into())
    }
}

/// What happened to a user the subscriber can see.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum UserEventKind {
    ProfileUpdated,
}

#[derive(SimpleObject)]
pub struct UserEvent {
    kind: UserEventKind,
    user: UserObject,
}

#[derive(Default)]
pub struct UserSubscription;

#[Subscription]
impl UserSubscription {
    /// Profile changes of the people the signed-in user can see.
    #[graphql(guard = "Authenticated")]
    async fn user_events(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = UserEvent> + use<>> {
        let me = ctx.current_user()?;
        let bus = ctx.services()?.bus.clone();
        Ok(
            topic_stream(ctx, &bus, Topic::User(me.id)).filter_map(|event| async move {
                match event.as_ref() {
                    Event::ProfileUpdated(user) => Some(UserEvent {
                        kind: UserEventKind::ProfileUpdated,
                        user: UserObject::new(user.clone()),
                    }),
                }
            }),
        )
    }
}
