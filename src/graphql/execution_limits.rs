//! Limits on running one query or mutation, whatever the transport: how
//! long it may take and how large its result may be.
//!
//! | limit | answer | setting |
//! |---|---|---|
//! | time | `UNAVAILABLE` with `retryAfterMs` (the database stalled, say) | `REQUEST_TIMEOUT_MS` |
//! | result size | `BAD_USER_INPUT` with `extensions.limit = "responseBytes"` | `MAX_RESPONSE_BYTES` |
//!
//! The complexity limit ([`super::query_limits`]) already bounds what an
//! operation may ask for by counting every list at its largest page; the
//! result size is the backstop for what that count cannot see (long texts,
//! many reactions), so one request can never build an unbounded response.
//! Subscription events are not executed through here: each is one event,
//! rendered from the same bounded selection.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use async_graphql::{Response, ServerError};

use crate::config::Settings;
use crate::error::{AppError, ErrorCode};

/// The configured limits; also the schema extension that enforces them.
#[derive(Clone, Copy, Debug)]
pub struct ExecutionLimits {
    pub deadline: Duration,
    pub max_response_bytes: usize,
}

impl ExecutionLimits {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            deadline: Duration::from_millis(settings.queries.request_timeout_ms),
            max_response_bytes: settings.queries.max_response_bytes,
        }
    }
}

impl ExtensionFactory for ExecutionLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ExecutionLimits {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let Ok(response) = tokio::time::timeout(self.deadline, next.run(ctx, operation_name)).await
        else {
            tracing::warn!(deadline = ?self.deadline, "an operation ran out of time");
            let error: async_graphql::Error = AppError::unavailable().into();
            return Response::from_errors(vec![error.into_server_error(Default::default())]);
        };
        if fits(&response, self.max_response_bytes) {
            return response;
        }
        let mut error = ServerError::new(
            format!(
                "the result is larger than {} bytes; ask for less (smaller pages, fewer fields)",
                self.max_response_bytes
            ),
            None,
        );
        let extensions = error.extensions.get_or_insert_with(Default::default);
        extensions.set("code", ErrorCode::BadUserInput.as_str());
        extensions.set("limit", "responseBytes");
        extensions.set("max", self.max_response_bytes as u64);
        Response::from_errors(vec![error])
    }
}

/// True when the response's data serialises to at most `max` bytes. Stops
/// counting at the limit, so an oversized result costs no more than `max`.
fn fits(response: &Response, max: usize) -> bool {
    let mut counter = Counter { left: max };
    serde_json::to_writer(&mut counter, &response.data).is_ok()
}

/// A writer that fails once more than its budget was written.
struct Counter {
    left: usize,
}

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.left = self
            .left
            .checked_sub(buf.len())
            .ok_or_else(|| std::io::Error::other("over the limit"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use async_graphql::Value;

    use super::*;

    fn response_of(text: &str) -> Response {
        Response::new(Value::String(text.into()))
    }

    #[test]
    fn fits__counts_the_serialised_data() {
        // "abc" serialises to 5 bytes with its quotes.
        assert!(fits(&response_of("abc"), 5));
        assert!(!fits(&response_of("abc"), 4));
    }
}
