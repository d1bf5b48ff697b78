//! [`Provider`]: an identity provider of the test's own, served over local
//! HTTP: its signing keys (made here: RSA and P-256) as a JWKS at
//! `/jwks.json`, and an OIDC discovery document naming it. A test can add
//! keys (rotation) and take the provider down (it then answers 503).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

/// The audience the test app is configured with.
pub const AUDIENCE: &str = "chat-api";

/// A key of the provider.
pub struct SigningKey {
    pub kid: String,
    pub algorithm: Algorithm,
    encoding: EncodingKey,
    pub jwk: Jwk,
}

impl SigningKey {
    pub fn rsa(kid: &str) -> Self {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("an RSA key");
        let der = private.to_pkcs1_der().expect("DER");
        Self::from_der(
            kid,
            Algorithm::RS256,
            EncodingKey::from_rsa_der(der.as_bytes()),
        )
    }

    pub fn es256(kid: &str) -> Self {
        use p256::pkcs8::EncodePrivateKey;
        let private = p256::SecretKey::random(&mut rand::rngs::OsRng);
        let der = private.to_pkcs8_der().expect("DER");
        Self::from_der(
            kid,
            Algorithm::ES256,
            EncodingKey::from_ec_der(der.as_bytes()),
        )
    }

    fn from_der(kid: &str, algorithm: Algorithm, encoding: EncodingKey) -> Self {
        let mut jwk = Jwk::from_encoding_key(&encoding, algorithm).expect("a JWK");
        jwk.common.key_id = Some(kid.to_owned());
        Self {
            kid: kid.to_owned(),
            algorithm,
            encoding,
            jwk,
        }
    }

    /// `claims` signed with this key, its `kid` in the header.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_as(claims, Some(&self.kid))
    }

    /// `claims` signed with this key, naming `kid` (or none).
    pub fn sign_as(&self, claims: &Value, kid: Option<&str>) -> String {
        let mut header = Header::new(self.algorithm);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("a signed token")
    }
}

#[derive(Default)]
struct Shared {
    keys: Mutex<Vec<Jwk>>,
    down: AtomicBool,
    fetches: AtomicUsize,
    base: Mutex<String>,
}

/// A running provider; stops when dropped.
pub struct Provider {
    pub url: String,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Provider {
    pub async fn start(keys: &[&SigningKey]) -> Self {
        let shared = Arc::new(Shared::default());
        *shared.keys.lock().unwrap() = keys.iter().map(|k| k.jwk.clone()).collect();
        let router = axum::Router::new()
            .route("/jwks.json", get(jwks))
            .route("/.well-known/openid-configuration", get(discovery))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        *shared.base.lock().unwrap() = url.clone();
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self {
            url,
            shared,
            server,
        }
    }

    pub fn jwks_url(&self) -> String {
        format!("{}/jwks.json", self.url)
    }

    /// Publishes one more key (a rotation).
    pub fn add_key(&self, key: &SigningKey) {
        self.shared.keys.lock().unwrap().push(key.jwk.clone());
    }

    /// Takes the provider down (503) or brings it back.
    pub fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::SeqCst);
    }

    /// How many times the key set was asked for.
    pub fn fetches(&self) -> usize {
        self.shared.fetches.load(Ordering::SeqCst)
    }

    /// Claims for `sub`, valid for `seconds` from now, issued now.
    pub fn claims(&self, sub: &str, seconds: i64) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({
            "iss": self.url,
            "aud": AUDIENCE,
            "sub": sub,
            "iat": now,
            "exp": now + seconds,
        })
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn jwks(State(shared): State<Arc<Shared>>) -> Response {
    shared.fetches.fetch_add(1, Ordering::SeqCst);
    if shared.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let keys = shared.keys.lock().unwrap().clone();
    axum::Json(JwkSet { keys }).into_response()
}

async fn discovery(State(shared): State<Arc<Shared>>) -> Response {
    let base = shared.base.lock().unwrap().clone();
    axum::Json(json!({ "issuer": base, "jwks_uri": format!("{base}/jwks.json") })).into_response()
}

/// An unsigned token (`alg: none`), which must never be accepted.
pub fn unsigned_token(claims: &Value) -> String {
    let header = b64url(br#"{"alg":"none","typ":"JWT"}"#);
    let body = b64url(claims.to_string().as_bytes());
    format!("{header}.{body}.")
}

fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}
