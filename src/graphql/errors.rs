//! Gives every error in a response a stable `extensions.code`.
//!
//! Errors from our resolvers already carry one (see [`crate::error`]), and
//! so do parse and validation failures (`GRAPHQL_PARSE_FAILED`,
//! `GRAPHQL_VALIDATION_FAILED`, set by the query limits) and the limits
//! themselves. Anything else async-graphql raises itself before execution
//! is the client's doing and becomes `BAD_USER_INPUT`.

use async_graphql::{Response, ServerError, Value};

use crate::error::ErrorCode;

/// True when the operation produced no data at all: a parse, validation or
/// limit error, or a root field that failed (such as a refused
/// subscription). Over WebSocket this is answered with one `error` message.
pub fn is_failed_operation(response: &Response) -> bool {
    !response.errors.is_empty() && matches!(response.data, Value::Null)
}

/// True when the request failed before execution (its errors point at no
/// field): the GraphQL-over-HTTP spec answers these with 400.
pub fn failed_before_execution(response: &Response) -> bool {
    is_failed_operation(response) && response.errors.iter().all(|e| e.path.is_empty())
}

pub fn ensure_codes(response: &mut Response) {
    for error in &mut response.errors {
        ensure_code(error);
    }
}

/// The code of errors raised by async-graphql itself (all the client's doing).
const UNCODED: ErrorCode = ErrorCode::BadUserInput;

pub fn ensure_code(error: &mut ServerError) {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", UNCODED.as_str());
    }
}

/// The stable code `error` carries, or will carry once [`ensure_code`] ran.
pub fn code_of(error: &ServerError) -> &'static str {
    let code = error.extensions.as_ref().and_then(|e| e.get("code"));
    match code {
        Some(Value::String(code)) => ErrorCode::parse(code).unwrap_or(UNCODED),
        _ => UNCODED,
    }
    .as_str()
}
