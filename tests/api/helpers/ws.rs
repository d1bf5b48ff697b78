use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::EVENT_TIMEOUT;

/// A raw graphql-ws client: every frame is visible to the test.
pub struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl WsClient {
    /// Connects with the `graphql-transport-ws` subprotocol.
    pub async fn connect(url: &str) -> Self {
        Self::connect_with_protocol(url, Some("graphql-transport-ws")).await
    }

    pub async fn connect_with_protocol(url: &str, protocol: Option<&str>) -> Self {
        let mut request = url.into_client_request().expect("a valid URL");
        if let Some(protocol) = protocol {
            request
                .headers_mut()
                .insert("Sec-WebSocket-Protocol", protocol.parse().unwrap());
        }
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the socket connects");
        Self { socket }
    }

    pub async fn send(&mut self, message: Value) {
        self.send_text(&message.to_string()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.socket
            .send(Message::Text(text.into()))
            .await
            .expect("the frame is sent");
    }

    pub async fn send_binary(&mut self, bytes: Vec<u8>) {
        self.socket
            .send(Message::Binary(bytes.into()))
            .await
            .expect("the frame is sent");
    }

    /// The next graphql-ws message; panics on close or timeout.
    pub async fn recv(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(EVENT_TIMEOUT, self.socket.next())
                .await
                .expect("a message within the timeout");
            match frame {
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(text.as_str()).expect("a JSON message");
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("expected a message, got {other:?}"),
            }
        }
    }

    /// The next message, or the close code if the server closes instead.
    pub async fn recv_or_close(&mut self) -> Result<Value, u16> {
        loop {
            let frame = tokio::time::timeout(EVENT_TIMEOUT, self.socket.next())
                .await
                .expect("a message within the timeout");
            match frame {
                Some(Ok(Message::Text(text))) => {
                    return Ok(serde_json::from_str(text.as_str()).expect("a JSON message"));
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(Message::Close(Some(frame)))) => return Err(frame.code.into()),
                other => panic!("expected a message or a close, got {other:?}"),
            }
        }
    }

    /// Waits for the server to close; returns the close code and reason.
    /// Messages that arrive before the close are skipped.
    pub async fn closed(&mut self) -> (u16, String) {
        loop {
            let frame = tokio::time::timeout(EVENT_TIMEOUT, self.socket.next())
                .await
                .expect("the socket closes within the timeout");
            match frame {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return (u16::from(frame.code), frame.reason.to_string());
                }
                Some(Ok(Message::Close(None))) | None | Some(Err(_)) => {
                    panic!("the socket ended without a close code")
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    /// The very next frame must be a close; returns its code and reason.
    /// For refusals: nothing (no ack, no data) may come before the close.
    pub async fn closed_at_once(&mut self) -> (u16, String) {
        loop {
            let frame = tokio::time::timeout(EVENT_TIMEOUT, self.socket.next())
                .await
                .expect("the socket closes within the timeout");
            match frame {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return (u16::from(frame.code), frame.reason.to_string());
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("expected a close and nothing before it, got {other:?}"),
            }
        }
    }

    /// Waits for the socket to end: `Some((code, reason))` for a close frame,
    /// `None` when the server dropped the connection without one (as it must
    /// when a client that stopped reading has left no room for it). Messages
    /// that arrive first are skipped.
    pub async fn ended(&mut self) -> Option<(u16, String)> {
        loop {
            let frame = tokio::time::timeout(EVENT_TIMEOUT, self.socket.next())
                .await
                .expect("the socket ends within the timeout");
            match frame {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return Some((u16::from(frame.code), frame.reason.to_string()));
                }
                Some(Ok(Message::Close(None))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Closes from the client side and waits until the server has let go of
    /// the socket (it drops the connection once the socket is cleaned up).
    pub async fn close(mut self) {
        let _ = self.socket.send(Message::Close(None)).await;
        let _ = self.ended().await;
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "type": "subscribe", "id": id, "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// The next `next` payload for `id`; fails on any other message.
    pub async fn next_data(&mut self, id: &str) -> Value {
        let message = self.recv().await;
        assert_eq!(message["type"], "next", "expected next, got {message}");
        assert_eq!(message["id"], id);
        message["payload"].clone()
    }

    /// Proves the server has handled everything sent so far and that nothing
    /// else is queued for this socket: a ping must come back as the very next
    /// message.
    pub async fn expect_quiet(&mut self) {
        let marker = uuid::Uuid::new_v4().to_string();
        self.send(json!({ "type": "ping", "payload": { "marker": marker } }))
            .await;
        let message = self.recv().await;
        assert_eq!(
            message["type"], "pong",
            "expected nothing before the pong, got {message}"
        );
        assert_eq!(message["payload"]["marker"], marker.as_str());
    }
}
