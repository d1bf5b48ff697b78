//! Sessions: what `signUp`, `signIn` and `refreshSession` return, the
//! `sessions` query, and the mutations that end sessions (`signOut`,
//! `revokeSession`, `signOutEverywhere`, `changePassword`).

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::{Authenticated, ContextExt};
use super::pagination::{self, connection};
use super::users::UserObject;
use crate::auth::UserAgent;
use crate::domain::{SessionId, User};
use crate::error::AppError;
use crate::limits::ClientIp;
use crate::services::sessions::{ClientInfo, Credentials};
use crate::services::users::PasswordChange;
use crate::storage::sessions::Session;

/// The device a session is started from: the client-given name and the
/// `User-Agent` the transport saw.
pub fn client_info(ctx: &Context<'_>, device_name: Option<&str>) -> Result<ClientInfo, AppError> {
    let agent = ctx.data_opt::<UserAgent>().map(|a| a.0.as_str());
    ClientInfo::parse(device_name, agent)
}

/// A signed-in session's credentials.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// The access token: send as `Authorization: Bearer <token>` over HTTP
    /// and in the `connection_init` payload over WebSocket.
    token: String,
    /// When the access token stops working over HTTP (get a new one with
    /// `refreshSession`). A socket opened with it stays open as long as the
    /// session lives.
    expires_at: DateTime<Utc>,
    /// Keep it secret; use it once, with `refreshSession`.
    refresh_token: String,
    /// When the session ends unless refreshed before.
    refresh_expires_at: DateTime<Utc>,
    session: SessionObject,
    user: UserObject,
}

impl AuthPayload {
    pub fn new(credentials: Credentials, user: User) -> Self {
        Self {
            token: credentials.access.token,
            expires_at: credentials.access.expires_at,
            refresh_token: credentials.refresh_token,
            refresh_expires_at: credentials.session.expires_at,
            session: SessionObject {
                session: credentials.session,
                current: true,
            },
            user: UserObject::owned(user),
        }
    }
}

/// A signed-in device.
pub struct SessionObject {
    session: Session,
    current: bool,
}

#[Object(name = "Session")]
impl SessionObject {
    async fn id(&self) -> ID {
        ID(self.session.id.to_string())
    }

    /// The name the client gave at sign-in, if any.
    async fn device_name(&self) -> Option<&str> {
        self.session.device_name.as_deref()
    }

    /// The `User-Agent` of the sign-in request, if any.
    async fn user_agent(&self) -> Option<&str> {
        self.session.user_agent.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.session.created_at
    }

    /// The last sign-in or refresh.
    async fn last_used_at(&self) -> DateTime<Utc> {
        self.session.last_used_at
    }

    /// When the session ends unless refreshed before.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.session.expires_at
    }

    /// True for the session of the token this request was made with.
    async fn current(&self) -> bool {
        self.current
    }
}

#[derive(InputObject)]
pub struct RefreshSessionInput {
    refresh_token: String,
}

#[derive(InputObject)]
pub struct RevokeSessionInput {
    session_id: ID,
}

#[derive(InputObject, Default)]
pub struct SignOutEverywhereInput {
    /// Also end the session making this call (default: keep it).
    #[graphql(default)]
    including_this_one: bool,
}

#[derive(InputObject)]
pub struct ChangePasswordInput {
    current_password: String,
    /// Same rules as at sign-up.
    new_password: String,
}

/// The sessions a mutation ended.
#[derive(SimpleObject)]
pub struct RevokedSessions {
    session_ids: Vec<ID>,
}

impl From<Vec<SessionId>> for RevokedSessions {
    fn from(ids: Vec<SessionId>) -> Self {
        Self {
            session_ids: ids.into_iter().map(|id| ID(id.to_string())).collect(),
        }
    }
}

#[derive(Default)]
pub struct SessionQuery;

#[Object]
impl SessionQuery {
    /// The signed-in user's live sessions, newest first; `current` marks
    /// the one this request was made with.
    #[graphql(
        guard = "Authenticated",
        complexity = "super::connection_complexity(first, None::<i32>, super::pagination::DEFAULT_PAGE, child_complexity)"
    )]
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, SessionObject>> {
        let me = ctx.current_user()?;
        let request = pagination::forward(first, after.as_deref())?;
        let page = ctx.services()?.sessions.list(me.id, request).await?;
        Ok(connection(
            &request,
            page,
            |s| s.id.oid(),
            |session| SessionObject {
                current: Some(session.id) == me.session,
                session,
            },
        ))
    }
}

#[derive(Default)]
pub struct SessionMutation;

#[Object]
impl SessionMutation {
    /// Trades a refresh token for a new access token and a new refresh
    /// token; the old refresh token stops working. Presenting an old one
    /// again ends the whole session (it was copied). Works without an
    /// `Authorization` header (the access token may have expired).
    /// This server's own accounts only: `FORBIDDEN` with `AUTH_MODE=external`.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        input: RefreshSessionInput,
    ) -> async_graphql::Result<AuthPayload> {
        let services = ctx.services()?;
        let credentials = services.sessions.refresh(&input.refresh_token).await?;
        let user = services.accounts.me(credentials.session.user).await?;
        Ok(AuthPayload::new(credentials, user))
    }

    /// Ends the session making this call: its tokens stop working and its
    /// sockets close (4403). An identity provider's token has no session
    /// here: `FORBIDDEN` (sign out at the provider).
    #[graphql(guard = "Authenticated")]
    async fn sign_out(&self, ctx: &Context<'_>) -> async_graphql::Result<RevokedSessions> {
        let me = ctx.current_user()?;
        let session = me.session.ok_or_else(|| {
            AppError::Forbidden(
                "an identity provider's token has no session here: sign out at the provider".into(),
            )
        })?;
        let revoked = ctx.services()?.sessions.revoke(me, session).await?;
        Ok(revoked.into())
    }

    /// Ends one of your sessions (`NOT_FOUND` if it is not yours or over).
    #[graphql(guard = "Authenticated")]
    async fn revoke_session(
        &self,
        ctx: &Context<'_>,
        input: RevokeSessionInput,
    ) -> async_graphql::Result<RevokedSessions> {
        let me = ctx.current_user()?;
        let session = SessionId::parse("sessionId", &input.session_id)?;
        let revoked = ctx.services()?.sessions.revoke(me, session).await?;
        Ok(revoked.into())
    }

    /// Ends every other session (and this one too with
    /// `includingThisOne: true`).
    #[graphql(guard = "Authenticated")]
    async fn sign_out_everywhere(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] input: SignOutEverywhereInput,
    ) -> async_graphql::Result<RevokedSessions> {
        let me = ctx.current_user()?;
        let revoked = ctx
            .services()?
            .sessions
            .revoke_all(me, input.including_this_one)
            .await?;
        Ok(revoked.into())
    }

    /// Changes your password and ends every other session; this one stays.
    /// A wrong `currentPassword` is `BAD_USER_INPUT` and counts as a failed
    /// sign-in.
    /// This server's own accounts only: `FORBIDDEN` with `AUTH_MODE=external`.
    #[graphql(guard = "Authenticated")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> async_graphql::Result<RevokedSessions> {
        let me = ctx.current_user()?;
        let ip = ctx.data_opt::<ClientIp>().copied().unwrap_or_default();
        let change = PasswordChange {
            current: input.current_password,
            new: input.new_password,
        };
        let revoked = ctx
            .services()?
            .accounts
            .change_password(me, change, ip)
            .await?;
        Ok(revoked.into())
    }
}
