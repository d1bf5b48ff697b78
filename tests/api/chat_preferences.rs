//! Notification preferences (`setChatNotifications`: per chat with an
//! optional end, or the default) and the per-user archive.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, error_code, eventually};

const SET: &str = "mutation($input: SetChatNotificationsInput!) { setChatNotifications(input: $input) { defaultLevel chat { id notificationLevel mutedUntil } } }";
const SETTINGS: &str = "query($id: ID!) { chat(id: $id) { notificationLevel mutedUntil isArchived unreadCount unreadMentionCount } }";
const CHATS: &str = "query($archived: Boolean!) { chats(first: 50, archived: $archived) { edges { node { id isArchived } } } }";
const ARCHIVE: &str =
    "mutation($input: ArchiveChatInput!) { archiveChat(input: $input) { id isArchived } }";
const UNARCHIVE: &str =
    "mutation($input: ArchiveChatInput!) { unarchiveChat(input: $input) { id isArchived } }";
const NOTIFICATIONS: &str = "{ notifications(first: 50) { edges { node { kind } } } }";

async fn set(app: &TestApp, user: &TestUser, input: Value) -> Value {
    app.gql(Some(&user.token), SET, json!({ "input": input }))
        .await
}

async fn settings(app: &TestApp, user: &TestUser, chat: &str) -> Value {
    app.gql_ok(Some(&user.token), SETTINGS, json!({ "id": chat }))
        .await["chat"]
        .clone()
}

async fn mentions_of(app: &TestApp, user: &TestUser) -> usize {
    let data = app
        .gql_ok(Some(&user.token), NOTIFICATIONS, json!({}))
        .await;
    data["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["kind"] == "MENTIONED")
        .count()
}

/// Ada mentions bob and cat in one message; waits for cat's notification
/// (written together with bob's, if bob gets one).
async fn mention_both(app: &TestApp, ada: &TestUser, bob: &TestUser, cat: &TestUser, chat: &str) {
    let before = mentions_of(app, cat).await;
    app.gql_ok(
        Some(&ada.token),
        "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }",
        json!({ "input": { "chatId": chat, "text": "@bob @cat", "mentions": [bob.id, cat.id] } }),
    )
    .await;
    eventually("cat is notified", || async {
        mentions_of(app, cat).await > before
    })
    .await;
}

async fn chat_ids(app: &TestApp, user: &TestUser, archived: bool) -> Vec<String> {
    let data = app
        .gql_ok(Some(&user.token), CHATS, json!({ "archived": archived }))
        .await;
    data["chats"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn three(app: &TestApp) -> (TestUser, TestUser, TestUser, String) {
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    let chat = app.group(&ada, &[&bob, &cat], "team").await;
    (ada, bob, cat, chat)
}

#[tokio::test]
async fn set_chat_notifications__none__silences_mentions_but_still_counts_them() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat, chat) = three(&app).await;
    assert_eq!(
        settings(&app, &bob, &chat).await["notificationLevel"],
        "ALL"
    );
    let muted = set(&app, &bob, json!({ "chatId": chat, "level": "NONE" })).await;
    assert_eq!(
        muted["data"]["setChatNotifications"]["chat"]["notificationLevel"],
        "NONE"
    );
    mention_both(&app, &ada, &bob, &cat, &chat).await;
    assert_eq!(mentions_of(&app, &bob).await, 0);
    let bob_view = settings(&app, &bob, &chat).await;
    assert_eq!(
        (
            bob_view["unreadCount"].as_u64(),
            bob_view["unreadMentionCount"].as_u64()
        ),
        (Some(1), Some(1))
    );

    // MENTIONS still lets mentions through; clearing the level too.
    set(&app, &bob, json!({ "chatId": chat, "level": "MENTIONS" })).await;
    mention_both(&app, &ada, &bob, &cat, &chat).await;
    assert_eq!(mentions_of(&app, &bob).await, 1);
    let cleared = set(&app, &bob, json!({ "chatId": chat, "level": null })).await;
    assert_eq!(
        cleared["data"]["setChatNotifications"]["chat"]["notificationLevel"],
        "ALL"
    );
}

#[tokio::test]
async fn set_chat_notifications__a_mute_with_an_end__expires_to_the_default() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat, chat) = three(&app).await;
    let until = chrono::Utc::now() + chrono::Duration::milliseconds(1_500);
    let muted = set(
        &app,
        &bob,
        json!({ "chatId": chat, "level": "NONE", "until": until.to_rfc3339() }),
    )
    .await;
    let shown = &muted["data"]["setChatNotifications"]["chat"];
    assert_eq!(shown["notificationLevel"], "NONE", "{muted}");
    assert!(shown["mutedUntil"].is_string());
    mention_both(&app, &ada, &bob, &cat, &chat).await;
    assert_eq!(mentions_of(&app, &bob).await, 0);

    eventually("the mute ends", || async {
        settings(&app, &bob, &chat).await["notificationLevel"] == "ALL"
    })
    .await;
    assert!(settings(&app, &bob, &chat).await["mutedUntil"].is_null());
    mention_both(&app, &ada, &bob, &cat, &chat).await;
    assert_eq!(mentions_of(&app, &bob).await, 1);
}

#[tokio::test]
async fn set_chat_notifications__the_default__applies_to_chats_without_a_level() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat, chat) = three(&app).await;
    let set_default = set(&app, &bob, json!({ "level": "NONE" })).await;
    assert_eq!(
        set_default["data"]["setChatNotifications"],
        json!({ "defaultLevel": "NONE", "chat": null })
    );
    let default = app
        .gql_ok(Some(&bob.token), "{ chatNotificationDefault }", json!({}))
        .await;
    assert_eq!(default["chatNotificationDefault"], "NONE");
    assert_eq!(
        settings(&app, &bob, &chat).await["notificationLevel"],
        "NONE"
    );
    mention_both(&app, &ada, &bob, &cat, &chat).await;
    assert_eq!(mentions_of(&app, &bob).await, 0);
    // The chat's own level wins over the default.
    set(&app, &bob, json!({ "chatId": chat, "level": "ALL" })).await;
    mention_both(&app, &ada, &bob, &cat, &chat).await;
    assert_eq!(mentions_of(&app, &bob).await, 1);
}

#[tokio::test]
async fn set_chat_notifications__bad_input_or_a_strangers_chat__is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (_, bob, _, chat) = three(&app).await;
    let eve = app.sign_up("eve").await;
    let past = (chrono::Utc::now() - chrono::Duration::seconds(5)).to_rfc3339();
    for input in [
        json!({ "chatId": chat, "level": "NONE", "until": past }),
        json!({ "chatId": chat, "until": (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339() }),
        json!({ "level": null }),
        json!({ "chatId": "nope", "level": "NONE" }),
    ] {
        assert_eq!(
            error_code(&set(&app, &bob, input.clone()).await),
            "BAD_USER_INPUT",
            "{input}"
        );
    }
    let stranger = set(&app, &eve, json!({ "chatId": chat, "level": "NONE" })).await;
    assert_eq!(error_code(&stranger), "NOT_FOUND");
    assert_eq!(
        settings(&app, &bob, &chat).await["notificationLevel"],
        "ALL"
    );
}

#[tokio::test]
async fn archive_chat__leaves_chats_until_a_new_message_unless_also_muted() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat, chat) = three(&app).await;
    let quiet = app.group(&ada, &[&bob, &cat], "quiet").await;
    for id in [&chat, &quiet] {
        let archived = app
            .gql_ok(
                Some(&bob.token),
                ARCHIVE,
                json!({ "input": { "chatId": id } }),
            )
            .await;
        assert_eq!(archived["archiveChat"]["isArchived"], true);
    }
    assert_eq!(chat_ids(&app, &bob, false).await, Vec::<String>::new());
    let mut archived = chat_ids(&app, &bob, true).await;
    archived.sort();
    let mut both = vec![chat.clone(), quiet.clone()];
    both.sort();
    assert_eq!(archived, both);
    assert_eq!(
        chat_ids(&app, &ada, false).await.len(),
        2,
        "only bob's view"
    );

    set(&app, &bob, json!({ "chatId": quiet, "level": "NONE" })).await;
    app.say(&ada, &chat, "back you come").await;
    app.say(&ada, &quiet, "not you").await;
    assert_eq!(chat_ids(&app, &bob, false).await, vec![chat.clone()]);
    assert_eq!(chat_ids(&app, &bob, true).await, vec![quiet.clone()]);
    assert_eq!(settings(&app, &bob, &chat).await["isArchived"], false);
    assert_eq!(settings(&app, &bob, &quiet).await["isArchived"], true);

    let back = app
        .gql_ok(
            Some(&bob.token),
            UNARCHIVE,
            json!({ "input": { "chatId": quiet } }),
        )
        .await;
    assert_eq!(back["unarchiveChat"]["isArchived"], false);
    assert_eq!(chat_ids(&app, &bob, true).await, Vec::<String>::new());
    assert_eq!(chat_ids(&app, &bob, false).await.len(), 2);

    let eve = app.sign_up("eve").await;
    let refused = app
        .gql(
            Some(&eve.token),
            ARCHIVE,
            json!({ "input": { "chatId": chat } }),
        )
        .await;
    assert_eq!(error_code(&refused), "NOT_FOUND");
}
