//! Provisioning: the account a provider's user gets when first seen (on
//! their first token, or from `upsertUsers`), made from a checked
//! [`ExternalProfile`], with a handle chosen deterministically.

use sha2::{Digest, Sha256};

use super::IdentityService;
use crate::auth::external::ExternalClaims;
use crate::domain::user::{HANDLE_MAX, HANDLE_MIN, IMAGE_URL_MAX};
use crate::domain::{DisplayName, Email, Handle, User, text};
use crate::error::{AppError, AppResult};
use crate::storage::identities::{Identity, ProvisionedUser};

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

impl IdentityService {
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
