//! Subscriptions over Server-Sent Events (graphql-sse, distinct connections):
//! live events, resume, the same auth and socket limit as WebSockets, and
//! the end of a stream on shutdown.

use chat_server::domain::ChatId;
use chat_server::events::Topic;
use serde_json::{Value, json};

use crate::helpers::{EVENT_TIMEOUT, TestApp, error_code};

const EVENTS: &str = "subscription($chat: ID!, $after: String) { messageEvents(chatId: $chat, after: $after) { kind cursor message { text } } }";

/// One open event stream, read event by event.
struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    /// The next event as `(event, data)`, skipping keep-alive comments;
    /// `None` when the response ended.
    async fn next(&mut self) -> Option<(String, String)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut event, mut data) = (String::new(), Vec::new());
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        event = value.trim().to_owned();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push(value.strip_prefix(' ').unwrap_or(value).to_owned());
                    }
                }
                if event.is_empty() && data.is_empty() {
                    continue; // a comment
                }
                return Some((event, data.join("\n")));
            }
            let chunk = tokio::time::timeout(EVENT_TIMEOUT, self.response.chunk())
                .await
                .expect("an event within the timeout")
                .expect("the stream reads");
            self.buffer.push_str(std::str::from_utf8(&chunk?).unwrap());
        }
    }

    /// The next `next` event's payload.
    async fn next_data(&mut self) -> Value {
        let (event, data) = self.next().await.expect("the stream is open");
        assert_eq!(event, "next", "{data}");
        serde_json::from_str(&data).unwrap()
    }
}

async fn post_stream(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> reqwest::Response {
    let mut request = app
        .http
        .post(format!("{}/graphql", app.address))
        .header("accept", "text/event-stream")
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("the request is sent")
}

async fn open(app: &TestApp, token: &str, chat: &str, after: Option<&str>) -> EventStream {
    let response = post_stream(
        app,
        Some(token),
        EVENTS,
        json!({ "chat": chat, "after": after }),
    )
    .await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    EventStream {
        response,
        buffer: String::new(),
    }
}

fn topic(chat: &str) -> Topic {
    Topic::Chat(ChatId::parse("chatId", chat).unwrap())
}

#[tokio::test]
async fn sse_subscription__receives_live_messages_and_resumes_after_a_cursor() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.group(&ada, &[&bob], "Club").await;

    // Opened after an earlier message, so the first event (replayed) proves
    // the stream is live: a message sent before the subscription has found
    // its starting point would otherwise count as history.
    let start = app.say(&ada, &chat, "before").await;
    app.say(&ada, &chat, "first").await;
    let mut stream = open(&app, &bob.token, &chat, start["cursor"].as_str()).await;
    let replayed = stream.next_data().await;
    assert_eq!(
        replayed["data"]["messageEvents"]["message"]["text"], "first",
        "{replayed}"
    );

    app.say(&ada, &chat, "hello").await;
    let seen = stream.next_data().await;
    let event = &seen["data"]["messageEvents"];
    assert_eq!(event["message"]["text"], "hello", "{seen}");
    let cursor = event["cursor"].as_str().unwrap().to_owned();
    drop(stream);

    // Missed while away, then replayed from the cursor.
    app.subscribers(topic(&chat), 0).await;
    app.say(&ada, &chat, "missed").await;
    let mut stream = open(&app, &bob.token, &chat, Some(&cursor)).await;
    let replayed = stream.next_data().await;
    assert_eq!(
        replayed["data"]["messageEvents"]["message"]["text"], "missed",
        "{replayed}"
    );
}

#[tokio::test]
async fn sse_subscription__without_a_valid_token__is_refused_before_streaming() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let chat = app.group(&ada, &[], "Solo").await;
    for token in [None, Some("not-a-jwt")] {
        let response = post_stream(&app, token, EVENTS, json!({ "chat": chat })).await;
        assert_eq!(response.status(), 401, "token {token:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    }
}

#[tokio::test]
async fn sse_subscription__over_the_socket_limit__is_refused() {
    let app = TestApp::spawn_with(|s| s.connections.ws_max_sockets_per_user = 1).await;
    let ada = app.sign_up("ada").await;
    let chat = app.group(&ada, &[], "Solo").await;
    let _socket = app.ws(&ada.token).await;

    let response = post_stream(&app, Some(&ada.token), EVENTS, json!({ "chat": chat })).await;
    assert_eq!(response.status(), 429);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "RATE_LIMITED", "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["limit"], "sockets",
        "{body}"
    );
}

#[tokio::test]
async fn sse_stream__holds_a_socket_slot_while_open() {
    let app = TestApp::spawn_with(|s| s.connections.ws_max_sockets_per_user = 1).await;
    let ada = app.sign_up("ada").await;
    let chat = app.group(&ada, &[], "Solo").await;
    let stream = open(&app, &ada.token, &chat, None).await;
    app.subscribers(topic(&chat), 1).await;

    let second = post_stream(&app, Some(&ada.token), EVENTS, json!({ "chat": chat })).await;
    assert_eq!(second.status(), 429);
    drop(stream);
    // The slot is back once the server has noticed the stream is gone.
    app.subscribers(topic(&chat), 0).await;
    let third = open(&app, &ada.token, &chat, None).await;
    drop(third);
}

#[tokio::test]
async fn sse_query__gets_one_result_then_complete() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let response = post_stream(&app, Some(&ada.token), "{ me { handle } }", json!({})).await;
    assert_eq!(response.status(), 200);
    let mut stream = EventStream {
        response,
        buffer: String::new(),
    };
    let result = stream.next_data().await;
    assert_eq!(result["data"]["me"]["handle"], "ada", "{result}");
    let (event, _) = stream.next().await.expect("a complete event");
    assert_eq!(event, "complete");
    assert!(stream.next().await.is_none(), "the response ends");
}

#[tokio::test]
async fn sse_request__that_does_not_validate__gets_an_http_error() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let response = post_stream(&app, Some(&ada.token), "subscription { nope }", json!({})).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
}

#[tokio::test]
async fn sse_stream__ends_on_shutdown_without_waiting_for_the_drain() {
    // A drain longer than the helper waits: the stream must not hold it.
    let mut app = TestApp::spawn_with(|s| s.server.shutdown_drain_ms = 60_000).await;
    let ada = app.sign_up("ada").await;
    let chat = app.group(&ada, &[], "Solo").await;
    let mut stream = open(&app, &ada.token, &chat, None).await;
    app.subscribers(topic(&chat), 1).await;

    app.begin_shutdown();
    // No `complete`: the client should reconnect (elsewhere) and resume.
    assert_eq!(stream.next().await, None, "the stream ends");
    app.shutdown().await;
}

#[tokio::test]
async fn sse_stream__ends_when_its_session_is_revoked() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let chat = app.group(&ada, &[], "Solo").await;
    let mut stream = open(&app, &ada.token, &chat, None).await;
    app.subscribers(topic(&chat), 1).await;
    app.gql_ok(
        Some(&ada.token),
        "mutation { signOut { sessionIds } }",
        json!({}),
    )
    .await;
    assert_eq!(
        stream.next().await,
        None,
        "the stream ends with its session"
    );
}
