//! The graphql-ws wire format (subprotocol `graphql-transport-ws`) and its
//! close codes, as specified by the graphql-ws project's PROTOCOL.md.
//!
//! One code is this server's own: **4008 "Too many connections"**, for a
//! socket over a connection limit (too many open sockets for the user, or
//! too many sockets from one address still waiting for `connection_init`).
//! It is in the 4000–4399 range, which graphql-ws leaves unused (it takes
//! 4004, 4005 and 4400–4504), and the graphql-ws client retries it with
//! backoff like any non-fatal close, which is what a client should do: a
//! slot frees when one of its other sockets closes. 4429 would have been the
//! obvious choice but the protocol gives it to a second `connection_init`,
//! which clients treat as fatal.

use async_graphql::{Response, ServerError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The only subprotocol spoken.
pub const SUBPROTOCOL: &str = "graphql-transport-ws";

/// Why a socket is closed, with the code the client sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseReason {
    /// 1001: the server is shutting down; reconnect (to another instance).
    GoingAway,
    /// 1009: a message over the configured size (`WS_MAX_MESSAGE_BYTES`).
    MessageTooBig,
    /// 1013: a subscription fell too far behind; reconnect and resume.
    SlowConsumer,
    /// 4400: the message is not a valid graphql-ws message.
    InvalidMessage(&'static str),
    /// 4401: `subscribe` before the connection was acknowledged.
    Unauthorized,
    /// 4403: `connection_init` without a valid token, or the socket's session
    /// was revoked or ended.
    Forbidden(&'static str),
    /// 4406: the client did not ask for `graphql-transport-ws`.
    SubprotocolNotAcceptable,
    /// 4408: no `connection_init` within the configured time.
    InitTimeout,
    /// 4008: over a connection limit: too many open sockets for this user,
    /// or too many sockets from this address awaiting `connection_init`.
    TooManyConnections,
    /// 4409: a `subscribe` reused the id of a running operation.
    SubscriberExists(String),
    /// 4429: a second `connection_init`.
    TooManyInitRequests,
    /// 4500: an internal failure (details are logged, not sent).
    Internal,
}

impl CloseReason {
    pub fn code(&self) -> u16 {
        match self {
            CloseReason::GoingAway => 1001,
            CloseReason::MessageTooBig => 1009,
            CloseReason::SlowConsumer => 1013,
            CloseReason::InvalidMessage(_) => 4400,
            CloseReason::Unauthorized => 4401,
            CloseReason::Forbidden(_) => 4403,
            CloseReason::SubprotocolNotAcceptable => 4406,
            CloseReason::TooManyConnections => 4008,
            CloseReason::InitTimeout => 4408,
            CloseReason::SubscriberExists(_) => 4409,
            CloseReason::TooManyInitRequests => 4429,
            CloseReason::Internal => 4500,
        }
    }

    pub fn reason(&self) -> String {
        match self {
            CloseReason::GoingAway => "Server shutting down".into(),
            CloseReason::MessageTooBig => "Message too big".into(),
            CloseReason::SlowConsumer => "Slow consumer".into(),
            CloseReason::InvalidMessage(why) => (*why).into(),
            CloseReason::Unauthorized => "Unauthorized".into(),
            CloseReason::Forbidden(why) => (*why).into(),
            CloseReason::SubprotocolNotAcceptable => "Subprotocol not acceptable".into(),
            CloseReason::InitTimeout => "Connection initialisation timeout".into(),
            CloseReason::TooManyConnections => "Too many connections".into(),
            CloseReason::SubscriberExists(id) => format!("Subscriber for {id} already exists"),
            CloseReason::TooManyInitRequests => "Too many initialisation requests".into(),
            CloseReason::Internal => "Internal server error".into(),
        }
    }
}

/// Messages a client sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Value>,
    },
    Ping {
        #[serde(default)]
        payload: Option<Value>,
    },
    Pong {
        #[serde(default)]
        payload: Option<Value>,
    },
    Subscribe {
        id: String,
        payload: Box<async_graphql::Request>,
    },
    Complete {
        id: String,
    },
}

impl ClientMessage {
    /// Parses one text frame; payloads, when present, must be objects.
    pub fn parse(text: &str) -> Result<Self, CloseReason> {
        let invalid = CloseReason::InvalidMessage("Invalid message received");
        let message: ClientMessage = serde_json::from_str(text).map_err(|_| invalid.clone())?;
        let payload_ok =
            |p: &Option<Value>| matches!(p, None | Some(Value::Null | Value::Object(_)));
        let ok = match &message {
            ClientMessage::ConnectionInit { payload }
            | ClientMessage::Ping { payload }
            | ClientMessage::Pong { payload } => payload_ok(payload),
            ClientMessage::Subscribe { id, .. } | ClientMessage::Complete { id } => !id.is_empty(),
        };
        if ok { Ok(message) } else { Err(invalid) }
    }
}

/// Messages the server sends.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage<'a> {
    ConnectionAck,
    Pong {
        #[serde(skip_serializing_if = "Option::is_none")]
        payload: Option<Value>,
    },
    Next {
        id: &'a str,
        payload: &'a Response,
    },
    Error {
        id: &'a str,
        payload: &'a [ServerError],
    },
    Complete {
        id: &'a str,
    },
}

impl ServerMessage<'_> {
    pub fn to_json(&self) -> String {
        // Serializing these types cannot fail: every map key is a string.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A `next` message around a payload serialized already (a response
/// rendered once for many subscribers): the very bytes `ServerMessage::Next`
/// writes for the same response.
pub fn next_with_payload(id: &str, payload: &str) -> String {
    let id = serde_json::to_string(id).unwrap_or_default();
    let mut frame = String::with_capacity(payload.len() + id.len() + 32);
    frame.push_str(r#"{"type":"next","id":"#);
    frame.push_str(&id);
    frame.push_str(r#","payload":"#);
    frame.push_str(payload);
    frame.push('}');
    frame
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn parse__rejects_unknown_types_and_non_object_payloads() {
        assert!(ClientMessage::parse(r#"{"type":"connection_init"}"#).is_ok());
        assert!(ClientMessage::parse(r#"{"type":"connection_init","payload":null}"#).is_ok());
        assert!(ClientMessage::parse(r#"{"type":"connection_init","payload":"x"}"#).is_err());
        assert!(ClientMessage::parse(r#"{"type":"hello"}"#).is_err());
        assert!(
            ClientMessage::parse(r#"{"type":"subscribe","id":"","payload":{"query":"{a}"}}"#)
                .is_err()
        );
        assert!(ClientMessage::parse("not json").is_err());
    }

    #[test]
    fn next_with_payload__writes_what_next_writes() {
        let mut response = Response::new(async_graphql::value!({ "a": [1, "x\"y"] }));
        response.errors.push(ServerError::new("boom", None));
        let payload = serde_json::to_string(&response).unwrap();
        for id in ["1", "an \"odd\" id"] {
            assert_eq!(
                next_with_payload(id, &payload),
                ServerMessage::Next {
                    id,
                    payload: &response
                }
                .to_json()
            );
        }
    }

    #[test]
    fn server_messages__serialize_as_the_protocol_says() {
        assert_eq!(
            ServerMessage::ConnectionAck.to_json(),
            r#"{"type":"connection_ack"}"#
        );
        assert_eq!(
            ServerMessage::Pong { payload: None }.to_json(),
            r#"{"type":"pong"}"#
        );
        assert_eq!(
            ServerMessage::Complete { id: "1" }.to_json(),
            r#"{"type":"complete","id":"1"}"#
        );
    }
}
