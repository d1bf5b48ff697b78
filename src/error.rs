//! One error type for the whole server and its mapping to GraphQL errors.
//!
//! Every error a client sees carries `extensions.code`, one of the stable
//! [`ErrorCode`]s. Internal failures are logged (inside the request's span, so
//! with its request id) and reach the client only as `INTERNAL`.
//!
//! [`AppError`] deliberately does not implement `Display`: async-graphql
//! converts any `Display` type into an error *without* a code, so leaving it
//! out makes `?` in a resolver always go through [`From<AppError>`] below.

use async_graphql::ErrorExtensions;

/// The machine-readable codes clients can rely on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    Conflict,
    RateLimited,
    Unavailable,
    Internal,
    /// Apollo Server's codes, which Apollo Client users already branch on.
    GraphqlParseFailed,
    GraphqlValidationFailed,
    PersistedQueryNotFound,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 11] = [
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::BadUserInput,
        ErrorCode::Conflict,
        ErrorCode::RateLimited,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
        ErrorCode::GraphqlParseFailed,
        ErrorCode::GraphqlValidationFailed,
        ErrorCode::PersistedQueryNotFound,
    ];

    /// The code spelled `code`, if it is one of ours.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == code)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            ErrorCode::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            ErrorCode::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
        }
    }
}

/// Everything that can go wrong in a request.
#[derive(Debug)]
pub enum AppError {
    /// No valid credentials (missing, malformed, expired token; bad login).
    Unauthenticated(String),
    /// Authenticated, but this user may not do this.
    Forbidden(String),
    /// `FORBIDDEN` with a stable `extensions.reason` a client can branch on
    /// (`MUTED`, `BANNED`, `ADMINS_ONLY`, ...), for refusals a user can see
    /// the cause of and wait out or ask about.
    ForbiddenBecause {
        reason: &'static str,
        message: String,
    },
    /// The thing does not exist, or the user may not know it exists.
    NotFound(String),
    /// A client-supplied value is invalid; `field` names the input field.
    BadInput {
        field: &'static str,
        message: String,
    },
    /// The request conflicts with existing state (duplicates, races lost).
    Conflict(String),
    /// Too many requests; retry after the given number of milliseconds.
    RateLimited { retry_after_ms: u64 },
    /// The database did not answer in time (down, unreachable, or too
    /// slow): nothing is known to have changed, and a retry after the given
    /// number of milliseconds may succeed.
    Unavailable { retry_after_ms: u64 },
    /// A bug or an infrastructure failure; details are logged, never sent.
    Internal(anyhow::Error),
}

/// Shorthand for results in services and storage.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        AppError::BadInput {
            field,
            message: message.into(),
        }
    }

    pub fn forbidden_because(reason: &'static str, message: impl Into<String>) -> Self {
        AppError::ForbiddenBecause {
            reason,
            message: message.into(),
        }
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(error.into())
    }

    /// The same error for another caller (one read answering several):
    /// everything a client sees is kept; an internal error keeps its text.
    pub fn replicate(&self) -> Self {
        match self {
            AppError::Unauthenticated(m) => AppError::Unauthenticated(m.clone()),
            AppError::Forbidden(m) => AppError::Forbidden(m.clone()),
            AppError::ForbiddenBecause { reason, message } => AppError::ForbiddenBecause {
                reason,
                message: message.clone(),
            },
            AppError::NotFound(m) => AppError::NotFound(m.clone()),
            AppError::BadInput { field, message } => AppError::BadInput {
                field,
                message: message.clone(),
            },
            AppError::Conflict(m) => AppError::Conflict(m.clone()),
            AppError::RateLimited { retry_after_ms } => AppError::RateLimited {
                retry_after_ms: *retry_after_ms,
            },
            AppError::Unavailable { retry_after_ms } => AppError::Unavailable {
                retry_after_ms: *retry_after_ms,
            },
            AppError::Internal(error) => AppError::Internal(anyhow::anyhow!("{error:#}")),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            AppError::Forbidden(_) | AppError::ForbiddenBecause { .. } => ErrorCode::Forbidden,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::BadInput { .. } => ErrorCode::BadUserInput,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::RateLimited { .. } => ErrorCode::RateLimited,
            AppError::Unavailable { .. } => ErrorCode::Unavailable,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The message a client may see.
    pub fn client_message(&self) -> String {
        match self {
            AppError::Unauthenticated(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::Conflict(m)
            | AppError::ForbiddenBecause { message: m, .. } => m.clone(),
            AppError::BadInput { field, message } => format!("{field}: {message}"),
            AppError::RateLimited { retry_after_ms } => {
                format!("too many requests; retry after {retry_after_ms} ms")
            }
            AppError::Unavailable { retry_after_ms } => {
                format!("the service is unavailable; retry after {retry_after_ms} ms")
            }
            AppError::Internal(_) => "internal server error".into(),
        }
    }
}

/// How long a client should wait before retrying after [`AppError::Unavailable`].
pub const UNAVAILABLE_RETRY_AFTER_MS: u64 = 1_000;

impl AppError {
    pub fn unavailable() -> Self {
        AppError::Unavailable {
            retry_after_ms: UNAVAILABLE_RETRY_AFTER_MS,
        }
    }
}

/// The database could not be reached, or the connection broke, or a
/// deadline passed: `UNAVAILABLE` (retryable). Everything else it reports
/// (a bad command, a broken document) is a bug: `INTERNAL`.
impl From<mongodb::error::Error> for AppError {
    fn from(error: mongodb::error::Error) -> Self {
        use mongodb::error::ErrorKind;
        let unreachable = matches!(
            error.kind.as_ref(),
            ErrorKind::ServerSelection { .. }
                | ErrorKind::Io(_)
                | ErrorKind::ConnectionPoolCleared { .. }
                | ErrorKind::DnsResolve { .. }
        );
        if unreachable {
            tracing::warn!(error = %error, "the database is unavailable");
            return AppError::unavailable();
        }
        AppError::Internal(error.into())
    }
}

impl From<bson::ser::Error> for AppError {
    fn from(error: bson::ser::Error) -> Self {
        AppError::Internal(error.into())
    }
}

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        AppError::Internal(error)
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> Self {
        if let AppError::Internal(inner) = &error {
            // The span of the request carries its id, tying this line to it.
            tracing::error!(error = ?inner, "internal error");
        }
        let code = error.code();
        let base = async_graphql::Error::new(error.client_message());
        base.extend_with(|_, ext| {
            ext.set("code", code.as_str());
            match &error {
                AppError::BadInput { field, .. } => ext.set("field", *field),
                AppError::ForbiddenBecause { reason, .. } => ext.set("reason", *reason),
                AppError::RateLimited { retry_after_ms }
                | AppError::Unavailable { retry_after_ms } => {
                    ext.set("retryAfterMs", *retry_after_ms)
                }
                _ => {}
            }
        })
    }
}
