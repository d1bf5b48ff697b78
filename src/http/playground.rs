//! GraphiQL at `/playground`, served from assets built in `playground/` and
//! embedded in the binary: it works with no internet access.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::AppState;

const INDEX_HTML: &str = include_str!("../../playground/dist/index.html");
const PLAYGROUND_JS: &[u8] = include_bytes!("../../playground/dist/playground.js");
const PLAYGROUND_CSS: &[u8] = include_bytes!("../../playground/dist/playground.css");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/playground", get(index))
        .route("/playground/", get(index))
        .route("/playground/playground.js", get(script))
        .route("/playground/playground.css", get(style))
}

async fn index() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        INDEX_HTML,
    )
}

async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        PLAYGROUND_JS,
    )
}

async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        PLAYGROUND_CSS,
    )
}
