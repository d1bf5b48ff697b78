//! Never missing anything: the account log, `sync`, and the resumable
//! account streams (`chatEvents`, `friendEvents`, `notificationEvents`).

use std::collections::BTreeMap;

use chat_server::domain::{NotificationId, UserId};
use chat_server::storage::account_logs::{AccountEntry, KEPT_ENTRIES};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser};

#[tokio::test]
async fn the_account_log__numbers_entries_without_gaps_and_keeps_the_last_ones() {
    let app = TestApp::spawn().await;
    let (user, logs) = (UserId::new(), app.db.account_logs());
    assert_eq!(logs.since(user, 0).await.unwrap().unwrap().head, 0);
    let entries: Vec<AccountEntry> = (0..3)
        .map(|_| AccountEntry::Notification {
            id: NotificationId::new(),
        })
        .collect();
    for (i, entry) in entries.iter().enumerate() {
        assert_eq!(logs.append(user, entry).await.unwrap(), i as i64 + 1);
    }
    let since = logs.since(user, 1).await.unwrap().unwrap();
    assert_eq!(since.head, 3);
    assert_eq!(
        since.entries,
        vec![(2, entries[1].clone()), (3, entries[2].clone())]
    );
    for _ in 0..KEPT_ENTRIES {
        logs.append(user, &entries[0]).await.unwrap();
    }
    assert!(
        logs.since(user, 1).await.unwrap().is_none(),
        "entry 2 is gone"
    );
    let head = 3 + KEPT_ENTRIES as i64;
    let kept = logs
        .since(user, head - KEPT_ENTRIES as i64)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.entries.len(), KEPT_ENTRIES as usize);
    assert!(
        logs.since(user, head + 1).await.unwrap().is_none(),
        "a cursor from the future"
    );
}

const SYNC: &str = "query($after: String, $first: Int) { sync(after: $after, first: $first) { cursor hasMore reset chats { id name unreadCount lastMessage { id text } } removedChatIds notifications { id kind } friendEvents { kind user { id } } } }";
const CHATS: &str =
    "{ chats(first: 100) { edges { node { id name unreadCount lastMessage { id text } } } } }";

/// What a client keeps of its account, built from `sync` pages.
#[derive(Debug, Default)]
struct ClientState {
    chats: BTreeMap<String, Value>,
    notifications: Vec<String>,
    friend_events: Vec<(String, String)>,
    removed: Vec<String>,
}

/// Runs `sync` from `after` page by page into `state`; the final cursor.
async fn sync_into(
    app: &TestApp,
    token: &str,
    after: Option<String>,
    state: &mut ClientState,
) -> String {
    let mut after = after;
    loop {
        let data = app
            .gql_ok(Some(token), SYNC, json!({ "after": after, "first": 7 }))
            .await;
        let page = &data["sync"];
        if page["reset"] == true {
            state.chats.clear();
        }
        for chat in page["chats"].as_array().unwrap() {
            state
                .chats
                .insert(chat["id"].as_str().unwrap().to_owned(), chat.clone());
        }
        for id in page["removedChatIds"].as_array().unwrap() {
            state.chats.remove(id.as_str().unwrap());
            state.removed.push(id.as_str().unwrap().to_owned());
        }
        for n in page["notifications"].as_array().unwrap() {
            state
                .notifications
                .push(n["kind"].as_str().unwrap().to_owned());
        }
        for e in page["friendEvents"].as_array().unwrap() {
            state.friend_events.push((
                e["kind"].as_str().unwrap().to_owned(),
                e["user"]["id"].as_str().unwrap().to_owned(),
            ));
        }
        after = Some(page["cursor"].as_str().unwrap().to_owned());
        if page["hasMore"] == false {
            return after.unwrap();
        }
    }
}

/// The chats of a client that never left: read afresh.
async fn fresh_chats(app: &TestApp, token: &str) -> BTreeMap<String, Value> {
    let data = app.gql_ok(Some(token), CHATS, json!({})).await;
    data["chats"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["id"].as_str().unwrap().to_owned(),
                e["node"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn sync__brings_a_client_back_to_the_state_of_one_that_never_left() {
    let app = TestApp::spawn().await;
    let (ada, bob, dave) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("dave").await,
    );
    let mut groups = Vec::new();
    for i in 0..20 {
        groups.push(app.group(&bob, &[&ada], &format!("Group {i}")).await);
    }
    let mut state = ClientState::default();
    let cursor = sync_into(&app, &ada.token, None, &mut state).await;
    assert_eq!(
        state.chats,
        fresh_chats(&app, &ada.token).await,
        "a reset lists every chat"
    );

    // Away: messages in every chat, a rename, a removal, a friend request,
    // a new group, and a read on another device.
    for (i, group) in groups.iter().enumerate() {
        app.say(&bob, group, &format!("while away {i}")).await;
    }
    app.gql_ok(
        Some(&bob.token),
        "mutation($input: UpdateChatInput!) { updateChat(input: $input) { id } }",
        json!({ "input": { "chatId": groups[0], "name": "Renamed" } }),
    )
    .await;
    app.gql_ok(
        Some(&bob.token),
        "mutation($input: ChatMemberInput!) { removeChatMember(input: $input) { id } }",
        json!({ "input": { "chatId": groups[1], "userId": ada.id } }),
    )
    .await;
    app.gql_ok(
        Some(&dave.token),
        "mutation($input: SendFriendRequestInput!) { sendFriendRequest(input: $input) { id } }",
        json!({ "input": { "userId": ada.id } }),
    )
    .await;
    let newest = app.group(&bob, &[&ada], "Newest").await;
    app.gql_ok(
        Some(&ada.token),
        "mutation($input: MarkMessagesInput!) { markMessagesRead(input: $input) { unreadCount } }",
        json!({ "input": { "chatId": groups[2] } }),
    )
    .await;

    let cursor = sync_into(&app, &ada.token, Some(cursor), &mut state).await;
    let fresh = fresh_chats(&app, &ada.token).await;
    assert_eq!(
        state.chats, fresh,
        "field by field, the same as never leaving"
    );
    assert!(fresh.contains_key(&newest) && !fresh.contains_key(&groups[1]));
    assert_eq!(state.removed, vec![groups[1].clone()]);
    assert_eq!(fresh[&groups[2]]["unreadCount"], 0);
    assert_eq!(fresh[&groups[3]]["unreadCount"], 1);
    assert!(
        state
            .notifications
            .contains(&"FRIEND_REQUEST_RECEIVED".to_owned())
    );
    assert!(state.notifications.contains(&"ADDED_TO_CHAT".to_owned()));
    assert_eq!(
        state.friend_events,
        vec![("REQUEST_RECEIVED".to_owned(), dave.id.clone())]
    );

    // Nothing happened since: the next sync is empty, chats included.
    let data = app
        .gql_ok(
            Some(&ada.token),
            SYNC,
            json!({ "after": cursor, "first": 7 }),
        )
        .await;
    assert_eq!(data["sync"]["chats"], json!([]), "nothing is sent twice");
    assert_eq!(data["sync"]["notifications"], json!([]));
}

#[tokio::test]
async fn sync__without_a_usable_cursor__is_a_reset_and_bad_cursors_are_refused() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let body = app
        .gql(Some(&ada.token), SYNC, json!({ "after": "nonsense" }))
        .await;
    assert_eq!(
        crate::helpers::error_code(&body),
        "BAD_USER_INPUT",
        "{body}"
    );
    let body = app
        .gql(Some(&ada.token), SYNC, json!({ "first": 101 }))
        .await;
    assert_eq!(
        crate::helpers::error_code(&body),
        "BAD_USER_INPUT",
        "{body}"
    );
    // A cursor whose entries are no longer kept.
    let id = UserId::parse("userId", &ada.id).unwrap();
    for _ in 0..KEPT_ENTRIES + 2 {
        app.db
            .account_logs()
            .append(
                id,
                &AccountEntry::Notification {
                    id: NotificationId::new(),
                },
            )
            .await
            .unwrap();
    }
    let data = app
        .gql_ok(Some(&ada.token), SYNC, json!({ "after": "a1.1.0.-.-" }))
        .await;
    assert_eq!(data["sync"]["reset"], true);
}

const FRIEND_EVENTS: &str =
    "subscription($after: String) { friendEvents(after: $after) { kind user { id } cursor } }";
const NOTIFICATION_EVENTS: &str = "subscription($after: String) { notificationEvents(after: $after) { kind notification { kind actor { id } } cursor } }";

async fn request_from(app: &TestApp, from: &TestUser, to: &TestUser) {
    app.gql_ok(
        Some(&from.token),
        "mutation($input: SendFriendRequestInput!) { sendFriendRequest(input: $input) { id } }",
        json!({ "input": { "userId": to.id } }),
    )
    .await;
}

/// A stream resumed after a disconnect gets exactly what it missed, in
/// order, then goes live: the same as a stream that never stopped.
#[tokio::test]
async fn friend_and_notification_events__resume_with_no_gap_and_no_duplicate() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let others: Vec<TestUser> =
        futures_util::future::join_all(["bea", "ben", "bix", "bok"].map(|h| app.sign_up(h))).await;
    let mut steady = app.ws(&ada.token).await;
    steady.subscribe("f", FRIEND_EVENTS, json!({})).await;
    steady.subscribe("n", NOTIFICATION_EVENTS, json!({})).await;
    steady.expect_quiet().await;
    let mut first = app.ws(&ada.token).await;
    first.subscribe("f", FRIEND_EVENTS, json!({})).await;
    first.subscribe("n", NOTIFICATION_EVENTS, json!({})).await;
    first.expect_quiet().await;

    request_from(&app, &others[0], &ada).await;
    let f1 = first.next_data("f").await;
    let n1 = first.next_data("n").await;
    first.close().await;
    for other in &others[1..3] {
        request_from(&app, other, &ada).await;
    }

    let mut resumed = app.ws(&ada.token).await;
    let f_cursor = f1["data"]["friendEvents"]["cursor"].clone();
    let n_cursor = n1["data"]["notificationEvents"]["cursor"].clone();
    resumed
        .subscribe("f", FRIEND_EVENTS, json!({ "after": f_cursor }))
        .await;
    resumed
        .subscribe("n", NOTIFICATION_EVENTS, json!({ "after": n_cursor }))
        .await;
    // The replay first (both subscriptions are live once it is out)...
    let mut resumed_f = Vec::new();
    let mut resumed_n = Vec::new();
    while resumed_f.len() + resumed_n.len() < 4 {
        let message = resumed.recv().await;
        let payload = message["payload"].clone();
        match message["id"].as_str() {
            Some("f") => resumed_f.push(payload),
            _ => resumed_n.push(payload),
        }
    }
    resumed.expect_quiet().await;
    // ...then live, with nothing twice.
    request_from(&app, &others[3], &ada).await;
    let senders = |socket_events: Vec<Value>, field: &str| -> Vec<String> {
        socket_events
            .iter()
            .map(|e| {
                let event = &e["data"][field];
                let user = if field == "friendEvents" {
                    &event["user"]["id"]
                } else {
                    &event["notification"]["actor"]["id"]
                };
                user.as_str().unwrap().to_owned()
            })
            .collect()
    };
    let mut steady_f = Vec::new();
    let mut steady_n = Vec::new();
    for _ in 0..4 {
        steady_f.push(steady.next_data("f").await);
        steady_n.push(steady.next_data("n").await);
    }
    resumed_f.push(resumed.next_data("f").await);
    resumed_n.push(resumed.next_data("n").await);
    resumed.expect_quiet().await;
    let expected: Vec<String> = others.iter().map(|o| o.id.clone()).collect();
    assert_eq!(senders(steady_f, "friendEvents"), expected);
    assert_eq!(senders(steady_n, "notificationEvents"), expected);
    assert_eq!(senders(resumed_f, "friendEvents"), expected[1..].to_vec());
    assert_eq!(
        senders(resumed_n, "notificationEvents"),
        expected[1..].to_vec()
    );
}

#[tokio::test]
async fn an_account_stream_resumed_from_too_far_back__says_resync_first() {
    let app = TestApp::spawn().await;
    let ada = app.sign_up("ada").await;
    let id = UserId::parse("userId", &ada.id).unwrap();
    for _ in 0..KEPT_ENTRIES + 2 {
        app.db
            .account_logs()
            .append(
                id,
                &AccountEntry::Notification {
                    id: NotificationId::new(),
                },
            )
            .await
            .unwrap();
    }
    let mut socket = app.ws(&ada.token).await;
    let old = "a1.1.0.-.-";
    socket
        .subscribe("f", FRIEND_EVENTS, json!({ "after": old }))
        .await;
    assert_eq!(
        socket.next_data("f").await["data"]["friendEvents"]["kind"],
        "RESYNC"
    );
    socket
        .subscribe(
            "c",
            "subscription($after: String) { chatEvents(after: $after) { kind } }",
            json!({ "after": old }),
        )
        .await;
    assert_eq!(
        socket.next_data("c").await["data"]["chatEvents"]["kind"],
        "RESYNC"
    );
}

const CHAT_EVENTS: &str = "subscription($after: String) { chatEvents(after: $after) { kind chatId cursor unreadCount chat { name } message { text } } }";

/// A chat list kept from `chatEvents` events.
fn apply_chat_event(list: &mut BTreeMap<String, (Option<String>, Option<i64>)>, event: &Value) {
    let e = &event["data"]["chatEvents"];
    let id = e["chatId"].as_str().unwrap_or_default().to_owned();
    let entry = list.entry(id.clone()).or_default();
    if let Some(text) = e["message"]["text"].as_str() {
        entry.0 = Some(text.to_owned());
    }
    if let Some(count) = e["unreadCount"].as_i64() {
        entry.1 = Some(count);
    }
    match e["kind"].as_str().unwrap() {
        "MEMBER_REMOVED" | "DELETED" => {
            list.remove(&id);
        }
        _ => {}
    }
}

#[tokio::test]
async fn chat_events__resumed_after_a_disconnect__end_where_an_uninterrupted_stream_does() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let groups = [
        app.group(&bob, &[&ada], "one").await,
        app.group(&bob, &[&ada], "two").await,
        app.group(&bob, &[&ada], "three").await,
    ];
    let mut steady = app.ws(&ada.token).await;
    steady.subscribe("c", CHAT_EVENTS, json!({})).await;
    steady.expect_quiet().await;
    let mut first = app.ws(&ada.token).await;
    first.subscribe("c", CHAT_EVENTS, json!({})).await;
    first.expect_quiet().await;

    app.say(&bob, &groups[0], "before").await;
    let seen = first.next_data("c").await;
    let cursor = seen["data"]["chatEvents"]["cursor"].clone();
    first.close().await;
    app.say(&bob, &groups[1], "missed").await;
    app.gql_ok(
        Some(&bob.token),
        "mutation($input: ChatMemberInput!) { removeChatMember(input: $input) { id } }",
        json!({ "input": { "chatId": groups[2], "userId": ada.id } }),
    )
    .await;

    let mut resumed = app.ws(&ada.token).await;
    resumed
        .subscribe("c", CHAT_EVENTS, json!({ "after": cursor }))
        .await;
    let mut replayed = Vec::new();
    // The removal, then the chat that changed (not the one seen already).
    for _ in 0..2 {
        replayed.push(resumed.next_data("c").await);
    }
    resumed.expect_quiet().await;
    let kinds: Vec<&str> = replayed
        .iter()
        .map(|e| e["data"]["chatEvents"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["MEMBER_REMOVED", "CHANGED"], "{replayed:?}");
    assert_eq!(
        replayed[1]["data"]["chatEvents"]["chatId"],
        groups[1].as_str()
    );
    assert_eq!(replayed[1]["data"]["chatEvents"]["unreadCount"], 1);

    // Live again: the next message comes once, with its count.
    app.say(&bob, &groups[1], "live").await;
    let live = resumed.next_data("c").await;
    assert_eq!(live["data"]["chatEvents"]["kind"], "NEW_MESSAGE");
    assert_eq!(live["data"]["chatEvents"]["unreadCount"], 2);
    resumed.expect_quiet().await;
}

/// Reads on one device and sends from another person, interleaved: every
/// device's badge ends at the true count.
#[tokio::test]
async fn unread_counts__stay_equal_on_three_devices_through_reads_and_sends() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.direct(&ada, &bob).await;
    let mut devices = Vec::new();
    for _ in 0..3 {
        let mut socket = app.ws(&ada.token).await;
        socket.subscribe("c", CHAT_EVENTS, json!({})).await;
        socket.expect_quiet().await;
        devices.push(socket);
    }
    let mut expected_events = 0;
    for round in 0..4 {
        futures_util::future::join(
            app.say(&bob, &chat, &format!("m{round}")),
            app.say(&bob, &chat, &format!("n{round}")),
        )
        .await;
        expected_events += 2;
        if round % 2 == 1 {
            app.gql_ok(
                Some(&ada.token),
                "mutation($input: MarkMessagesInput!) { markMessagesRead(input: $input) { unreadCount } }",
                json!({ "input": { "chatId": chat } }),
            )
            .await;
            expected_events += 1;
        }
    }
    app.say(&bob, &chat, "last").await;
    expected_events += 1;
    let truth = app
        .gql_ok(
            Some(&ada.token),
            "query($id: ID!) { chat(id: $id) { unreadCount } }",
            json!({ "id": chat }),
        )
        .await["chat"]["unreadCount"]
        .as_i64()
        .unwrap();
    assert_eq!(truth, 1);
    for device in &mut devices {
        let mut list = BTreeMap::new();
        for _ in 0..expected_events {
            apply_chat_event(&mut list, &device.next_data("c").await);
        }
        device.expect_quiet().await;
        assert_eq!(list[&chat].1, Some(truth), "{list:?}");
    }
}
