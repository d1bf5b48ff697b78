//! `messageEvents` rendered once for many subscribers: everyone still gets
//! exactly what they may see.

use serde_json::{Value, json};

use crate::helpers::{TestApp, WsClient};

const EVERYTHING_SHARED: &str = "subscription($chat: ID!, $after: String) { \
    messageEvents(chatId: $chat, after: $after) { \
    kind cursor message { id text sender { id handle } reactions { emoji count } } } }";

const VIEWER_DEPENDENT: &str = "subscription($chat: ID!, $after: String) { \
    messageEvents(chatId: $chat, after: $after) { \
    kind message { text sender { handle email } reactions { emoji reactedByMe } } } }";

/// A socket following `chat` from its latest event: resuming from a cursor,
/// so no event sent after this returns can be missed, however long the
/// subscription takes to start.
async fn subscribed(app: &TestApp, token: &str, query: &str, chat: &str) -> WsClient {
    let page = app
        .gql_ok(
            Some(token),
            "query($chat: ID!) { messages(chatId: $chat, last: 1) { edges { cursor } } }",
            json!({ "chat": chat }),
        )
        .await;
    let after = page["messages"]["edges"][0]["cursor"].clone();
    let mut socket = app.ws(token).await;
    socket
        .subscribe("e", query, json!({ "chat": chat, "after": after }))
        .await;
    socket
}

fn event(payload: &Value) -> &Value {
    &payload["data"]["messageEvents"]
}

#[tokio::test]
async fn shared_rendering__gives_every_subscriber_the_same_answer() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    let chat = app.group(&ada, &[&bob, &cat], "Club").await;
    let mut sockets = Vec::new();
    for user in [&ada, &bob, &cat] {
        sockets.push(subscribed(&app, &user.token, EVERYTHING_SHARED, &chat).await);
    }
    // Another selection (with an alias) gets its own answer.
    let mut other = subscribed(
        &app,
        &bob.token,
        "subscription($chat: ID!, $after: String) { \
         events: messageEvents(chatId: $chat, after: $after) { cursor } }",
        &chat,
    )
    .await;
    let sent = app.say(&cat, &chat, "hello").await;
    let mut payloads = Vec::new();
    for socket in &mut sockets {
        payloads.push(socket.next_data("e").await);
    }
    assert!(payloads.iter().all(|p| *p == payloads[0]), "{payloads:?}");
    let expected = json!({ "data": { "messageEvents": {
        "kind": "CREATED",
        "cursor": sent["cursor"],
        "message": {
            "id": sent["id"],
            "text": "hello",
            "sender": { "id": cat.id, "handle": "cat" },
            "reactions": [],
        },
    } } });
    assert_eq!(payloads[0], expected);
    assert_eq!(
        other.next_data("e").await,
        json!({ "data": { "events": { "cursor": sent["cursor"] } } })
    );
}

#[tokio::test]
async fn shared_rendering__keeps_what_depends_on_the_viewer_their_own() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.group(&ada, &[&bob], "Club").await;
    let mut ada_socket = subscribed(&app, &ada.token, VIEWER_DEPENDENT, &chat).await;
    let mut bob_socket = subscribed(&app, &bob.token, VIEWER_DEPENDENT, &chat).await;
    let sent = app.say(&ada, &chat, "mine").await;
    // Only the sender sees her own email.
    let to_ada = ada_socket.next_data("e").await;
    let to_bob = bob_socket.next_data("e").await;
    assert_eq!(
        event(&to_ada)["message"]["sender"]["email"],
        ada.email.as_str()
    );
    assert_eq!(event(&to_bob)["message"]["sender"]["email"], Value::Null);
    app.gql_ok(
        Some(&bob.token),
        "mutation($input: ReactionInput!) { addReaction(input: $input) { id } }",
        json!({ "input": { "messageId": sent["id"], "emoji": "👍" } }),
    )
    .await;
    // Only the one who reacted reacted.
    let to_ada = ada_socket.next_data("e").await;
    let to_bob = bob_socket.next_data("e").await;
    assert_eq!(event(&to_ada)["kind"], "REACTION_CHANGED");
    assert_eq!(
        event(&to_ada)["message"]["reactions"],
        json!([{ "emoji": "👍", "reactedByMe": false }])
    );
    assert_eq!(
        event(&to_bob)["message"]["reactions"],
        json!([{ "emoji": "👍", "reactedByMe": true }])
    );
}

#[tokio::test]
async fn a_message_to_more_subscribers__costs_no_more_database_round_trips() {
    for query in [EVERYTHING_SHARED, VIEWER_DEPENDENT] {
        round_trips_do_not_grow_with_subscribers(query).await;
    }
}

/// Shared or rendered per viewer, a delivery reads nothing from the
/// database: what it needs travels with the event.
async fn round_trips_do_not_grow_with_subscribers(query: &str) {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let mut members = Vec::new();
    for name in ["bob", "cat", "dan", "eve", "fay", "gus"] {
        members.push(app.sign_up(name).await);
    }
    let chat = app
        .group(&ada, &members.iter().collect::<Vec<_>>(), "Club")
        .await;
    let mut sockets = Vec::new();
    // Round trips of one message, sent once every socket took a first one
    // (so that starting the subscriptions is not counted). The least of
    // three sends: the counter is the whole app's, and work in the
    // background (announcing that the members came online) can land in
    // one of them; a read per subscriber would be in all three.
    let cost = async |sockets: &mut Vec<WsClient>| {
        app.say(&ada, &chat, "warm-up").await;
        for socket in sockets.iter_mut() {
            socket.next_data("e").await;
        }
        let mut least = u64::MAX;
        for _ in 0..3 {
            let before = app.db_commands();
            app.say(&ada, &chat, "counted").await;
            for socket in sockets.iter_mut() {
                assert_eq!(
                    event(&socket.next_data("e").await)["message"]["text"],
                    "counted"
                );
            }
            least = least.min(app.db_commands() - before);
        }
        least
    };
    sockets.push(subscribed(&app, &members[0].token, query, &chat).await);
    let one = cost(&mut sockets).await;
    for member in &members[1..] {
        sockets.push(subscribed(&app, &member.token, query, &chat).await);
    }
    let six = cost(&mut sockets).await;
    assert_eq!(
        six, one,
        "round trips with 6 subscribers and with 1: {query}"
    );
}
