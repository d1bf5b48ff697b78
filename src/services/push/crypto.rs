//! The two pieces of cryptography a Web Push needs: the body encrypted for
//! the browser (RFC 8291, one `aes128gcm` record of RFC 8188) and the
//! VAPID `Authorization` header proving the sender (RFC 8292, an ES256
//! JWT).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use p256::ecdsa::signature::Signer;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use rand::RngCore;
use sha2::Sha256;

/// The record size written in the header: one record holds the whole
/// payload (a push carries at most 4096 bytes).
const RECORD_SIZE: u32 = 4096;

/// A browser's keys, decoded and checked (see [`BrowserKeys::parse`]).
#[derive(Clone, Debug)]
pub struct BrowserKeys {
    pub public: PublicKey,
    pub auth: [u8; 16],
}

impl BrowserKeys {
    /// The keys of a `PushSubscription.toJSON()`: `p256dh` an uncompressed
    /// P-256 point (65 bytes), `auth` 16 bytes, both base64url.
    pub fn parse(p256dh: &str, auth: &str) -> Result<Self, &'static str> {
        let decode = |s: &str| URL_SAFE_NO_PAD.decode(s.trim_end_matches('='));
        let point = decode(p256dh).map_err(|_| "p256dh is not base64url")?;
        if point.len() != 65 || point[0] != 4 {
            return Err("p256dh must be an uncompressed P-256 point (65 bytes)");
        }
        let public =
            PublicKey::from_sec1_bytes(&point).map_err(|_| "p256dh is not a P-256 point")?;
        let auth = decode(auth)
            .ok()
            .and_then(|a| <[u8; 16]>::try_from(a).ok())
            .ok_or("auth must be 16 bytes of base64url")?;
        Ok(Self { public, auth })
    }
}

/// `payload` encrypted for `keys`: the `aes128gcm` body of a push.
pub fn encrypt(keys: &BrowserKeys, payload: &[u8]) -> Vec<u8> {
    let mut rng = rand::thread_rng();
    let ephemeral = SecretKey::random(&mut rng);
    let ua_public = keys.public.to_encoded_point(false);
    let as_public = ephemeral.public_key().to_encoded_point(false);
    let shared = p256::ecdh::diffie_hellman(ephemeral.to_nonzero_scalar(), keys.public.as_affine());

    // RFC 8291 §3.4: the input keying material from the shared secret and
    // the browser's auth secret, bound to both public keys.
    let mut key_info = b"WebPush: info\0".to_vec();
    key_info.extend_from_slice(ua_public.as_bytes());
    key_info.extend_from_slice(as_public.as_bytes());
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(&keys.auth), shared.raw_secret_bytes())
        .expand(&key_info, &mut ikm)
        .expect("32 bytes is a valid HKDF length");

    // RFC 8188 §2.2: content key and nonce from a fresh salt.
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    let prk = Hkdf::<Sha256>::new(Some(&salt), &ikm);
    let (mut cek, mut nonce) = ([0u8; 16], [0u8; 12]);
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .expect("16 bytes is a valid HKDF length");
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
        .expect("12 bytes is a valid HKDF length");

    // One record, the last: the payload then the 0x02 delimiter, no padding.
    let mut plain = payload.to_vec();
    plain.push(2);
    let sealed = Aes128Gcm::new_from_slice(&cek)
        .expect("16-byte key")
        .encrypt(&Nonce::from(nonce), plain.as_slice())
        .expect("AES-GCM encrypts any payload of this size");

    let mut body = Vec::with_capacity(16 + 4 + 1 + 65 + sealed.len());
    body.extend_from_slice(&salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(as_public.as_bytes().len() as u8);
    body.extend_from_slice(as_public.as_bytes());
    body.extend_from_slice(&sealed);
    body
}

/// The server's VAPID key and subject.
#[derive(Clone)]
pub struct Vapid {
    signer: p256::ecdsa::SigningKey,
    subject: String,
    /// The public key, base64url of the uncompressed point: what browsers
    /// subscribe with (`applicationServerKey`) and the header's `k`.
    pub public_key: String,
}

impl Vapid {
    pub fn new(key: &SecretKey, subject: String) -> Self {
        let public_key =
            URL_SAFE_NO_PAD.encode(key.public_key().to_encoded_point(false).as_bytes());
        Self {
            signer: p256::ecdsa::SigningKey::from(key),
            subject,
            public_key,
        }
    }

    /// The `Authorization` header for a push to `endpoint`: a JWT for the
    /// endpoint's origin, valid 12 hours (at most 24 allowed).
    pub fn authorization(&self, endpoint: &str, now: i64) -> Option<String> {
        let url = reqwest::Url::parse(endpoint).ok()?;
        let audience = url.origin().ascii_serialization();
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({
            "aud": audience,
            "exp": now + 12 * 3600,
            "sub": self.subject,
        });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signed = format!("{header}.{claims}");
        let signature: p256::ecdsa::Signature = self.signer.sign(signed.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(signature.to_bytes());
        Some(format!(
            "vapid t={signed}.{signature}, k={}",
            self.public_key
        ))
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    fn browser() -> (SecretKey, String, String) {
        let secret = SecretKey::random(&mut rand::thread_rng());
        let public = URL_SAFE_NO_PAD.encode(secret.public_key().to_encoded_point(false).as_bytes());
        (secret, public, URL_SAFE_NO_PAD.encode([7u8; 16]))
    }

    #[test]
    fn browser_keys__a_point_and_16_bytes__are_read_and_bad_ones_refused() {
        let (secret, public, auth) = browser();
        let compressed =
            URL_SAFE_NO_PAD.encode(secret.public_key().to_encoded_point(true).as_bytes());
        assert!(BrowserKeys::parse(&public, &auth).is_ok());
        assert!(BrowserKeys::parse(&format!("{public}="), &auth).is_ok());
        assert!(BrowserKeys::parse(&compressed, &auth).is_err());
        assert!(BrowserKeys::parse(&public, &URL_SAFE_NO_PAD.encode([7u8; 15])).is_err());
        assert!(BrowserKeys::parse("%%%", &auth).is_err());
        let mut off_curve = vec![4u8];
        off_curve.extend([1u8; 64]);
        assert!(BrowserKeys::parse(&URL_SAFE_NO_PAD.encode(off_curve), &auth).is_err());
    }

    #[test]
    fn encrypt__one_record_with_the_senders_key_as_key_id() {
        let (_, public, auth) = browser();
        let keys = BrowserKeys::parse(&public, &auth).unwrap();
        let body = encrypt(&keys, b"hello");
        assert_eq!(&body[16..20], &RECORD_SIZE.to_be_bytes());
        assert_eq!(body[20], 65);
        assert_eq!(body[21], 4, "an uncompressed point");
        // The payload, its delimiter and the 16-byte tag.
        assert_eq!(body.len(), 16 + 4 + 1 + 65 + 5 + 1 + 16);
        let again = encrypt(&keys, b"hello");
        assert_ne!(body, again, "a fresh salt and key each time");
    }

    #[test]
    fn authorization__is_for_the_endpoints_origin_and_names_the_key() {
        let key = SecretKey::random(&mut rand::thread_rng());
        let vapid = Vapid::new(&key, "mailto:ops@example.com".into());
        let header = vapid
            .authorization("https://push.example.com:8443/send/abc?x=1", 1_000)
            .unwrap();
        let (token, k) = header
            .strip_prefix("vapid t=")
            .unwrap()
            .split_once(", k=")
            .unwrap();
        assert_eq!(k, vapid.public_key);
        let claims = token.split('.').nth(1).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
        assert_eq!(claims["aud"], "https://push.example.com:8443");
        assert_eq!(claims["exp"], 1_000 + 12 * 3600);
        assert!(vapid.authorization("not a url", 0).is_none());
    }
}
