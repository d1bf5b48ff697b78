//! The identity settings: which tokens sign people in (`AUTH_*`) and the
//! keys of the app's backend (`SERVER_API_KEYS`), with their defaults,
//! parsing and checks.

use std::time::Duration;

use jsonwebtoken::Algorithm;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{ConfigError, RateQuota};

/// Which tokens sign people in (`AUTH_MODE`).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// This server's own accounts (`signUp`, `signIn`) only.
    #[default]
    Builtin,
    /// Only tokens of the app's identity provider.
    External,
    /// Both.
    Both,
}

impl AuthMode {
    pub fn builtin(self) -> bool {
        matches!(self, AuthMode::Builtin | AuthMode::Both)
    }

    pub fn external(self) -> bool {
        matches!(self, AuthMode::External | AuthMode::Both)
    }
}

/// When the claims of external tokens fill the profile (`AUTH_PROFILE_SYNC`).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ProfileSync {
    /// When the user is provisioned (their first token) only: after that
    /// the profile is the user's, changed with `updateProfile`.
    #[default]
    First,
    /// Also on every later token: name and picture follow the provider.
    Always,
}

/// Which tokens sign people in, and the keys of the app's backend.
#[derive(Clone, Debug, Deserialize)]
pub struct IdentitySettings {
    /// `AUTH_MODE`: which tokens sign people in: `builtin` (this server's
    /// own accounts; the default), `external` (only the identity provider's
    /// tokens; `signUp`, `signIn` and `changePassword` are refused), or
    /// `both`.
    #[serde(default)]
    pub auth_mode: AuthMode,
    /// `AUTH_JWKS_URL`: where the identity provider publishes its signing
    /// keys. Unset: read from `AUTH_ISSUER`'s OIDC discovery document
    /// (`/.well-known/openid-configuration`, its `jwks_uri`).
    #[serde(default)]
    pub auth_jwks_url: Option<String>,
    /// `AUTH_ISSUER`: the `iss` external tokens must carry (required with
    /// `AUTH_MODE=external` or `both`).
    #[serde(default)]
    pub auth_issuer: Option<String>,
    /// `AUTH_AUDIENCE`: the `aud` external tokens must carry (required with
    /// `AUTH_MODE=external` or `both`).
    #[serde(default)]
    pub auth_audience: Option<String>,
    /// `AUTH_ALGORITHMS`: the signature algorithms accepted on external
    /// tokens, comma-separated, among `RS256`, `ES256` and `EdDSA` (default
    /// all three). `none` and `HS*` are refused at start.
    #[serde(default = "default_algorithms")]
    pub auth_algorithms: String,
    /// `AUTH_JWKS_CACHE_SECONDS`: how long fetched keys are used before they
    /// are fetched again (kept on when the provider cannot be reached).
    #[serde(default = "jwks_cache_seconds")]
    pub auth_jwks_cache_seconds: u64,
    /// `AUTH_JWKS_REFRESH_MIN_SECONDS`: the shortest time between two
    /// fetches of the keys, whatever caused them (a flood of made-up `kid`s
    /// must not become a flood of requests to the provider, and a provider
    /// that is down is not asked again sooner).
    #[serde(default = "jwks_refresh_min_seconds")]
    pub auth_jwks_refresh_min_seconds: u64,
    /// `AUTH_JWKS_TIMEOUT_MS`: the deadline of one request to the provider.
    #[serde(default = "jwks_timeout_ms")]
    pub auth_jwks_timeout_ms: u64,
    /// `AUTH_PROFILE_SYNC`: `first` (the default) fills a provisioned
    /// user's profile from the claims of their first token only; `always`
    /// also updates name and picture from every later token.
    #[serde(default)]
    pub auth_profile_sync: ProfileSync,
    /// `SERVER_API_KEYS`: keys of the app's backend for the server-side API,
    /// comma-separated, each `<id>:<secret>` (the id names the key in the
    /// audit log; the secret at least 32 characters). Several at once for
    /// rotation. Unset: the server-side API is off.
    #[serde(default)]
    pub server_api_keys: Option<SecretString>,
    /// `RATE_LIMIT_SERVER_API`: requests per API key (apart from users'
    /// limits).
    #[serde(default = "rate_limit_server_api")]
    pub rate_limit_server_api: RateQuota,
}

/// One key of the app's backend: its id (for the log) and the SHA-256 of
/// its secret. Only the hash is kept, and compared in constant time.
#[derive(Clone)]
pub struct ServerApiKey {
    pub id: String,
    pub hash: [u8; 32],
}

impl std::fmt::Debug for ServerApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerApiKey")
            .field("id", &self.id)
            .finish()
    }
}

/// Secrets shorter than this could be guessed.
const MIN_API_KEY_LEN: usize = 32;

/// The algorithms external tokens may use: only public-key ones, so that a
/// key published in a JWKS can never double as an HMAC secret.
const ALLOWED: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];

pub fn default_algorithms() -> String {
    "RS256,ES256,EdDSA".into()
}
pub fn jwks_cache_seconds() -> u64 {
    300
}
pub fn jwks_refresh_min_seconds() -> u64 {
    30
}
pub fn jwks_timeout_ms() -> u64 {
    5_000
}
pub fn rate_limit_server_api() -> RateQuota {
    RateQuota::new(600, Duration::from_secs(60))
}

impl IdentitySettings {
    /// The algorithms of `AUTH_ALGORITHMS`, checked.
    pub fn auth_algorithms(&self) -> Result<Vec<Algorithm>, ConfigError> {
        let mut found = Vec::new();
        for name in self.auth_algorithms.split(',').map(str::trim) {
            let algorithm = ALLOWED
                .into_iter()
                .find(|a| format!("{a:?}").eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    ConfigError(format!(
                        "AUTH_ALGORITHMS: {name:?} is not one of RS256, ES256, EdDSA"
                    ))
                })?;
            if !found.contains(&algorithm) {
                found.push(algorithm);
            }
        }
        Ok(found)
    }

    /// The keys of `SERVER_API_KEYS`, checked (none when unset).
    pub fn server_api_keys(&self) -> Result<Vec<ServerApiKey>, ConfigError> {
        let Some(keys) = &self.server_api_keys else {
            return Ok(Vec::new());
        };
        let mut parsed: Vec<ServerApiKey> = Vec::new();
        for entry in keys.expose_secret().split(',').map(str::trim) {
            if entry.is_empty() {
                continue;
            }
            // The error never quotes the entry: it holds a secret.
            let (id, secret) = entry
                .split_once(':')
                .ok_or_else(|| ConfigError("SERVER_API_KEYS: each key is <id>:<secret>".into()))?;
            let id_ok = !id.is_empty()
                && id.len() <= 40
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !id_ok {
                return Err(ConfigError(
                    "SERVER_API_KEYS: a key id is 1 to 40 letters, digits, '-' or '_'".into(),
                ));
            }
            if secret.len() < MIN_API_KEY_LEN {
                return Err(ConfigError(format!(
                    "SERVER_API_KEYS: the secret of key {id:?} is shorter than {MIN_API_KEY_LEN} characters"
                )));
            }
            if parsed.iter().any(|k| k.id == id) {
                return Err(ConfigError(format!(
                    "SERVER_API_KEYS: key id {id:?} appears twice"
                )));
            }
            parsed.push(ServerApiKey {
                id: id.to_owned(),
                hash: Sha256::digest(secret.as_bytes()).into(),
            });
        }
        Ok(parsed)
    }
}

/// Checks the identity settings (called by [`super::Settings::validate`]).
pub(super) fn validate(settings: &IdentitySettings) -> Result<(), ConfigError> {
    settings.auth_algorithms()?;
    settings.server_api_keys()?;
    if settings.auth_mode.external() {
        if settings.auth_issuer.is_none() || settings.auth_audience.is_none() {
            return Err(ConfigError(
                "AUTH_MODE=external or both needs AUTH_ISSUER and AUTH_AUDIENCE".into(),
            ));
        }
        if settings.auth_jwks_timeout_ms == 0 || settings.auth_jwks_cache_seconds == 0 {
            return Err(ConfigError(
                "AUTH_JWKS_TIMEOUT_MS and AUTH_JWKS_CACHE_SECONDS must be at least 1".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    fn settings() -> IdentitySettings {
        envy::from_iter::<_, IdentitySettings>(Vec::<(String, String)>::new()).unwrap()
    }

    #[test]
    fn algorithms__only_public_key_ones() {
        let mut s = settings();
        assert_eq!(s.auth_algorithms().unwrap().len(), 3);
        for bad in ["HS256", "none", "RS256,HS512"] {
            s.auth_algorithms = bad.into();
            assert!(s.auth_algorithms().is_err(), "{bad}");
        }
    }

    #[test]
    fn server_api_keys__need_an_id_and_a_long_secret() {
        let mut s = settings();
        assert!(s.server_api_keys().unwrap().is_empty());
        let long = "x".repeat(32);
        s.server_api_keys = Some(format!("app:{long},old:{long}y").into());
        let keys = s.server_api_keys().unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].id, "app");
        for bad in [
            long.clone(),
            "app:short".into(),
            format!("a:{long},a:{long}"),
        ] {
            s.server_api_keys = Some(bad.into());
            assert!(s.server_api_keys().is_err());
        }
    }
}
