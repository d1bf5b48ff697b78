//! Signed URLs of the local store: this server plays the bucket.
//!
//! A URL is `<base>/files/<key>?exp=<unix seconds>&type=<content type>
//! [&size=<bytes>]&sig=<hex>`, where `sig` is the HMAC-SHA256 of the method,
//! the key, the expiry, the content type and (for an upload) the size. So an
//! upload URL stores exactly one object of exactly the declared size and
//! type, until it expires, and a download URL reads one object; changing
//! any part of either breaks the signature. Like a presigned S3 URL, it is a
//! bearer grant: whoever holds it may use it until it expires.

use std::sync::OnceLock;
use std::time::Duration;

use chrono::Utc;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The route the local store is served under.
pub const ROUTE_PREFIX: &str = "/files/";

/// The query string of a signed URL, as the handler receives it.
#[derive(Debug, Default, Deserialize)]
pub struct Signed {
    pub exp: Option<i64>,
    #[serde(rename = "type")]
    pub content_type: Option<String>,
    pub size: Option<u64>,
    pub sig: Option<String>,
}

/// What a valid signature grants.
#[derive(Debug, PartialEq)]
pub struct Grant {
    pub content_type: String,
    /// Uploads only: the exact size the body must have.
    pub size: Option<u64>,
}

/// Why a signed URL was refused.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    /// Missing parts or a wrong signature.
    Invalid,
    Expired,
}

pub struct UrlSigner {
    key: HmacSha256,
    /// The address clients reach this server at; known once it listens.
    base: OnceLock<String>,
}

impl UrlSigner {
    pub fn new(secret: &[u8], base: Option<String>) -> Self {
        let signer = Self {
            key: HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length"),
            base: OnceLock::new(),
        };
        if let Some(base) = base {
            signer.serve_at(base);
        }
        signer
    }

    /// Sets the base address unless `STORAGE_PUBLIC_URL` already did.
    pub fn serve_at(&self, base: String) {
        let _ = self.base.set(base.trim_end_matches('/').to_owned());
    }

    pub fn upload_url(&self, key: &str, content_type: &str, size: u64, ttl: Duration) -> String {
        self.url("PUT", key, content_type, Some(size), ttl)
    }

    /// A download URL; the file is served with the type its first bytes
    /// show (checked at completion), so the URL carries none.
    pub fn download_url(&self, key: &str, ttl: Duration) -> String {
        self.url("GET", key, "", None, ttl)
    }

    fn url(
        &self,
        method: &str,
        key: &str,
        content_type: &str,
        size: Option<u64>,
        ttl: Duration,
    ) -> String {
        let exp = Utc::now().timestamp() + ttl.as_secs() as i64;
        let sig = self.signature(method, key, exp, content_type, size);
        let base = self
            .base
            .get()
            .map(String::as_str)
            .unwrap_or("http://127.0.0.1");
        let mut url = format!("{base}{ROUTE_PREFIX}{key}?");
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("exp", &exp.to_string());
        if !content_type.is_empty() {
            query.append_pair("type", content_type);
        }
        if let Some(size) = size {
            query.append_pair("size", &size.to_string());
        }
        query.append_pair("sig", &sig);
        url.push_str(&query.finish());
        url
    }

    /// Checks a request for `key` by `method` against its signed query.
    pub fn verify(&self, method: &str, key: &str, signed: &Signed) -> Result<Grant, Refusal> {
        let (Some(exp), Some(sig)) = (signed.exp, signed.sig.as_deref()) else {
            return Err(Refusal::Invalid);
        };
        let content_type = signed.content_type.as_deref().unwrap_or_default();
        let Some(sig) = decode_hex(sig) else {
            return Err(Refusal::Invalid);
        };
        let mut mac = self.key.clone();
        mac.update(message(method, key, exp, content_type, signed.size).as_bytes());
        // Constant-time comparison, before the expiry: a forged URL learns
        // nothing from which answer it gets.
        mac.verify_slice(&sig).map_err(|_| Refusal::Invalid)?;
        if exp < Utc::now().timestamp() {
            return Err(Refusal::Expired);
        }
        Ok(Grant {
            content_type: content_type.to_owned(),
            size: signed.size,
        })
    }

    fn signature(
        &self,
        method: &str,
        key: &str,
        exp: i64,
        content_type: &str,
        size: Option<u64>,
    ) -> String {
        let mut mac = self.key.clone();
        mac.update(message(method, key, exp, content_type, size).as_bytes());
        format!("{:x}", mac.finalize().into_bytes())
    }
}

/// What is signed: every part, separated by a byte none of them contains.
fn message(method: &str, key: &str, exp: i64, content_type: &str, size: Option<u64>) -> String {
    let size = size.map(|s| s.to_string()).unwrap_or_default();
    format!("{method}\n{key}\n{exp}\n{content_type}\n{size}")
}

fn decode_hex(raw: &str) -> Option<Vec<u8>> {
    if !raw.len().is_multiple_of(2) || raw.len() > 128 {
        return None;
    }
    (0..raw.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(raw.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    fn parse(url: &str) -> (String, Signed) {
        let (path, query) = url.split_once('?').unwrap();
        let key = path.split_once(ROUTE_PREFIX).unwrap().1.to_owned();
        let signed: Signed = serde_urlencoded_like(query);
        (key, signed)
    }

    fn serde_urlencoded_like(query: &str) -> Signed {
        let mut signed = Signed::default();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match &*name {
                "exp" => signed.exp = value.parse().ok(),
                "type" => signed.content_type = Some(value.into_owned()),
                "size" => signed.size = value.parse().ok(),
                "sig" => signed.sig = Some(value.into_owned()),
                _ => {}
            }
        }
        signed
    }

    fn signer() -> UrlSigner {
        UrlSigner::new(b"test key", Some("http://files.test/".into()))
    }

    #[test]
    fn upload_urls__grant_the_signed_size_and_type_only() {
        let signer = signer();
        let url = signer.upload_url("u1/a", "image/png", 42, Duration::from_secs(60));
        assert!(url.starts_with("http://files.test/files/u1/a?"), "{url}");
        let (key, signed) = parse(&url);
        assert_eq!(
            signer.verify("PUT", &key, &signed),
            Ok(Grant {
                content_type: "image/png".into(),
                size: Some(42)
            })
        );
        assert_eq!(signer.verify("GET", &key, &signed), Err(Refusal::Invalid));
        assert_eq!(signer.verify("PUT", "u1/b", &signed), Err(Refusal::Invalid));
        let bigger = Signed {
            size: Some(43),
            ..parse(&url).1
        };
        assert_eq!(signer.verify("PUT", &key, &bigger), Err(Refusal::Invalid));
        let other_type = Signed {
            content_type: Some("image/gif".into()),
            ..parse(&url).1
        };
        assert_eq!(
            signer.verify("PUT", &key, &other_type),
            Err(Refusal::Invalid)
        );
    }

    #[test]
    fn signatures__are_refused_when_tampered_or_expired_or_from_another_key() {
        let signer = signer();
        let url = signer.download_url("u1/a", Duration::from_secs(60));
        let (key, signed) = parse(&url);
        assert!(signer.verify("GET", &key, &signed).is_ok());
        let mut tampered = parse(&url).1;
        let mut sig = tampered.sig.take().unwrap();
        let last = if sig.ends_with('0') { "1" } else { "0" };
        sig.replace_range(sig.len() - 1.., last);
        tampered.sig = Some(sig);
        assert_eq!(signer.verify("GET", &key, &tampered), Err(Refusal::Invalid));
        let other = UrlSigner::new(b"another key", None);
        assert_eq!(other.verify("GET", &key, &signed), Err(Refusal::Invalid));
        let expired = Signed {
            exp: Some(Utc::now().timestamp() - 1),
            ..parse(&url).1
        };
        // Re-signed with the past expiry: a valid signature, out of time.
        let sig = signer.signature("GET", &key, expired.exp.unwrap(), "", None);
        let expired = Signed {
            sig: Some(sig),
            ..expired
        };
        assert_eq!(signer.verify("GET", &key, &expired), Err(Refusal::Expired));
        assert_eq!(
            signer.verify("GET", &key, &Signed::default()),
            Err(Refusal::Invalid)
        );
    }
}
