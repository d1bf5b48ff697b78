//! Watches every GraphQL operation, whatever the transport: one log line per
//! operation (root field, the client's operation name, type, outcome,
//! duration, user id), the `chat_graphql_*` metrics, and the gauge of running
//! subscriptions.
//!
//! It is an async-graphql extension, so HTTP and WebSocket are observed
//! alike: HTTP requests through the `request` hook, WebSocket operations
//! (which all run as streams) through the `subscribe` hook. The log line is
//! written inside the transport's span, so it carries the `request_id` (HTTP)
//! or the `connection_id` (WebSocket) that ties it to the other lines.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Instant;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextRequest,
    NextSubscribe, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{Request, Response, ServerError, ServerResult, ValidationResult, Variables};
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};

use super::errors::{code_of, is_failed_operation};
use super::operation;
use crate::auth::Viewer;
use crate::domain::UserId;
use crate::metrics::{self, GaugeGuard};

/// The extension factory to register on the schema.
pub struct Observe;

impl ExtensionFactory for Observe {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Observer::default())
    }
}

/// One per request (async-graphql creates it with the request).
#[derive(Default)]
struct Observer {
    seen: Arc<Mutex<Seen>>,
}

/// What is known about the operation so far.
#[derive(Default)]
struct Seen {
    /// The client's `operationName`: logged, never a metric label, since
    /// clients choose it freely.
    name: Option<String>,
    ty: Option<OperationType>,
    /// The first root field; a metric label only once validation has proved
    /// it is a field of the schema.
    root: Option<String>,
    validated: bool,
    user: Option<UserId>,
    /// Holds the running-subscriptions gauge up while a subscription runs.
    running: Option<GaugeGuard>,
    reported: bool,
}

fn lock(seen: &Mutex<Seen>) -> MutexGuard<'_, Seen> {
    seen.lock().unwrap_or_else(|p| p.into_inner())
}

#[async_graphql::async_trait::async_trait]
impl Extension for Observer {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let response = next.run(ctx).await;
        report(&self.seen, outcome(&response), started, true);
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        Box::pin(Watched {
            inner: next.run(ctx, stream),
            seen: self.seen.clone(),
            started: Instant::now(),
        })
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        lock(&self.seen).name = request.operation_name.clone();
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let mut seen = lock(&self.seen);
        if let Some(Viewer::User(user)) = ctx.data_opt::<Viewer>() {
            seen.user = Some(user.id);
        }
        if let Some((name, chosen)) = operation::select(&document, seen.name.as_deref()) {
            seen.name = name.map(str::to_owned);
            seen.ty = Some(chosen.node.ty);
            seen.root = operation::root_field(&chosen.node).map(str::to_owned);
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await;
        if result.is_ok() {
            let mut seen = lock(&self.seen);
            seen.validated = true;
            if seen.ty == Some(OperationType::Subscription) {
                seen.running = Some(GaugeGuard::new(metrics::SUBSCRIPTIONS_ACTIVE));
            }
        }
        result
    }
}

/// `ok`, or the code of the first error (one of the stable codes).
fn outcome(response: &Response) -> &'static str {
    response.errors.first().map_or("ok", code_of)
}

/// Counts and logs the operation, once. `latency` says whether the
/// duration is a latency (queries and mutations) or a lifetime
/// (subscriptions, kept out of the latency histogram).
fn report(seen: &Mutex<Seen>, outcome: &'static str, started: Instant, latency: bool) {
    let mut seen = lock(seen);
    if std::mem::replace(&mut seen.reported, true) {
        return;
    }
    seen.running = None;
    let operation = match (&seen.root, seen.validated) {
        (Some(root), true) => root.as_str(),
        (None, true) => "unknown",
        (_, false) => "invalid",
    };
    let ty = seen.ty.map_or("unknown", operation::type_name);
    let elapsed = started.elapsed();
    metrics::graphql_operation(operation, ty, outcome, latency.then_some(elapsed));
    tracing::info!(
        operation,
        operation_name = seen.name.as_deref(),
        r#type = ty,
        outcome,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        user_id = seen.user.map(tracing::field::display),
        "graphql operation"
    );
}

/// A WebSocket operation's responses. A query or mutation is reported with
/// its one response; a subscription when it is refused or ends.
struct Watched<'s> {
    inner: BoxStream<'s, Response>,
    seen: Arc<Mutex<Seen>>,
    started: Instant,
}

impl Stream for Watched<'_> {
    type Item = Response;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Response>> {
        let polled = self.inner.poll_next_unpin(cx);
        if let Poll::Ready(Some(response)) = &polled {
            let ty = lock(&self.seen).ty;
            if ty != Some(OperationType::Subscription) || is_failed_operation(response) {
                report(&self.seen, outcome(response), self.started, ty.is_some());
            }
        }
        polled
    }
}

/// The end of a subscription; for a query or mutation still without a
/// response, the client (or the socket) gave up on it.
impl Drop for Watched<'_> {
    fn drop(&mut self) {
        let subscription = lock(&self.seen).ty == Some(OperationType::Subscription);
        let outcome = if subscription { "ok" } else { "cancelled" };
        report(&self.seen, outcome, self.started, false);
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use std::io::Write;

    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
    use serde_json::Value;
    use tracing_subscriber::fmt::MakeWriter;

    use super::*;
    use crate::auth::CurrentUser;
    use crate::error::AppError;

    struct Query;

    #[Object]
    impl Query {
        async fn hello(&self) -> &str {
            "hi"
        }

        async fn refused(&self) -> Result<i32, AppError> {
            Err(AppError::Forbidden("no".into()))
        }
    }

    /// Collects log output so a test can read it.
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl Write for Capture {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Capture {
        type Writer = Capture;

        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    /// The JSON log lines written while `request` runs.
    async fn logged(request: Request) -> Vec<Value> {
        let capture = Capture::default();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_writer(capture.clone())
            .finish();
        let schema = Schema::build(Query, EmptyMutation, EmptySubscription)
            .extension(Observe)
            .finish();
        {
            let _default = tracing::subscriber::set_default(subscriber);
            schema.execute(request).await;
        }
        let bytes = capture.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_operation__is_logged_once_with_its_field_name_outcome_duration_and_user() {
        let user = CurrentUser {
            id: UserId::new(),
            session: Some(crate::domain::SessionId::new()),
            expires_at: chrono::Utc::now(),
            issued_at: chrono::Utc::now(),
        };
        let request = Request::new("query Greeting { hello }").data(Viewer::User(user));
        let lines = logged(request).await;
        assert_eq!(lines.len(), 1, "{lines:?}");
        let line = &lines[0];
        assert_eq!(line["operation"], "hello");
        assert_eq!(line["operation_name"], "Greeting");
        assert_eq!(line["type"], "query");
        assert_eq!(line["outcome"], "ok");
        assert_eq!(line["user_id"], user.id.to_string());
        assert!(line["duration_ms"].as_f64().is_some(), "{line}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_failed_operation__is_logged_with_its_error_code() {
        let lines = logged(Request::new("{ refused }")).await;
        assert_eq!(lines[0]["outcome"], "FORBIDDEN");
        assert!(lines[0].get("user_id").is_none());
        let lines = logged(Request::new("{ nosuchfield }")).await;
        assert_eq!(lines[0]["operation"], "invalid");
        assert_eq!(lines[0]["outcome"], "BAD_USER_INPUT");
    }
}
