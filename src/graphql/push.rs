//! Web Push: `pushPublicKey`, `registerPushSubscription` and
//! `unregisterPushSubscription` (see `services::push`).

use async_graphql::{Context, InputObject, Object};

use super::context::{Authenticated, ContextExt};

/// A browser's keys, as `PushSubscription.toJSON().keys` gives them.
#[derive(InputObject)]
pub struct PushKeysInput {
    /// The browser's P-256 public key: an uncompressed point (65 bytes),
    /// base64url.
    #[graphql(name = "p256dh")]
    p256dh: String,
    /// The browser's authentication secret: 16 bytes, base64url.
    auth: String,
}

#[derive(InputObject)]
pub struct RegisterPushSubscriptionInput {
    /// The push service URL of the subscription (https).
    endpoint: String,
    keys: PushKeysInput,
}

#[derive(InputObject)]
pub struct UnregisterPushSubscriptionInput {
    /// The endpoint registered.
    endpoint: String,
}

#[derive(Default)]
pub struct PushQuery;

#[Object]
impl PushQuery {
    /// The server's VAPID public key (base64url of an uncompressed P-256
    /// point): the `applicationServerKey` browsers subscribe with. Null
    /// when Web Push is not configured.
    async fn push_public_key(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(ctx.services()?.push.public_key().map(str::to_owned))
    }
}

#[derive(Default)]
pub struct PushMutation;

#[Object]
impl PushMutation {
    /// Registers this browser for Web Push, tied to the current session
    /// (signing out or revoking it drops the registration). While none of
    /// your sockets is open, a message that your notification level for
    /// its chat allows is pushed to each of your registrations. Registering
    /// an endpoint again replaces it. At most `PUSH_MAX_PER_USER` per user;
    /// `FORBIDDEN` when Web Push is not configured.
    #[graphql(guard = "Authenticated")]
    async fn register_push_subscription(
        &self,
        ctx: &Context<'_>,
        input: RegisterPushSubscriptionInput,
    ) -> async_graphql::Result<bool> {
        let me = ctx.current_user()?;
        ctx.services()?
            .push
            .register(&me, &input.endpoint, &input.keys.p256dh, &input.keys.auth)
            .await?;
        Ok(true)
    }

    /// Removes your registration of `endpoint`; false when there was none.
    #[graphql(guard = "Authenticated")]
    async fn unregister_push_subscription(
        &self,
        ctx: &Context<'_>,
        input: UnregisterPushSubscriptionInput,
    ) -> async_graphql::Result<bool> {
        let me = ctx.current_user()?;
        Ok(ctx
            .services()?
            .push
            .unregister(&me, &input.endpoint)
            .await?)
    }
}
