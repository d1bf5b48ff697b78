//! The app's backend on `/graphql`: a request with an `X-Api-Key` header is
//! the backend's, never a user's (an `Authorization` header beside it is
//! ignored). Chosen over a separate path so that the backend uses the same
//! schema, client and generated types; the header keeps the two kinds of
//! callers apart.
//!
//! - A key that is not one of `SERVER_API_KEYS` (or any key while none is
//!   configured) fails the whole request: 401, `UNAUTHENTICATED`.
//! - With `X-Act-As-User: <userId>` the request runs as that user (any
//!   operation a user may call, with that user's permissions); without it,
//!   only the server-side operations (`upsertUsers`, `deactivateUser`,
//!   `deleteUser`, `revokeUserTokens`) are open to it.
//! - Its mutations draw from the key's own rate limit
//!   (`RATE_LIMIT_SERVER_API`), not from users' or addresses' limits.
//! - Every call is written to the log once (target `audit`): the key's id,
//!   the user acted as, the operation and its outcome. Never the key.
//! - HTTP only: a socket is a user's.

use axum::http::HeaderMap;
use chrono::Utc;

use super::AppState;
use crate::auth::api_keys::{ACT_AS_HEADER, API_KEY_HEADER, ServerCaller};
use crate::auth::{CurrentUser, Viewer};
use crate::domain::UserId;
use crate::error::AppError;

/// The backend's request: who it is, and the viewer it runs as.
pub struct ServerRequest {
    pub caller: ServerCaller,
    pub viewer: Viewer,
    pub act_as: Option<UserId>,
}

/// The backend's caller named by the headers; `None` when there is no
/// `X-Api-Key` (an ordinary request).
pub async fn from_headers(
    state: &AppState,
    headers: &HeaderMap,
) -> Option<Result<ServerRequest, AppError>> {
    let presented = headers.get(API_KEY_HEADER)?;
    Some(check(state, headers, presented).await)
}

async fn check(
    state: &AppState,
    headers: &HeaderMap,
    presented: &axum::http::HeaderValue,
) -> Result<ServerRequest, AppError> {
    let refused = || AppError::Unauthenticated("invalid API key".into());
    let caller = presented
        .to_str()
        .ok()
        .and_then(|key| state.services.api_keys.check(key))
        .ok_or_else(|| {
            tracing::warn!(target: "audit", "server API call with an invalid key refused");
            refused()
        })?;
    let Some(act_as) = headers.get(ACT_AS_HEADER) else {
        return Ok(ServerRequest {
            caller,
            viewer: Viewer::Anonymous,
            act_as: None,
        });
    };
    let id = act_as
        .to_str()
        .map_err(|_| AppError::bad_input("X-Act-As-User", "is not a valid id"))?;
    let user = UserId::parse("X-Act-As-User", id.trim())?;
    if !state.services.accounts.is_active(user).await? {
        return Err(AppError::NotFound(
            "the user to act as was not found (or is deactivated)".into(),
        ));
    }
    let now = Utc::now();
    let deadline = chrono::Duration::milliseconds(
        i64::try_from(state.settings.queries.request_timeout_ms).unwrap_or(i64::MAX),
    );
    Ok(ServerRequest {
        caller,
        // No session and a token-like lifetime of this one request.
        viewer: Viewer::User(CurrentUser {
            id: user,
            session: None,
            expires_at: now + deadline,
            issued_at: now,
        }),
        act_as: Some(user),
    })
}

/// The audit line of one call.
pub fn audit(request: &ServerRequest, operation: Option<&str>, errors: usize) {
    tracing::info!(
        target: "audit",
        key_id = %request.caller.key_id,
        act_as = request.act_as.map(|u| u.to_string()),
        operation = operation.unwrap_or("(unnamed)"),
        outcome = if errors == 0 { "ok" } else { "error" },
        errors,
        "server API call"
    );
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use std::sync::{Arc, Mutex};

    use sha2::Digest;

    use super::*;

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn audit__is_one_line_naming_the_key_id_never_the_key() {
        let capture = Capture::default();
        let writer = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_writer(move || writer.clone())
            .finish();
        let secret = "the-secret-itself-0123456789abcdef0123";
        let keys = crate::auth::api_keys::ApiKeys::new(vec![crate::config::ServerApiKey {
            id: "backend-2026".into(),
            hash: sha2::Sha256::digest(secret.as_bytes()).into(),
        }]);
        let request = ServerRequest {
            caller: keys.check(secret).expect("the key matches"),
            viewer: Viewer::Anonymous,
            act_as: None,
        };
        tracing::subscriber::with_default(subscriber, || {
            audit(&request, Some("UpsertUsers"), 0);
        });
        let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 1, "{text}");
        assert_eq!(lines[0]["target"], "audit");
        assert_eq!(lines[0]["key_id"], "backend-2026");
        assert_eq!(lines[0]["operation"], "UpsertUsers");
        assert_eq!(lines[0]["outcome"], "ok");
        assert!(!text.contains(secret));
    }
}
