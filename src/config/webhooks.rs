//! [`WebhookSettings`]: the signed webhooks sent to the operator's
//! endpoints (`services::webhooks`) and how their delivery is paced.

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct WebhookSettings {
    /// `WEBHOOK_ENDPOINTS`: where events go, as comma-separated
    /// `<url> <secret>` pairs, each secret a Standard Webhooks `whsec_…`
    /// key (base64 after the prefix). Unset: no webhooks.
    #[serde(default)]
    pub webhook_endpoints: Option<SecretString>,
    /// `WEBHOOK_TIMEOUT_MS`: the deadline of one request (connect and
    /// answer). Default `5000`.
    #[serde(default = "defaults::timeout_ms")]
    pub webhook_timeout_ms: u64,
    /// `WEBHOOK_CONCURRENCY`: requests in flight at once per instance.
    /// Default `8`.
    #[serde(default = "defaults::concurrency")]
    pub webhook_concurrency: usize,
    /// `WEBHOOK_RETRY_SECONDS`: how long a delivery is retried before it
    /// is given up (counted as failed). Default `86400` (a day).
    #[serde(default = "defaults::retry_seconds")]
    pub webhook_retry_seconds: u64,
    /// `WEBHOOK_BACKOFF_MS`: the first retry's delay; each next one
    /// doubles, at most an hour, with up to 50% jitter. Default `1000`.
    #[serde(default = "defaults::backoff_ms")]
    pub webhook_backoff_ms: u64,
    /// `WEBHOOK_POLL_MS`: how often an instance looks for due deliveries.
    /// Default `500`.
    #[serde(default = "defaults::poll_ms")]
    pub webhook_poll_ms: u64,
    /// `WEBHOOK_LEASE_MS`: how long an instance holds a delivery it is
    /// sending; longer than `WEBHOOK_TIMEOUT_MS`. Default `30000`.
    #[serde(default = "defaults::lease_ms")]
    pub webhook_lease_ms: u64,
}

/// One endpoint: its URL and its signing key (decoded).
#[derive(Clone)]
pub struct WebhookEndpoint {
    pub url: String,
    pub key: Vec<u8>,
}

impl std::fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl WebhookSettings {
    /// The endpoints configured, checked: http(s) URLs, `whsec_` keys.
    pub fn endpoints(&self) -> Result<Vec<WebhookEndpoint>, String> {
        let Some(raw) = &self.webhook_endpoints else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for entry in raw.expose_secret().split(',').map(str::trim) {
            if entry.is_empty() {
                continue;
            }
            let (url, secret) = entry
                .split_once(char::is_whitespace)
                .ok_or("WEBHOOK_ENDPOINTS entries are `<url> <whsec_secret>`")?;
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!("WEBHOOK_ENDPOINTS: {url} is not an http(s) URL"));
            }
            let key = secret
                .trim()
                .strip_prefix("whsec_")
                .and_then(|k| base64::engine::general_purpose::STANDARD.decode(k).ok())
                .filter(|k| k.len() >= 16)
                .ok_or("WEBHOOK_ENDPOINTS secrets are whsec_ and base64 of 16+ bytes")?;
            out.push(WebhookEndpoint {
                url: url.to_owned(),
                key,
            });
        }
        if self.webhook_concurrency == 0 || self.webhook_poll_ms == 0 {
            return Err("WEBHOOK_CONCURRENCY and WEBHOOK_POLL_MS must be at least 1".into());
        }
        if self.webhook_lease_ms <= self.webhook_timeout_ms {
            return Err("WEBHOOK_LEASE_MS must be longer than WEBHOOK_TIMEOUT_MS".into());
        }
        Ok(out)
    }
}

mod defaults {
    pub fn timeout_ms() -> u64 {
        5_000
    }
    pub fn concurrency() -> usize {
        8
    }
    pub fn retry_seconds() -> u64 {
        86_400
    }
    pub fn backoff_ms() -> u64 {
        1_000
    }
    pub fn poll_ms() -> u64 {
        500
    }
    pub fn lease_ms() -> u64 {
        30_000
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    fn with(endpoints: &str) -> WebhookSettings {
        WebhookSettings {
            webhook_endpoints: Some(endpoints.to_owned().into()),
            webhook_timeout_ms: defaults::timeout_ms(),
            webhook_concurrency: defaults::concurrency(),
            webhook_retry_seconds: defaults::retry_seconds(),
            webhook_backoff_ms: defaults::backoff_ms(),
            webhook_poll_ms: defaults::poll_ms(),
            webhook_lease_ms: defaults::lease_ms(),
        }
    }

    #[test]
    fn endpoints__pairs_of_url_and_whsec_key__are_read_and_bad_ones_refused() {
        let key = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let read = with(&format!(
            "https://a.example/hook {key}, http://b.example/x {key}"
        ))
        .endpoints()
        .unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[1].url, "http://b.example/x");
        assert_eq!(read[0].key.len(), 24);
        for bad in [
            "https://a.example/hook",
            &format!("ftp://a.example {key}"),
            "https://a.example/hook secret",
            "https://a.example/hook whsec_c2hvcnQ=",
        ] {
            assert!(with(bad).endpoints().is_err(), "{bad}");
        }
    }
}
