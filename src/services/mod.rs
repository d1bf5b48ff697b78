//! The rules of each domain: who may do what, what is stored, what is
//! broadcast. Services speak domain types and [`AppError`]; they know nothing
//! of GraphQL or HTTP, so every transport shares one set of rules.
//!
//! [`AppError`]: crate::error::AppError

pub mod account_cursor;
pub mod account_deletion;
pub mod account_log;
pub mod account_sync;
pub mod around;
pub mod audience;
pub mod blocks;
pub mod chat_preferences;
pub mod chats;
pub mod data_export;
pub mod friends;
pub mod identities;
pub mod identity_cache;
pub mod known_accounts;
pub mod mentions;
pub mod message_stream;
pub mod messages;
pub mod notifications;
pub mod pins;
pub mod presence;
pub mod push;
pub mod report_webhook;
pub mod reports;
pub mod search;
pub mod session_watch;
pub mod sessions;
pub mod sign_in_guard;
pub mod threads;
pub mod timeline;
pub mod typing;
pub mod uploads;
pub mod users;
pub mod webhooks;

use std::sync::Arc;

use crate::auth::PasswordHasher;
use crate::auth::api_keys::ApiKeys;
use crate::cluster::typing::TypingDecider;
use crate::cluster::{Cluster, UserSockets};
use crate::config::Settings;
use crate::domain::UserId;
use crate::error::AppResult;
use crate::events::{EventBus, EventStream, Topic};
use crate::limits::RateLimits;
use crate::storage::Database;

pub use account_deletion::Leftovers;
pub use audience::Audience;
pub use blocks::BlockRules;
pub use chats::ChatService;
pub use friends::FriendService;
pub use messages::MessageService;
pub use notifications::NotificationService;
pub use presence::PresenceService;
pub use reports::ReportService;
pub use sessions::SessionService;
pub use timeline::Timeline;
pub use typing::TypingService;
pub use users::{AccountParts, AccountService};

/// Every service, built once at startup and shared by all requests.
#[derive(Clone)]
pub struct Services {
    // Private: requests reach the store and the bus only through the
    // services' rules (see the methods below for the two direct uses).
    db: Database,
    bus: Arc<dyn EventBus>,
    /// Call rates per caller; mutations are checked by the schema, sign-in
    /// attempts per account by [`AccountService`].
    pub rate_limits: Arc<RateLimits>,
    pub accounts: AccountService,
    pub sessions: SessionService,
    /// Each user's account timeline (see [`account_log`]).
    pub account_log: account_log::AccountLog,
    /// `sync` pages.
    pub sync: account_sync::AccountSync,
    /// `exportMyData` downloads.
    pub data_export: data_export::DataExport,
    pub blocks: BlockRules,
    pub audience: Audience,
    pub friends: FriendService,
    pub notifications: NotificationService,
    pub timeline: Timeline,
    pub chats: ChatService,
    pub chat_preferences: chat_preferences::ChatPreferences,
    pub messages: MessageService,
    /// Pinned messages.
    pub pins: pins::PinService,
    /// `searchMessages`.
    pub search: search::SearchService,
    /// Thread listings and summaries.
    pub threads: threads::ThreadService,
    /// Reports of messages to the group's admins (and the operator).
    pub reports: ReportService,
    pub typing: TypingService,
    pub presence: PresenceService,
    /// Open WebSockets per user (shared by the cluster with `REDIS_URL`).
    pub user_sockets: Arc<dyn UserSockets>,
    /// The app's backend's keys (`SERVER_API_KEYS`).
    pub api_keys: ApiKeys,
    /// Uploaded files (`createUpload`, signed download URLs).
    pub uploads: uploads::UploadService,
    /// Signed webhooks: recorded with each message, sent by
    /// [`webhooks::Webhooks::deliver_until`].
    pub webhooks: webhooks::Webhooks,
    /// Web Push registrations and the VAPID key.
    pub push: push::PushService,
}

/// Where typing is decided: in Redis when the cluster has a link (so a
/// renewal or a disconnect on any instance counts everywhere), else in this
/// process; either way told through one throttled announcer.
fn typing_timers(
    settings: &Settings,
    cluster: &Cluster,
    db: &Database,
    bus: &Arc<dyn EventBus>,
) -> Arc<dyn TypingDecider> {
    let announcer = typing::ThrottledAnnouncer::new(
        std::time::Duration::from_millis(settings.messaging.typing_throttle_ms),
        TypingService::announcer(bus.clone()),
    );
    cluster.typing(
        std::time::Duration::from_millis(settings.messaging.typing_timeout_ms),
        announcer.report(),
        typing::user_loader(db.clone()),
    )
}

impl Services {
    pub fn new(
        settings: &Settings,
        cluster: &Cluster,
        db: Database,
        bus: Arc<dyn EventBus>,
    ) -> AppResult<Self> {
        let hasher = PasswordHasher::new(
            settings.auth.password_hash_memory_kib,
            settings.auth.password_hash_iterations,
        )?;
        let sessions = SessionService::new(db.clone(), bus.clone(), settings)?;
        let rate_limits = Arc::new(RateLimits::new(settings));
        let blocks = BlockRules::new(db.clone(), bus.clone());
        let audience = Audience::new(db.clone(), blocks.clone());
        let log = account_log::AccountLog::new(db.clone(), bus.clone());
        let push = push::PushService::from_settings(db.clone(), settings)?;
        let webhooks =
            webhooks::Webhooks::from_settings(db.clone(), settings)?.with_push(push.clone());
        let offline = push::offline::OfflineDelivery::new(
            db.clone(),
            push.clone(),
            cluster.presence(),
            webhooks.endpoint_urls(),
        );
        let notifications =
            NotificationService::new(db.clone(), log.clone()).with_offline(offline.clone());
        let timeline = Timeline::new(db.clone(), bus.clone()).with_webhooks(webhooks.clone());
        let chats = ChatService::new(
            db.clone(),
            bus.clone(),
            blocks.clone(),
            notifications.clone(),
            timeline.clone(),
            chats::ChatLimits {
                max_members: settings.messaging.max_group_members,
                rates: rate_limits.clone(),
                new_account: std::time::Duration::from_secs(
                    settings.moderation.new_account_seconds,
                ),
            },
            log.clone(),
        );
        let files = crate::files::FileStore::from_settings(&settings.storage)
            .map_err(crate::error::AppError::internal)?;
        let uploads = uploads::UploadService::new(
            db.clone(),
            files,
            chats.clone(),
            uploads::UploadRules::from_settings(&settings.storage),
        );
        let messages = MessageService::new(
            db.clone(),
            blocks.clone(),
            chats.clone(),
            timeline.clone(),
            std::time::Duration::from_secs(settings.messaging.message_edit_window_seconds),
            std::time::Duration::from_secs(settings.messaging.message_delete_window_seconds),
            message_stream::Following::new(
                bus.clone(),
                message_stream::ReplayLimits {
                    max_events: settings.messaging.message_replay_max,
                    hole_timeout: std::time::Duration::from_millis(
                        settings.messaging.sequence_hole_timeout_ms,
                    ),
                },
                &db,
                &chats,
            ),
        )
        .with_uploads(uploads.clone())
        .with_offline(offline);
        let reports = ReportService::new(
            db.clone(),
            chats.clone(),
            messages.clone(),
            notifications.clone(),
            report_webhook::ReportWebhook::from_settings(settings)?.map(Arc::new),
        );
        let typing_timers = typing_timers(settings, cluster, &db, &bus);
        let typing = TypingService::new(
            db.clone(),
            bus.clone(),
            chats.clone(),
            blocks.clone(),
            typing_timers,
        );
        let user_sockets = cluster.user_sockets();
        let presence = PresenceService::new(
            db.clone(),
            bus.clone(),
            audience.clone(),
            typing.clone(),
            cluster.presence(),
            std::time::Duration::from_millis(settings.messaging.presence_grace_ms),
        );
        let friends = FriendService::new(
            db.clone(),
            blocks.clone(),
            notifications.clone(),
            log.clone(),
        );
        let accounts = AccountService::new(AccountParts {
            db: db.clone(),
            bus: bus.clone(),
            audience: audience.clone(),
            sessions: sessions.clone(),
            hasher,
            guard: sign_in_guard::SignInGuard::new(
                db.clone(),
                rate_limits.clone(),
                settings.auth.jwt_secret_bytes(),
            ),
            leftovers: Leftovers {
                friends: friends.clone(),
                blocks: blocks.clone(),
                chats: chats.clone(),
                uploads: uploads.clone(),
            },
        });
        let api_keys = ApiKeys::new(
            settings
                .identity
                .server_api_keys()
                .map_err(|e| crate::error::AppError::internal(anyhow::anyhow!(e)))?,
        );
        let pins = pins::PinService::new(db.clone(), chats.clone(), timeline.clone());
        let search = search::SearchService::new(db.clone(), chats.clone());
        let threads = threads::ThreadService::new(db.clone(), chats.clone());
        Ok(Self {
            pins,
            search,
            threads,
            sync: account_sync::AccountSync::new(log.clone(), chats.clone()),
            account_log: log,
            api_keys,
            webhooks,
            push,
            data_export: data_export::DataExport::new(db.clone()),
            accounts,
            friends,
            typing,
            presence,
            user_sockets,
            messages,
            reports,
            timeline,
            chat_preferences: chat_preferences::ChatPreferences::new(db.clone(), chats.clone()),
            chats,
            sessions,
            blocks,
            audience,
            notifications,
            db,
            bus,
            rate_limits,
            uploads,
        })
    }
}

/// Whether the backing systems answer, for `/ready`.
pub struct Readiness {
    pub mongodb: bool,
    /// The link to the other instances; `None` without Redis.
    pub redis: Option<bool>,
}

impl Services {
    /// Pings MongoDB and reads the state of the link between instances.
    pub async fn readiness(&self) -> Readiness {
        Readiness {
            mongodb: self.db.ping().await,
            redis: self.bus.linked(),
        }
    }

    /// The events published to `me`'s own topic (their notifications,
    /// friend changes, and the profile and presence changes of the people
    /// they watch), for the subscriptions that pick theirs from it.
    pub fn own_events(&self, me: UserId) -> EventStream {
        self.bus.subscribe(Topic::User(me))
    }
}
