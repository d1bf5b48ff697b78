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

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::session_watch::{SessionWatch, Watch};
use crate::auth::CurrentUser;
use crate::auth::external::{ExternalClaims, ExternalTokens};
use crate::config::identity::ProfileSync;
use crate::domain::user::{HANDLE_MAX, HANDLE_MIN, IMAGE_URL_MAX};
use crate::domain::{DisplayName, Email, Handle, User, UserId, text};
use crate::error::{AppError, AppResult};
use crate::events::{Event, EventBus, TokensRevoked, Topic};
use crate::storage::Database;
use crate::storage::identities::{Identity, ProvisionedUser};
use crate::storage::users::ProfileChanges;

/// A profile for a provider's user, checked.
pub struct ExternalProfile {
    /// What the handle is made from (made fit by [`handle_candidates`]).
    pub handle: Option<String>,
    pub name: Option<DisplayName>,
    pub email: Option<Email>,
    pub image: Option<String>,
}

impl ExternalProfile {
    /// From a token's claims: what does not fit is left out, never refused
    /// (the provider's data is not the user's input here).
    pub fn from_claims(claims: &ExternalClaims) -> Self {
        let handle = claims
            .preferred_username
            .clone()
            .or_else(|| claims.handle.clone())
            .or_else(|| {
                claims
                    .email
                    .as_deref()
                    .and_then(|e| e.split('@').next())
                    .map(str::to_owned)
            })
            .or_else(|| claims.name.clone());
        Self {
            handle,
            name: claims
                .name
                .as_deref()
                .and_then(|n| DisplayName::parse(n).ok()),
            email: claims.email.as_deref().and_then(|e| Email::parse(e).ok()),
            image: claims
                .picture
                .as_deref()
                .and_then(|p| text::http_url("image", p, IMAGE_URL_MAX).ok()),
        }
    }
}

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

    /// Makes an account for `subject` and links it; a concurrent first
    /// sign-in of the same user gets the same account.
    #[tracing::instrument(skip(self, profile))]
    pub async fn provision(
        &self,
        subject: &str,
        mut profile: ExternalProfile,
    ) -> AppResult<(Identity, User)> {
        let wanted_name = profile.name.take();
        let mut user = None;
        for candidate in handle_candidates(subject, profile.handle.as_deref()) {
            // Without a name, the handle is one.
            let name = match &wanted_name {
                Some(name) => name.clone(),
                None => DisplayName::parse(candidate.as_str())?,
            };
            let inserted = self
                .db
                .identities()
                .insert_user(ProvisionedUser {
                    email: profile.email.as_ref(),
                    handle: &candidate,
                    name: &name,
                    image: profile.image.clone(),
                })
                .await;
            match inserted {
                Ok(made) => {
                    user = Some(made);
                    break;
                }
                // Someone else's email: the account is made without it.
                Err(AppError::Conflict(message)) if message.contains("email") => {
                    profile.email = None;
                    let retry = self
                        .db
                        .identities()
                        .insert_user(ProvisionedUser {
                            email: None,
                            handle: &candidate,
                            name: &name,
                            image: profile.image.clone(),
                        })
                        .await;
                    match retry {
                        Ok(made) => {
                            user = Some(made);
                            break;
                        }
                        Err(AppError::Conflict(_)) => continue,
                        Err(other) => return Err(other),
                    }
                }
                Err(AppError::Conflict(_)) => continue,
                Err(other) => return Err(other),
            }
        }
        let user = user.ok_or_else(|| AppError::Conflict("no free handle for this user".into()))?;
        if self.db.identities().link(subject, user.id).await? {
            tracing::info!(user_id = %user.id, "account provisioned for an external user");
            let identity = Identity {
                user: user.id,
                tokens_valid_after: None,
            };
            return Ok((identity, user));
        }
        // Lost the race: the other account is the one.
        self.db.identities().discard_user(user.id).await?;
        let identity = self
            .db
            .identities()
            .find(subject)
            .await?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("identity vanished")))?;
        let user = self
            .db
            .users()
            .find(identity.user)
            .await?
            .ok_or_else(|| AppError::NotFound("user not found".into()))?;
        Ok((identity, user))
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

/// The handles tried for `subject`, in order: the wanted one made fit
/// (letters, digits, `_`, starting with a letter), then with a suffix made
/// from `subject`'s hash, longer each time. Deterministic: the same user
/// gets the same handle whichever instance provisions them.
pub fn handle_candidates(subject: &str, wanted: Option<&str>) -> Vec<Handle> {
    let digest: String = Sha256::digest(subject.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut base: String = wanted
        .unwrap_or_default()
        .chars()
        .filter_map(|c| match c {
            c if c.is_ascii_alphanumeric() || c == '_' => Some(c),
            '.' | '-' | ' ' => Some('_'),
            _ => None,
        })
        .collect();
    if !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
        base.insert(0, 'u');
    }
    while base.len() < HANDLE_MIN {
        base.push('_');
    }
    let mut candidates = vec![truncate(&base, HANDLE_MAX)];
    for suffix in [6, 10, 16] {
        let keep = HANDLE_MAX - suffix - 1;
        candidates.push(format!("{}_{}", truncate(&base, keep), &digest[..suffix]));
    }
    candidates
        .iter()
        .filter_map(|c| Handle::parse(c).ok())
        .collect()
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn handle_candidates__are_valid_and_deterministic() {
        let made = handle_candidates("auth0|123", Some("ada.lovelace"));
        assert_eq!(made[0].as_str(), "ada_lovelace");
        assert_eq!(made.len(), 4);
        assert_eq!(made, handle_candidates("auth0|123", Some("ada.lovelace")));
        assert_ne!(
            made[1],
            handle_candidates("auth0|124", Some("ada.lovelace"))[1]
        );
        assert_eq!(handle_candidates("x", Some("9"))[0].as_str(), "u9_");
        assert_eq!(handle_candidates("x", None)[0].as_str(), "u__");
        let long = handle_candidates("x", Some(&"a".repeat(50)));
        assert!(long.iter().all(|h| h.as_str().len() <= HANDLE_MAX));
    }
}
