//! Signed webhooks to the operator's endpoints (`WEBHOOK_ENDPOINTS`), for
//! integrations and native push gateways: `message.created` and
//! `message.mentioned`, signed per Standard Webhooks ([`signing`]),
//! delivered at least once from a durable outbox ([`delivery`]).
//!
//! Durable: the outbox entries of a message are written (one insert for
//! every endpoint and event) *before* the message itself, so a crash at
//! any point loses no webhook of a stored message. An entry whose message
//! was never stored (the crash came in between, or a concurrent twin of
//! an idempotent send won) is dropped by the sender once the message
//! certainly will not come. Without endpoints nothing is written.

pub mod delivery;
pub mod signing;

use std::sync::Arc;

use chrono::Utc;
use serde_json::json;

use crate::config::{Settings, WebhookEndpoint};
use crate::domain::{Message, MessageKind};
use crate::error::{AppError, AppResult};
use crate::storage::Database;
use crate::storage::webhook_outbox::OutboxEntry;

#[derive(Clone)]
pub struct Webhooks {
    db: Database,
    endpoints: Arc<[WebhookEndpoint]>,
    settings: Arc<crate::config::WebhookSettings>,
    /// Web Push entries share this outbox (see `services::push`).
    push: Option<crate::services::push::PushService>,
}

impl Webhooks {
    pub fn from_settings(db: Database, settings: &Settings) -> AppResult<Self> {
        let endpoints = settings
            .webhooks
            .endpoints()
            .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
        Ok(Self {
            db,
            endpoints: endpoints.into(),
            settings: Arc::new(settings.webhooks.clone()),
            push: None,
        })
    }

    /// Sends the Web Push entries of the outbox too (when configured).
    pub fn with_push(mut self, push: crate::services::push::PushService) -> Self {
        self.push = push.vapid().is_some().then_some(push);
        self
    }

    /// The endpoints' URLs.
    pub fn endpoint_urls(&self) -> Vec<String> {
        self.endpoints.iter().map(|e| e.url.clone()).collect()
    }

    /// Records the webhooks of a new `message` (before it is stored).
    pub async fn record_message(&self, message: &Message) -> AppResult<()> {
        if self.endpoints.is_empty() || message.kind == MessageKind::System {
            return Ok(());
        }
        let data = json!({
            "messageId": message.id.to_string(),
            "chatId": message.chat.to_string(),
            "cursor": message.seq.to_string(),
            "senderId": message.sender.to_string(),
            "type": message.kind,
            "text": message.text,
            "mentions": message.mentions.iter().map(|u| u.to_string()).collect::<Vec<_>>(),
            "mentionsAll": message.mentions_all,
            "createdAt": message.created_at,
        });
        let mut events = vec!["message.created"];
        if message.mentions_all || !message.mentions.is_empty() {
            events.push("message.mentioned");
        }
        let now = bson::DateTime::from_chrono(Utc::now());
        let entries: Vec<OutboxEntry> = events
            .iter()
            .flat_map(|event| {
                let body = json!({ "type": event, "timestamp": message.created_at, "data": data })
                    .to_string();
                self.endpoints.iter().map(move |endpoint| OutboxEntry {
                    id: format!("msg_{}", uuid::Uuid::new_v4().simple()),
                    endpoint: endpoint.url.clone(),
                    event: (*event).to_owned(),
                    body: body.clone(),
                    message_id: Some(message.id.oid()),
                    created_at: now,
                    next_attempt_at: now,
                    lease_until: bson::DateTime::from_millis(0),
                    attempts: 0,
                    push: None,
                })
            })
            .collect();
        self.db.webhook_outbox().insert_many(&entries).await
    }

    /// Deliveries not yet made.
    pub async fn backlog(&self) -> AppResult<u64> {
        self.db.webhook_outbox().backlog().await
    }

    /// Sends due deliveries until `stop` (see [`delivery`]); nothing
    /// without endpoints or Web Push.
    pub async fn deliver_until(self, stop: tokio_util::sync::CancellationToken) {
        if self.endpoints.is_empty() && self.push.is_none() {
            return;
        }
        match delivery::Sender::new(self.db, self.endpoints, &self.settings, self.push) {
            Ok(sender) => sender.run(stop).await,
            Err(error) => tracing::error!(?error, "webhook delivery cannot start"),
        }
    }
}
