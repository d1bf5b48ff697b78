//! [`AuthSettings`]: how tokens are signed and how long they and sessions
//! live, and what hashing a password costs.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// A signing key only fit for local development; refused in production.
pub(super) const DEVELOPMENT_JWT_SECRET: &str =
    "development-only-secret-change-me-0123456789abcdef";
/// HS256 keys shorter than this are brute-forceable; production refuses them.
pub(super) const MIN_PRODUCTION_SECRET_LEN: usize = 32;

#[derive(Clone, Debug, Deserialize)]
pub struct AuthSettings {
    /// `JWT_SECRET`: HS256 signing key. Unset means a development key with a
    /// loud warning; production refuses to start without a real one.
    #[serde(default)]
    pub jwt_secret: Option<SecretString>,
    /// `ACCESS_TOKEN_TTL_SECONDS`: lifetime of an access token (the JWT);
    /// short, since only a refresh renews it. `JWT_TTL_SECONDS` is read as
    /// an older name for it.
    #[serde(
        default = "defaults::access_token_ttl_seconds",
        alias = "jwt_ttl_seconds"
    )]
    pub access_token_ttl_seconds: u64,
    /// `REFRESH_TOKEN_TTL_SECONDS`: how long a session lives without a
    /// refresh; each refresh starts this time again (sliding).
    #[serde(default = "defaults::refresh_token_ttl_seconds")]
    pub refresh_token_ttl_seconds: u64,
    /// `JWT_ISSUER`: the `iss` claim written and required.
    #[serde(default = "defaults::jwt_issuer")]
    pub jwt_issuer: String,
    /// `JWT_AUDIENCE`: the `aud` claim written and required.
    #[serde(default = "defaults::jwt_audience")]
    pub jwt_audience: String,
    /// `PASSWORD_HASH_MEMORY_KIB`: argon2id memory cost (OWASP minimum 19 MiB).
    #[serde(default = "defaults::password_hash_memory_kib")]
    pub password_hash_memory_kib: u32,
    /// `PASSWORD_HASH_ITERATIONS`: argon2id time cost.
    #[serde(default = "defaults::password_hash_iterations")]
    pub password_hash_iterations: u32,
}

impl AuthSettings {
    /// True when no `JWT_SECRET` was given and the development key is in use.
    pub fn uses_development_jwt_secret(&self) -> bool {
        self.jwt_secret.is_none()
    }

    /// The key that signs and checks tokens.
    pub fn jwt_secret_bytes(&self) -> &[u8] {
        match &self.jwt_secret {
            Some(secret) => secret.expose_secret().as_bytes(),
            None => DEVELOPMENT_JWT_SECRET.as_bytes(),
        }
    }

    pub fn access_token_ttl(&self) -> Duration {
        Duration::from_secs(self.access_token_ttl_seconds)
    }

    pub fn refresh_token_ttl(&self) -> Duration {
        Duration::from_secs(self.refresh_token_ttl_seconds)
    }
}

mod defaults {
    pub fn access_token_ttl_seconds() -> u64 {
        15 * 60
    }
    pub fn refresh_token_ttl_seconds() -> u64 {
        30 * 24 * 60 * 60
    }
    pub fn jwt_issuer() -> String {
        "chat-server".into()
    }
    pub fn jwt_audience() -> String {
        "chat-clients".into()
    }
    pub fn password_hash_memory_kib() -> u32 {
        19 * 1024
    }
    pub fn password_hash_iterations() -> u32 {
        2
    }
}
