//! GraphQL over WebSocket, the graphql-ws protocol to the letter.
//!
//! async-graphql's built-in handler departs from the protocol in its close
//! codes, so this module implements the protocol over
//! `Schema::execute_stream`: [`protocol`] is the wire format, [`connection`]
//! the per-socket state machine, [`operation`] runs one operation and
//! [`outbound`] is the bounded way out of a socket.

pub mod connection;
pub mod operation;
pub mod outbound;
pub mod protocol;

pub use connection::{WsShared, serve};
pub use protocol::{CloseReason, SUBPROTOCOL};
