//! [`PushSettings`]: Web Push to browsers (`services::push`): the VAPID
//! key the server signs with, and what a push may carry.

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct PushSettings {
    /// `VAPID_PRIVATE_KEY`: the server's P-256 application server key, as
    /// the base64url of its 32-byte private scalar (what
    /// `npx web-push generate-vapid-keys` prints as the private key), or a
    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). Unset: no Web Push.
    #[serde(default)]
    pub vapid_private_key: Option<SecretString>,
    /// `VAPID_SUBJECT`: how a push service reaches the operator, a
    /// `mailto:` or `https:` URL (RFC 8292). Required with the key.
    #[serde(default)]
    pub vapid_subject: Option<String>,
    /// `PUSH_TEXT_PREVIEW`: whether a push carries the start of the
    /// message's text (`false`: only chat, sender and message ids, for
    /// privacy). Default `true`.
    #[serde(default = "defaults::text_preview")]
    pub push_text_preview: bool,
    /// `PUSH_TTL_SECONDS`: how long a push service keeps a push for an
    /// unreachable device (the `TTL` header). Default `86400`.
    #[serde(default = "defaults::ttl_seconds")]
    pub push_ttl_seconds: u32,
    /// `PUSH_MAX_PER_USER`: registrations a user may hold (each browser or
    /// device one). Default `10`.
    #[serde(default = "defaults::max_per_user")]
    pub push_max_per_user: usize,
    /// `PUSH_ALLOW_HTTP_LOOPBACK`: accept `http://127.0.0.1` and
    /// `http://localhost` endpoints (tests and development); otherwise
    /// endpoints must be https. Default `false`.
    #[serde(default)]
    pub push_allow_http_loopback: bool,
}

impl PushSettings {
    /// The VAPID signing key, checked; `None` when push is not configured.
    pub fn vapid_key(&self) -> Result<Option<p256::SecretKey>, String> {
        let Some(raw) = &self.vapid_private_key else {
            return Ok(None);
        };
        let raw = raw.expose_secret().trim();
        let key = if raw.starts_with("-----BEGIN") {
            use p256::pkcs8::DecodePrivateKey;
            p256::SecretKey::from_pkcs8_pem(raw)
                .map_err(|_| "VAPID_PRIVATE_KEY is not a P-256 PKCS#8 PEM key")?
        } else {
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(raw.trim_end_matches('='))
                .map_err(|_| "VAPID_PRIVATE_KEY is not base64url")?;
            p256::SecretKey::from_slice(&bytes)
                .map_err(|_| "VAPID_PRIVATE_KEY is not a 32-byte P-256 private key")?
        };
        match self.vapid_subject.as_deref() {
            Some(s) if s.starts_with("mailto:") || s.starts_with("https://") => {}
            _ => return Err("VAPID_SUBJECT must be a mailto: or https: URL".into()),
        }
        if self.push_max_per_user == 0 || self.push_ttl_seconds == 0 {
            return Err("PUSH_MAX_PER_USER and PUSH_TTL_SECONDS must be at least 1".into());
        }
        Ok(Some(key))
    }
}

mod defaults {
    pub fn text_preview() -> bool {
        true
    }
    pub fn ttl_seconds() -> u32 {
        86_400
    }
    pub fn max_per_user() -> usize {
        10
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    fn with(key: Option<&str>, subject: Option<&str>) -> PushSettings {
        PushSettings {
            vapid_private_key: key.map(|k| k.to_owned().into()),
            vapid_subject: subject.map(str::to_owned),
            push_text_preview: true,
            push_ttl_seconds: defaults::ttl_seconds(),
            push_max_per_user: defaults::max_per_user(),
            push_allow_http_loopback: false,
        }
    }

    #[test]
    fn vapid_key__base64url_or_pem_with_a_subject__is_read_and_bad_ones_refused() {
        use p256::pkcs8::EncodePrivateKey;
        let key = p256::SecretKey::random(&mut rand::thread_rng());
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.to_bytes());
        let pem = key.to_pkcs8_pem(Default::default()).unwrap();
        let subject = Some("mailto:ops@example.com");
        assert_eq!(
            with(Some(&raw), subject).vapid_key().unwrap(),
            Some(key.clone())
        );
        assert_eq!(with(Some(&pem), subject).vapid_key().unwrap(), Some(key));
        assert_eq!(with(None, None).vapid_key().unwrap(), None);
        assert!(with(Some(&raw), None).vapid_key().is_err());
        assert!(with(Some("not a key"), subject).vapid_key().is_err());
        assert!(with(Some("AAAA"), subject).vapid_key().is_err());
    }
}
