//! A minimal graphql-ws client (subprotocol `graphql-transport-ws`): open a
//! socket, `connection_init` with the token, await the ack, `subscribe` to
//! `messageEvents`; and the parsing of what comes back.
//!
//! Socket buffers are set small: the tool holds ten thousand sockets, and
//! its own memory should not be what limits a run.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context as _, bail};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{WebSocketStream, client_async_with_config};

pub type Socket = WebSocketStream<TcpStream>;

/// What a chat client typically selects for its timeline: the event, its
/// cursor, and the message with its sender. (`user`, who acted, is left
/// out: a client has the sender already.)
pub const SUBSCRIPTION: &str = "subscription Events($chatId: ID!, $after: String) { \
    messageEvents(chatId: $chatId, after: $after) { \
    kind cursor message { id clientMessageId text createdAt sender { id handle name image } } } }";

/// How long the handshake and the ack may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// Socket read chunks: frames here are a few hundred bytes.
const READ_BUFFER_BYTES: usize = 4 * 1024;

/// Where sockets go and what they subscribe to.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub addr: SocketAddr,
    pub url: String,
}

impl Endpoint {
    pub fn new(ws_url: &str) -> anyhow::Result<Self> {
        let host_port = ws_url
            .strip_prefix("ws://")
            .and_then(|rest| rest.split('/').next())
            .context("a ws:// URL")?;
        Ok(Self {
            addr: host_port.parse().context("a 127.0.0.1:PORT address")?,
            url: ws_url.to_owned(),
        })
    }
}

/// Opens a socket, authenticates and subscribes to `chat`'s events after
/// `after` (live only when `None`). The subscription has no acknowledgement
/// in graphql-ws: the first event proves it is live.
pub async fn subscribe(
    endpoint: &Endpoint,
    token: &str,
    chat: &str,
    after: Option<i64>,
) -> anyhow::Result<Socket> {
    tokio::time::timeout(HANDSHAKE_TIMEOUT, async {
        let tcp = TcpStream::connect(endpoint.addr).await?;
        tcp.set_nodelay(true)?;
        let mut request = endpoint.url.as_str().into_client_request()?;
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws"
                .parse()
                .expect("a valid header value"),
        );
        let config = WebSocketConfig::default()
            .read_buffer_size(READ_BUFFER_BYTES)
            .write_buffer_size(0);
        let (mut socket, _) = client_async_with_config(request, tcp, Some(config)).await?;
        let init = json!({
            "type": "connection_init",
            "payload": { "authorization": format!("Bearer {token}") },
        });
        socket.send(Message::text(init.to_string())).await?;
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) if text.contains("connection_ack") => break,
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(Message::Close(frame))) => bail!("closed before the ack: {frame:?}"),
                other => bail!("expected connection_ack, got {other:?}"),
            }
        }
        let subscribe = json!({
            "id": "1",
            "type": "subscribe",
            "payload": {
                "query": SUBSCRIPTION,
                "variables": { "chatId": chat, "after": after.map(|a| a.to_string()) },
            },
        });
        socket.send(Message::text(subscribe.to_string())).await?;
        Ok(socket)
    })
    .await
    .context("the handshake timed out")?
}

/// One server message, reduced to what the scenarios look at.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// A `messageEvents` result.
    Event {
        kind: String,
        cursor: Option<i64>,
        client_message_id: Option<String>,
    },
    /// `error`, or a `next` carrying errors: the operation failed.
    Failed(String),
    Complete,
    /// Anything else (`pong`, ...).
    Other,
}

#[derive(Deserialize)]
struct NextFrame {
    payload: NextPayload,
}

#[derive(Deserialize)]
struct NextPayload {
    data: Option<Data>,
    errors: Option<Vec<Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    message_events: EventData,
}

#[derive(Deserialize)]
struct EventData {
    kind: String,
    cursor: Option<String>,
    message: Option<MessageData>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageData {
    client_message_id: Option<String>,
}

/// Parses a text frame. `next` frames, the hot path, go straight into
/// typed structs (no `Value` tree per delivery): the tool runs on the same
/// cores as the server and its parsing must stay cheap.
pub fn parse(text: &str) -> Frame {
    if text.starts_with(r#"{"type":"next""#)
        && let Ok(next) = serde_json::from_str::<NextFrame>(text)
    {
        return next_frame(next.payload);
    }
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return Frame::Failed(format!("not JSON: {text}"));
    };
    match value["type"].as_str() {
        Some("next") => match serde_json::from_value::<NextPayload>(value["payload"].clone()) {
            Ok(payload) => next_frame(payload),
            Err(error) => Frame::Failed(format!("unexpected next payload: {error}")),
        },
        Some("error") => Frame::Failed(value["payload"].to_string()),
        Some("complete") => Frame::Complete,
        _ => Frame::Other,
    }
}

fn next_frame(payload: NextPayload) -> Frame {
    if let Some(errors) = payload.errors.filter(|e| !e.is_empty()) {
        return Frame::Failed(Value::Array(errors).to_string());
    }
    let Some(data) = payload.data else {
        return Frame::Failed("a next message without data".into());
    };
    let event = data.message_events;
    Frame::Event {
        kind: event.kind,
        cursor: event.cursor.and_then(|c| c.parse().ok()),
        client_message_id: event.message.and_then(|m| m.client_message_id),
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn parse__reads_events_in_either_field_order() {
        let fast = r#"{"type":"next","id":"1","payload":{"data":{"messageEvents":{"kind":"CREATED","cursor":"42","message":{"id":"m","clientMessageId":"s1-7","text":"hi","sender":{"id":"u"}}}}}}"#;
        let expected = Frame::Event {
            kind: "CREATED".into(),
            cursor: Some(42),
            client_message_id: Some("s1-7".into()),
        };
        assert_eq!(parse(fast), expected);
        let reordered = r#"{"id":"1","payload":{"data":{"messageEvents":{"kind":"CREATED","cursor":"42","message":{"clientMessageId":"s1-7"}}}},"type":"next"}"#;
        assert_eq!(parse(reordered), expected);
        let resync = r#"{"type":"next","id":"1","payload":{"data":{"messageEvents":{"kind":"RESYNC","cursor":null,"message":null}}}}"#;
        assert!(matches!(parse(resync), Frame::Event { cursor: None, .. }));
    }

    #[test]
    fn parse__reports_failures_and_other_messages() {
        let error = r#"{"type":"error","id":"1","payload":[{"message":"no"}]}"#;
        assert!(matches!(parse(error), Frame::Failed(text) if text.contains("no")));
        let next_error =
            r#"{"type":"next","id":"1","payload":{"data":null,"errors":[{"message":"x"}]}}"#;
        assert!(matches!(parse(next_error), Frame::Failed(_)));
        assert_eq!(parse(r#"{"type":"complete","id":"1"}"#), Frame::Complete);
        assert_eq!(parse(r#"{"type":"pong"}"#), Frame::Other);
        assert!(matches!(parse("garbage"), Frame::Failed(_)));
    }

    #[test]
    fn endpoint__takes_the_address_from_the_url() {
        let endpoint = Endpoint::new("ws://127.0.0.1:9000/graphql").unwrap();
        assert_eq!(endpoint.addr, "127.0.0.1:9000".parse().unwrap());
        assert!(Endpoint::new("http://127.0.0.1:9000").is_err());
    }
}
