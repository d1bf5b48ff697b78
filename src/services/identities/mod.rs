//! The identity provider's users: their tokens become a [`CurrentUser`],
//! and they get an account here the first time they are seen.
//!
//! - **No session.** A provider's token has no refresh token and no
//!   session document here: the provider issues and renews it, and the app
//!   sends whichever it holds. So `sessions`, `signOut` and `revokeSession`
//!   do not apply to it; its socket closes with 4403 when it expires (the
//!   client reconnects with a fresh one), and the one way to end it early is
//!   `revokeUserTokens` (the app's backend): tokens of the user issued
//!   before an instant are refused from then on, and their sockets close on
//!   every instance. The trade: no database read per request (the account
//!   and its revocation instant are cached, see [`super::identity_cache`]),
//!   but revocation is per user, not per device.
//! - **Provisioning.** `sub` is the stable id. On first sight the account
//!   is made from the claims: `name`, `preferred_username` (or `handle`),
//!   `email`, `picture`. A taken or unusable handle gets a suffix made from
//!   `sub` (the same every time); an email already registered is left out.
//!   With `AUTH_PROFILE_SYNC=always` later tokens update name and picture
//!   (read when the cached entry is renewed, not on every request).

mod provision;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::session_watch::{SessionWatch, Watch};
use crate::auth::CurrentUser;
use crate::auth::external::{ExternalClaims, ExternalTokens};

use crate::config::identity::ProfileSync;
use crate::domain::{User, UserId};
use crate::error::{AppError, AppResult};
use crate::events::{Event, EventBus, TokensRevoked, Topic};
use crate::storage::Database;
use crate::storage::identities::Identity;
use crate::storage::users::ProfileChanges;
pub use provision::{ExternalProfile, handle_candidates};

#[derive(Clone)]
pub struct IdentityService {
    db: Database,
    bus: Arc<dyn EventBus>,
    external: Option<Arc<ExternalTokens>>,
    watch: SessionWatch,
    sync: ProfileSync,
}

impl IdentityService {
    pub fn new(
        db: Database,
        bus: Arc<dyn EventBus>,
        external: Option<ExternalTokens>,
        watch: SessionWatch,
        sync: ProfileSync,
    ) -> Self {
        Self {
            db,
            bus,
            external: external.map(Arc::new),
            watch,
            sync,
        }
    }

    /// True when the provider's tokens are accepted (`AUTH_MODE`).
    pub fn enabled(&self) -> bool {
        self.external.is_some()
    }

    /// Turns a provider's token into the user it names, provisioning them
    /// on first sight.
    pub async fn authenticate(
        &self,
        token: &str,
        header: &jsonwebtoken::Header,
    ) -> AppResult<CurrentUser> {
        let external = self
            .external
            .as_ref()
            .ok_or_else(|| AppError::Unauthenticated("invalid token".into()))?;
        let verified = external
            .verify(token, header.alg, header.kid.as_deref())
            .await?;
        // The cache is only right while revocations are followed.
        self.watch.ensure_following();
        let subject = verified.claims.sub.as_str();
        let identity = match self.watch.identities().get(subject) {
            Some(identity) => identity,
            None => {
                let identity = self.resolve(&verified.claims).await?;
                self.watch.identities().insert(subject, identity);
                identity
            }
        };
        if identity
            .tokens_valid_after
            .is_some_and(|after| verified.issued_at < after)
        {
            return Err(AppError::Unauthenticated("token revoked".into()));
        }
        Ok(CurrentUser {
            id: identity.user,
            session: None,
            expires_at: verified.expires_at,
            issued_at: verified.issued_at,
        })
    }

    /// Authenticates a socket's provider token and registers the socket:
    /// it ends when the user's tokens are revoked. The socket closes at the
    /// token's expiry.
    pub async fn authenticate_socket(
        &self,
        token: &str,
        header: &jsonwebtoken::Header,
    ) -> AppResult<(CurrentUser, Watch)> {
        let user = self.authenticate(token, header).await?;
        let watch = self.watch.watch(user.id, None, user.issued_at);
        // Checked again after watching starts, so that a revocation in
        // between is not missed.
        if let Some(after) = self.db.identities().valid_after(user.id).await?
            && user.issued_at < after
        {
            return Err(AppError::Unauthenticated("token revoked".into()));
        }
        Ok((user, watch))
    }

    /// The account of the provider's user of `claims` (read, or made now).
    async fn resolve(&self, claims: &ExternalClaims) -> AppResult<Identity> {
        if let Some(identity) = self.db.identities().find(&claims.sub).await? {
            // Deleted (refused until `upsertUsers` makes them a new
            // account) or deactivated by the app's backend.
            if !self.db.identities().is_active(identity.user).await? {
                return Err(AppError::Unauthenticated(
                    "this account was deleted or deactivated".into(),
                ));
            }
            if self.sync == ProfileSync::Always {
                let profile = ExternalProfile::from_claims(claims);
                self.update(identity.user, &profile).await?;
            }
            return Ok(identity);
        }
        let (identity, _) = self
            .provision(&claims.sub, ExternalProfile::from_claims(claims))
            .await?;
        Ok(identity)
    }

    /// Creates or updates the account of the provider's user `subject` (the
    /// app's backend, `upsertUsers`): a new one is provisioned as on first
    /// sight (also when the old one was deleted); an existing one gets the
    /// given name and picture.
    pub async fn upsert(&self, subject: &str, profile: ExternalProfile) -> AppResult<User> {
        if let Some(identity) = self.db.identities().find(subject).await? {
            if let Some(user) = self.update(identity.user, &profile).await? {
                return Ok(user);
            }
            // Its account was deleted: the link goes, a new account comes.
            self.db.identities().unlink(identity.user).await?;
        }
        Ok(self.provision(subject, profile).await?.1)
    }

    /// Updates name and picture of a provider's user (never the handle or
    /// email: see [`crate::storage::identities`]). Publishes nothing: the
    /// profile's watchers see it on their next read.
    pub async fn update(&self, user: UserId, profile: &ExternalProfile) -> AppResult<Option<User>> {
        let changes = ProfileChanges {
            name: profile.name.clone(),
            image: profile.image.clone().map(Some),
            ..ProfileChanges::default()
        };
        self.db.users().update_profile(user, changes).await
    }

    /// Refuses `user`'s provider tokens issued before `before` (to the
    /// second: one issued in that very second is refused too), here and on
    /// every instance, and closes their sockets.
    pub async fn revoke_tokens(&self, user: UserId, before: DateTime<Utc>) -> AppResult<()> {
        self.db.identities().revoke_before(user, before).await?;
        self.watch.identities().forget(user);
        self.bus.publish(
            Topic::Sessions,
            Event::TokensRevoked(TokensRevoked { user, before }),
        );
        Ok(())
    }
}
