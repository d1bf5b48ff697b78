//! Messages: send, reply, media, edit, delete, reactions, receipts,
//! history, idempotent sends, ordering, and the resumable live stream.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, WsClient, error_code};

const SEND: &str = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id cursor type text media { url mimeType } replyTo { id sender { handle } } clientMessageId } }";
const EDIT: &str =
    "mutation($input: EditMessageInput!) { editMessage(input: $input) { text editedAt } }";
const DELETE: &str = "mutation($input: DeleteMessageInput!) { deleteMessage(input: $input) { id isDeleted text media { url } cursor } }";
const REACT: &str = "mutation($input: ReactionInput!) { addReaction(input: $input) { reactions { emoji count reactedByMe } } }";
const UNREACT: &str = "mutation($input: ReactionInput!) { removeReaction(input: $input) { reactions { emoji count } } }";
const READ: &str =
    "mutation($input: MarkMessagesInput!) { markMessagesRead(input: $input) { upTo unreadCount } }";
const DELIVERED: &str =
    "mutation($input: MarkMessagesInput!) { markMessagesDelivered(input: $input) { upTo } }";
const HISTORY: &str = "query($chat: ID!, $first: Int, $after: String, $last: Int, $before: String) { messages(chatId: $chat, first: $first, after: $after, last: $last, before: $before) { edges { cursor node { id text isDeleted type } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
const EVENTS: &str = "subscription($chat: ID!, $after: String) { messageEvents(chatId: $chat, after: $after) { kind cursor upTo user { handle } message { id text isDeleted reactions { emoji count } } } }";

fn send_input(chat: &str, extra: Value) -> Value {
    let mut input = json!({ "chatId": chat });
    input
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    json!({ "input": input })
}

async fn texts(app: &TestApp, user: &TestUser, chat: &str) -> Vec<String> {
    let data = app
        .gql_ok(
            Some(&user.token),
            HISTORY,
            json!({ "chat": chat, "first": 100 }),
        )
        .await;
    data["messages"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["type"] != "SYSTEM")
        .map(|e| e["node"]["text"].as_str().unwrap_or("<deleted>").to_owned())
        .collect()
}

async fn follow(app: &TestApp, user: &TestUser, chat: &str, after: Option<&str>) -> WsClient {
    let mut socket = app.ws(&user.token).await;
    socket
        .subscribe("m", EVENTS, json!({ "chat": chat, "after": after }))
        .await;
    socket.expect_quiet().await;
    socket
}

async fn next_event(socket: &mut WsClient) -> Value {
    socket.next_data("m").await["data"]["messageEvents"].clone()
}

/// A group of ada (owner) and bob, and a direct chat of ada and cat.
async fn setup(app: &TestApp) -> (TestUser, TestUser, TestUser, String) {
    let (ada, bob, cat) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cat").await,
    );
    let group = app.group(&ada, &[&bob], "Club").await;
    (ada, bob, cat, group)
}

#[tokio::test]
async fn send_message__stores_broadcasts_and_moves_the_chat() {
    let app = TestApp::spawn().await;
    let (ada, bob, _, chat) = setup(&app).await;
    let mut bob_stream = follow(&app, &bob, &chat, None).await;
    let sent = app
        .gql_ok(
            Some(&ada.token),
            SEND,
            send_input(&chat, json!({ "text": "  hello  " })),
        )
        .await;
    assert_eq!(sent["sendMessage"]["text"], "hello");
    assert_eq!(sent["sendMessage"]["type"], "TEXT");
    let event = next_event(&mut bob_stream).await;
    assert_eq!(event["kind"], "CREATED");
    assert_eq!(event["cursor"], sent["sendMessage"]["cursor"]);
    assert_eq!(event["message"]["text"], "hello");
    assert_eq!(event["user"]["handle"], "ada");
    let chat_data = app
        .gql_ok(
            Some(&bob.token),
            "query($id: ID!) { chat(id: $id) { lastMessage { id } unreadCount cursor } }",
            json!({ "id": chat }),
        )
        .await;
    assert_eq!(
        chat_data["chat"]["lastMessage"]["id"],
        sent["sendMessage"]["id"]
    );
    assert_eq!(chat_data["chat"]["unreadCount"], 1);
    assert_eq!(chat_data["chat"]["cursor"], sent["sendMessage"]["cursor"]);
}

#[tokio::test]
async fn send_message__media_replies_and_captions() {
    // Media by URL, as sent before uploads (ALLOW_UNVERIFIED_MEDIA).
    let app = TestApp::spawn_with(|s| s.storage.allow_unverified_media = true).await;
    let (ada, bob, _, chat) = setup(&app).await;
    let first = app.say(&bob, &chat, "look").await;
    let image = json!({ "type": "IMAGE", "text": "a cat", "replyTo": first["id"], "media": [
        { "url": "https://cdn.example/cat.png", "mimeType": "image/png", "size": 1234, "width": 640, "height": 480 }
    ] });
    let sent = app
        .gql_ok(Some(&ada.token), SEND, send_input(&chat, image))
        .await;
    assert_eq!(sent["sendMessage"]["type"], "IMAGE");
    assert_eq!(sent["sendMessage"]["text"], "a cat");
    assert_eq!(
        sent["sendMessage"]["media"],
        json!([{ "url": "https://cdn.example/cat.png", "mimeType": "image/png" }])
    );
    assert_eq!(sent["sendMessage"]["replyTo"]["sender"]["handle"], "bob");
}

#[tokio::test]
async fn send_message__invalid_input_is_refused_and_stores_nothing() {
    // Media by URL, as sent before uploads (ALLOW_UNVERIFIED_MEDIA).
    let app = TestApp::spawn_with(|s| s.storage.allow_unverified_media = true).await;
    let (ada, bob, cat, chat) = setup(&app).await;
    let other_chat = app.direct(&ada, &cat).await;
    let foreign = app.say(&ada, &other_chat, "elsewhere").await;
    let media = |mime: &str, url: &str| json!([{ "url": url, "mimeType": mime, "size": 1 }]);
    let cases = [
        (json!({ "text": "   " }), "BAD_USER_INPUT"),
        (json!({ "text": "x".repeat(4001) }), "BAD_USER_INPUT"),
        (json!({}), "BAD_USER_INPUT"),
        (
            json!({ "type": "SYSTEM", "text": "fake" }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "type": "IMAGE", "text": "no media" }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "type": "IMAGE", "media": media("image/png", "javascript:alert(1)") }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "type": "VIDEO", "media": media("image/png", "https://x.example/v") }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "type": "FILE", "media": (0..11).map(|_| media("text/plain", "https://x.example/f")[0].clone()).collect::<Vec<_>>() }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "text": "hi", "media": media("image/png", "https://x.example/i") }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "text": "hi", "replyTo": foreign["id"] }),
            "BAD_USER_INPUT",
        ),
        (json!({ "text": "hi", "replyTo": "nope" }), "BAD_USER_INPUT"),
        (
            json!({ "text": "hi", "clientMessageId": "has space" }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "text": "hi", "clientMessageId": "x".repeat(65) }),
            "BAD_USER_INPUT",
        ),
    ];
    for (input, code) in cases {
        let body = app
            .gql(Some(&bob.token), SEND, send_input(&chat, input.clone()))
            .await;
        assert_eq!(error_code(&body), code, "{input}");
    }
    assert!(texts(&app, &ada, &chat).await.is_empty());
    let outsider = app
        .gql(
            Some(&cat.token),
            SEND,
            send_input(&chat, json!({ "text": "let me in" })),
        )
        .await;
    assert_eq!(error_code(&outsider), "NOT_FOUND");
    let bad_chat = app
        .gql(
            Some(&cat.token),
            SEND,
            json!({ "input": { "chatId": "nope", "text": "x" } }),
        )
        .await;
    assert_eq!(error_code(&bad_chat), "BAD_USER_INPUT");
}

#[tokio::test]
async fn send_message__in_a_direct_chat_across_a_block__is_forbidden_either_way() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let chat = app.direct(&ada, &bob).await;
    let group = app.group(&ada, &[&bob], "Shared").await;
    app.say(&ada, &chat, "before").await;
    app.block(&bob, &ada).await;
    for sender in [&ada, &bob] {
        let body = app
            .gql(
                Some(&sender.token),
                SEND,
                send_input(&chat, json!({ "text": "after" })),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN");
    }
    // Group chats they share keep working.
    app.say(&bob, &group, "still here").await;
}

#[tokio::test]
async fn client_message_id__is_per_chat__and_never_returns_another_chats_message() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat, group) = setup(&app).await;
    let id = json!({ "clientMessageId": "retry-1" });
    let mut in_group = send_input(&group, id.clone());
    in_group["input"]["text"] = json!("in the group");
    let first = app.gql_ok(Some(&bob.token), SEND, in_group).await;
    app.gql_ok(
        Some(&ada.token),
        REACT,
        json!({ "input": { "messageId": first["sendMessage"]["id"], "emoji": "👍" } }),
    )
    .await;
    // bob leaves the group, then uses the same id in a direct chat.
    app.gql_ok(
        Some(&bob.token),
        "mutation($input: ChatIdInput!) { leaveChat(input: $input) { id } }",
        json!({ "input": { "chatId": group } }),
    )
    .await;
    let direct = app.direct(&bob, &cat).await;
    let mut in_direct = send_input(&direct, id.clone());
    in_direct["input"]["text"] = json!("to cat");
    let second = app.gql_ok(Some(&bob.token), SEND, in_direct.clone()).await;
    assert_ne!(
        second["sendMessage"]["id"], first["sendMessage"]["id"],
        "a message of a chat bob left must not come back"
    );
    assert_eq!(second["sendMessage"]["text"], "to cat");
    // Within one chat the id still deduplicates.
    let again = app.gql_ok(Some(&bob.token), SEND, in_direct).await;
    assert_eq!(again["sendMessage"]["id"], second["sendMessage"]["id"]);
    assert_eq!(texts(&app, &cat, &direct).await, ["to cat"]);
}

#[tokio::test]
async fn twenty_identical_sends_at_once__store_and_broadcast_one_message() {
    let app = TestApp::spawn().await;
    let (ada, bob, _, chat) = setup(&app).await;
    let mut bob_stream = follow(&app, &bob, &chat, None).await;
    let input = send_input(
        &chat,
        json!({ "text": "once", "clientMessageId": "client-42" }),
    );
    let sends = (0..20).map(|_| app.gql(Some(&ada.token), SEND, input.clone()));
    let results = futures_util::future::join_all(sends).await;
    let ids: std::collections::HashSet<String> = results
        .iter()
        .map(|r| {
            r["data"]["sendMessage"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{r}"))
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "every retry returns the first message");
    let last = app
        .gql_ok(
            Some(&ada.token),
            "query($id: ID!) { chat(id: $id) { lastMessage { id } } }",
            json!({ "id": chat }),
        )
        .await;
    assert!(
        ids.contains(last["chat"]["lastMessage"]["id"].as_str().unwrap()),
        "the chat's last message is the stored one"
    );
    assert_eq!(texts(&app, &ada, &chat).await, ["once"]);
    let created = next_event(&mut bob_stream).await;
    assert_eq!(created["kind"], "CREATED");
    // Nothing else was broadcast: the next event is the marker.
    app.say(&ada, &chat, "marker").await;
    assert_eq!(
        next_event(&mut bob_stream).await["message"]["text"],
        "marker"
    );
}

#[tokio::test]
async fn concurrent_senders__get_strictly_increasing_cursors_without_gaps() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat, _) = setup(&app).await;
    let chat = app.group(&ada, &[&bob, &cat], "Busy").await;
    let mut watcher = follow(&app, &cat, &chat, None).await;
    let labels: Vec<String> = (0..30).map(|i| format!("m{i}")).collect();
    let sends = labels.iter().enumerate().map(|(i, label)| {
        let sender = [&ada, &bob, &cat][i % 3];
        app.say(sender, &chat, label)
    });
    futures_util::future::join_all(sends).await;
    let data = app
        .gql_ok(
            Some(&ada.token),
            HISTORY,
            json!({ "chat": chat, "first": 100 }),
        )
        .await;
    let cursors: Vec<i64> = data["messages"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["cursor"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        cursors,
        (1..=31).collect::<Vec<i64>>(),
        "the system message, then 30 without gaps"
    );
    let mut live = Vec::new();
    for _ in 0..30 {
        live.push(
            next_event(&mut watcher).await["cursor"]
                .as_str()
                .unwrap()
                .parse::<i64>()
                .unwrap(),
        );
    }
    assert_eq!(
        live,
        (2..=31).collect::<Vec<i64>>(),
        "delivered live in order"
    );
}

#[tokio::test]
async fn edit_message__author_text_only_within_the_window() {
    // Media by URL, as sent before uploads (ALLOW_UNVERIFIED_MEDIA).
    let app = TestApp::spawn_with(|s| s.storage.allow_unverified_media = true).await;
    let (ada, bob, cat, chat) = setup(&app).await;
    let sent = app.say(&ada, &chat, "draft").await;
    let edit = |id: &Value, text: &str| json!({ "input": { "messageId": id, "text": text } });
    assert_eq!(
        app.gql_err(Some(&bob.token), EDIT, edit(&sent["id"], "mine"))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql_err(Some(&cat.token), EDIT, edit(&sent["id"], "mine"))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.gql_err(Some(&ada.token), EDIT, edit(&sent["id"], " "))
            .await,
        "BAD_USER_INPUT"
    );
    let mut bob_stream = follow(&app, &bob, &chat, None).await;
    let edited = app
        .gql_ok(Some(&ada.token), EDIT, edit(&sent["id"], "final"))
        .await;
    assert_eq!(edited["editMessage"]["text"], "final");
    assert!(edited["editMessage"]["editedAt"].is_string());
    let event = next_event(&mut bob_stream).await;
    assert_eq!(
        (event["kind"].as_str(), event["message"]["text"].as_str()),
        (Some("EDITED"), Some("final"))
    );

    let image = app
        .gql_ok(Some(&ada.token), SEND, send_input(&chat, json!({ "type": "FILE", "media": [{ "url": "https://x.example/f", "mimeType": "text/plain", "size": 3 }] })))
        .await;
    assert_eq!(
        app.gql_err(
            Some(&ada.token),
            EDIT,
            edit(&image["sendMessage"]["id"], "x")
        )
        .await,
        "BAD_USER_INPUT"
    );
    app.gql_ok(
        Some(&ada.token),
        DELETE,
        json!({ "input": { "messageId": sent["id"], "forEveryone": true } }),
    )
    .await;
    assert_eq!(
        app.gql_err(Some(&ada.token), EDIT, edit(&sent["id"], "again"))
            .await,
        "CONFLICT"
    );
}

#[tokio::test]
async fn edit_and_delete__after_their_windows__are_forbidden_except_for_admins() {
    let app = TestApp::spawn_with(|s| {
        s.messaging.message_edit_window_seconds = 0;
        s.messaging.message_delete_window_seconds = 0;
    })
    .await;
    let (ada, bob, _, chat) = setup(&app).await;
    let old = app.say(&bob, &chat, "old").await;
    let edit = json!({ "input": { "messageId": old["id"], "text": "new" } });
    let delete = json!({ "input": { "messageId": old["id"], "forEveryone": true } });
    // A zero window has passed as soon as the clock ticks past the send.
    let passed = |body: &Value| error_code(body) == "FORBIDDEN";
    let mut edit_body = app.gql(Some(&bob.token), EDIT, edit.clone()).await;
    while !passed(&edit_body) {
        assert!(edit_body.get("errors").is_none(), "{edit_body}");
        edit_body = app.gql(Some(&bob.token), EDIT, edit.clone()).await;
    }
    assert_eq!(
        app.gql_err(Some(&bob.token), DELETE, delete.clone()).await,
        "FORBIDDEN"
    );
    let by_admin = app.gql_ok(Some(&ada.token), DELETE, delete).await;
    assert_eq!(by_admin["deleteMessage"]["isDeleted"], true);
}

#[tokio::test]
async fn delete_for_everyone__leaves_a_tombstone_and_tells_the_chat() {
    let app = TestApp::spawn().await;
    let (ada, bob, _, chat) = setup(&app).await;
    let sent = app.say(&bob, &chat, "oops").await;
    let delete = json!({ "input": { "messageId": sent["id"], "forEveryone": true } });
    // Not the author, and ada is admin of the group: allowed. A plain member
    // who is not the author is not.
    let cat = app.sign_up("dora").await;
    app.gql_ok(
        Some(&ada.token),
        "mutation($input: AddChatMembersInput!) { addChatMembers(input: $input) { id } }",
        json!({ "input": { "chatId": chat, "userIds": [cat.id] } }),
    )
    .await;
    assert_eq!(
        app.gql_err(Some(&cat.token), DELETE, delete.clone()).await,
        "FORBIDDEN"
    );
    let mut ada_stream = follow(&app, &ada, &chat, None).await;
    let tombstone = app.gql_ok(Some(&bob.token), DELETE, delete.clone()).await;
    assert_eq!(
        tombstone["deleteMessage"],
        json!({ "id": sent["id"], "isDeleted": true, "text": null, "media": [], "cursor": sent["cursor"] })
    );
    let event = next_event(&mut ada_stream).await;
    assert_eq!(
        (
            event["kind"].as_str(),
            event["message"]["isDeleted"].as_bool()
        ),
        (Some("DELETED"), Some(true))
    );
    assert_eq!(texts(&app, &ada, &chat).await, ["<deleted>"]);
    // Deleting again is harmless.
    app.gql_ok(Some(&bob.token), DELETE, delete).await;
}

#[tokio::test]
async fn delete_for_me__hides_it_from_my_history_only_and_tells_nobody() {
    let app = TestApp::spawn().await;
    let (ada, bob, _, chat) = setup(&app).await;
    let sent = app.say(&ada, &chat, "private regret").await;
    let mut ada_stream = follow(&app, &ada, &chat, None).await;
    app.gql_ok(
        Some(&bob.token),
        DELETE,
        json!({ "input": { "messageId": sent["id"], "forEveryone": false } }),
    )
    .await;
    assert!(texts(&app, &bob, &chat).await.is_empty());
    assert_eq!(texts(&app, &ada, &chat).await, ["private regret"]);
    app.say(&bob, &chat, "marker").await;
    assert_eq!(
        next_event(&mut ada_stream).await["message"]["text"],
        "marker",
        "nothing before the marker"
    );
}

#[tokio::test]
async fn reactions__one_per_emoji_per_user__idempotent__with_counts_broadcast() {
    let app = TestApp::spawn().await;
    let (ada, bob, cat, chat) = setup(&app).await;
    let sent = app.say(&ada, &chat, "react to me").await;
    let react = |emoji: &str| json!({ "input": { "messageId": sent["id"], "emoji": emoji } });
    let mut ada_stream = follow(&app, &ada, &chat, None).await;
    app.gql_ok(Some(&ada.token), REACT, react("👍")).await;
    app.gql_ok(Some(&bob.token), REACT, react("👍")).await;
    let again = app.gql_ok(Some(&bob.token), REACT, react("👍")).await;
    assert_eq!(
        again["addReaction"]["reactions"],
        json!([{ "emoji": "👍", "count": 2, "reactedByMe": true }])
    );
    let both = app.gql_ok(Some(&bob.token), REACT, react(":party:")).await;
    assert_eq!(
        both["addReaction"]["reactions"][1],
        json!({ "emoji": ":party:", "count": 1, "reactedByMe": true })
    );
    let first = next_event(&mut ada_stream).await;
    assert_eq!(first["kind"], "REACTION_CHANGED");
    assert_eq!(
        first["message"]["reactions"],
        json!([{ "emoji": "👍", "count": 1 }])
    );
    assert_eq!(
        next_event(&mut ada_stream).await["message"]["reactions"],
        json!([{ "emoji": "👍", "count": 2 }])
    );
    // The repeat broadcast nothing: the next event is the second emoji.
    assert_eq!(
        next_event(&mut ada_stream).await["message"]["reactions"][1]["emoji"],
        ":party:"
    );
    let removed = app.gql_ok(Some(&bob.token), UNREACT, react("👍")).await;
    assert_eq!(
        removed["removeReaction"]["reactions"][0],
        json!({ "emoji": "👍", "count": 1 })
    );
    let gone = app.gql_ok(Some(&ada.token), UNREACT, react("👍")).await;
    assert_eq!(
        gone["removeReaction"]["reactions"],
        json!([{ "emoji": ":party:", "count": 1 }]),
        "an emoji nobody uses is gone"
    );
    app.gql_ok(Some(&bob.token), UNREACT, react("👍")).await;
    for bad in ["", "ab", "👍👍", ":Nope:", &format!(":{}:", "x".repeat(31))] {
        assert_eq!(
            app.gql_err(Some(&bob.token), REACT, react(bad)).await,
            "BAD_USER_INPUT",
            "{bad:?}"
        );
    }
    assert_eq!(
        app.gql_err(Some(&cat.token), REACT, react("👍")).await,
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn add_reaction__not_an_emoji__is_bad_input_on_emoji_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (ada, bob, _, chat) = setup(&app).await;
    let sent = app.say(&ada, &chat, "react to me").await;
    let react = |emoji: &str| json!({ "input": { "messageId": sent["id"], "emoji": emoji } });
    app.gql_ok(Some(&ada.token), REACT, react("👍")).await;
    let mut ada_stream = follow(&app, &ada, &chat, None).await;
    let piled_up = format!("👍{}", "\u{301}".repeat(7));
    for bad in [
        "\u{202e}",
        "\u{200b}",
        "\u{200d}",
        "\u{feff}",
        "\u{301}",
        "§",
        "¿",
        piled_up.as_str(),
    ] {
        let body = app.gql(Some(&bob.token), REACT, react(bad)).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{bad:?}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "emoji", "{body}");
    }
    let reactions = "query($chat: ID!) { messages(chatId: $chat, last: 1) { edges { node { reactions { emoji count } } } } }";
    let data = app
        .gql_ok(Some(&bob.token), reactions, json!({ "chat": chat }))
        .await;
    assert_eq!(
        data["messages"]["edges"][0]["node"]["reactions"],
        json!([{ "emoji": "👍", "count": 1 }])
    );
    app.say(&bob, &chat, "marker").await;
    assert_eq!(
        next_event(&mut ada_stream).await["message"]["text"],
        "marker",
        "no reaction event before the marker"
    );
}

#[tokio::test]
async fn add_reaction__unqualified_and_qualified_forms__are_one_reaction() {
    let app = TestApp::spawn().await;
    let (ada, bob, _, chat) = setup(&app).await;
    let sent = app.say(&ada, &chat, "love it").await;
    let react = |emoji: &str| json!({ "input": { "messageId": sent["id"], "emoji": emoji } });
    app.gql_ok(Some(&ada.token), REACT, react("\u{2764}")).await;
    let both = app
        .gql_ok(Some(&bob.token), REACT, react("\u{2764}\u{fe0f}"))
        .await;
    assert_eq!(
        both["addReaction"]["reactions"],
        json!([{ "emoji": "\u{2764}\u{fe0f}", "count": 2, "reactedByMe": true }])
    );
    let removed = app
        .gql_ok(Some(&ada.token), UNREACT, react("\u{2764}"))
        .await;
    assert_eq!(
        removed["removeReaction"]["reactions"],
        json!([{ "emoji": "\u{2764}\u{fe0f}", "count": 1 }])
    );
}

#[tokio::test]
async fn read_receipts__broadcast_derive_read_by_and_keep_unread_exact_across_devices() {
    let app = TestApp::spawn().await;
    let (ada, bob, _, chat) = setup(&app).await;
    for text in ["one", "two", "three"] {
        app.say(&ada, &chat, text).await;
    }
    app.say(&bob, &chat, "mine").await;
    let unread = "query($id: ID!) { chat(id: $id) { unreadCount } }";
    assert_eq!(
        app.gql_ok(Some(&bob.token), unread, json!({ "id": chat }))
            .await["chat"]["unreadCount"],
        3
    );
    let history = app
        .gql_ok(
            Some(&bob.token),
            HISTORY,
            json!({ "chat": chat, "first": 10 }),
        )
        .await;
    let second = history["messages"]["edges"][2]["cursor"].clone();

    // Bob's second device signs in separately.
    let bob_again = app
        .gql_ok(
            None,
            "mutation($input: SignInInput!) { signIn(input: $input) { token } }",
            json!({ "input": { "login": "bob", "password": bob.password } }),
        )
        .await;
    let other_device = bob_again["signIn"]["token"].as_str().unwrap().to_owned();

    let mut ada_stream = follow(&app, &ada, &chat, None).await;
    let marked = app
        .gql_ok(
            Some(&bob.token),
            READ,
            json!({ "input": { "chatId": chat, "upTo": second } }),
        )
        .await;
    assert_eq!(
        marked["markMessagesRead"],
        json!({ "upTo": second, "unreadCount": 1 })
    );
    let event = next_event(&mut ada_stream).await;
    assert_eq!(
        (event["kind"].as_str(), event["user"]["handle"].as_str()),
        (Some("READ"), Some("bob"))
    );
    assert_eq!(event["upTo"], second);
    assert_eq!(
        app.gql_ok(Some(&other_device), unread, json!({ "id": chat }))
            .await["chat"]["unreadCount"],
        1
    );

    // Reading an older position again changes and broadcasts nothing.
    app.gql_ok(
        Some(&other_device),
        READ,
        json!({ "input": { "chatId": chat, "upTo": "1" } }),
    )
    .await;
    app.gql_ok(
        Some(&other_device),
        READ,
        json!({ "input": { "chatId": chat } }),
    )
    .await;
    let latest = next_event(&mut ada_stream).await;
    assert_eq!(latest["kind"], "READ");
    assert_ne!(latest["upTo"], second);
    assert_eq!(
        app.gql_ok(Some(&bob.token), unread, json!({ "id": chat }))
            .await["chat"]["unreadCount"],
        0
    );

    let read_by = app
        .gql_ok(Some(&ada.token), "query($c: ID!) { messages(chatId: $c, first: 10) { edges { node { text readBy { handle } deliveredTo { handle } } } } }", json!({ "c": chat }))
        .await;
    let one = &read_by["messages"]["edges"][1]["node"];
    assert_eq!(
        (
            one["text"].as_str(),
            one["readBy"].clone(),
            one["deliveredTo"].clone()
        ),
        (
            Some("one"),
            json!([{ "handle": "bob" }]),
            json!([{ "handle": "bob" }])
        )
    );
    for bad in ["x", "-1", "9999"] {
        assert_eq!(
            app.gql_err(
                Some(&bob.token),
                READ,
                json!({ "input": { "chatId": chat, "upTo": bad } })
            )
            .await,
            "BAD_USER_INPUT",
            "{bad}"
        );
    }
    let delivered = app
        .gql_ok(
            Some(&ada.token),
            DELIVERED,
            json!({ "input": { "chatId": chat } }),
        )
        .await;
    assert!(delivered["markMessagesDelivered"]["upTo"].is_string());
}

#[tokio::test]
async fn resume__replays_exactly_what_was_missed_in_order_then_goes_live() {
    let app = TestApp::spawn().await;
    let (ada, bob, _, chat) = setup(&app).await;
    let seen = app.say(&ada, &chat, "seen").await;
    let cursor = seen["cursor"].as_str().unwrap().to_owned();
    let mut sent = Vec::new();
    for i in 0..20 {
        sent.push(app.say(&ada, &chat, &format!("missed {i}")).await);
    }
    app.gql_ok(
        Some(&ada.token),
        EDIT,
        json!({ "input": { "messageId": sent[3]["id"], "text": "edited" } }),
    )
    .await;
    app.gql_ok(
        Some(&bob.token),
        REACT,
        json!({ "input": { "messageId": sent[4]["id"], "emoji": "🎉" } }),
    )
    .await;
    app.gql_ok(
        Some(&ada.token),
        DELETE,
        json!({ "input": { "messageId": sent[5]["id"], "forEveryone": true } }),
    )
    .await;

    let mut bob_stream = app.ws(&bob.token).await;
    bob_stream
        .subscribe("m", EVENTS, json!({ "chat": chat, "after": cursor }))
        .await;
    let mut events = Vec::new();
    for _ in 0..23 {
        events.push(next_event(&mut bob_stream).await);
    }
    let cursors: Vec<i64> = events
        .iter()
        .map(|e| e["cursor"].as_str().unwrap().parse().unwrap())
        .collect();
    let first: i64 = cursor.parse::<i64>().unwrap() + 1;
    assert_eq!(cursors, (first..first + 23).collect::<Vec<i64>>());
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(&kinds[20..], ["EDITED", "REACTION_CHANGED", "DELETED"]);
    assert!(kinds[..20].iter().all(|k| *k == "CREATED"));
    assert_eq!(events[20]["message"]["text"], "edited");
    bob_stream.expect_quiet().await;
    app.say(&ada, &chat, "live").await;
    let live = next_event(&mut bob_stream).await;
    assert_eq!(
        (
            live["message"]["text"].as_str(),
            live["cursor"].as_str().map(|c| c.parse::<i64>().unwrap())
        ),
        (Some("live"), Some(first + 23))
    );
}

#[tokio::test]
async fn resume__from_a_cursor_older_than_the_replay_limit__gets_resync() {
    let app = TestApp::spawn_with(|s| s.messaging.message_replay_max = 5).await;
    let (ada, bob, _, chat) = setup(&app).await;
    for i in 0..8 {
        app.say(&ada, &chat, &format!("m{i}")).await;
    }
    let mut stream = app.ws(&bob.token).await;
    stream
        .subscribe("m", EVENTS, json!({ "chat": chat, "after": "1" }))
        .await;
    assert_eq!(
        next_event(&mut stream).await,
        json!({ "kind": "RESYNC", "cursor": null, "upTo": null, "user": null, "message": null })
    );
    app.say(&ada, &chat, "after resync").await;
    assert_eq!(
        next_event(&mut stream).await["message"]["text"],
        "after resync"
    );
    for bad in ["abc", "-1", "999"] {
        let mut socket = app.ws(&bob.token).await;
        socket
            .subscribe("m", EVENTS, json!({ "chat": chat, "after": bad }))
            .await;
        let message = socket.recv().await;
        assert_eq!(message["type"], "error", "{bad}: {message}");
        assert_eq!(
            message["payload"][0]["extensions"]["code"],
            "BAD_USER_INPUT"
        );
    }
}

#[tokio::test]
async fn resume__with_expired_log_entries__gets_resync_not_a_silent_gap() {
    let app = TestApp::spawn().await;
    let (ada, bob, _, chat) = setup(&app).await;
    let seen = app.say(&ada, &chat, "seen").await;
    let sent = app.say(&ada, &chat, "later").await;
    app.gql_ok(
        Some(&ada.token),
        EDIT,
        json!({ "input": { "messageId": sent["id"], "text": "edited later" } }),
    )
    .await;
    // Time passes: everything is older than the log's retention, and the
    // log entry of the edit expires (as the TTL index would remove it).
    let client = mongodb::Client::with_uri_str(secrecy::ExposeSecret::expose_secret(
        &app.settings.database.mongodb_uri,
    ))
    .await
    .unwrap();
    let database = client.database(&app.settings.database.mongodb_database);
    let long_ago = chrono::Utc::now()
        - chrono::Duration::days(app.settings.database.chat_event_retention_days as i64 + 1);
    database
        .collection::<bson::Document>("messages")
        .update_many(
            bson::doc! {},
            bson::doc! { "$set": { "createdAt": bson::DateTime::from_chrono(long_ago) } },
        )
        .await
        .unwrap();
    database
        .collection::<bson::Document>("chat_events")
        .delete_many(bson::doc! {})
        .await
        .unwrap();
    let mut stream = app.ws(&bob.token).await;
    stream
        .subscribe(
            "m",
            EVENTS,
            json!({ "chat": chat, "after": seen["cursor"] }),
        )
        .await;
    assert_eq!(next_event(&mut stream).await["kind"], "RESYNC");
}

#[tokio::test]
async fn message_events__refuses_non_members_and_bad_ids() {
    let app = TestApp::spawn().await;
    let (_, _, cat, chat) = setup(&app).await;
    for (chat_id, code) in [(chat.as_str(), "NOT_FOUND"), ("nope", "BAD_USER_INPUT")] {
        let mut socket = app.ws(&cat.token).await;
        socket
            .subscribe("m", EVENTS, json!({ "chat": chat_id }))
            .await;
        let message = socket.recv().await;
        assert_eq!(message["type"], "error");
        assert_eq!(message["payload"][0]["extensions"]["code"], code);
    }
}

#[tokio::test]
async fn history__pages_both_ways_and_costs_constant_round_trips() {
    let app = TestApp::spawn().await;
    let (ada, bob, _, chat) = setup(&app).await;
    let mut previous: Option<Value> = None;
    for i in 0..60 {
        let sender = if i % 2 == 0 { &ada } else { &bob };
        let mut input = json!({ "text": format!("m{i}") });
        if let Some(p) = &previous {
            input["replyTo"] = p["id"].clone();
        }
        let sent = app
            .gql_ok(Some(&sender.token), SEND, send_input(&chat, input))
            .await["sendMessage"]
            .clone();
        if i % 5 == 0 {
            app.gql_ok(
                Some(&bob.token),
                REACT,
                json!({ "input": { "messageId": sent["id"], "emoji": "👍" } }),
            )
            .await;
        }
        previous = Some(sent);
    }
    let latest = app
        .gql_ok(
            Some(&ada.token),
            HISTORY,
            json!({ "chat": chat, "last": 10 }),
        )
        .await;
    let edges = latest["messages"]["edges"].as_array().unwrap();
    assert_eq!(edges.last().unwrap()["node"]["text"], "m59");
    assert_eq!(latest["messages"]["pageInfo"]["hasPreviousPage"], true);
    let before = latest["messages"]["pageInfo"]["startCursor"].clone();
    let older = app
        .gql_ok(
            Some(&ada.token),
            HISTORY,
            json!({ "chat": chat, "last": 10, "before": before }),
        )
        .await;
    assert_eq!(
        older["messages"]["edges"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()["node"]["text"],
        "m49"
    );
    let forward = app
        .gql_ok(
            Some(&ada.token),
            HISTORY,
            json!({ "chat": chat, "first": 2 }),
        )
        .await;
    assert_eq!(
        forward["messages"]["edges"][1]["node"]["text"], "m0",
        "the system message comes first"
    );
    assert_eq!(
        app.gql_err(
            Some(&ada.token),
            HISTORY,
            json!({ "chat": chat, "first": 1, "last": 1 })
        )
        .await,
        "BAD_USER_INPUT"
    );

    let page = |n: usize, receipts: &str| {
        format!(
            "{{ messages(chatId: \"{chat}\", last: {n}) {{ edges {{ node {{ text sender {{ handle }} replyTo {{ text sender {{ handle }} }} reactions {{ emoji count users(first: 5) {{ handle }} }} {receipts} }} }} }} }}"
        )
    };
    let count = async |n: usize, receipts: &str| {
        // The token's account check is remembered for a few seconds: make
        // sure it is, so that only the page itself is counted.
        app.gql_ok(Some(&ada.token), "{ me { id } }", json!({}))
            .await;
        let before = app.db_commands();
        let data = app
            .gql_ok(Some(&ada.token), &page(n, receipts), json!({}))
            .await;
        assert_eq!(data["messages"]["edges"].as_array().unwrap().len(), n);
        app.db_commands() - before
    };
    // The token's session (checked on every request, never cached, so a
    // revoked one is refused at once), membership, the page, the
    // replied-to messages, then every user the page names in one batch;
    // readBy adds the chat's receipts. The same whatever the page size:
    // loaded field by field, a page of 50 would cost 50 more.
    for n in [5, 50] {
        assert_eq!(count(n, "").await, 5, "round trips for a page of {n}");
        let with_receipts = count(n, "readBy { handle }").await;
        assert_eq!(
            with_receipts, 6,
            "round trips for a page of {n} with readBy"
        );
    }
}

/// The first sends to a new chat all race to create its sequence counter:
/// every one of them succeeds, each with its own number.
#[tokio::test]
async fn first_sends_to_a_new_chat_at_once__all_succeed_with_distinct_cursors() {
    let app = TestApp::spawn().await;
    for round in 0..4 {
        let ada = app.sign_up(&format!("ada{round}")).await;
        let bob = app.sign_up(&format!("bob{round}")).await;
        let chat = app.direct(&ada, &bob).await;
        let texts: Vec<String> = (0..8).map(|i| format!("m{i}")).collect();
        let sends = texts.iter().enumerate().map(|(i, text)| {
            let sender = if i % 2 == 0 { &ada } else { &bob };
            app.say(sender, &chat, text)
        });
        let sent = futures_util::future::join_all(sends).await;
        let mut cursors: Vec<i64> = sent
            .iter()
            .map(|m| m["cursor"].as_str().unwrap().parse().unwrap())
            .collect();
        cursors.sort_unstable();
        cursors.dedup();
        assert_eq!(cursors.len(), 8, "round {round}: {sent:?}");
    }
}
