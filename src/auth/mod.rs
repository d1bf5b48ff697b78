//! Who is calling: tokens, passwords, and the [`Viewer`] both transports
//! produce (HTTP from the `Authorization` header, WebSocket from the
//! `connection_init` payload): this server's own tokens ([`jwt`]), the
//! identity provider's ([`external`]), and the app's backend's API keys
//! ([`api_keys`]).

pub mod api_keys;
pub mod external;
pub mod jwks;
pub mod jwt;
pub mod password;
pub mod secrets;

use chrono::{DateTime, Utc};

use crate::domain::{SessionId, UserId};
use crate::error::AppError;

pub use jwt::{Claims, TokenService};
pub use password::PasswordHasher;

/// A signed-in user, proven by a valid access token of a live session of
/// an existing account, by a valid token of the identity provider, or by
/// the app's backend acting as the user.
#[derive(Clone, Copy, Debug)]
pub struct CurrentUser {
    pub id: UserId,
    /// The session (device) the token was issued for. `None` for the
    /// identity provider's tokens and the app's backend: they have no
    /// session here (see [`crate::services::identities`]).
    pub session: Option<SessionId>,
    /// When the access token stops being valid over HTTP. A socket of a
    /// session is not bound to it: it lives as long as its session; a socket
    /// without a session closes then.
    pub expires_at: DateTime<Utc>,
    /// When the token was issued (`revokeUserTokens` ends the identity
    /// provider's tokens issued before an instant).
    pub issued_at: DateTime<Utc>,
}

/// The caller's `User-Agent` header, put in the request by HTTP so that a
/// session remembers the client it was made by.
#[derive(Clone, Debug)]
pub struct UserAgent(pub String);

/// The caller of one request: signed in, anonymous, or holding a token that
/// was refused. Keeping the refusal (instead of failing the whole request)
/// lets public operations such as `signIn` work with a stale stored token,
/// while every guarded field says precisely why it refused.
#[derive(Clone, Debug)]
pub enum Viewer {
    Anonymous,
    User(CurrentUser),
    Refused(String),
}

impl Viewer {
    /// The signed-in user, or the `UNAUTHENTICATED` error to return.
    pub fn require(&self) -> Result<CurrentUser, AppError> {
        match self {
            Viewer::User(user) => Ok(*user),
            Viewer::Anonymous => Err(AppError::Unauthenticated("sign in first".into())),
            Viewer::Refused(reason) => Err(AppError::Unauthenticated(reason.clone())),
        }
    }
}

/// Extracts the token from an `Authorization` header value (`Bearer <token>`,
/// scheme case-insensitive). `None` when the value is not a bearer credential.
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Extracts the token from a graphql-ws `connection_init` payload:
/// `{"authorization": "Bearer <token>"}` (also `Authorization`) or
/// `{"token": "<token>"}`.
pub fn token_from_init_payload(payload: Option<&serde_json::Value>) -> Option<&str> {
    let object = payload?.as_object()?;
    if let Some(value) = object
        .get("authorization")
        .or_else(|| object.get("Authorization"))
    {
        return bearer_token(value.as_str()?);
    }
    object
        .get("token")?
        .as_str()
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bearer_token__accepts_any_scheme_case() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
    }

    #[test]
    fn init_payload__both_shapes__yield_the_token() {
        assert_eq!(
            token_from_init_payload(Some(&json!({"authorization": "Bearer t1"}))),
            Some("t1")
        );
        assert_eq!(
            token_from_init_payload(Some(&json!({"token": "t2"}))),
            Some("t2")
        );
        assert_eq!(token_from_init_payload(Some(&json!({"token": 5}))), None);
        assert_eq!(token_from_init_payload(None), None);
    }
}
