//! The end of an account: `deleteAccount` (what goes, what stays as a
//! tombstone, who hears of it, on every instance) and `exportMyData`.

use std::time::Duration;

use futures_util::TryStreamExt;
use serde_json::{Value, json};

use crate::helpers::{RedisServer, TestApp, TestUser, await_numsub, error_code, eventually};

const DELETE: &str =
    "mutation($input: DeleteAccountInput!) { deleteAccount(input: $input) { userId } }";
const EXPORT: &str = "mutation { exportMyData { url expiresAt } }";
const ME: &str = "{ me { handle } }";
const FRIEND_EVENTS: &str =
    "subscription { friendEvents { kind user { id name handle deleted } request { status } } }";
const HISTORY: &str = "query($chatId: ID!) { messages(chatId: $chatId, last: 50) { nodes { text isDeleted type sender { id name handle deleted image } system { action } } } }";
const SEND: &str = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }";

async fn delete_account(app: &TestApp, user: &TestUser, password: &str) -> Value {
    app.gql(
        Some(&user.token),
        DELETE,
        json!({ "input": { "password": password } }),
    )
    .await
}

/// Every document of every collection of the app's database, as JSON text.
async fn every_document(app: &TestApp) -> Vec<String> {
    let client = mongodb::Client::with_uri_str(secrecy::ExposeSecret::expose_secret(
        &app.settings.database.mongodb_uri,
    ))
    .await
    .unwrap();
    let db = client.database(&app.settings.database.mongodb_database);
    let mut documents = Vec::new();
    for name in db.list_collection_names().await.unwrap() {
        let found: Vec<bson::Document> = db
            .collection::<bson::Document>(&name)
            .find(bson::doc! {})
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        documents.extend(found.iter().map(|d| format!("{name}: {d}")));
    }
    documents
}

#[tokio::test]
async fn delete_account__with_a_wrong_password__is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let zoe = app.sign_up("zoe").await;
    let body = delete_account(&app, &zoe, "not the password").await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "password",
        "{body}"
    );
    let me = app.gql_ok(Some(&zoe.token), ME, json!({})).await;
    assert_eq!(me["me"]["handle"], "zoe");
}

/// Everything the issue lists: the profile is gone from every collection,
/// friends and the other side of a request hear of it, groups pass on,
/// messages become tombstones of "Deleted account", the direct chat stays
/// readable and closed, the socket closes, the handle is free again.
#[tokio::test]
async fn delete_account__erases_the_profile_and_leaves_tombstones() {
    let app = TestApp::spawn().await;
    let gone = app.sign_up("Quixote_Xq").await;
    let (bob, carol, dave) = (
        app.sign_up("bob").await,
        app.sign_up("carol").await,
        app.sign_up("dave").await,
    );
    app.befriend(&gone, &bob).await;
    app.gql_ok(
        Some(&carol.token),
        "mutation($input: SendFriendRequestInput!) { sendFriendRequest(input: $input) { id } }",
        json!({ "input": { "userId": gone.id } }),
    )
    .await;
    app.block(&gone, &dave).await;
    let group = app.group(&gone, &[&bob, &carol], "Team").await;
    // Erin lets only friends add her: she is invited instead.
    let erin = app.sign_up_with_policy("erin", None).await;
    app.gql_ok(
        Some(&gone.token),
        "mutation($input: AddChatMembersInput!) { addChatMembers(input: $input) { id } }",
        json!({ "input": { "chatId": group, "userIds": [erin.id] } }),
    )
    .await;
    let invites = "{ groupInvites { edges { node { chatId } } } }";
    let pending = app.gql_ok(Some(&erin.token), invites, json!({})).await;
    assert_eq!(
        pending["groupInvites"]["edges"].as_array().unwrap().len(),
        1
    );
    let direct = app.direct(&gone, &bob).await;
    app.say(&gone, &group, "a message from Quixote_Xq").await;
    app.say(&gone, &direct, "private words").await;
    app.say(&bob, &direct, "an answer").await;
    // A thread reply: the account follows the thread.
    let root = app.say(&bob, &group, "a thread").await;
    app.gql_ok(
        Some(&gone.token),
        "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }",
        json!({ "input": { "chatId": group, "text": "in the thread", "threadRootId": root["id"] } }),
    )
    .await;

    let mut gone_socket = app.ws(&gone.token).await;
    let mut bob_socket = app.ws(&bob.token).await;
    bob_socket
        .subscribe("friends", FRIEND_EVENTS, json!({}))
        .await;
    bob_socket.expect_quiet().await;
    let mut carol_socket = app.ws(&carol.token).await;
    carol_socket
        .subscribe("friends", FRIEND_EVENTS, json!({}))
        .await;
    carol_socket.expect_quiet().await;

    let body = delete_account(&app, &gone, &gone.password).await;
    assert_eq!(body["data"]["deleteAccount"]["userId"], gone.id, "{body}");

    let closed = tokio::time::timeout(Duration::from_secs(1), gone_socket.closed())
        .await
        .expect("the deleted account's socket closes within a second");
    assert_eq!(closed.0, 4403);
    assert_eq!(
        error_code(&app.gql(Some(&gone.token), ME, json!({})).await),
        "UNAUTHENTICATED"
    );

    // Friends and requesters hear of it on their open streams.
    let event = bob_socket.next_data("friends").await;
    assert_eq!(
        event["data"]["friendEvents"]["kind"], "FRIEND_REMOVED",
        "{event}"
    );
    assert_eq!(
        event["data"]["friendEvents"]["user"]["deleted"], true,
        "{event}"
    );
    assert_eq!(
        event["data"]["friendEvents"]["user"]["name"],
        "Deleted account"
    );
    assert_eq!(event["data"]["friendEvents"]["user"]["handle"], "");
    let event = carol_socket.next_data("friends").await;
    assert_eq!(
        event["data"]["friendEvents"]["kind"], "REQUEST_DECLINED",
        "{event}"
    );
    assert_eq!(
        event["data"]["friendEvents"]["request"]["status"],
        "DECLINED"
    );

    // The invite went with the account.
    let pending = app.gql_ok(Some(&erin.token), invites, json!({})).await;
    assert_eq!(pending["groupInvites"]["edges"], json!([]));

    // No document anywhere holds the email, the name or the handle, and
    // no per-user state (thread follows) names the account.
    let needles = [gone.email.as_str(), "Quixote_Xq", "quixote_xq"];
    let documents = every_document(&app).await;
    assert!(
        !documents
            .iter()
            .any(|d| d.starts_with("thread_follows:") && d.contains(&gone.id)),
        "a thread follow of the deleted account is left"
    );
    for document in documents {
        for needle in needles {
            assert!(
                !document.contains(needle),
                "{needle} is still in {document}"
            );
        }
    }

    // The group passed to the longest-standing member; its history names a
    // deleted account and keeps the message as a tombstone.
    let chat = app
        .gql_ok(
            Some(&bob.token),
            "query($id: ID!) { chat(id: $id) { createdBy { id } memberCount } }",
            json!({ "id": group }),
        )
        .await;
    assert_eq!(chat["chat"]["createdBy"]["id"], bob.id.as_str());
    assert_eq!(chat["chat"]["memberCount"], 2);
    let history = app
        .gql_ok(Some(&carol.token), HISTORY, json!({ "chatId": group }))
        .await;
    let nodes = history["messages"]["nodes"].as_array().unwrap();
    let tombstone = nodes
        .iter()
        .find(|m| m["type"] != "SYSTEM" && m["sender"]["id"] == gone.id.as_str())
        .expect("the deleted account's message is still in the history");
    assert_eq!(tombstone["isDeleted"], true);
    assert_eq!(tombstone["text"], Value::Null);
    assert_eq!(tombstone["sender"]["name"], "Deleted account");
    assert_eq!(tombstone["sender"]["deleted"], true);
    let texts: Vec<&str> = nodes.iter().filter_map(|m| m["text"].as_str()).collect();
    assert!(texts.contains(&"a deleted account left"), "{texts:?}");
    assert!(
        texts.contains(&"a deleted account created the group “Team”"),
        "{texts:?}"
    );

    // The direct chat stays readable for bob, and closed.
    let history = app
        .gql_ok(Some(&bob.token), HISTORY, json!({ "chatId": direct }))
        .await;
    let texts: Vec<Value> = history["messages"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].clone())
        .collect();
    assert_eq!(texts, vec![Value::Null, json!("an answer")]);
    let refused = app
        .gql(
            Some(&bob.token),
            SEND,
            json!({ "input": { "chatId": direct, "text": "hello?" } }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");

    // Nobody finds the account any more; its login and handle are free.
    let search = app
        .gql_ok(
            Some(&bob.token),
            "{ searchUsers(query: \"Quix\") { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(search["searchUsers"]["nodes"], json!([]));
    let sign_in = app
        .gql(
            None,
            "mutation($input: SignInInput!) { signIn(input: $input) { token } }",
            json!({ "input": { "login": gone.email, "password": gone.password } }),
        )
        .await;
    assert_eq!(error_code(&sign_in), "UNAUTHENTICATED", "{sign_in}");
    let again = app.sign_up("Quixote_Xq").await;
    assert_ne!(again.id, gone.id);
    let body = app
        .gql(
            Some(&bob.token),
            "mutation($input: CreateChatInput!) { createChat(input: $input) { id } }",
            json!({ "input": { "participantIds": [gone.id], "isGroup": false } }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
}

/// Deleting closes the account's sockets on every instance within a second.
#[tokio::test]
async fn delete_account__closes_every_socket_on_every_instance() {
    let redis = RedisServer::start().await;
    let url = redis.url();
    let a = TestApp::spawn_with(|s| s.cluster.redis_url = Some(url.clone().into())).await;
    let b = a.spawn_peer(|_| {}).await;
    let gone = a.sign_up("gone").await;
    let mut sockets = [a.ws(&gone.token).await, b.ws(&gone.token).await];
    await_numsub(&url, "chat:ev:sessions", 2).await;

    let body = delete_account(&b, &gone, &gone.password).await;
    assert!(
        body["data"]["deleteAccount"]["userId"].is_string(),
        "{body}"
    );
    for socket in &mut sockets {
        let closed = tokio::time::timeout(Duration::from_secs(1), socket.closed())
            .await
            .expect("a socket closes within a second");
        assert_eq!(closed.0, 4403);
    }
}

/// A deletion the server stopped in the middle of (recorded as begun,
/// nothing removed yet) is finished by the next server to start.
#[tokio::test]
async fn a_deletion_cut_short__is_finished_at_the_next_start() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    app.befriend(&ada, &bob).await;
    let ada_id = chat_server::domain::UserId::parse("userId", &ada.id).unwrap();
    app.db.users().begin_erasure(ada_id).await.unwrap();

    let next = app.spawn_peer(|_| {}).await;
    eventually("the deletion is finished", || async {
        let friends = next
            .gql_ok(Some(&bob.token), "{ friends { nodes { id } } }", json!({}))
            .await;
        friends["friends"]["nodes"] == json!([])
    })
    .await;
    let body = next.gql(Some(&ada.token), ME, json!({})).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    let shown = next
        .gql_ok(
            Some(&bob.token),
            "query($id: ID!) { user(id: $id) { deleted name } }",
            json!({ "id": ada.id }),
        )
        .await;
    assert_eq!(
        shown["user"],
        json!({ "deleted": true, "name": "Deleted account" })
    );
}

async fn export_link(app: &TestApp, user: &TestUser) -> String {
    let data = app.gql_ok(Some(&user.token), EXPORT, json!({})).await;
    data["exportMyData"]["url"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn export_my_data__downloads_one_document_with_everything_the_user_has() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let (bob, dave) = (app.sign_up("bob").await, app.sign_up("dave").await);
    app.befriend(&ada, &bob).await;
    app.block(&ada, &dave).await;
    let group = app.group(&ada, &[&bob], "Team").await;
    let direct = app.direct(&ada, &bob).await;
    // More than a page of messages, so the export pages through them.
    for i in 0..130 {
        app.say(&ada, &group, &format!("message {i}")).await;
    }
    app.say(&ada, &direct, "in private").await;
    app.say(&bob, &direct, "not ada's").await;

    let url = export_link(&app, &ada).await;
    assert!(url.starts_with("/export?token="), "{url}");
    let response = app
        .http
        .get(format!("{}{url}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let text = response.text().await.unwrap();
    let export: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{e}: …{}", &text[text.len().saturating_sub(300)..]));
    assert_eq!(export["format"], "chat-server-export/1");
    assert_eq!(export["complete"], true);
    assert_eq!(export["profile"]["handle"], "ada");
    assert_eq!(export["profile"]["email"], ada.email.as_str());
    assert_eq!(export["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(export["friends"][0]["handle"], "bob");
    assert_eq!(export["blocked"][0]["handle"], "dave");
    assert_eq!(export["chats"].as_array().unwrap().len(), 2);
    let owned = export["chats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == group.as_str())
        .unwrap();
    assert_eq!(owned["role"], "OWNER");
    let messages = export["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 131, "every message ada sent, no more");
    assert_eq!(messages[0]["text"], "message 0");
    assert_eq!(messages[129]["text"], "message 129");
    assert_eq!(messages[130]["text"], "in private");
    assert_eq!(messages[130]["chatId"], direct.as_str());
}

#[tokio::test]
async fn an_export_link__opens_nothing_else_and_ends_with_its_session() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let url = export_link(&app, &ada).await;
    let token = url.trim_start_matches("/export?token=");

    // Not an access token, and an access token is not a download token.
    let body = app.gql(Some(token), ME, json!({})).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    let status = |url: String| {
        let http = app.http.clone();
        async move { http.get(url).send().await.unwrap().status() }
    };
    assert_eq!(
        status(format!("{}/export?token={}", app.address, ada.token)).await,
        401
    );
    assert_eq!(status(format!("{}/export", app.address)).await, 401);

    app.gql_ok(
        Some(&ada.token),
        "mutation { signOut { sessionIds } }",
        json!({}),
    )
    .await;
    assert_eq!(status(format!("{}{url}", app.address)).await, 401);
}
