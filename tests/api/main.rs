//! End-to-end tests: each boots the real application on port 0 against a
//! fresh database and talks to it over HTTP, WebSocket and Server-Sent Events.
#![allow(non_snake_case)]

mod helpers;

mod account_lifecycle;
mod account_sync;
mod accounts;
mod browser;
mod chat_preferences;
mod chats;
mod cluster;
mod cluster_typing;
mod connections;
mod external_auth;
mod graphql_ws;
mod group_privacy;
mod health;
mod http;
mod injection;
mod invite_links;
mod jump;
mod mentions;
mod messages;
mod metrics;
mod moderation;
mod outages;
mod pins;
mod presence;
mod push;
mod query_limits;
mod rate_limits;
mod reports;
mod resume;
mod scale;
mod schema_file;
mod search;
mod search_bench;
mod server_api;
mod sessions;
mod shared_events;
mod shutdown;
mod social;
mod sse;
mod thread_state;
mod threads;
mod transport_limits;
mod uploads;
mod uploads_s3;
mod webhooks;
mod ws_tokens;
