//! Reaching recipients without an open socket. Friend requests and group
//! invites are pushed too ([`OfflineDelivery::notified`]). When a message is stored,
//! each member other than the sender who is offline on every instance
//! (presence counts, shared through Redis when the cluster has it) and
//! whose notification level for the chat allows it (ALL; MENTIONS only
//! when mentioned; NONE never) gets one Web Push per registration and,
//! with `WEBHOOK_ENDPOINTS`, a `user.offline_message` webhook. Both are
//! outbox entries, sent by `services::webhooks::delivery`.
//!
//! Off the hot path: it runs in the background after the send, and costs
//! nothing when neither push nor webhooks are configured. With push only,
//! the first read is of the members' registrations (one query), and
//! presence is asked only for users who have one; preferences are one
//! query for the offline candidates. "Online" includes presence's grace
//! period after the last socket closed (a quick reconnect replays the
//! message instead).

use std::collections::HashSet;
use std::sync::Arc;

use chrono::Utc;
use futures_util::StreamExt;
use serde_json::json;

use super::PushService;
use crate::cluster::PresenceCounts;
use crate::domain::preferences::{NotificationLevel, effective_level};
use crate::domain::{Message, MessageKind, NotificationKind, UserId};
use crate::error::AppResult;
use crate::services::notifications::NotificationDraft;
use crate::storage::Database;
use crate::storage::webhook_outbox::{OutboxEntry, PushTarget};

/// Presence reads in flight at once for one message.
const PRESENCE_READS: usize = 16;
/// The longest text preview a push carries, in characters.
const PREVIEW_CHARS: usize = 120;

#[derive(Clone)]
pub struct OfflineDelivery {
    db: Database,
    push: PushService,
    presence: Arc<dyn PresenceCounts>,
    /// The webhook endpoints' URLs (`user.offline_message`).
    webhooks: Arc<[String]>,
}

impl OfflineDelivery {
    pub fn new(
        db: Database,
        push: PushService,
        presence: Arc<dyn PresenceCounts>,
        webhooks: Vec<String>,
    ) -> Self {
        Self {
            db,
            push,
            presence,
            webhooks: webhooks.into(),
        }
    }

    /// Reaches the offline recipients of the new `message`, in the
    /// background.
    pub fn message_stored(&self, message: &Message) {
        let enabled = self.push.vapid().is_some() || !self.webhooks.is_empty();
        if !enabled || message.kind == MessageKind::System {
            return;
        }
        let this = self.clone();
        let message = message.clone();
        tokio::spawn(async move {
            if let Err(error) = this.deliver(&message).await {
                tracing::warn!(?error, message_id = %message.id, "offline delivery not recorded");
            }
        });
    }

    async fn deliver(&self, message: &Message) -> AppResult<()> {
        let Some(chat) = self.db.chats().find(message.chat).await? else {
            return Ok(());
        };
        let recipients: Vec<UserId> = chat
            .participants
            .into_iter()
            .filter(|u| *u != message.sender)
            .collect();
        let registrations = match self.push.vapid() {
            Some(_) => self.db.push_subscriptions().of_users(&recipients).await?,
            None => Vec::new(),
        };
        let candidates: Vec<UserId> = match self.webhooks.is_empty() {
            true => {
                let with: HashSet<_> = registrations.iter().map(|r| r.user_id).collect();
                recipients
                    .into_iter()
                    .filter(|u| with.contains(&u.oid()))
                    .collect()
            }
            false => recipients,
        };
        if candidates.is_empty() {
            return Ok(());
        }
        let offline = self.offline(candidates).await;
        if offline.is_empty() {
            return Ok(());
        }
        let preferences = self
            .db
            .chat_preferences()
            .of_chat(message.chat, &offline)
            .await?;
        let now = Utc::now();
        let reached: HashSet<UserId> = offline
            .into_iter()
            .filter(|user| {
                let prefs = preferences.get(user);
                let level = effective_level(
                    prefs.and_then(|p| p.default),
                    prefs.and_then(|p| p.chats.get(&message.chat)),
                    now,
                );
                match level {
                    NotificationLevel::All => true,
                    NotificationLevel::Mentions => {
                        message.mentions_all || message.mentions.contains(user)
                    }
                    NotificationLevel::None => false,
                }
            })
            .collect();
        let at = bson::DateTime::from_chrono(now);
        let entry = |prefix: &str, endpoint: &str, event: &str, body: String| OutboxEntry {
            id: format!("{prefix}_{}", uuid::Uuid::new_v4().simple()),
            endpoint: endpoint.to_owned(),
            event: event.to_owned(),
            body,
            message_id: Some(message.id.oid()),
            created_at: at,
            next_attempt_at: at,
            lease_until: bson::DateTime::from_millis(0),
            attempts: 0,
            push: None,
        };
        let mut entries = Vec::new();
        let payload = self.payload(message);
        for registration in registrations
            .iter()
            .filter(|r| reached.contains(&UserId(r.user_id)))
        {
            entries.push(OutboxEntry {
                push: Some(PushTarget {
                    p256dh: registration.p256dh.clone(),
                    auth: registration.auth.clone(),
                    // A chat id is 24 URL-safe characters (at most 32 allowed):
                    // a newer push of the chat replaces one still waiting.
                    topic: message.chat.to_string(),
                    ttl: self.push.settings().push_ttl_seconds,
                }),
                ..entry("push", &registration.endpoint, "push", payload.clone())
            });
        }
        for user in &reached {
            let body = json!({
                "type": "user.offline_message",
                "timestamp": message.created_at,
                "data": {
                    "userId": user.to_string(),
                    "messageId": message.id.to_string(),
                    "chatId": message.chat.to_string(),
                    "senderId": message.sender.to_string(),
                    "text": message.text,
                    "mentioned": message.mentions_all || message.mentions.contains(user),
                },
            })
            .to_string();
            for url in self.webhooks.iter() {
                entries.push(entry("msg", url, "user.offline_message", body.clone()));
            }
        }
        self.db.webhook_outbox().insert_many(&entries).await
    }

    /// Those of `users` without a socket open on any instance.
    async fn offline(&self, users: Vec<UserId>) -> Vec<UserId> {
        futures_util::stream::iter(users)
            .map(|user| async move { (!self.presence.is_online(user).await).then_some(user) })
            .buffer_unordered(PRESENCE_READS)
            .filter_map(std::future::ready)
            .collect()
            .await
    }

    /// Pushes, in the background, a friend request or group invite to
    /// those of `recipients` without an open socket (one push per
    /// registration; no preference applies: these concern no chat of
    /// theirs yet). Mentions are pushed with their message.
    pub fn notified(&self, recipients: &[UserId], draft: &NotificationDraft) {
        let pushed = matches!(
            draft.kind,
            NotificationKind::FriendRequestReceived | NotificationKind::GroupInvite
        );
        if !pushed || self.push.vapid().is_none() || recipients.is_empty() {
            return;
        }
        let (this, recipients, draft) = (self.clone(), recipients.to_vec(), *draft);
        tokio::spawn(async move {
            if let Err(error) = this.push_notification(recipients, draft).await {
                tracing::warn!(?error, kind = ?draft.kind, "notification pushes not recorded");
            }
        });
    }

    async fn push_notification(
        &self,
        recipients: Vec<UserId>,
        draft: NotificationDraft,
    ) -> AppResult<()> {
        let registrations = self.db.push_subscriptions().of_users(&recipients).await?;
        let with: HashSet<UserId> = registrations.iter().map(|r| UserId(r.user_id)).collect();
        let offline: HashSet<UserId> = self
            .offline(with.into_iter().collect())
            .await
            .into_iter()
            .collect();
        let kind = serde_json::to_value(draft.kind).unwrap_or_default();
        let body = json!({
            "type": "notification",
            "kind": kind,
            "actorId": draft.actor.to_string(),
            "chatId": draft.chat.map(|c| c.to_string()),
            "friendRequestId": draft.friend_request.map(|r| r.to_string()),
        })
        .to_string();
        // One topic per kind (at most 32 URL-safe characters).
        let topic = kind
            .as_str()
            .unwrap_or("notification")
            .to_lowercase()
            .replace('_', "-");
        let at = bson::DateTime::from_chrono(Utc::now());
        let entries: Vec<OutboxEntry> = registrations
            .iter()
            .filter(|r| offline.contains(&UserId(r.user_id)))
            .map(|r| OutboxEntry {
                id: format!("push_{}", uuid::Uuid::new_v4().simple()),
                endpoint: r.endpoint.clone(),
                event: "push".into(),
                body: body.clone(),
                message_id: None,
                created_at: at,
                next_attempt_at: at,
                lease_until: bson::DateTime::from_millis(0),
                attempts: 0,
                push: Some(PushTarget {
                    p256dh: r.p256dh.clone(),
                    auth: r.auth.clone(),
                    topic: topic.clone(),
                    ttl: self.push.settings().push_ttl_seconds,
                }),
            })
            .collect();
        self.db.webhook_outbox().insert_many(&entries).await
    }

    /// What a push carries (the browser's service worker reads it).
    fn payload(&self, message: &Message) -> String {
        let preview = match self.push.settings().push_text_preview {
            true => message
                .text
                .as_deref()
                .map(|t| t.chars().take(PREVIEW_CHARS).collect::<String>()),
            false => None,
        };
        json!({
            "type": "message",
            "chatId": message.chat.to_string(),
            "messageId": message.id.to_string(),
            "senderId": message.sender.to_string(),
            "messageType": message.kind,
            "text": preview,
        })
        .to_string()
    }
}
