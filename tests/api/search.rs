//! `searchMessages`: matching, order, paging, snippets, and what the caller
//! may not see (chats left, deleted messages, other people's chats).

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser};

const SEARCH: &str = "query($q: String!, $chat: ID, $first: Int, $after: String) { searchMessages(query: $q, chatId: $chat, first: $first, after: $after) { edges { cursor node { snippet highlights { start length } chat { id name } message { id text } } } pageInfo { hasNextPage endCursor } } }";
const DELETE: &str =
    "mutation($input: DeleteMessageInput!) { deleteMessage(input: $input) { id } }";
const EDIT: &str = "mutation($input: EditMessageInput!) { editMessage(input: $input) { id } }";
const LEAVE: &str = "mutation($input: ChatIdInput!) { leaveChat(input: $input) { id } }";

async fn search(app: &TestApp, user: &TestUser, q: &str, chat: Option<&str>) -> Vec<String> {
    let data = app
        .gql_ok(
            Some(&user.token),
            SEARCH,
            json!({ "q": q, "chat": chat, "first": 50 }),
        )
        .await;
    texts(&data)
}

fn texts(data: &Value) -> Vec<String> {
    data["searchMessages"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["message"]["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn search__matches_every_word_ignoring_case_and_accents_newest_first() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.group(&ada, &[&bob], "Kitchen").await;
    app.say(&ada, &chat, "Crème brûlée tonight?").await;
    app.say(&bob, &chat, "creme caramel is better").await;
    app.say(&ada, &chat, "brulee it is").await;
    app.say(&bob, &chat, "unrelated").await;
    assert_eq!(
        search(&app, &bob, "CREME", None).await,
        ["creme caramel is better", "Crème brûlée tonight?"]
    );
    // The last word is a prefix; the others whole words, all required.
    assert_eq!(
        search(&app, &bob, "creme bru", None).await,
        ["Crème brûlée tonight?"]
    );
    assert_eq!(
        search(&app, &bob, "brû", None).await,
        ["brulee it is", "Crème brûlée tonight?"]
    );
    assert!(
        search(&app, &bob, "cre brulee", None).await.is_empty(),
        "cre is not a whole word"
    );
    // The chat comes with the hit, and the snippet marks the words.
    let data = app
        .gql_ok(Some(&bob.token), SEARCH, json!({ "q": "creme bru" }))
        .await;
    let node = &data["searchMessages"]["edges"][0]["node"];
    assert_eq!(node["chat"]["id"], chat.as_str());
    assert_eq!(node["chat"]["name"], "Kitchen");
    assert_eq!(node["snippet"], "Crème brûlée tonight?");
    assert_eq!(
        node["highlights"],
        json!([{ "start": 0, "length": 5 }, { "start": 6, "length": 6 }])
    );
}

#[tokio::test]
async fn search__pages_newest_first_with_the_cursor() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.direct(&ada, &bob).await;
    for i in 1..=5 {
        app.say(&ada, &chat, &format!("ping {i}")).await;
    }
    let first = app
        .gql_ok(Some(&bob.token), SEARCH, json!({ "q": "ping", "first": 3 }))
        .await;
    assert_eq!(texts(&first), ["ping 5", "ping 4", "ping 3"]);
    let info = &first["searchMessages"]["pageInfo"];
    assert_eq!(info["hasNextPage"], true);
    let rest = app
        .gql_ok(
            Some(&bob.token),
            SEARCH,
            json!({ "q": "ping", "first": 3, "after": info["endCursor"] }),
        )
        .await;
    assert_eq!(texts(&rest), ["ping 2", "ping 1"]);
    assert_eq!(rest["searchMessages"]["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn search__only_what_the_caller_can_read_now() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    let ours = app.direct(&ada, &bob).await;
    let theirs = app.direct(&ada, &cat).await;
    let group = app.group(&ada, &[&bob], "Club").await;
    let kept = app.say(&ada, &ours, "secret plan alpha").await;
    let hidden = app.say(&ada, &ours, "secret plan beta").await;
    let wiped = app.say(&ada, &ours, "secret plan gamma").await;
    app.say(&ada, &theirs, "secret plan for cat").await;
    app.say(&ada, &group, "secret plan in the club").await;
    assert_eq!(search(&app, &bob, "secret", None).await.len(), 4);
    // Deleted for bob only: gone from his results, not from ada's.
    let hide = json!({ "input": { "messageId": hidden["id"], "forEveryone": false } });
    app.gql_ok(Some(&bob.token), DELETE, hide).await;
    // Deleted for everyone: gone for both.
    let wipe = json!({ "input": { "messageId": wiped["id"], "forEveryone": true } });
    app.gql_ok(Some(&ada.token), DELETE, wipe).await;
    // A chat bob leaves is no longer searched for him.
    app.gql_ok(
        Some(&bob.token),
        LEAVE,
        json!({ "input": { "chatId": group } }),
    )
    .await;
    assert_eq!(
        search(&app, &bob, "secret plan", None).await,
        ["secret plan alpha"]
    );
    assert_eq!(
        search(&app, &ada, "secret plan", Some(&ours)).await,
        ["secret plan beta", "secret plan alpha"]
    );
    // An edit replaces the words.
    let edit = json!({ "input": { "messageId": kept["id"], "text": "public notice" } });
    app.gql_ok(Some(&ada.token), EDIT, edit).await;
    assert!(search(&app, &bob, "alpha", None).await.is_empty());
    assert_eq!(search(&app, &bob, "notice", None).await, ["public notice"]);
    // Another's chat, and a chat one left, are refused by id.
    let refused = app
        .gql_err(
            Some(&bob.token),
            SEARCH,
            json!({ "q": "secret", "chat": theirs }),
        )
        .await;
    assert!(
        ["NOT_FOUND", "FORBIDDEN"].contains(&refused.as_str()),
        "{refused}"
    );
    let refused = app
        .gql_err(
            Some(&bob.token),
            SEARCH,
            json!({ "q": "secret", "chat": group }),
        )
        .await;
    assert!(
        ["NOT_FOUND", "FORBIDDEN"].contains(&refused.as_str()),
        "{refused}"
    );
}

#[tokio::test]
async fn search__refuses_bad_queries() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    for q in ["", " ?! ", "a b c d e f g h i", &"x".repeat(201)] {
        let code = app
            .gql_err(Some(&ada.token), SEARCH, json!({ "q": q }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{q:?}");
    }
    let code = app
        .gql_err(
            Some(&ada.token),
            SEARCH,
            json!({ "q": "x", "after": "nope" }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let code = app
        .gql_err(Some(&ada.token), SEARCH, json!({ "q": "x", "first": 101 }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}

#[tokio::test]
async fn messages_stored_before_search__get_terms_at_the_next_start() {
    use bson::{Document, doc};
    use secrecy::ExposeSecret;

    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.direct(&ada, &bob).await;
    app.say(&ada, &chat, "from the old days").await;
    // As an earlier version stored it: no terms, no record of the backfill.
    let client = mongodb::Client::with_uri_str(app.settings.database.mongodb_uri.expose_secret())
        .await
        .unwrap();
    let db = client.database(&app.settings.database.mongodb_database);
    db.collection::<Document>("messages")
        .update_many(doc! {}, doc! { "$unset": { "terms": "" } })
        .await
        .unwrap();
    db.collection::<Document>("migrations")
        .delete_many(doc! {})
        .await
        .unwrap();
    assert!(search(&app, &bob, "old", None).await.is_empty());
    for _ in 0..2 {
        app.db.ensure_indexes().await.unwrap();
        app.db.migrate().await.unwrap();
    }
    assert_eq!(
        search(&app, &bob, "old days", None).await,
        ["from the old days"]
    );
}

#[tokio::test]
async fn search__counts_its_page_size_in_the_query_cost() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let query = "{ searchMessages(query: \"x\", first: 100) { nodes { message { readBy(first: 100) { id handle name bio image } } } } }";
    let body = app.gql(Some(&ada.token), query, json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["limit"], "complexity",
        "{body}"
    );
}
