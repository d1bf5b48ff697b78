//! GraphQL over HTTP (the GraphQL-over-HTTP spec) and the WebSocket upgrade.
//!
//! - `POST /graphql` with `application/json`: any operation.
//! - `GET /graphql?query=…`: queries only; a mutation is 405 with `Allow: POST`.
//! - `GET /graphql` with `Upgrade: websocket`: graphql-ws.
//! - either with `Accept: text/event-stream`: graphql-sse (see [`super::sse`]).
//!
//! Responses are `application/graphql-response+json` when the client accepts
//! it (then a request that fails before execution is 400), otherwise
//! `application/json` with 200, as the spec requires for legacy clients.
//! A request that fails before execution (bad body, parse, validation or
//! query-limit errors) is answered without a `data` entry in both media
//! types: the GraphQL spec leaves `data` out when nothing was executed, and
//! `application/graphql-response+json` with 4xx must not carry it. Once
//! execution began, `data` is always there (`null` when a non-null root
//! field failed).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::parser::types::OperationType;
use async_graphql::{ServerError, Value};
use axum::body::Bytes;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::origins;
use super::server_api;
use super::sse;
use super::ws::{self, SUBPROTOCOL};
use crate::auth::{UserAgent, Viewer, bearer_token};
use crate::error::{AppError, ErrorCode};
use crate::graphql::errors::{code_of, ensure_codes, failed_before_execution};
use crate::graphql::operation::operation_type;
use crate::graphql::{QueryLimits, prepare_request};
use crate::limits::ClientIp;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const APPLICATION_JSON: &str = "application/json";
/// Small socket buffers keep idle connections cheap: this one is allocated
/// for every socket up front, while client messages are a few hundred bytes
/// (a larger one makes it grow, up to `WS_MAX_MESSAGE_BYTES`).
const WS_READ_BUFFER_BYTES: usize = 1024;

pub async fn post(
    State(state): State<AppState>,
    client_ip: ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let media = ResponseMedia::negotiate(&headers);
    if !is_json_content_type(&headers) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            AppError::bad_input("body", "send the request as application/json"),
        );
    }
    let mut request = match parse_body(&body) {
        Ok(request) => request,
        Err(error) => return error_response(StatusCode::BAD_REQUEST, media, error),
    };
    if let Err(error) = state.ws.persisted.resolve(&mut request) {
        return persisted_query_error(media, error);
    }
    execute(state, &headers, client_ip, request, media).await
}

pub async fn get(State(state): State<AppState>, client_ip: ClientIp, request: Request) -> Response {
    let (mut parts, _body) = request.into_parts();
    if is_websocket_upgrade(&parts.headers) {
        if let Some(origin) = parts.headers.get(header::ORIGIN)
            && origins::checks_websockets(&state.settings)
            && !state.origins.allows(origin)
        {
            // A browser page from an origin not on the allow-list.
            return (StatusCode::FORBIDDEN, "this origin may not open a socket").into_response();
        }
        return match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
            Ok(upgrade) => upgrade_socket(state, upgrade, client_ip),
            Err(rejection) => rejection.into_response(),
        };
    }
    let media = ResponseMedia::negotiate(&parts.headers);
    let query = parts.uri.query().unwrap_or_default();
    let mut request = match async_graphql::http::parse_query_string(query) {
        Ok(request) => request,
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                media,
                AppError::bad_input("query", "the query string is not a GraphQL request"),
            );
        }
    };
    // Before the mutation check: a hash may stand for a mutation.
    if let Err(error) = state.ws.persisted.resolve(&mut request) {
        return persisted_query_error(media, error);
    }
    let limits = QueryLimits::from_settings(&state.settings);
    if operation_type(&mut request, &limits) == Some(OperationType::Mutation) {
        let mut response = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            AppError::bad_input("query", "mutations must be sent with POST"),
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    execute(state, &parts.headers, client_ip, request, media).await
}

async fn execute(
    state: AppState,
    headers: &HeaderMap,
    client_ip: ClientIp,
    request: async_graphql::Request,
    media: ResponseMedia,
) -> Response {
    // The schema bounds the operation itself (`REQUEST_TIMEOUT_MS`); this
    // bounds finding the caller, which reads the database too.
    let deadline = Duration::from_millis(state.settings.queries.request_timeout_ms);
    let (viewer, server) = match tokio::time::timeout(deadline, caller(&state, headers)).await {
        Ok(Ok(found)) => found,
        Ok(Err(error)) => {
            let status = match &error {
                AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
                AppError::BadInput { .. } => StatusCode::BAD_REQUEST,
                AppError::NotFound(_) => StatusCode::NOT_FOUND,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            return error_response(status, media, error);
        }
        Err(_) => {
            return error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                media,
                AppError::unavailable(),
            );
        }
    };
    if server.is_none() && sse::wants_event_stream(headers) {
        return sse::respond(&state, viewer, client_ip, request, media).await;
    }
    let operation_name = request.operation_name.clone();
    let mut request = prepare_request(request, viewer, client_ip);
    if let Some(server) = &server {
        request = request.data(server.caller.clone());
    }
    // Remembered by the session a `signIn` or `signUp` starts.
    if let Some(agent) = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
    {
        request = request.data(UserAgent(agent.to_owned()));
    }
    let mut response = state.schema.execute(request).await;
    ensure_codes(&mut response);
    if let Some(server) = &server {
        server_api::audit(server, operation_name.as_deref(), response.errors.len());
    }
    let status =
        if media != ResponseMedia::GraphqlResponseJson || !failed_before_execution(&response) {
            StatusCode::OK
        } else {
            failure_status(&response)
        };
    json_response(status, media, &ResponseBody::of(&response))
}

/// The status of a request that failed before execution, for clients that
/// take it from the status line.
pub(super) fn failure_status(response: &async_graphql::Response) -> StatusCode {
    if response.errors.iter().all(|e| code_of(e) == "UNAVAILABLE") {
        // Not the request's fault: the same request may succeed later.
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::BAD_REQUEST
    }
}

/// A GraphQL response as sent: `async_graphql::Response` always writes
/// `data`, even for a request that never reached execution.
#[derive(serde::Serialize)]
pub(super) struct ResponseBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extensions: &'a BTreeMap<String, Value>,
}

impl<'a> ResponseBody<'a> {
    pub(super) fn of(response: &'a async_graphql::Response) -> Self {
        let executed = !failed_before_execution(response);
        Self {
            data: executed.then_some(&response.data),
            errors: &response.errors,
            extensions: &response.extensions,
        }
    }
}

/// The caller: the app's backend when there is an `X-Api-Key` header (see
/// [`server_api`]), else the user of the `Authorization` header.
async fn caller(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(Viewer, Option<server_api::ServerRequest>), AppError> {
    match server_api::from_headers(state, headers).await {
        Some(server) => {
            let server = server?;
            Ok((server.viewer.clone(), Some(server)))
        }
        None => Ok((viewer_from_headers(state, headers).await?, None)),
    }
}

/// The caller named by the `Authorization` header. A refused token does not
/// fail the request here: guarded fields report it, public ones still work.
async fn viewer_from_headers(state: &AppState, headers: &HeaderMap) -> Result<Viewer, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Viewer::Anonymous);
    };
    let Some(token) = value.to_str().ok().and_then(bearer_token) else {
        return Ok(Viewer::Refused(
            "the Authorization header must be 'Bearer <token>'".into(),
        ));
    };
    match state.services.accounts.authenticate(token).await {
        Ok(user) => Ok(Viewer::User(user)),
        Err(AppError::Unauthenticated(reason)) => Ok(Viewer::Refused(reason)),
        Err(other) => Err(other),
    }
}

fn upgrade_socket(state: AppState, upgrade: WebSocketUpgrade, client_ip: ClientIp) -> Response {
    // A larger message closes the socket (1009) before it is buffered whole.
    let max_message = state.settings.connections.ws_max_message_bytes;
    let upgrade = upgrade
        .protocols([SUBPROTOCOL])
        .read_buffer_size(WS_READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .max_message_size(max_message)
        .max_frame_size(max_message);
    let accepted = upgrade.selected_protocol().is_some();
    let shared: Arc<ws::WsShared> = state.ws.clone();
    let sockets = state.sockets.clone();
    upgrade.on_upgrade(move |socket| {
        sockets.track_future(ws::serve(socket, shared, accepted, client_ip))
    })
}

fn parse_body(body: &[u8]) -> Result<async_graphql::Request, AppError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| AppError::bad_input("body", "the body is not valid JSON"))?;
    if value.is_array() {
        return Err(AppError::bad_input(
            "body",
            "batched requests are not supported",
        ));
    }
    // async-graphql would default a missing query to "", hiding the mistake;
    // only a persisted query (named by its hash) may leave it out.
    let persisted = value
        .get("extensions")
        .is_some_and(|e| e.get("persistedQuery").is_some());
    let query = value.get("query");
    let query_ok = match query {
        Some(query) => query.is_string(),
        None => persisted,
    };
    if !query_ok {
        return Err(AppError::bad_input(
            "query",
            "the body must have a string `query`",
        ));
    }
    serde_json::from_value(value)
        .map_err(|_| AppError::bad_input("body", "the body is not a GraphQL request"))
}

fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

fn is_json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(APPLICATION_JSON))
}

/// The response media type the client asked for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ResponseMedia {
    GraphqlResponseJson,
    Json,
}

impl ResponseMedia {
    fn negotiate(headers: &HeaderMap) -> Self {
        let accepts_graphql_response = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains(GRAPHQL_RESPONSE_JSON));
        if accepts_graphql_response {
            ResponseMedia::GraphqlResponseJson
        } else {
            ResponseMedia::Json
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            ResponseMedia::GraphqlResponseJson => {
                "application/graphql-response+json; charset=utf-8"
            }
            ResponseMedia::Json => "application/json; charset=utf-8",
        }
    }
}

pub(super) fn json_response(
    status: StatusCode,
    media: ResponseMedia,
    body: &impl serde::Serialize,
) -> Response {
    let body = serde_json::to_vec(body).unwrap_or_default();
    (
        status,
        [
            (header::CONTENT_TYPE, media.content_type()),
            // Never cached, GET (and persisted-query GETs a CDN could key)
            // included: every field here depends on who asks (guards,
            // blocks, `reactedByMe`), and there is no query without a
            // viewer worth caching.
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// The answer to a persisted query that is unknown (200, as Apollo's link
/// expects: the client simply sends the query in full) or malformed (400
/// for GraphQL-over-HTTP clients, like any request error).
fn persisted_query_error(media: ResponseMedia, error: async_graphql::ServerError) -> Response {
    let status = if code_of(&error) == ErrorCode::PersistedQueryNotFound.as_str()
        || media != ResponseMedia::GraphqlResponseJson
    {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let response = async_graphql::Response::from_errors(vec![error]);
    json_response(status, media, &ResponseBody::of(&response))
}

/// A response for a request refused before execution (no `data`).
pub(super) fn error_response(
    status: StatusCode,
    media: ResponseMedia,
    error: AppError,
) -> Response {
    let error: async_graphql::Error = error.into();
    let response =
        async_graphql::Response::from_errors(vec![error.into_server_error(Default::default())]);
    json_response(status, media, &ResponseBody::of(&response))
}
