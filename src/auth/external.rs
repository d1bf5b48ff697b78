//! Tokens of the app's identity provider (`AUTH_MODE=external` or `both`):
//! checked against the provider's published keys ([`super::jwks`]), its
//! issuer and our audience.
//!
//! Only the algorithms of `AUTH_ALGORITHMS` (public-key ones: RS256, ES256,
//! EdDSA) are accepted, and the key must be of that algorithm's family, so
//! `none` and an HS256 token "signed" with a public key are refused before
//! any signature is checked. `exp`, `iat`, `iss`, `aud` and `sub` are
//! required; `iat` is what `revokeUserTokens` compares.

use chrono::{DateTime, TimeZone, Utc};
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;

use super::jwks::KeySet;
use crate::config::Settings;
use crate::error::{AppError, AppResult};

/// The longest `sub` accepted (providers use ids of a few dozen characters).
const MAX_SUBJECT_LEN: usize = 255;

/// What an external token says about its user.
#[derive(Debug, Deserialize)]
pub struct ExternalClaims {
    /// The user's stable id at the provider.
    pub sub: String,
    pub iat: Option<i64>,
    pub exp: i64,
    pub name: Option<String>,
    pub preferred_username: Option<String>,
    /// Some providers (and apps minting their own tokens) say `handle`.
    pub handle: Option<String>,
    pub email: Option<String>,
    pub picture: Option<String>,
}

/// An external token that passed every check.
#[derive(Debug)]
pub struct VerifiedExternal {
    pub claims: ExternalClaims,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub struct ExternalTokens {
    keys: KeySet,
    algorithms: Vec<Algorithm>,
    issuer: String,
    audience: String,
}

impl ExternalTokens {
    /// `None` when external tokens are off (`AUTH_MODE=builtin`).
    pub fn new(settings: &Settings) -> AppResult<Option<Self>> {
        if !settings.identity.auth_mode.external() {
            return Ok(None);
        }
        let algorithms = settings
            .identity
            .auth_algorithms()
            .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
        Ok(Some(Self {
            keys: KeySet::new(settings)?,
            algorithms,
            issuer: settings.identity.auth_issuer.clone().unwrap_or_default(),
            audience: settings.identity.auth_audience.clone().unwrap_or_default(),
        }))
    }

    /// Checks algorithm, key, signature and claims.
    pub async fn verify(
        &self,
        token: &str,
        algorithm: Algorithm,
        kid: Option<&str>,
    ) -> AppResult<VerifiedExternal> {
        use jsonwebtoken::errors::ErrorKind;
        if !self.algorithms.contains(&algorithm) {
            return Err(AppError::Unauthenticated(
                "invalid token: algorithm not accepted".into(),
            ));
        }
        let key = self.keys.key(kid, algorithm).await?;
        let mut validation = Validation::new(algorithm);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[self.issuer.as_str()]);
        validation.set_audience(&[self.audience.as_str()]);
        validation.validate_nbf = true;
        // As for our own tokens: a socket closes exactly at `exp`.
        validation.leeway = 0;
        let data =
            jsonwebtoken::decode::<ExternalClaims>(token, &key, &validation).map_err(|e| {
                AppError::Unauthenticated(match e.kind() {
                    ErrorKind::ExpiredSignature => "token expired".into(),
                    ErrorKind::ImmatureSignature => "token not yet valid".into(),
                    ErrorKind::InvalidIssuer => "invalid token: wrong issuer".into(),
                    ErrorKind::InvalidAudience => "invalid token: wrong audience".into(),
                    _ => "invalid token".into(),
                })
            })?;
        let claims = data.claims;
        let invalid = |why: &str| AppError::Unauthenticated(format!("invalid token: {why}"));
        if claims.sub.trim().is_empty() || claims.sub.len() > MAX_SUBJECT_LEN {
            return Err(invalid("bad sub"));
        }
        let iat = claims.iat.ok_or_else(|| invalid("no iat"))?;
        let issued_at = Utc
            .timestamp_opt(iat, 0)
            .single()
            .ok_or_else(|| invalid("bad iat"))?;
        let expires_at = Utc
            .timestamp_opt(claims.exp, 0)
            .single()
            .ok_or_else(|| invalid("bad exp"))?;
        Ok(VerifiedExternal {
            claims,
            issued_at,
            expires_at,
        })
    }
}
