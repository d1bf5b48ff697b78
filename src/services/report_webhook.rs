//! The operator's webhook for message reports: each new report is POSTed
//! as JSON to `REPORT_WEBHOOK_URL`, signed with HMAC-SHA256 of the exact
//! body under `REPORT_WEBHOOK_SECRET` in `X-Chat-Signature: sha256=<hex>`,
//! so the receiver can tell it came from this server unchanged.
//!
//! Delivery runs in a task of its own, so reporting never waits on the
//! operator: one attempt with a deadline (`REPORT_WEBHOOK_TIMEOUT_MS`) for
//! connecting and answering; a failure is logged (with the report id) and
//! the report stays with the group's admins either way. At most once: an
//! operator who must not miss one also reads `reports`.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::config::Settings;
use crate::domain::{Message, Report};
use crate::error::{AppError, AppResult};

/// The header carrying the body's signature.
pub const SIGNATURE_HEADER: &str = "X-Chat-Signature";

pub struct ReportWebhook {
    client: reqwest::Client,
    url: String,
    secret: SecretString,
}

impl ReportWebhook {
    /// The webhook the settings configure, if any. A URL without a secret
    /// is refused: unsigned reports could be forged by anyone.
    pub fn from_settings(settings: &Settings) -> AppResult<Option<Self>> {
        let url = match settings
            .moderation
            .report_webhook_url
            .as_deref()
            .map(str::trim)
        {
            None | Some("") => return Ok(None),
            Some(url) => url.to_owned(),
        };
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(AppError::internal(anyhow::anyhow!(
                "REPORT_WEBHOOK_URL must be an http(s) URL"
            )));
        }
        let secret = settings
            .moderation
            .report_webhook_secret
            .clone()
            .filter(|s| !s.expose_secret().is_empty())
            .ok_or_else(|| {
                AppError::internal(anyhow::anyhow!(
                    "REPORT_WEBHOOK_URL needs REPORT_WEBHOOK_SECRET"
                ))
            })?;
        let timeout = Duration::from_millis(settings.moderation.report_webhook_timeout_ms);
        let client = reqwest::Client::builder()
            .connect_timeout(timeout)
            .timeout(timeout)
            .build()
            .map_err(AppError::internal)?;
        Ok(Some(Self {
            client,
            url,
            secret,
        }))
    }

    /// Sends `report` (of `message`) in the background.
    pub fn send(&self, report: &Report, message: &Message) {
        // Ids as plain strings, as the GraphQL API shows them.
        let body = json!({
            "event": "message.reported",
            "report": {
                "id": report.id.to_string(),
                "chatId": report.chat.to_string(),
                "messageId": report.message.to_string(),
                "sender": report.sender.to_string(),
                "reporter": report.reporter.to_string(),
                "reason": report.reason,
                "note": report.note,
                "createdAt": report.created_at,
            },
            "message": {
                "id": message.id.to_string(),
                "text": message.text,
                "createdAt": message.created_at,
            },
        })
        .to_string();
        let signature = sign(self.secret.expose_secret().as_bytes(), body.as_bytes());
        let request = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, format!("sha256={signature}"))
            .body(body);
        let report_id = report.id;
        tokio::spawn(async move {
            match request.send().await.and_then(|r| r.error_for_status()) {
                Ok(_) => tracing::info!(%report_id, "report sent to the webhook"),
                Err(error) => {
                    tracing::warn!(%report_id, error = %error, "the report webhook failed")
                }
            }
        });
    }
}

/// HMAC-SHA256 of `body` under `key`, hex-encoded.
pub fn sign(key: &[u8], body: &[u8]) -> String {
    super::webhooks::signing::hmac_sha256(key, &[body])
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
