//! The GraphQL schema: per-domain roots merged here, thin output types,
//! guards and DataLoaders. Resolvers call services; they never touch the
//! database driver.

pub mod account;
pub mod chat_preferences;
pub mod chats;
pub mod context;
pub mod errors;
pub mod execution_limits;
pub mod friends;
pub mod live;
pub mod loaders;
pub mod messages;
pub mod notifications;
pub mod observe;
pub mod operation;
pub mod pagination;
pub mod persisted_queries;
pub mod pins;
pub mod push;
pub mod query_limits;
pub mod rate_limits;
pub mod search;
pub mod server_api;
pub mod sessions;
pub mod shared_events;
pub mod sync;
pub mod threads;
pub mod typing;
pub mod uploads;
pub mod users;

use async_graphql::{MergedObject, MergedSubscription, Schema};

use crate::auth::Viewer;
use crate::config::Settings;
use crate::limits::ClientIp;
use crate::services::Services;

pub use context::{Authenticated, ContextExt};
pub use live::SlowConsumer;
pub use query_limits::{QueryLimits, connection_complexity, user_list_complexity};

#[derive(MergedObject, Default)]
pub struct Query(
    users::UserQuery,
    sessions::SessionQuery,
    friends::FriendQuery,
    notifications::NotificationQuery,
    chats::ChatQuery,
    chats::ModerationQuery,
    chats::ReportQuery,
    chat_preferences::ChatPreferenceQuery,
    push::PushQuery,
    messages::MessageQuery,
    search::SearchQuery,
    threads::ThreadQuery,
    sync::SyncQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    users::UserMutation,
    sessions::SessionMutation,
    account::AccountMutation,
    friends::FriendMutation,
    notifications::NotificationMutation,
    chats::ChatMutation,
    chats::ModerationMutation,
    chats::InviteLinkMutation,
    chats::ReportMutation,
    chat_preferences::ChatPreferenceMutation,
    push::PushMutation,
    messages::MessageMutation,
    pins::PinMutation,
    threads::ThreadMutation,
    typing::TypingMutation,
    server_api::ServerMutation,
    uploads::UploadMutation,
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(
    users::UserSubscription,
    friends::FriendSubscription,
    notifications::NotificationSubscription,
    chats::ChatSubscription,
    messages::MessageSubscription,
    typing::TypingSubscription,
);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// The executable schema with the services every resolver reaches, and the
/// limits every operation passes before it runs (see [`query_limits`] and
/// [`rate_limits`]).
pub fn build_schema(services: Services, settings: &Settings) -> AppSchema {
    let limits = QueryLimits::from_settings(settings);
    let rate_limits = rate_limits::MutationRateLimits(services.rate_limits.clone());
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .data(services)
    // First, so it is outermost: it sees what the limits refuse.
    .extension(observe::Observe)
    .extension(limits)
    .extension(rate_limits)
    .extension(execution_limits::ExecutionLimits::from_settings(settings))
    .limit_recursive_depth(limits.recursive_depth());
    if !settings.server.introspection_enabled() {
        builder = builder.disable_introspection();
    }
    if settings.server.is_production() {
        builder = builder.disable_suggestions();
    }
    builder.finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .finish()
    .sdl()
}

/// Attaches what every operation needs, whatever the transport: the caller,
/// their address (for rate limits before sign-in) and per-request
/// DataLoaders (made on first use).
pub fn prepare_request(
    request: async_graphql::Request,
    viewer: Viewer,
    client_ip: ClientIp,
) -> async_graphql::Request {
    let viewer_id = match &viewer {
        Viewer::User(user) => Some(user.id),
        _ => None,
    };
    request
        .data(viewer)
        .data(client_ip)
        .data(context::LoaderSlot::new(viewer_id))
}
