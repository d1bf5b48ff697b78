//! The endpoints for operators: liveness, readiness and the metrics scrape.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::AppState;
use crate::services::Readiness;

/// The process is up and serving HTTP.
pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready to serve: MongoDB answers a ping and, when Redis is configured, the
/// link to the other instances is up. 503 when either is down.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let Readiness { mongodb, redis } = state.services.readiness().await;
    let ready = mongodb && redis != Some(false);
    let mut checks = json!({ "mongodb": up_or_down(mongodb) });
    if let Some(redis) = redis {
        checks["redis"] = up_or_down(redis).into();
    }
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if ready { "ready" } else { "unavailable" },
        "checks": checks,
    });
    (status, Json(body))
}

fn up_or_down(up: bool) -> &'static str {
    if up { "up" } else { "down" }
}

/// The metrics in the Prometheus text format (see [`crate::metrics`]).
pub async fn metrics() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::metrics::render(),
    )
}
