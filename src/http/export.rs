//! `GET /export?token=…`: the download behind an `exportMyData` link.
//!
//! The token is a download token of the caller's session (see
//! [`crate::auth::jwt`]): it opens this link only, for a few minutes, and
//! only while the session lives. It travels in the query string, which the
//! request log leaves out (it records the path). The body is the JSON
//! document of [`crate::services::data_export`], streamed as it is read.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Deserialize;

use super::AppState;
use super::graphql::{ResponseMedia, error_response};
use crate::error::AppError;

#[derive(Deserialize)]
pub struct ExportQuery {
    token: Option<String>,
}

pub async fn download(State(state): State<AppState>, Query(query): Query<ExportQuery>) -> Response {
    let refused = |error: AppError| {
        let status = match error {
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
        error_response(status, ResponseMedia::Json, error)
    };
    let Some(token) = query.token else {
        return refused(AppError::Unauthenticated("a token is required".into()));
    };
    let me = match state.services.sessions.authenticate_download(&token).await {
        Ok(me) => me,
        Err(error) => return refused(error),
    };
    tracing::info!(user_id = %me.id, "data export");
    // A failure half-way cuts the download short (the document then lacks
    // its closing `"complete": true`).
    let pieces = state.services.data_export.stream(me.id).map(|piece| {
        piece.map_err(|error| std::io::Error::other(format!("data export failed: {error:?}")))
    });
    let body = Body::from_stream(pieces);
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"chat-export.json\""),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
