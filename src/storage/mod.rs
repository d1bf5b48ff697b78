//! MongoDB access: the only layer that talks to the driver.
//!
//! [`Database`] owns the client (a pooled, cheaply clonable handle), creates
//! the indexes and runs the data migrations (`migrations`) at startup, and
//! counts every command sent, so tests can assert that a page costs a
//! constant number of round trips. The same command monitoring feeds the
//! `chat_db_*` metrics (count, outcome and latency per command name).

pub mod account_logs;
pub mod blocks;
pub mod chat_heads;
pub mod chat_preferences;
pub mod chats;
pub mod friends;
pub mod identities;
pub mod invite_links;
pub mod messages;
mod migrations;
pub mod moderation;
pub mod notifications;
pub mod paging;
pub mod pins;
pub mod push_subscriptions;
pub mod receipts;
pub mod reports;
pub mod search;
pub mod sessions;
pub mod thread_follows;
pub mod threads;
pub mod uploads;
pub mod users;
pub mod webhook_outbox;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mongodb::bson::doc;
use mongodb::error::{ErrorKind, WriteFailure};
use mongodb::event::EventHandler;
use mongodb::event::command::CommandEvent;
use mongodb::options::ClientOptions;
use secrecy::ExposeSecret;

use crate::config::Settings;
use crate::error::{AppError, AppResult};
use crate::metrics;

pub use blocks::BlockStore;
pub use chat_heads::ChatHeadStore;
pub use chats::ChatStore;
pub use friends::FriendStore;
pub use invite_links::InviteLinkStore;
pub use messages::MessageStore;
pub use moderation::ModerationStore;
pub use notifications::NotificationStore;
pub use paging::{Page, PageRequest};
pub use receipts::ReceiptStore;
pub use reports::ReportStore;
pub use sessions::SessionStore;
pub use users::UserStore;

/// How long `/ready` waits for a ping before calling the database down.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// A connected database with its collections.
#[derive(Clone)]
pub struct Database {
    db: mongodb::Database,
    commands_started: Arc<AtomicU64>,
    /// How long notifications live (the TTL index's expiry).
    notification_retention: Duration,
    /// How long chat log entries are kept for replay.
    chat_event_retention: Duration,
}

impl Database {
    /// Builds the client. The driver connects lazily, so this fails only on a
    /// malformed URI; [`Database::ensure_indexes`] is the first real round trip.
    pub async fn connect(settings: &Settings) -> AppResult<Self> {
        let mut options = ClientOptions::parse(settings.database.mongodb_uri.expose_secret())
            .await
            .map_err(|e| AppError::internal(anyhow::anyhow!("MONGODB_URI: {e}")))?;
        options.max_pool_size = Some(settings.database.mongodb_pool_size);
        // Without these a database that is down holds every request for
        // the driver's 30 s default, and then some (one retry).
        let reach = Duration::from_millis(settings.database.db_timeout_ms);
        options.server_selection_timeout = options.server_selection_timeout.or(Some(reach));
        options.connect_timeout = options.connect_timeout.or(Some(reach));
        options.app_name = Some("chat-server".into());
        let commands_started = Arc::new(AtomicU64::new(0));
        let counter = commands_started.clone();
        options.command_event_handler = Some(EventHandler::callback(move |event| match event {
            CommandEvent::Started(_) => {
                counter.fetch_add(1, Ordering::Relaxed);
            }
            CommandEvent::Succeeded(done) => {
                metrics::db_command(&done.command_name, true, done.duration);
            }
            CommandEvent::Failed(failed) => {
                metrics::db_command(&failed.command_name, false, failed.duration);
            }
            _ => {}
        }));
        let client = mongodb::Client::with_options(options)?;
        Ok(Self {
            db: client.database(&settings.database.mongodb_database),
            commands_started,
            notification_retention: settings.database.notification_retention(),
            chat_event_retention: settings.database.chat_event_retention(),
        })
    }

    /// Creates every index the server relies on; safe to run on every start.
    pub async fn ensure_indexes(&self) -> AppResult<()> {
        self.users().ensure_indexes().await?;
        self.identities().ensure_indexes().await?;
        self.sessions().ensure_indexes().await?;
        self.friends().ensure_indexes().await?;
        self.blocks().ensure_indexes().await?;
        self.chats().ensure_indexes().await?;
        self.chat_preferences().ensure_indexes().await?;
        self.messages()
            .ensure_indexes(self.chat_event_retention)
            .await?;
        self.receipts().ensure_indexes().await?;
        self.moderation().ensure_indexes().await?;
        self.invite_links().ensure_indexes().await?;
        self.reports().ensure_indexes().await?;
        self.uploads().ensure_indexes().await?;
        self.pins().ensure_indexes().await?;
        self.threads().ensure_indexes().await?;
        self.thread_follows().ensure_indexes().await?;
        self.search().ensure_indexes().await?;
        self.webhook_outbox().ensure_indexes().await?;
        self.push_subscriptions().ensure_indexes().await?;
        self.notifications()
            .ensure_indexes(self.notification_retention)
            .await?;
        Ok(())
    }

    /// Moves data stored by earlier versions into today's shape; run at
    /// every start after [`Database::ensure_indexes`]. Safe to run again and
    /// from several instances at once (see `storage/migrations.rs`).
    pub async fn migrate(&self) -> AppResult<()> {
        migrations::chat_counters_to_heads(
            &self.chats().documents(),
            &self.chat_heads().documents(),
        )
        .await?;
        let backfilled = self.search().backfill().await?;
        if backfilled > 0 {
            tracing::info!(
                messages = backfilled,
                "gave search terms to stored messages"
            );
        }
        Ok(())
    }

    /// True when the server answers a ping within a short deadline.
    pub async fn ping(&self) -> bool {
        let ping = self.db.run_command(doc! { "ping": 1 });
        matches!(tokio::time::timeout(PING_TIMEOUT, ping).await, Ok(Ok(_)))
    }

    /// How long chat log entries are kept (then the TTL index removes them).
    pub fn chat_event_retention(&self) -> Duration {
        self.chat_event_retention
    }

    /// Commands sent to MongoDB since start (each is one round trip).
    pub fn commands_started(&self) -> u64 {
        self.commands_started.load(Ordering::Relaxed)
    }

    pub fn account_logs(&self) -> account_logs::AccountLogStore {
        account_logs::AccountLogStore::new(&self.db)
    }

    pub fn identities(&self) -> identities::IdentityStore {
        identities::IdentityStore::new(&self.db)
    }

    pub fn users(&self) -> UserStore {
        UserStore::new(&self.db)
    }

    pub fn sessions(&self) -> SessionStore {
        SessionStore::new(&self.db)
    }

    pub fn friends(&self) -> FriendStore {
        FriendStore::new(&self.db)
    }

    pub fn blocks(&self) -> BlockStore {
        BlockStore::new(&self.db)
    }

    pub fn chats(&self) -> ChatStore {
        ChatStore::new(&self.db)
    }

    pub fn chat_preferences(&self) -> chat_preferences::ChatPreferenceStore {
        chat_preferences::ChatPreferenceStore::new(&self.db)
    }

    pub fn chat_heads(&self) -> ChatHeadStore {
        ChatHeadStore::new(&self.db)
    }

    pub fn messages(&self) -> MessageStore {
        MessageStore::new(&self.db)
    }

    pub fn receipts(&self) -> ReceiptStore {
        ReceiptStore::new(&self.db)
    }

    pub fn notifications(&self) -> NotificationStore {
        NotificationStore::new(&self.db)
    }

    pub fn moderation(&self) -> ModerationStore {
        ModerationStore::new(&self.db)
    }

    pub fn invite_links(&self) -> InviteLinkStore {
        InviteLinkStore::new(&self.db)
    }

    pub fn webhook_outbox(&self) -> webhook_outbox::WebhookOutboxStore {
        webhook_outbox::WebhookOutboxStore::new(&self.db)
    }

    pub fn push_subscriptions(&self) -> push_subscriptions::PushSubscriptionStore {
        push_subscriptions::PushSubscriptionStore::new(&self.db)
    }

    pub fn reports(&self) -> ReportStore {
        ReportStore::new(&self.db)
    }

    pub fn uploads(&self) -> uploads::UploadStore {
        uploads::UploadStore::new(&self.db)
    }

    pub fn search(&self) -> search::SearchStore {
        search::SearchStore::new(&self.db)
    }

    pub fn pins(&self) -> pins::PinStore {
        pins::PinStore::new(&self.db)
    }

    pub fn threads(&self) -> threads::ThreadStore {
        threads::ThreadStore::new(&self.db)
    }

    pub fn thread_follows(&self) -> thread_follows::ThreadFollowStore {
        thread_follows::ThreadFollowStore::new(&self.db)
    }
}

/// The duplicate-key message when `error` is a unique-index violation.
pub(crate) fn duplicate_key_message(error: &mongodb::error::Error) -> Option<&str> {
    const DUPLICATE_KEY: i32 = 11000;
    match error.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(e)) if e.code == DUPLICATE_KEY => {
            Some(&e.message)
        }
        ErrorKind::Command(e) if e.code == DUPLICATE_KEY => Some(&e.message),
        _ => None,
    }
}

/// Runs an upsert, and once more if it lost a race to insert: two upserts
/// of a missing document may both try to insert it, and the loser fails on
/// the unique key. MongoDB (4.2+) retries such an upsert itself; other
/// compatible servers may not. The second try finds the winner's document
/// and updates it, as if the two had run one after the other.
pub(crate) async fn upsert_racing<T, F, Fut>(mut upsert: F) -> mongodb::error::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = mongodb::error::Result<T>>,
{
    match upsert().await {
        Err(error) if duplicate_key_message(&error).is_some() => upsert().await,
        done => done,
    }
}

/// [`upsert_racing`] for an upsert returning the document after it:
/// besides a duplicate key, the local MongoDB-compatible server answers a
/// lost race with no document at all, which is retried the same way.
pub(crate) async fn upsert_returning<T, F, Fut>(mut upsert: F) -> AppResult<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = mongodb::error::Result<Option<T>>>,
{
    for _ in 0..3 {
        match upsert().await {
            Ok(Some(found)) => return Ok(found),
            Ok(None) => continue,
            Err(error) if duplicate_key_message(&error).is_some() => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(AppError::internal(anyhow::anyhow!(
        "an upsert kept returning nothing"
    )))
}

/// Converts between the driver's and chrono's timestamps.
pub(crate) fn to_chrono(time: bson::DateTime) -> chrono::DateTime<chrono::Utc> {
    time.to_chrono()
}
