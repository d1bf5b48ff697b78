//! Web Push to browsers (RFC 8030, with RFC 8291 encryption and RFC 8292
//! VAPID, see [`crypto`]): the registrations of a user's browsers, each
//! tied to the session that made it (ending the session drops it), and the
//! server's public key browsers subscribe with. Who is pushed what, and
//! when, is [`offline`]'s job; the pushes are sent from the durable
//! webhook outbox (`services::webhooks::delivery`), sharing its retries,
//! leases and metrics.

pub mod crypto;
pub mod offline;

use std::sync::Arc;

use chrono::Utc;

use crate::auth::CurrentUser;
use crate::config::{PushSettings, Settings};
use crate::error::{AppError, AppResult};
use crate::storage::Database;
use crate::storage::push_subscriptions::PushSubscription;

/// The longest endpoint accepted (browsers' are a few hundred bytes).
const MAX_ENDPOINT_LEN: usize = 1024;

#[derive(Clone)]
pub struct PushService {
    db: Database,
    vapid: Option<crypto::Vapid>,
    settings: Arc<PushSettings>,
}

impl PushService {
    pub fn from_settings(db: Database, settings: &Settings) -> AppResult<Self> {
        let key = settings
            .push
            .vapid_key()
            .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
        let vapid = key.map(|key| {
            crypto::Vapid::new(
                &key,
                settings.push.vapid_subject.clone().unwrap_or_default(),
            )
        });
        Ok(Self {
            db,
            vapid,
            settings: Arc::new(settings.push.clone()),
        })
    }

    /// The key browsers subscribe with; `None` when push is off.
    pub fn public_key(&self) -> Option<&str> {
        self.vapid.as_ref().map(|v| v.public_key.as_str())
    }

    pub fn vapid(&self) -> Option<&crypto::Vapid> {
        self.vapid.as_ref()
    }

    pub fn settings(&self) -> &PushSettings {
        &self.settings
    }

    /// Registers a browser's subscription for `me`'s session (replacing
    /// any earlier registration of the same endpoint).
    #[tracing::instrument(skip_all, fields(user_id = %me.id))]
    pub async fn register(
        &self,
        me: &CurrentUser,
        endpoint: &str,
        p256dh: &str,
        auth: &str,
    ) -> AppResult<()> {
        if self.vapid.is_none() {
            return Err(AppError::Forbidden("Web Push is not configured".into()));
        }
        self.check_endpoint(endpoint)?;
        crypto::BrowserKeys::parse(p256dh, auth).map_err(|e| AppError::bad_input("keys", e))?;
        let store = self.db.push_subscriptions();
        let others = store.count_other(me.id, endpoint).await?;
        if others >= self.settings.push_max_per_user as u64 {
            return Err(AppError::bad_input(
                "endpoint",
                format!(
                    "at most {} push registrations per user; unregister one first",
                    self.settings.push_max_per_user
                ),
            ));
        }
        store
            .put(&PushSubscription {
                endpoint: endpoint.to_owned(),
                user_id: me.id.oid(),
                session_id: me.session.map(|s| s.oid()),
                p256dh: p256dh.to_owned(),
                auth: auth.to_owned(),
                created_at: bson::DateTime::from_chrono(Utc::now()),
            })
            .await
    }

    /// Removes `me`'s registration of `endpoint`; false if there was none.
    pub async fn unregister(&self, me: &CurrentUser, endpoint: &str) -> AppResult<bool> {
        self.db.push_subscriptions().remove(me.id, endpoint).await
    }

    /// An https URL (or, when allowed, an http one on this machine).
    fn check_endpoint(&self, endpoint: &str) -> AppResult<()> {
        let bad = |why: &str| AppError::bad_input("endpoint", why.to_owned());
        if endpoint.len() > MAX_ENDPOINT_LEN {
            return Err(bad("is too long"));
        }
        let url = reqwest::Url::parse(endpoint).map_err(|_| bad("is not a URL"))?;
        let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        match url.scheme() {
            "https" if url.host_str().is_some() => Ok(()),
            "http" if loopback && self.settings.push_allow_http_loopback => Ok(()),
            _ => Err(bad("must be an https URL")),
        }
    }
}
