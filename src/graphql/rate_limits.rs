//! Rate limits on mutations, applied to each root mutation field as it is
//! about to run, whatever the transport.
//!
//! The bucket is chosen by the field's name ([`Bucket::for_mutation`]), so a
//! new mutation is limited by the default bucket from the day it exists. The
//! caller is the signed-in user, or the client address before sign-in
//! ([`ClientIp`], put in the request by both transports). Every field counts,
//! aliases included, so batching calls in one document gains nothing. A
//! refused field is `RATE_LIMITED` with `retryAfterMs` and does not run.
//! The app's backend (an API key, also when acting as a user) draws from
//! its key's own bucket instead ([`Bucket::ServerApi`]).

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo,
};
use async_graphql::{PathSegment, ServerResult, Value};

use crate::auth::Viewer;
use crate::auth::api_keys::ServerCaller;
use crate::limits::{Bucket, ClientIp, RateKey, RateLimits};

/// The schema extension; holds the limits every request shares.
pub struct MutationRateLimits(pub Arc<RateLimits>);

impl ExtensionFactory for MutationRateLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(MutationRateLimits(Arc::clone(&self.0)))
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for MutationRateLimits {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let is_root_mutation = info.path_node.parent.is_none()
            && ctx.schema_env.registry.mutation_type.as_deref() == Some(info.parent_type);
        if is_root_mutation {
            let user = match ctx.data_opt::<Viewer>() {
                Some(Viewer::User(user)) => Some(user.id),
                _ => None,
            };
            let ip = ctx.data_opt::<ClientIp>().copied().unwrap_or_default();
            let (bucket, key) = match ctx.data_opt::<ServerCaller>() {
                Some(server) => (Bucket::ServerApi, RateKey::ApiKey(server.key_id.clone())),
                None => (Bucket::for_mutation(info.name), RateKey::caller(user, ip)),
            };
            if let Err(refused) = self.0.check(bucket, &key) {
                let response_key = info.alias.unwrap_or(info.name);
                let mut error =
                    async_graphql::Error::from(refused).into_server_error(info.field.name.pos);
                // A field error like any other, so HTTP answers 200 and the
                // client sees which call was refused.
                error.path = vec![PathSegment::Field(response_key.to_owned())];
                return Err(error);
            }
        }
        next.run(ctx, info).await
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use async_graphql::{EmptySubscription, Object, Schema};

    use super::*;
    use crate::auth::CurrentUser;
    use crate::config::Settings;
    use crate::domain::UserId;

    struct Query;

    #[Object]
    impl Query {
        async fn ping(&self) -> bool {
            true
        }
    }

    struct Mutation;

    #[Object]
    impl Mutation {
        async fn send_message(&self) -> bool {
            true
        }

        /// A mutation no bucket names: it draws from the default one.
        async fn some_future_mutation(&self) -> Option<bool> {
            Some(true)
        }
    }

    fn schema() -> Schema<Query, Mutation, EmptySubscription> {
        let mut settings = Settings::from_vars(Vec::new()).unwrap();
        settings.rate_limits.rate_limit_messages = "2/1m".parse().unwrap();
        settings.rate_limits.rate_limit_mutations = "1/1h".parse().unwrap();
        Schema::build(Query, Mutation, EmptySubscription)
            .extension(MutationRateLimits(Arc::new(RateLimits::new(&settings))))
            .finish()
    }

    fn as_user(query: &str, user: UserId) -> async_graphql::Request {
        async_graphql::Request::new(query).data(Viewer::User(CurrentUser {
            id: user,
            session: Some(crate::domain::SessionId::new()),
            expires_at: chrono::Utc::now(),
            issued_at: chrono::Utc::now(),
        }))
    }

    fn codes(response: &async_graphql::Response) -> Vec<String> {
        response
            .errors
            .iter()
            .map(
                |e| match e.extensions.as_ref().and_then(|x| x.get("code")) {
                    Some(Value::String(code)) => code.clone(),
                    other => panic!("no code: {other:?}"),
                },
            )
            .collect()
    }

    #[tokio::test]
    async fn aliased_calls__each_count_and_the_refused_one_names_its_alias() {
        let schema = schema();
        let ada = UserId::new();
        let response = schema
            .execute(as_user(
                "mutation { a: sendMessage b: sendMessage c: sendMessage }",
                ada,
            ))
            .await;
        assert_eq!(codes(&response), ["RATE_LIMITED"]);
        let error = &response.errors[0];
        assert_eq!(error.path, [PathSegment::Field("c".into())]);
        let retry = error.extensions.as_ref().unwrap().get("retryAfterMs");
        assert!(matches!(retry, Some(Value::Number(n)) if n.as_u64().unwrap() > 0));
    }

    #[tokio::test]
    async fn users_are_limited_apart_and_queries_not_at_all() {
        let schema = schema();
        let (ada, bob) = (UserId::new(), UserId::new());
        let once = "mutation { someFutureMutation }";
        assert!(schema.execute(as_user(once, ada)).await.errors.is_empty());
        assert_eq!(
            codes(&schema.execute(as_user(once, ada)).await),
            ["RATE_LIMITED"]
        );
        assert!(schema.execute(as_user(once, bob)).await.errors.is_empty());
        for _ in 0..5 {
            assert!(
                schema
                    .execute(as_user("{ ping }", ada))
                    .await
                    .errors
                    .is_empty()
            );
        }
    }

    #[tokio::test]
    async fn anonymous_callers__are_limited_by_address() {
        let schema = schema();
        let once = "mutation { someFutureMutation }";
        let from = |ip: [u8; 4]| async_graphql::Request::new(once).data(ClientIp(Some(ip.into())));
        assert!(schema.execute(from([10, 0, 0, 1])).await.errors.is_empty());
        assert_eq!(
            codes(&schema.execute(from([10, 0, 0, 1])).await),
            ["RATE_LIMITED"]
        );
        assert!(schema.execute(from([10, 0, 0, 2])).await.errors.is_empty());
    }
}
