//! GraphQL over WebSocket, the graphql-ws protocol to the letter.
//!
//! async-graphql's built-in handler departs from the protocol in its close
//! codes, so this module implements the protocol over
//! `Schema::execute_stream`: [`protocol`] is the wire format, [`connection`]
//! the per-socket state machine.

pub mod connection;
pub mod protocol;

pub use connection::{WsShared, serve};
pub use protocol::{CloseReason, SUBPROTOCOL};
