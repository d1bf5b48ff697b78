//! Sending the outbox: every `WEBHOOK_POLL_MS` each instance takes the due
//! entries, leases each (one conditional update: no two instances send an
//! entry at once), and sends at most `WEBHOOK_CONCURRENCY` at a time, each
//! request under `WEBHOOK_TIMEOUT_MS`. A 2xx answer removes the entry;
//! anything else retries it with exponential backoff (doubling from
//! `WEBHOOK_BACKOFF_MS`, at most an hour, less up to half at random) until
//! `WEBHOOK_RETRY_SECONDS` after it was written, then gives it up. The
//! `webhook-id` stays the same on every attempt, so receivers drop repeats
//! (a crash between a delivery and its removal sends it again).
//!
//! Web Push entries (`services::push`) go the same way, encrypted and
//! VAPID-signed at each attempt; a push service's 404 or 410 means the
//! browser's subscription is gone: its registration is removed with the
//! entry (outcome `gone`).
//!
//! Metrics: `chat_webhook_backlog` (entries not yet delivered) and
//! `chat_webhook_deliveries_total{outcome}` (`delivered`, `failed` per
//! failed attempt, `gave_up`, `dropped`, `gone`).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures_util::StreamExt;
use rand::Rng;
use tokio_util::sync::CancellationToken;

use super::signing::standard_signature;
use crate::config::{WebhookEndpoint, WebhookSettings};
use crate::domain::MessageId;
use crate::error::{AppError, AppResult};
use crate::storage::Database;
use crate::storage::webhook_outbox::OutboxEntry;

/// How long an entry may wait for its message to be stored before it is
/// dropped as never stored (far longer than any write takes).
const MESSAGE_WAIT: chrono::Duration = chrono::Duration::minutes(2);
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3_600);

pub struct Sender {
    db: Database,
    endpoints: Arc<[WebhookEndpoint]>,
    client: reqwest::Client,
    concurrency: usize,
    poll: Duration,
    lease: chrono::Duration,
    backoff: Duration,
    retry_for: chrono::Duration,
    push: Option<crate::services::push::PushService>,
}

impl Sender {
    pub fn new(
        db: Database,
        endpoints: Arc<[WebhookEndpoint]>,
        settings: &WebhookSettings,
        push: Option<crate::services::push::PushService>,
    ) -> AppResult<Self> {
        let timeout = Duration::from_millis(settings.webhook_timeout_ms);
        let client = reqwest::Client::builder()
            .connect_timeout(timeout)
            .timeout(timeout)
            .build()
            .map_err(AppError::internal)?;
        Ok(Self {
            db,
            endpoints,
            client,
            concurrency: settings.webhook_concurrency,
            poll: Duration::from_millis(settings.webhook_poll_ms),
            lease: chrono::Duration::milliseconds(settings.webhook_lease_ms as i64),
            backoff: Duration::from_millis(settings.webhook_backoff_ms),
            retry_for: chrono::Duration::seconds(settings.webhook_retry_seconds as i64),
            push,
        })
    }

    pub async fn run(self, stop: CancellationToken) {
        let mut ticks = tokio::time::interval(self.poll);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = ticks.tick() => {}
            }
            if let Err(error) = self.round().await {
                tracing::warn!(?error, "webhook delivery round failed");
            }
        }
    }

    /// One look at the outbox: sends what is due.
    async fn round(&self) -> AppResult<()> {
        let store = self.db.webhook_outbox();
        metrics::gauge!(crate::metrics::WEBHOOK_BACKLOG).set(store.backlog().await? as f64);
        let due = store.due(Utc::now(), self.concurrency * 4).await?;
        futures_util::stream::iter(due)
            .for_each_concurrent(self.concurrency, |entry| async move {
                let id = entry.id.clone();
                if let Err(error) = self.attempt(entry).await {
                    tracing::warn!(?error, webhook_id = %id, "webhook attempt failed to record");
                }
            })
            .await;
        Ok(())
    }

    async fn attempt(&self, entry: OutboxEntry) -> AppResult<()> {
        let store = self.db.webhook_outbox();
        let now = Utc::now();
        if !store.lease(&entry.id, now, now + self.lease).await? {
            return Ok(()); // Another instance has it.
        }
        let endpoint = self.endpoints.iter().find(|e| e.url == entry.endpoint);
        let known = match &entry.push {
            Some(_) => self.push.is_some(),
            None => endpoint.is_some(),
        };
        // An endpoint no longer configured, or push turned off.
        if !known {
            outcome("dropped");
            return store.remove(&entry.id).await;
        }
        if let Some(message) = entry.message_id {
            let stored = self.db.messages().find(MessageId(message)).await?.is_some();
            if !stored {
                if now - entry.created() > MESSAGE_WAIT {
                    outcome("dropped");
                    return store.remove(&entry.id).await;
                }
                // Written before its message: look again shortly.
                let next = now + chrono::Duration::from_std(self.backoff).unwrap_or_default();
                return store.retry(&entry.id, entry.attempts, next).await;
            }
        }
        let request = match (&entry.push, endpoint) {
            (Some(target), _) => {
                // Unregistered (or its session ended) since: not sent.
                let registered = self
                    .db
                    .push_subscriptions()
                    .holds(&entry.endpoint, &target.p256dh)
                    .await?;
                match self.push_request(&entry, target).filter(|_| registered) {
                    Some(request) => request,
                    None => {
                        outcome("dropped");
                        return store.remove(&entry.id).await;
                    }
                }
            }
            (None, Some(endpoint)) => {
                let timestamp = Utc::now().timestamp();
                let signature =
                    standard_signature(&endpoint.key, &entry.id, timestamp, &entry.body);
                self.client
                    .post(&endpoint.url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .header("webhook-id", &entry.id)
                    .header("webhook-timestamp", timestamp.to_string())
                    .header("webhook-signature", signature)
                    .body(entry.body.clone())
            }
            (None, None) => {
                outcome("dropped");
                return store.remove(&entry.id).await;
            }
        };
        let sent = request.send().await;
        if entry.push.is_some()
            && let Ok(response) = &sent
            && matches!(response.status().as_u16(), 404 | 410)
        {
            outcome("gone");
            self.db
                .push_subscriptions()
                .remove_endpoint(&entry.endpoint)
                .await?;
            return store.remove(&entry.id).await;
        }
        match sent.and_then(|r| r.error_for_status()) {
            Ok(_) => {
                outcome("delivered");
                store.remove(&entry.id).await
            }
            Err(error) => {
                let attempts = entry.attempts + 1;
                tracing::info!(webhook_id = %entry.id, attempts, error = %error, "webhook not accepted");
                if Utc::now() - entry.created() > self.retry_for {
                    outcome("gave_up");
                    tracing::warn!(webhook_id = %entry.id, event = %entry.event, "webhook given up");
                    return store.remove(&entry.id).await;
                }
                outcome("failed");
                store
                    .retry(&entry.id, attempts, Utc::now() + self.delay(attempts))
                    .await
            }
        }
    }

    /// A Web Push request: the payload encrypted for the browser, VAPID
    /// signed; `None` when the stored keys or endpoint are unusable.
    fn push_request(
        &self,
        entry: &OutboxEntry,
        target: &crate::storage::webhook_outbox::PushTarget,
    ) -> Option<reqwest::RequestBuilder> {
        use crate::services::push::crypto;
        let vapid = self.push.as_ref()?.vapid()?;
        let keys = crypto::BrowserKeys::parse(&target.p256dh, &target.auth).ok()?;
        let authorization = vapid.authorization(&entry.endpoint, Utc::now().timestamp())?;
        Some(
            self.client
                .post(&entry.endpoint)
                .header(reqwest::header::AUTHORIZATION, authorization)
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .header(reqwest::header::CONTENT_ENCODING, "aes128gcm")
                .header("TTL", target.ttl.to_string())
                .header("Topic", &target.topic)
                .header("Urgency", "normal")
                .body(crypto::encrypt(&keys, entry.body.as_bytes())),
        )
    }

    /// The wait before attempt `attempts + 1`: doubling, capped, jittered.
    fn delay(&self, attempts: i32) -> chrono::Duration {
        let doubled = self
            .backoff
            .saturating_mul(1u32 << attempts.clamp(1, 20).saturating_sub(1))
            .min(MAX_BACKOFF);
        let jitter = rand::thread_rng().gen_range(0.5..=1.0);
        chrono::Duration::from_std(doubled.mul_f64(jitter)).unwrap_or_default()
    }
}

fn outcome(outcome: &'static str) {
    metrics::counter!(crate::metrics::WEBHOOK_DELIVERIES, "outcome" => outcome).increment(1);
}
