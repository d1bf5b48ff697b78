//! [`KeySet`]: the identity provider's signing keys (a JWKS), fetched over
//! HTTP and cached.
//!
//! - Keys are fetched on first use and again once `AUTH_JWKS_CACHE_SECONDS`
//!   have passed. A token naming a `kid` the cache does not hold fetches
//!   again (the provider rotated its keys), but at most once per
//!   `AUTH_JWKS_REFRESH_MIN_SECONDS`: made-up `kid`s must not turn into a
//!   flood of requests to the provider.
//! - A failed fetch keeps the keys already held: while the provider is
//!   unreachable, tokens signed with known keys keep working, and the next
//!   attempt waits the same minimum interval (so requests do not each wait
//!   for a dead provider's deadline).
//! - Every request has a deadline (`AUTH_JWKS_TIMEOUT_MS`) and a size
//!   bound; one fetch runs at a time. While it runs, tokens of known keys
//!   are checked with the keys held (never waiting for the provider); only
//!   a token naming an unknown `kid` waits for the fetch's result.
//! - Without `AUTH_JWKS_URL` the keys' address is read once from the
//!   issuer's OIDC discovery document (`jwks_uri`).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey};
use tokio::sync::{Mutex, MutexGuard};
use tokio::time::Instant;

use crate::config::Settings;
use crate::error::{AppError, AppResult};

/// The largest key set or discovery document read (real ones are a few KiB).
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// One usable key: the decoding key and the algorithm the JWK pins, if any.
struct Key {
    decoding: DecodingKey,
    algorithm: Option<Algorithm>,
}

#[derive(Default)]
struct Keys {
    /// By `kid`; a key without one is stored under "".
    by_kid: HashMap<String, Arc<Key>>,
    /// When these keys are due for a fetch (`None`: never fetched).
    stale_at: Option<Instant>,
}

impl Keys {
    fn is_stale(&self) -> bool {
        self.stale_at.is_none_or(|at| Instant::now() >= at)
    }
}

struct Fetching {
    /// The JWKS address, once known (given, or read from discovery).
    jwks_url: Option<String>,
    /// The earliest time the next fetch may start: fetched keys are not
    /// fetched again sooner, whether for an unknown `kid` or after a
    /// failure.
    next_allowed: Option<Instant>,
}

pub struct KeySet {
    client: reqwest::Client,
    issuer: String,
    keys: RwLock<Arc<Keys>>,
    fetching: Mutex<Fetching>,
    lifetime: Duration,
    min_interval: Duration,
}

impl KeySet {
    pub fn new(settings: &Settings) -> AppResult<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(
                settings.identity.auth_jwks_timeout_ms,
            ))
            .connect_timeout(Duration::from_millis(
                settings.identity.auth_jwks_timeout_ms,
            ))
            // A key set is never behind a redirect to somewhere else.
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .map_err(AppError::internal)?;
        Ok(Self {
            client,
            issuer: settings.identity.auth_issuer.clone().unwrap_or_default(),
            keys: RwLock::default(),
            fetching: Mutex::new(Fetching {
                jwks_url: settings.identity.auth_jwks_url.clone(),
                next_allowed: None,
            }),
            lifetime: Duration::from_secs(settings.identity.auth_jwks_cache_seconds),
            min_interval: Duration::from_secs(settings.identity.auth_jwks_refresh_min_seconds),
        })
    }

    /// The key for a token's `kid` and `algorithm`; `UNAUTHENTICATED` when
    /// there is none (also after a refetch), or it is pinned to another
    /// algorithm.
    pub async fn key(&self, kid: Option<&str>, algorithm: Algorithm) -> AppResult<DecodingKey> {
        let kid = kid.unwrap_or_default();
        match self.cached(kid) {
            // Stale: whoever finds the fetch free does it; the others go on
            // with the keys held.
            Some(_) if self.keys().is_stale() => {
                if let Ok(fetching) = self.fetching.try_lock() {
                    self.refresh(fetching, false).await;
                }
            }
            Some(_) => {}
            // Unknown: wait for a fetch in progress, or make one.
            None => self.refresh(self.fetching.lock().await, true).await,
        }
        let key = self.cached(kid).ok_or_else(|| {
            AppError::Unauthenticated("invalid token: unknown signing key".into())
        })?;
        if key.algorithm.is_some_and(|pinned| pinned != algorithm) {
            return Err(AppError::Unauthenticated(
                "invalid token: the key is for another algorithm".into(),
            ));
        }
        Ok(key.decoding.clone())
    }

    fn keys(&self) -> Arc<Keys> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn cached(&self, kid: &str) -> Option<Arc<Key>> {
        let keys = self.keys();
        keys.by_kid.get(kid).cloned().or_else(|| {
            // A token without `kid` may use the only key there is.
            (kid.is_empty() && keys.by_kid.len() == 1)
                .then(|| keys.by_kid.values().next().cloned())
                .flatten()
        })
    }

    /// Fetches the keys if due (stale, or `forced` by an unknown `kid`) and
    /// not fetched lately; `fetching` is the one fetch's lock. Never fails:
    /// a failed fetch keeps the keys held.
    async fn refresh(&self, mut fetching: MutexGuard<'_, Fetching>, forced: bool) {
        let now = Instant::now();
        let allowed = fetching.next_allowed.is_none_or(|at| now >= at);
        // A fetch that another caller just finished made the keys fresh.
        if !(allowed && (forced || self.keys().is_stale())) {
            return;
        }
        fetching.next_allowed = Some(now + self.min_interval);
        match self.fetch(&mut fetching).await {
            Ok(mut keys) => {
                tracing::info!(keys = keys.by_kid.len(), "identity provider keys fetched");
                keys.stale_at = Some(Instant::now() + self.lifetime);
                *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(keys);
            }
            Err(error) => {
                tracing::warn!(
                    %error,
                    "fetching the identity provider's keys failed; keeping the keys held"
                );
            }
        }
    }

    async fn fetch(&self, fetching: &mut Fetching) -> anyhow::Result<Keys> {
        let url = match &fetching.jwks_url {
            Some(url) => url.clone(),
            None => {
                let url = self.discover().await?;
                fetching.jwks_url = Some(url.clone());
                url
            }
        };
        let set: JwkSet = serde_json::from_slice(&self.get(&url).await?)?;
        let mut keys = Keys::default();
        for jwk in &set.keys {
            match usable(jwk) {
                Some(key) => {
                    let kid = jwk.common.key_id.clone().unwrap_or_default();
                    keys.by_kid.insert(kid, Arc::new(key));
                }
                // Encryption keys and unknown types are not ours to use.
                None => tracing::debug!(kid = ?jwk.common.key_id, "JWKS key skipped"),
            }
        }
        Ok(keys)
    }

    /// The `jwks_uri` of the issuer's OIDC discovery document.
    async fn discover(&self) -> anyhow::Result<String> {
        #[derive(serde::Deserialize)]
        struct Discovery {
            jwks_uri: String,
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        );
        let discovery: Discovery = serde_json::from_slice(&self.get(&url).await?)?;
        Ok(discovery.jwks_uri)
    }

    async fn get(&self, url: &str) -> anyhow::Result<Vec<u8>> {
        let mut response = self.client.get(url).send().await?.error_for_status()?;
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                anyhow::bail!("{url} is larger than {MAX_DOCUMENT_BYTES} bytes");
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// A signing key we can check signatures with.
fn usable(jwk: &Jwk) -> Option<Key> {
    use jsonwebtoken::jwk::{KeyAlgorithm, PublicKeyUse};
    if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
        return None;
    }
    let algorithm = match jwk.common.key_algorithm {
        None => None,
        Some(KeyAlgorithm::RS256) => Some(Algorithm::RS256),
        Some(KeyAlgorithm::ES256) => Some(Algorithm::ES256),
        Some(KeyAlgorithm::EdDSA) => Some(Algorithm::EdDSA),
        Some(_) => return None,
    };
    let decoding = DecodingKey::from_jwk(jwk).ok()?;
    // Never an HMAC secret: a JWKS is public.
    if matches!(decoding.family(), jsonwebtoken::AlgorithmFamily::Hmac) {
        return None;
    }
    Some(Key {
        decoding,
        algorithm,
    })
}
