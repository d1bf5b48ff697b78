//! Sessions: one per signed-in device, each with a short-lived access
//! token (a JWT naming the session) and an opaque refresh token.
//!
//! - **Refresh tokens** are random, stored only as a SHA-256 hash (they
//!   have 256 bits of entropy, so a slow hash would add nothing), and
//!   rotate on every use: `refreshSession` returns a new one and the old
//!   one stops working. Presenting a rotated-out token again means two
//!   parties hold it, one of them a thief: the whole session is revoked
//!   (reuse detection, as the OAuth 2.0 Security BCP describes). The
//!   session's lifetime slides: each refresh starts `REFRESH_TOKEN_TTL_SECONDS`
//!   again.
//! - **Access tokens** are checked against their session on every request
//!   (one covered read by `_id`), so a revoked session's tokens are refused
//!   at once, on every instance, with no cache to outlive the revocation.
//! - **Revocation** deletes the sessions and publishes
//!   [`Event::SessionsRevoked`] on the revocations topic; each instance closes
//!   the sockets opened with them ([`SessionWatch`]).
//! - **The identity provider's tokens** (`AUTH_MODE=external` or `both`)
//!   have no session here; they are told apart by their algorithm (ours
//!   are HS256, theirs never are) and handed to [`IdentityService`].
//!   `revokeUserTokens` ([`SessionService::revoke_user_tokens`]) ends both
//!   kinds of a user: the sessions started before the instant, and the
//!   provider's tokens issued before it.

use std::sync::Arc;

use crate::auth::secrets::{random_hex, stored_hash};
use chrono::{DateTime, Utc};

use super::identities::IdentityService;
use super::known_accounts::KnownAccounts;
use super::session_watch::{SessionWatch, Watch};
use crate::auth::external::ExternalTokens;
use crate::auth::jwt::{IssuedToken, VerifiedToken};
use crate::auth::{CurrentUser, TokenService};
use crate::config::{AuthMode, Settings};
use crate::domain::{SessionId, UserId, text};
use crate::error::{AppError, AppResult};
use crate::events::{Event, EventBus, SessionsRevoked, Topic};
use crate::storage::sessions::{NewSession, Session};
use crate::storage::{Database, Page, PageRequest};

/// The longest device name a client may give.
const DEVICE_NAME_MAX: usize = 80;
/// The longest user agent kept (longer ones are cut, not refused: the
/// header is not the user's input).
const USER_AGENT_MAX: usize = 256;

/// The device a session is started from, checked.
#[derive(Default)]
pub struct ClientInfo {
    device_name: Option<String>,
    user_agent: Option<String>,
}

impl ClientInfo {
    /// Checks the client-supplied device name (`BAD_USER_INPUT` on
    /// `deviceName`); an empty one is none.
    pub fn parse(device_name: Option<&str>, user_agent: Option<&str>) -> AppResult<Self> {
        let device_name = device_name
            .filter(|name| !name.trim().is_empty())
            .map(|name| text::single_line("deviceName", name, 1, DEVICE_NAME_MAX))
            .transpose()?;
        let user_agent = user_agent
            .map(|agent| agent.chars().take(USER_AGENT_MAX).collect::<String>())
            .filter(|agent| !agent.trim().is_empty());
        Ok(Self {
            device_name,
            user_agent,
        })
    }
}

/// What a client gets on sign-up, sign-in and refresh.
pub struct Credentials {
    pub access: IssuedToken,
    pub refresh_token: String,
    pub session: Session,
}

#[derive(Clone)]
pub struct SessionService {
    db: Database,
    bus: Arc<dyn EventBus>,
    tokens: TokenService,
    refresh_ttl: chrono::Duration,
    known: Arc<KnownAccounts>,
    watch: SessionWatch,
    /// The identity provider's tokens and users.
    pub identities: IdentityService,
    mode: AuthMode,
}

impl SessionService {
    pub fn new(db: Database, bus: Arc<dyn EventBus>, settings: &Settings) -> AppResult<Self> {
        let watch = SessionWatch::new(db.clone(), bus.clone());
        let identities = IdentityService::new(
            db.clone(),
            bus.clone(),
            ExternalTokens::new(settings)?,
            watch.clone(),
            settings.identity.auth_profile_sync,
        );
        Ok(Self {
            watch,
            identities,
            mode: settings.identity.auth_mode,
            db,
            bus,
            tokens: TokenService::new(settings),
            refresh_ttl: chrono::Duration::from_std(settings.auth.refresh_token_ttl())
                .unwrap_or(chrono::Duration::days(30)),
            known: Arc::default(),
        })
    }

    /// `FORBIDDEN` unless this server's own accounts are on (`AUTH_MODE`):
    /// for `signUp`, `signIn`, `refreshSession` and `changePassword`.
    pub fn require_builtin(&self) -> AppResult<()> {
        if self.mode.builtin() {
            return Ok(());
        }
        Err(AppError::Forbidden(
            "this server signs people in through the app's identity provider only (AUTH_MODE=external)"
                .into(),
        ))
    }

    /// Which kind a bearer token is: the provider's (its header, returned)
    /// or ours (`None`). Refused when its kind is switched off.
    fn kind_of(&self, token: &str) -> AppResult<Option<jsonwebtoken::Header>> {
        let invalid = || AppError::Unauthenticated("invalid token".into());
        // Refuses `alg: none` and anything unparsable at once.
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;
        if header.alg == jsonwebtoken::Algorithm::HS256 {
            return match self.mode.builtin() {
                true => Ok(None),
                false => Err(invalid()),
            };
        }
        match self.identities.enabled() {
            true => Ok(Some(header)),
            false => Err(invalid()),
        }
    }

    /// Starts a session for `user` (on sign-up and sign-in).
    #[tracing::instrument(skip(self, client), fields(user_id = %user))]
    pub async fn start(&self, user: UserId, client: ClientInfo) -> AppResult<Credentials> {
        let refresh_token = new_refresh_token();
        let session = self
            .db
            .sessions()
            .insert(NewSession {
                user,
                refresh_hash: hash(&refresh_token),
                device_name: client.device_name,
                user_agent: client.user_agent,
                expires_at: Utc::now() + self.refresh_ttl,
            })
            .await?;
        tracing::info!(session_id = %session.id, "session started");
        let access = self.tokens.issue(user, session.id)?;
        Ok(Credentials {
            access,
            refresh_token,
            session,
        })
    }

    /// Rotates a refresh token: a new access and refresh token for the same
    /// session. A rotated-out token revokes its session (see module docs).
    #[tracing::instrument(skip_all)]
    pub async fn refresh(&self, refresh_token: &str) -> AppResult<Credentials> {
        self.require_builtin()?;
        let refused = || AppError::Unauthenticated("invalid refresh token".into());
        let old = hash(refresh_token.trim());
        let new_token = new_refresh_token();
        let sessions = self.db.sessions();
        let expires_at = Utc::now() + self.refresh_ttl;
        if let Some(session) = sessions.rotate(&old, hash(&new_token), expires_at).await? {
            let access = self.tokens.issue(session.user, session.id)?;
            return Ok(Credentials {
                access,
                refresh_token: new_token,
                session,
            });
        }
        if let Some(stolen) = sessions.delete_by_retired(&old).await? {
            tracing::warn!(
                user_id = %stolen.user,
                session_id = %stolen.id,
                "a rotated-out refresh token was presented again: session revoked"
            );
            self.announce(stolen.user, vec![stolen.id]);
        }
        Err(refused())
    }

    /// Turns an access token into the user it proves: valid signature and
    /// claims, a live session, an existing account (the last cached for
    /// [`KNOWN_FOR`](super::known_accounts::KNOWN_FOR); the session never).
    pub async fn authenticate(&self, token: &str) -> AppResult<CurrentUser> {
        if let Some(header) = self.kind_of(token)? {
            return self.identities.authenticate(token, &header).await;
        }
        let verified = self.tokens.verify(token)?;
        Ok(self.authenticated(verified, |_, _| ()).await?.0.0)
    }

    /// A download token for `me`'s session, valid for `ttl`: a link made
    /// with it works only while the session lives.
    pub fn download_token(
        &self,
        me: &CurrentUser,
        ttl: chrono::Duration,
    ) -> AppResult<IssuedToken> {
        let session = me.session.ok_or_else(|| {
            AppError::Forbidden("a download link needs a session: sign in with signIn".into())
        })?;
        self.tokens.issue_download(me.id, session, ttl)
    }

    /// Turns a download token into the user it proves, like
    /// [`Self::authenticate`] does an access token.
    pub async fn authenticate_download(&self, token: &str) -> AppResult<CurrentUser> {
        let verified = self.tokens.verify_download(token)?;
        Ok(self.authenticated(verified, |_, _| ()).await?.0.0)
    }

    /// Authenticates a socket's token and registers the socket, so that it
    /// is ended when its session is revoked. Also returns when the session
    /// ends if it is not refreshed (for a provider's token: when it expires).
    pub async fn authenticate_socket(
        &self,
        token: &str,
    ) -> AppResult<(CurrentUser, Watch, DateTime<Utc>)> {
        if let Some(header) = self.kind_of(token)? {
            let (user, watch) = self.identities.authenticate_socket(token, &header).await?;
            return Ok((user, watch, user.expires_at));
        }
        // Watching starts before the session is read, so a revocation
        // between the two is not missed.
        let verified = self.tokens.verify(token)?;
        let issued_at = verified.issued_at;
        let ((user, ends), watch) = self
            .authenticated(verified, |user, session| {
                self.watch.watch(user, Some(session), issued_at)
            })
            .await?;
        Ok((user, watch, ends))
    }

    /// Watches the session of a caller already authenticated (an event
    /// stream over HTTP): the watch is cancelled when the session is revoked.
    /// `UNAUTHENTICATED` when it ended meanwhile (checked after watching
    /// starts, so no revocation falls in between).
    pub async fn watch_caller(&self, user: &CurrentUser) -> AppResult<Watch> {
        let watch = self.watch.watch(user.id, user.session, user.issued_at);
        // A provider's token was checked by `authenticate` just now.
        if let Some(session) = user.session {
            self.live_until(user.id, session)
                .await?
                .ok_or_else(|| AppError::Unauthenticated("session ended; sign in again".into()))?;
        }
        Ok(watch)
    }

    /// When `session` of `user` ends unless refreshed; `None` once revoked
    /// or expired.
    pub async fn live_until(
        &self,
        user: UserId,
        session: SessionId,
    ) -> AppResult<Option<DateTime<Utc>>> {
        self.db.sessions().live_until(user, session).await
    }

    async fn authenticated<T>(
        &self,
        verified: VerifiedToken,
        before_reading: impl FnOnce(UserId, SessionId) -> T,
    ) -> AppResult<((CurrentUser, DateTime<Utc>), T)> {
        let (user, session) = (verified.user_id, verified.session_id);
        let extra = before_reading(user, session);
        let ends = self
            .live_until(user, session)
            .await?
            .ok_or_else(|| AppError::Unauthenticated("session ended; sign in again".into()))?;
        if !self.known.contains(user) {
            if !self.db.users().exists(user).await? {
                return Err(AppError::Unauthenticated("invalid token".into()));
            }
            self.known.insert(user);
        }
        let current = CurrentUser {
            id: user,
            session: Some(session),
            expires_at: verified.expires_at,
            issued_at: verified.issued_at,
        };
        Ok(((current, ends), extra))
    }

    /// The user's live sessions, newest first.
    pub async fn list(&self, me: UserId, page: PageRequest) -> AppResult<Page<Session>> {
        self.db.sessions().list(me, page).await
    }

    /// Revokes one of `me`'s sessions (`NOT_FOUND` if not theirs or gone).
    #[tracing::instrument(skip(self), fields(user_id = %me.id))]
    pub async fn revoke(&self, me: CurrentUser, session: SessionId) -> AppResult<Vec<SessionId>> {
        // Sessions are this server's accounts' own (see the module docs).
        let revoked = self.revoke_where(me.id, Some(&[session]), None).await?;
        if revoked.is_empty() {
            return Err(AppError::NotFound("session not found".into()));
        }
        Ok(revoked)
    }

    /// Revokes every session of `me`, or every other one.
    #[tracing::instrument(skip(self), fields(user_id = %me.id))]
    pub async fn revoke_all(
        &self,
        me: CurrentUser,
        including_this_one: bool,
    ) -> AppResult<Vec<SessionId>> {
        let keep = me.session.filter(|_| !including_this_one);
        self.revoke_where(me.id, None, keep).await
    }

    /// Ends every token of `user` issued before `before` (to the second):
    /// the sessions started before it and the provider's tokens issued
    /// before it; their sockets close on every instance. Returns the
    /// sessions revoked.
    #[tracing::instrument(skip(self), fields(user_id = %user))]
    pub async fn revoke_user_tokens(
        &self,
        user: UserId,
        before: DateTime<Utc>,
    ) -> AppResult<Vec<SessionId>> {
        self.identities.revoke_tokens(user, before).await?;
        let started = self.db.sessions().started_before(user, before).await?;
        if started.is_empty() {
            return Ok(started);
        }
        self.revoke_where(user, Some(&started), None).await
    }

    /// Revokes every session of `user` (their account is being deleted).
    pub async fn end_all_of(&self, user: UserId) -> AppResult<Vec<SessionId>> {
        self.revoke_where(user, None, None).await
    }

    async fn revoke_where(
        &self,
        user: UserId,
        ids: Option<&[SessionId]>,
        keep: Option<SessionId>,
    ) -> AppResult<Vec<SessionId>> {
        let revoked = self.db.sessions().delete(user, ids, keep).await?;
        if !revoked.is_empty() {
            // Their browsers' Web Push registrations end with them.
            self.db
                .push_subscriptions()
                .remove_sessions(&revoked)
                .await?;
            tracing::info!(count = revoked.len(), "sessions revoked");
            self.announce(user, revoked.clone());
        }
        Ok(revoked)
    }

    /// Tells every instance to close the sockets of `sessions`.
    fn announce(&self, user: UserId, sessions: Vec<SessionId>) {
        self.bus.publish(
            Topic::Sessions,
            Event::SessionsRevoked(SessionsRevoked { user, sessions }),
        );
    }
}

/// 256 random bits, hex-encoded.
fn new_refresh_token() -> String {
    random_hex(32)
}

fn hash(token: &str) -> String {
    stored_hash(token)
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens__are_long_random_and_hashed_apart() {
        let (a, b) = (new_refresh_token(), new_refresh_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(hash(&a), a);
        assert_eq!(hash(&a), hash(&a));
    }

    #[test]
    fn client_info__checks_the_device_name_and_cuts_the_user_agent() {
        assert!(ClientInfo::parse(Some("line\nbreak"), None).is_err());
        let info = ClientInfo::parse(Some("  "), Some(&"x".repeat(1000))).unwrap();
        assert!(info.device_name.is_none());
        assert_eq!(info.user_agent.unwrap().len(), USER_AGENT_MAX);
    }
}
