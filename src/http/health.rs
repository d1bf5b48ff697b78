//! Liveness and readiness probes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::AppState;

/// The process is up and serving HTTP.
pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready to serve: MongoDB answers a ping. 503 when it does not.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let mongodb = state.services.db.ping().await;
    let status = if mongodb {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if mongodb { "ready" } else { "unavailable" },
        "checks": { "mongodb": if mongodb { "up" } else { "down" } },
    });
    (status, Json(body))
}
