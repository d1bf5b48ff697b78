//! Password hashing with argon2id (PHC string format, salt per hash).
//!
//! Hashing is deliberately slow, so it runs on the blocking pool and never
//! stalls the async workers. Checking a login that matches no account still
//! verifies against a dummy hash, so both failures take the same time.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;

use crate::error::{AppError, AppResult};

/// The stored hash of an account without a password (provisioned from the
/// identity provider): not a PHC string, so it never matches.
pub const NO_PASSWORD: &str = "!no-password";

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    /// A hash of a random password with the same parameters, verified when
    /// the login is unknown so that timing does not reveal which logins exist.
    dummy_hash: String,
}

impl PasswordHasher {
    pub fn new(memory_kib: u32, iterations: u32) -> AppResult<Self> {
        let params = Params::new(memory_kib, iterations, 1, None)
            .map_err(|e| AppError::internal(anyhow::anyhow!("invalid argon2 parameters: {e}")))?;
        let dummy_hash = hash_with(&params, &uuid::Uuid::new_v4().to_string())?;
        Ok(Self { params, dummy_hash })
    }

    pub async fn hash(&self, password: String) -> AppResult<String> {
        let params = self.params.clone();
        tokio::task::spawn_blocking(move || hash_with(&params, &password))
            .await
            .map_err(AppError::internal)?
    }

    /// Verifies `password` against `stored`, or against the dummy hash when
    /// there is no stored hash. Returns true only for a real match.
    pub async fn verify(&self, password: String, stored: Option<String>) -> AppResult<bool> {
        // Checked against the dummy hash all the same, so timing does not
        // tell which accounts have no password.
        let stored = stored.filter(|hash| hash != NO_PASSWORD);
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.clone());
        let matched = tokio::task::spawn_blocking(move || {
            let parsed = PasswordHash::new(&hash).map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok::<_, anyhow::Error>(
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok(),
            )
        })
        .await
        .map_err(AppError::internal)??;
        Ok(known && matched)
    }
}

fn hash_with(params: &Params, password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(anyhow::anyhow!("hashing failed: {e}")))
}
