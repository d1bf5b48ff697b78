//! No client value can become a MongoDB operator: operator-shaped values
//! through every id and every string that reaches a filter are refused or
//! treated as plain text, and nothing changes.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

const OPERATOR_STRINGS: [&str; 4] = [
    r#"{"$ne": null}"#,
    r#"{"$gt": ""}"#,
    "$where",
    r#"{"$where": "sleep(100)"}"#,
];

/// An operation and how to put the tested value into its variables.
type Probe = (&'static str, fn(Value) -> Value);

fn operator_objects() -> [Value; 3] {
    [
        json!({ "$ne": null }),
        json!({ "$gt": "" }),
        json!({ "$where": "sleep(100)" }),
    ]
}

#[tokio::test]
async fn operator_shaped_ids__are_bad_user_input_everywhere() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.group(&ada, &[&bob], "Club").await;
    let message = app.say(&ada, &chat, "hello").await;
    let operations: [Probe; 12] = [
        (
            "query($v: ID!) { user(id: $v) { id } }",
            |v| json!({ "v": v }),
        ),
        (
            "query($v: ID!) { chat(id: $v) { id } }",
            |v| json!({ "v": v }),
        ),
        (
            "query($v: ID!) { messages(chatId: $v) { edges { cursor } } }",
            |v| json!({ "v": v }),
        ),
        (
            "mutation($v: ID!) { sendFriendRequest(input: { userId: $v }) { id } }",
            |v| json!({ "v": v }),
        ),
        (
            "mutation($v: ID!) { respondToFriendRequest(input: { requestId: $v, action: ACCEPT }) { id } }",
            |v| json!({ "v": v }),
        ),
        (
            "mutation($v: ID!) { blockUser(input: { userId: $v }) { id } }",
            |v| json!({ "v": v }),
        ),
        (
            "mutation($v: ID!) { sendMessage(input: { chatId: $v, text: \"x\" }) { id } }",
            |v| json!({ "v": v }),
        ),
        (
            "mutation($v: ID!) { editMessage(input: { messageId: $v, text: \"x\" }) { id } }",
            |v| json!({ "v": v }),
        ),
        (
            "mutation($v: ID!) { deleteMessage(input: { messageId: $v, forEveryone: true }) { id } }",
            |v| json!({ "v": v }),
        ),
        (
            "mutation($v: ID!) { addReaction(input: { messageId: $v, emoji: \"👍\" }) { id } }",
            |v| json!({ "v": v }),
        ),
        (
            "mutation($v: [ID!]!) { addChatMembers(input: { chatId: \"000000000000000000000000\", userIds: $v }) { id } }",
            |v| json!({ "v": [v] }),
        ),
        (
            "mutation($v: [ID!]) { markNotificationsRead(input: { ids: $v }) { markedCount } }",
            |v| json!({ "v": [v] }),
        ),
    ];
    for (query, variables) in operations {
        for value in OPERATOR_STRINGS
            .iter()
            .map(|s| json!(s))
            .chain(operator_objects())
        {
            let body = app
                .gql(Some(&ada.token), query, variables(value.clone()))
                .await;
            assert_eq!(
                error_code(&body),
                "BAD_USER_INPUT",
                "{query} with {value}: {body}"
            );
        }
    }
    // Nothing changed: the one message is intact and nobody was blocked.
    let history = app
        .gql_ok(Some(&bob.token), "query($c: ID!) { messages(chatId: $c) { edges { node { id text isDeleted reactions { emoji } } } } }", json!({ "c": chat }))
        .await;
    let last = history["messages"]["edges"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["node"]
        .clone();
    assert_eq!(
        last,
        json!({ "id": message["id"], "text": "hello", "isDeleted": false, "reactions": [] })
    );
    let blocked = app
        .gql_ok(
            Some(&ada.token),
            "{ blockedUsers { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(blocked["blockedUsers"]["edges"], json!([]));
}

#[tokio::test]
async fn operator_shaped_strings_in_filters__match_nothing() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    app.sign_up("bob").await;
    for value in OPERATOR_STRINGS {
        let sign_in = app
            .gql(None, "mutation($l: String!) { signIn(input: { login: $l, password: \"correct horse battery\" }) { token } }", json!({ "l": value }))
            .await;
        assert_eq!(error_code(&sign_in), "UNAUTHENTICATED", "{value}");
        let by_handle = app
            .gql(
                Some(&ada.token),
                "query($h: String!) { userByHandle(handle: $h) { id } }",
                json!({ "h": value }),
            )
            .await;
        assert_eq!(error_code(&by_handle), "NOT_FOUND", "{value}");
        for query in [
            "query($q: String!) { searchUsers(query: $q) { edges { node { id } } } }",
            "query($q: String!) { searchChats(query: $q) { edges { node { id } } } }",
        ] {
            let found = app
                .gql_ok(Some(&ada.token), query, json!({ "q": value }))
                .await;
            let edges = found.as_object().unwrap().values().next().unwrap()["edges"].clone();
            assert_eq!(edges, json!([]), "{query} {value}");
        }
    }
    for value in operator_objects() {
        let body = app
            .gql(
                None,
                "mutation($l: String!) { signIn(input: { login: $l, password: \"x\" }) { token } }",
                json!({ "l": value }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{value}");
    }
}

#[tokio::test]
async fn operator_shaped_text__is_stored_as_plain_text() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.group(&ada, &[&bob], "Club").await;
    for value in OPERATOR_STRINGS {
        let sent = app.say(&ada, &chat, value).await;
        assert_eq!(sent["text"], value);
        let profile = app
            .gql_ok(
                Some(&ada.token),
                "mutation($b: String!) { updateProfile(input: { bio: $b }) { bio } }",
                json!({ "b": value }),
            )
            .await;
        assert_eq!(profile["updateProfile"]["bio"], value);
    }
    let renamed = app
        .gql_ok(
            Some(&ada.token),
            "mutation($c: ID!) { updateChat(input: { chatId: $c, name: \"$where\" }) { name } }",
            json!({ "c": chat }),
        )
        .await;
    assert_eq!(renamed["updateChat"]["name"], "$where");
}
