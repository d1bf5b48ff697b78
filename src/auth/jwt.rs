//! JSON Web Tokens: HS256 only, with `exp`, `iss`, `aud` and `sub` required.
//!
//! The algorithm is pinned when checking, so a token claiming `none` or an
//! asymmetric algorithm is refused before its signature is looked at.
//!
//! A token is an access token: short-lived, naming the session it was
//! issued for (`sid`), so that revoking the session ends it at once (see
//! [`crate::services::sessions`]). A token without `sid` is refused.
//!
//! A *download* token is the same but for its audience (the configured one
//! with [`DOWNLOAD_AUDIENCE_SUFFIX`]): it goes in a link (a data export), so
//! it only opens that link and is never accepted as an access token, nor
//! an access token in its place.

use chrono::{DateTime, TimeZone, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::Settings;
use crate::domain::{SessionId, UserId};
use crate::error::{AppError, AppResult};

const ALGORITHM: Algorithm = Algorithm::HS256;

/// Appended to the audience of download tokens.
pub const DOWNLOAD_AUDIENCE_SUFFIX: &str = "#download";

/// The claims we write and require.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The session id.
    pub sid: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// Issues and checks tokens with the configured key, issuer and audience.
#[derive(Clone)]
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    download_validation: Validation,
    issuer: String,
    audience: String,
    ttl: chrono::Duration,
}

/// A freshly issued token.
pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// A token that passed every check.
#[derive(Debug)]
pub struct VerifiedToken {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub expires_at: DateTime<Utc>,
    pub issued_at: DateTime<Utc>,
}

impl TokenService {
    pub fn new(settings: &Settings) -> Self {
        let secret = settings.auth.jwt_secret_bytes();
        let mut validation = Validation::new(ALGORITHM);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.set_issuer(&[settings.auth.jwt_issuer.as_str()]);
        validation.set_audience(&[settings.auth.jwt_audience.as_str()]);
        validation.validate_nbf = true;
        // One server signs and checks; no clock skew to absorb, and an
        // expired token must fail at once (a socket closes exactly at `exp`).
        validation.leeway = 0;
        let mut download_validation = validation.clone();
        download_validation.set_audience(&[download_audience(&settings.auth.jwt_audience)]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            download_validation,
            issuer: settings.auth.jwt_issuer.clone(),
            audience: settings.auth.jwt_audience.clone(),
            ttl: chrono::Duration::from_std(settings.auth.access_token_ttl())
                .unwrap_or(chrono::Duration::minutes(15)),
        }
    }

    /// An access token for `user_id` in session `session_id`.
    pub fn issue(&self, user_id: UserId, session_id: SessionId) -> AppResult<IssuedToken> {
        self.issue_for(user_id, session_id, self.audience.clone(), self.ttl)
    }

    /// A download token (see the module docs) valid for `ttl`.
    pub fn issue_download(
        &self,
        user_id: UserId,
        session_id: SessionId,
        ttl: chrono::Duration,
    ) -> AppResult<IssuedToken> {
        self.issue_for(user_id, session_id, download_audience(&self.audience), ttl)
    }

    fn issue_for(
        &self,
        user_id: UserId,
        session_id: SessionId,
        audience: String,
        ttl: chrono::Duration,
    ) -> AppResult<IssuedToken> {
        let now = Utc::now();
        let expires_at = now + ttl;
        let claims = Claims {
            sub: user_id.to_string(),
            sid: session_id.to_string(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: expires_at.timestamp(),
            iss: self.issuer.clone(),
            aud: audience,
        };
        let token = jsonwebtoken::encode(&Header::new(ALGORITHM), &claims, &self.encoding)
            .map_err(AppError::internal)?;
        Ok(IssuedToken {
            token,
            expires_at: Utc
                .timestamp_opt(claims.exp, 0)
                .single()
                .unwrap_or(expires_at),
        })
    }

    /// Checks signature, algorithm and claims. The reason in the error is
    /// coarse on purpose: enough for a client to know to sign in again.
    pub fn verify(&self, token: &str) -> AppResult<VerifiedToken> {
        self.verify_with(token, &self.validation)
    }

    /// Checks a download token as [`Self::verify`] checks access tokens.
    pub fn verify_download(&self, token: &str) -> AppResult<VerifiedToken> {
        self.verify_with(token, &self.download_validation)
    }

    fn verify_with(&self, token: &str, validation: &Validation) -> AppResult<VerifiedToken> {
        use jsonwebtoken::errors::ErrorKind;
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, validation).map_err(|e| {
                AppError::Unauthenticated(match e.kind() {
                    ErrorKind::ExpiredSignature => "token expired".into(),
                    ErrorKind::ImmatureSignature => "token not yet valid".into(),
                    _ => "invalid token".into(),
                })
            })?;
        let invalid = |_| AppError::Unauthenticated("invalid token".into());
        let user_id = bson::oid::ObjectId::parse_str(&data.claims.sub)
            .map(UserId)
            .map_err(invalid)?;
        let session_id = bson::oid::ObjectId::parse_str(&data.claims.sid)
            .map(SessionId)
            .map_err(invalid)?;
        let expires_at = Utc
            .timestamp_opt(data.claims.exp, 0)
            .single()
            .ok_or_else(|| AppError::Unauthenticated("invalid token".into()))?;
        let issued_at = Utc
            .timestamp_opt(data.claims.iat, 0)
            .single()
            .ok_or_else(|| AppError::Unauthenticated("invalid token".into()))?;
        Ok(VerifiedToken {
            user_id,
            session_id,
            expires_at,
            issued_at,
        })
    }
}

fn download_audience(audience: &str) -> String {
    format!("{audience}{DOWNLOAD_AUDIENCE_SUFFIX}")
}
