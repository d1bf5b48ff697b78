//! A real-time chat server: a GraphQL API (queries, mutations, and
//! subscriptions over graphql-ws) on MongoDB, with an event bus that can span
//! several instances.
//!
//! Layers, each using only the ones below it:
//!
//! - [`startup`]: builds and runs the [`startup::Application`]
//! - [`http`]: the axum router, GraphQL over HTTP, the graphql-ws protocol, and
//!   the accept loop that admits and times connections
//! - [`graphql`]: the schema (per-domain roots), guards, DataLoaders
//! - [`services`]: the rules of each domain and what gets broadcast
//! - [`limits`]: call rates and socket counts per caller (abuse resistance)
//! - [`events`]: the topic-routed event bus
//! - [`cluster`]: what instances coordinate through Redis (presence counts,
//!   socket slots, typing), each with a local twin for a single instance
//! - [`files`]: uploaded files in a local directory or an S3-compatible bucket
//! - [`storage`]: MongoDB collections, documents, indexes, queries
//! - [`auth`]: tokens, password hashing, the caller ([`auth::Viewer`])
//! - [`domain`]: ids and checked input types
//! - [`error`]: the one error type and its stable codes
//! - [`config`], [`telemetry`], [`metrics`]: settings from the environment,
//!   logging, Prometheus metrics

pub mod auth;
pub mod cluster;
pub mod config;
pub mod domain;
pub mod error;
pub mod events;
pub mod files;
pub mod graphql;
pub mod http;
pub mod limits;
pub mod metrics;
pub mod services;
pub mod startup;
pub mod storage;
pub mod telemetry;
