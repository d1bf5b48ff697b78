//! The GraphQL schema: per-domain roots merged here, thin output types,
//! guards and DataLoaders. Resolvers call services; they never touch the
//! database driver.

pub mod chats;
pub mod context;
pub mod errors;
pub mod friends;
pub mod live;
pub mod loaders;
pub mod messages;
pub mod notifications;
pub mod pagination;
pub mod users;

use async_graphql::{MergedObject, MergedSubscription, Schema};

use crate::auth::Viewer;
use crate::config::Settings;
use crate::services::Services;

pub use context::{Authenticated, ContextExt};
pub use live::SlowConsumer;

/// Nesting deeper than this is refused before execution.
const MAX_DEPTH: usize = 12;
/// Total cost of a query (fields weighted by list sizes) refused above this.
const MAX_COMPLEXITY: usize = 5_000;

#[derive(MergedObject, Default)]
pub struct Query(
    users::UserQuery,
    friends::FriendQuery,
    notifications::NotificationQuery,
    chats::ChatQuery,
    messages::MessageQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    users::UserMutation,
    friends::FriendMutation,
    notifications::NotificationMutation,
    chats::ChatMutation,
    messages::MessageMutation,
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(
    users::UserSubscription,
    friends::FriendSubscription,
    notifications::NotificationSubscription,
    chats::ChatSubscription,
    messages::MessageSubscription,
);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// The executable schema with the services every resolver reaches.
pub fn build_schema(services: Services, settings: &Settings) -> AppSchema {
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .data(services)
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY);
    if !settings.introspection_enabled() {
        builder = builder.disable_introspection();
    }
    if settings.is_production() {
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

/// Attaches what every operation needs, whatever the transport: the caller
/// and fresh per-request DataLoaders.
pub fn prepare_request(
    request: async_graphql::Request,
    services: &Services,
    viewer: Viewer,
) -> async_graphql::Request {
    let viewer_id = match &viewer {
        Viewer::User(user) => Some(user.id),
        _ => None,
    };
    request
        .data(viewer)
        .data(loaders::Loaders::new(services, viewer_id))
}
