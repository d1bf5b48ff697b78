//! `PUT` and `GET /files/<key>?…`: the local store's signed URLs (see
//! [`crate::files::local`]), served only when no bucket is configured.
//!
//! An upload must carry exactly the signed `Content-Type` and size; its
//! body limit is the upload's own size, not the API's. A download is
//! served with the type its first bytes show (checked at completion),
//! `nosniff` and a sandboxing CSP, so a file never runs as a page of this
//! origin. Every refusal is `403` with a one-line reason, as a bucket would
//! answer.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use futures_util::StreamExt;
use tower_http::cors::{Any, CorsLayer};

use crate::files::local::{Refusal, Signed};
use crate::files::{FileStore, sniff};

/// The routes, when the store is local (`None` with a bucket).
pub fn routes(files: &FileStore) -> Option<Router> {
    files.local()?;
    Some(
        Router::new()
            .route("/files/{*key}", put(upload).get(download))
            .with_state(files.clone())
            // A signed URL is a bearer grant whatever page uses it, as with
            // a bucket: any origin may PUT and GET with it.
            .layer(
                CorsLayer::new()
                    .allow_origin(Any)
                    .allow_methods([Method::GET, Method::PUT])
                    .allow_headers([header::CONTENT_TYPE]),
            ),
    )
}

fn refused(status: StatusCode, reason: &str) -> Response {
    (status, format!("{reason}\n")).into_response()
}

/// Why a request's signature is refused, if it is.
fn check(files: &FileStore, method: &str, key: &str, signed: &Signed) -> Option<Response> {
    let Some(signer) = files.local() else {
        return Some(refused(StatusCode::NOT_FOUND, "no such file"));
    };
    match signer.verify(method, key, signed) {
        Ok(_) => None,
        Err(Refusal::Invalid) => Some(refused(StatusCode::FORBIDDEN, "invalid signature")),
        Err(Refusal::Expired) => Some(refused(StatusCode::FORBIDDEN, "the URL has expired")),
    }
}

async fn upload(
    State(files): State<FileStore>,
    Path(key): Path<String>,
    Query(signed): Query<Signed>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Some(refusal) = check(&files, "PUT", &key, &signed) {
        return refusal;
    }
    // Both are covered by the signature.
    let (Some(size), Some(content_type)) = (signed.size, signed.content_type.as_deref()) else {
        return refused(StatusCode::FORBIDDEN, "not an upload URL");
    };
    let sent_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !sent_type.eq_ignore_ascii_case(content_type) {
        return refused(
            StatusCode::FORBIDDEN,
            &format!("Content-Type must be {content_type}"),
        );
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|d| d != size) {
        return refused(
            StatusCode::FORBIDDEN,
            &format!("the body must be {size} bytes"),
        );
    }
    // Read at most one byte more than allowed, to tell "too long" apart.
    let limit = usize::try_from(size)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let bytes: Bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return refused(
                StatusCode::FORBIDDEN,
                &format!("the body must be {size} bytes"),
            );
        }
    };
    if bytes.len() as u64 != size {
        return refused(
            StatusCode::FORBIDDEN,
            &format!("the body must be {size} bytes"),
        );
    }
    match files.put(&key, bytes).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(error) => {
            tracing::error!(?error, "storing an upload failed");
            refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "the file could not be stored",
            )
        }
    }
}

async fn download(
    State(files): State<FileStore>,
    Path(key): Path<String>,
    Query(signed): Query<Signed>,
) -> Response {
    if let Some(refusal) = check(&files, "GET", &key, &signed) {
        return refusal;
    }
    let mut stream = match files.read(&key).await {
        Ok(Some(stream)) => stream,
        Ok(None) => return refused(StatusCode::NOT_FOUND, "no such file"),
        Err(error) => {
            tracing::error!(?error, "reading a file failed");
            return refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "the file could not be read",
            );
        }
    };
    // The type from the first chunk's magic number (the one checked when
    // the upload was completed).
    let first = match stream.next().await {
        Some(Ok(chunk)) => chunk,
        Some(Err(error)) => {
            tracing::error!(?error, "reading a file failed");
            return refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "the file could not be read",
            );
        }
        None => Bytes::new(),
    };
    let content_type = sniff::detect(&first).unwrap_or("application/octet-stream");
    let body = Body::from_stream(futures_util::stream::once(async { Ok(first) }).chain(stream));
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    response
}
