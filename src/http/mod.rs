//! The HTTP surface: `/graphql` (POST, GET, the WebSocket upgrade, and
//! Server-Sent Events), `/export` (data export downloads), `/files/…` (the
//! local store's signed uploads and downloads),
//! `/playground`, `/health`, `/ready` and `/metrics`; [`serve`] accepts and
//! times the connections they are served on.

pub mod export;
pub mod files;
pub mod graphql;
pub mod health;
pub mod origins;
pub mod playground;
pub mod serve;
pub mod server_api;
pub mod sse;
pub mod ws;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderName, Request};
use axum::routing::get;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::config::Settings;
use crate::graphql::AppSchema;
use crate::limits::ClientIp;
use crate::services::Services;

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub services: Services,
    pub settings: Arc<Settings>,
    pub ws: Arc<ws::WsShared>,
    /// The browser origins allowed to call the API.
    pub origins: Arc<origins::Origins>,
    /// Tracks upgraded sockets so shutdown can wait for them to close.
    pub sockets: tokio_util::task::TaskTracker,
}

pub fn router(state: AppState) -> Router {
    // CORS on the API only (a preflight is answered before routing).
    let api = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/export", get(export::download))
        .layer(state.origins.cors_layer());
    let mut router = Router::new()
        .merge(api)
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/metrics", get(health::metrics));
    if state.settings.server.playground_enabled() {
        router = router.merge(playground::routes());
    }
    let max_body_bytes = state.settings.connections.max_request_body_bytes;
    let files = files::routes(state.services.uploads.files());
    let mut router = router
        .with_state(state)
        // Larger bodies get 413 before anything reads them.
        .layer(RequestBodyLimitLayer::new(max_body_bytes));
    // After the API's body limit: an upload's limit is its signed size.
    if let Some(files) = files {
        router = router.merge(files);
    }
    router
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let request_id = request
                    .headers()
                    .get(&REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!("http", method = %request.method(), path = %request.uri().path(), request_id)
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
}

/// The peer address of the TCP connection (the server is served with
/// connect info). Behind a reverse proxy this is the proxy's address, so all
/// anonymous clients would share its allowance: trusting a forwarded header
/// is a deployment decision this server does not make.
impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(ClientIp(peer.map(|info| info.0.ip().to_canonical())))
    }
}
