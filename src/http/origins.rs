//! Which browser origins may call the API: CORS on `/graphql`, and the
//! `Origin` check of WebSocket upgrades.
//!
//! Web front ends usually run on another origin than the API (a dev server
//! on `http://localhost:5173`; `app.example.com` calling
//! `api.example.com`), so the browser asks first (a preflight) and needs
//! `Access-Control-Allow-*` answers. Tokens travel in the `Authorization`
//! header or the `connection_init` payload, never in cookies, so no
//! credentials mode is ever allowed: a page from a foreign origin can call
//! the API only with a token it already holds.
//!
//! | `CORS_ALLOWED_ORIGINS` | development | production |
//! |---|---|---|
//! | unset | any `http://localhost:*`, `http://127.0.0.1:*`, `http://[::1]:*` | none (same origin only) |
//! | `https://a.example,https://b.example` | those | those |
//! | `*` | any | refused at start |
//!
//! Browsers do not apply CORS to WebSockets, but they do send `Origin`;
//! where an allow-list is in force (production, or the setting is given) an
//! upgrade from an origin not on it is refused with 403. Clients that are
//! not browsers send no `Origin` and are not affected.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::{ConfigError, Settings};

/// How long a browser may cache a preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(2 * 60 * 60);

/// The request headers a cross-origin call may carry: ours, and those Apollo
/// Client and urql send.
const ALLOWED_HEADERS: [HeaderName; 6] = [
    header::AUTHORIZATION,
    header::CONTENT_TYPE,
    HeaderName::from_static("apollo-require-preflight"),
    HeaderName::from_static("x-apollo-operation-name"),
    HeaderName::from_static("apollographql-client-name"),
    HeaderName::from_static("apollographql-client-version"),
];

/// The origins allowed to call the API from a browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origins {
    /// Any origin (`*`, development only).
    Any,
    /// Pages served from this machine on any port (the development default).
    Localhost,
    /// Exactly these (an empty list: same origin only).
    List(Vec<String>),
}

impl Origins {
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        let Some(raw) = settings.server.cors_allowed_origins.as_deref() else {
            return Ok(if settings.server.is_production() {
                Origins::List(Vec::new())
            } else {
                Origins::Localhost
            });
        };
        let entries: Vec<&str> = raw
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .collect();
        if entries == ["*"] {
            if settings.server.is_production() {
                return Err(ConfigError(
                    "CORS_ALLOWED_ORIGINS=* is not allowed in production; list the origins".into(),
                ));
            }
            return Ok(Origins::Any);
        }
        for entry in &entries {
            if !is_origin(entry) {
                return Err(ConfigError(format!(
                    "CORS_ALLOWED_ORIGINS: {entry:?} is not an origin like https://app.example.com"
                )));
            }
        }
        Ok(Origins::List(
            entries
                .into_iter()
                .map(|e| e.to_ascii_lowercase())
                .collect(),
        ))
    }

    /// True when a page from `origin` may call the API.
    pub fn allows(&self, origin: &HeaderValue) -> bool {
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        match self {
            Origins::Any => true,
            Origins::Localhost => ["http://localhost", "http://127.0.0.1", "http://[::1]"]
                .iter()
                .any(|host| {
                    origin
                        .strip_prefix(host)
                        .is_some_and(|rest| rest.is_empty() || is_port(rest))
                }),
            Origins::List(list) => list.iter().any(|o| o.eq_ignore_ascii_case(origin)),
        }
    }

    /// The CORS layer for `/graphql`.
    pub fn cors_layer(self: &Arc<Self>) -> CorsLayer {
        let allow_origin = if **self == Origins::Any {
            AllowOrigin::any()
        } else {
            let origins = self.clone();
            AllowOrigin::predicate(move |origin, _| origins.allows(origin))
        };
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers(ALLOWED_HEADERS)
            .expose_headers([HeaderName::from_static("x-request-id")])
            .max_age(PREFLIGHT_MAX_AGE)
    }

    /// A line for the start-up log.
    pub fn describe(&self) -> String {
        match self {
            Origins::Any => "any origin (CORS_ALLOWED_ORIGINS=*)".into(),
            Origins::Localhost => "pages on localhost, any port (the development default)".into(),
            Origins::List(list) if list.is_empty() => {
                "same origin only (set CORS_ALLOWED_ORIGINS to allow web front ends elsewhere)"
                    .into()
            }
            Origins::List(list) => list.join(", "),
        }
    }
}

/// Whether WebSocket upgrades have their `Origin` checked (see the module
/// docs): in production, or whenever the allow-list was given.
pub fn checks_websockets(settings: &Settings) -> bool {
    settings.server.is_production() || settings.server.cors_allowed_origins.is_some()
}

/// `:` and 1 to 5 digits.
fn is_port(rest: &str) -> bool {
    rest.strip_prefix(':')
        .is_some_and(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `http(s)://host[:port]` with nothing after (what browsers send).
fn is_origin(entry: &str) -> bool {
    let Some(rest) = entry
        .strip_prefix("https://")
        .or_else(|| entry.strip_prefix("http://"))
    else {
        return false;
    };
    !rest.is_empty() && !rest.contains(['/', '?', '#', ' ', '@'])
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    fn origin(s: &'static str) -> HeaderValue {
        HeaderValue::from_static(s)
    }

    #[test]
    fn localhost__allows_any_port_on_this_machine_only() {
        let o = Origins::Localhost;
        for ok in [
            "http://localhost:5173",
            "http://127.0.0.1:3000",
            "http://localhost",
            "http://[::1]:8080",
        ] {
            assert!(o.allows(&HeaderValue::from_str(ok).unwrap()), "{ok}");
        }
        for no in [
            "http://localhost.evil.com",
            "http://localhost:5173.evil.com",
            "https://app.example.com",
            "http://127.0.0.1:abc",
            "null",
        ] {
            assert!(!o.allows(&HeaderValue::from_str(no).unwrap()), "{no}");
        }
    }

    #[test]
    fn list__is_exact() {
        let o = Origins::List(vec!["https://app.example.com".into()]);
        assert!(o.allows(&origin("https://app.example.com")));
        assert!(!o.allows(&origin("https://app.example.com:8443")));
        assert!(!o.allows(&origin("http://app.example.com")));
    }

    #[test]
    fn is_origin__takes_scheme_host_and_port_only() {
        assert!(is_origin("https://app.example.com"));
        assert!(is_origin("http://localhost:5173"));
        assert!(!is_origin("app.example.com"));
        assert!(!is_origin("https://app.example.com/"));
        assert!(!is_origin("https://"));
    }
}
