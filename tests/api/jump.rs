//! Jumping to a message: `messages(chatId, around:, first:)`.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser};

const AROUND: &str = "query($chat: ID!, $around: String, $first: Int, $after: String, $last: Int, $before: String) { messages(chatId: $chat, around: $around, first: $first, after: $after, last: $last, before: $before) { edges { cursor node { id text } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
const DELETE: &str =
    "mutation($input: DeleteMessageInput!) { deleteMessage(input: $input) { id } }";

/// A direct chat of ada and bob with messages "1" to "n"; returns the chat
/// and the messages (`{ id cursor text }`).
async fn chat_with(
    app: &TestApp,
    ada: &TestUser,
    bob: &TestUser,
    n: usize,
) -> (String, Vec<Value>) {
    let chat = app.direct(ada, bob).await;
    let mut sent = Vec::new();
    for i in 1..=n {
        sent.push(app.say(ada, &chat, &i.to_string()).await);
    }
    (chat, sent)
}

fn texts(page: &Value) -> Vec<String> {
    page["messages"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["text"].as_str().unwrap().to_owned())
        .collect()
}

fn numbers(range: std::ops::RangeInclusive<usize>) -> Vec<String> {
    range.map(|i| i.to_string()).collect()
}

#[tokio::test]
async fn around__a_cursor_in_the_middle__returns_half_on_each_side_and_pages_on_both_ways() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let (chat, sent) = chat_with(&app, &ada, &bob, 20).await;
    let target = sent[9]["cursor"].as_str().unwrap();
    let page = app
        .gql_ok(
            Some(&bob.token),
            AROUND,
            json!({ "chat": chat, "around": target, "first": 5 }),
        )
        .await;
    assert_eq!(texts(&page), numbers(8..=12));
    let info = &page["messages"]["pageInfo"];
    assert_eq!(info["hasPreviousPage"], true);
    assert_eq!(info["hasNextPage"], true);
    // Both cursors go on paging, with neither a gap nor an overlap.
    let older = app
        .gql_ok(
            Some(&bob.token),
            AROUND,
            json!({ "chat": chat, "last": 3, "before": info["startCursor"] }),
        )
        .await;
    assert_eq!(texts(&older), numbers(5..=7));
    let newer = app
        .gql_ok(
            Some(&bob.token),
            AROUND,
            json!({ "chat": chat, "first": 3, "after": info["endCursor"] }),
        )
        .await;
    assert_eq!(texts(&newer), numbers(13..=15));
}

#[tokio::test]
async fn around__at_the_ends_of_a_chat__fills_the_page_from_the_other_side() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let (chat, sent) = chat_with(&app, &ada, &bob, 10).await;
    let around = |target: &Value| json!({ "chat": chat, "around": target["id"], "first": 4 });
    let first = app.gql_ok(Some(&ada.token), AROUND, around(&sent[0])).await;
    assert_eq!(texts(&first), numbers(1..=4));
    assert_eq!(first["messages"]["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(first["messages"]["pageInfo"]["hasNextPage"], true);
    let last = app.gql_ok(Some(&ada.token), AROUND, around(&sent[9])).await;
    assert_eq!(texts(&last), numbers(7..=10));
    assert_eq!(last["messages"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(last["messages"]["pageInfo"]["hasNextPage"], false);
    // A page larger than the chat is the whole chat.
    let all = app
        .gql_ok(
            Some(&ada.token),
            AROUND,
            json!({ "chat": chat, "around": sent[4]["cursor"], "first": 50 }),
        )
        .await;
    assert_eq!(texts(&all), numbers(1..=10));
    assert_eq!(all["messages"]["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(all["messages"]["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn around__skips_what_the_caller_deleted_and_refuses_it_as_a_target() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let (chat, sent) = chat_with(&app, &ada, &bob, 7).await;
    for i in [2, 3] {
        app.gql_ok(
            Some(&bob.token),
            DELETE,
            json!({ "input": { "messageId": sent[i]["id"], "forEveryone": false } }),
        )
        .await;
    }
    let page = app
        .gql_ok(
            Some(&bob.token),
            AROUND,
            json!({ "chat": chat, "around": sent[4]["id"], "first": 5 }),
        )
        .await;
    assert_eq!(texts(&page), ["1", "2", "5", "6", "7"]);
    let hidden = json!({ "chat": chat, "around": sent[2]["cursor"], "first": 5 });
    assert_eq!(
        app.gql_err(Some(&bob.token), AROUND, hidden.clone()).await,
        "NOT_FOUND"
    );
    // Ada did not delete it: she can jump to it.
    let page = app.gql_ok(Some(&ada.token), AROUND, hidden).await;
    assert_eq!(texts(&page), numbers(1..=5));
}

#[tokio::test]
async fn around__refuses_other_chats_strangers_and_bad_arguments() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    let (chat, sent) = chat_with(&app, &ada, &bob, 3).await;
    let other = app.direct(&ada, &cat).await;
    let elsewhere = app.say(&ada, &other, "elsewhere").await;
    let ask = |user: &TestUser, vars: Value| {
        let token = user.token.clone();
        let app = &app;
        async move { app.gql_err(Some(&token), AROUND, vars).await }
    };
    // A message of another chat is not found in this one.
    let vars = json!({ "chat": chat, "around": elsewhere["id"], "first": 3 });
    assert_eq!(ask(&ada, vars).await, "NOT_FOUND");
    // A cursor no message has.
    let vars = json!({ "chat": chat, "around": "999", "first": 3 });
    assert_eq!(ask(&ada, vars).await, "NOT_FOUND");
    // Not a member.
    let vars = json!({ "chat": chat, "around": sent[1]["id"], "first": 3 });
    let refused = ask(&cat, vars).await;
    assert!(
        ["NOT_FOUND", "FORBIDDEN"].contains(&refused.as_str()),
        "{refused}"
    );
    for bad in [
        json!({ "chat": chat, "around": "not a cursor", "first": 3 }),
        json!({ "chat": chat, "around": sent[1]["id"], "first": 0 }),
        json!({ "chat": chat, "around": sent[1]["id"], "last": 3 }),
        json!({ "chat": chat, "around": sent[1]["id"], "after": sent[0]["cursor"] }),
    ] {
        assert_eq!(ask(&ada, bad.clone()).await, "BAD_USER_INPUT", "{bad}");
    }
}
