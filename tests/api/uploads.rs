//! Uploads end to end with the local store: `createUpload` → a plain HTTP
//! PUT to the signed URL → `completeUpload` → `sendMessage(mediaIds)` /
//! `updateProfile(imageUploadId)` → signed downloads for those who may read.

use serde_json::{Value, json};

use chat_server::domain::ChatId;
use chat_server::events::Topic;

use crate::helpers::{TestApp, TestRedis, TestUser, await_numsub, error_code, eventually};

const CREATE: &str = "mutation($input: CreateUploadInput!) { createUpload(input: $input) { upload { id state expiresAt } url method headers { name value } } }";
const COMPLETE: &str = "mutation($input: CompleteUploadInput!) { completeUpload(input: $input) { id state contentType size width height } }";
const SEND: &str = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id type text media { url mimeType size name width height } } }";
const HISTORY: &str =
    "query($chat: ID!) { messages(chatId: $chat, last: 10) { nodes { id media { url } } } }";

/// A 3×2 PNG: its signature and header chunk, then padding.
pub fn png() -> Vec<u8> {
    let mut bytes = vec![
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0,
        0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0, 0x12, 0x16, 0xf1, 0x4d,
    ];
    bytes.extend((0..200u8).map(|i| i.wrapping_mul(7)));
    bytes
}

/// A Windows program's first bytes.
fn exe(len: usize) -> Vec<u8> {
    let mut bytes = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    bytes.resize(len, 0);
    bytes
}

/// `createUpload`'s payload.
async fn create(
    app: &TestApp,
    user: &TestUser,
    purpose: &str,
    chat: Option<&str>,
    content_type: &str,
    size: usize,
) -> Value {
    let input = json!({ "purpose": purpose, "chatId": chat, "contentType": content_type, "size": size, "fileName": "cat.png" });
    app.gql_ok(Some(&user.token), CREATE, json!({ "input": input }))
        .await["createUpload"]
        .clone()
}

/// PUTs `bytes` to an upload URL as a browser would (the returned method
/// and headers); returns the HTTP status.
async fn put(app: &TestApp, created: &Value, bytes: Vec<u8>) -> u16 {
    assert_eq!(created["method"], "PUT");
    let mut request = app.http.put(created["url"].as_str().unwrap());
    for header in created["headers"].as_array().unwrap() {
        request = request.header(
            header["name"].as_str().unwrap(),
            header["value"].as_str().unwrap(),
        );
    }
    request.body(bytes).send().await.unwrap().status().as_u16()
}

async fn complete(app: &TestApp, user: &TestUser, created: &Value) -> Value {
    app.gql(
        Some(&user.token),
        COMPLETE,
        json!({ "input": { "uploadId": created["upload"]["id"] } }),
    )
    .await
}

/// An upload of `bytes` as a PNG, sent and completed; returns its id.
async fn uploaded(app: &TestApp, user: &TestUser, purpose: &str, chat: Option<&str>) -> String {
    let bytes = png();
    let created = create(app, user, purpose, chat, "image/png", bytes.len()).await;
    assert_eq!(put(app, &created, bytes).await, 200);
    let done = complete(app, user, &created).await;
    assert_eq!(
        done["data"]["completeUpload"]["state"], "COMPLETE",
        "{done}"
    );
    created["upload"]["id"].as_str().unwrap().to_owned()
}

/// The download URL of the newest message of a `HISTORY` page.
fn last_media_url(history: &Value) -> String {
    let nodes = history["messages"]["nodes"].as_array().unwrap();
    nodes.last().unwrap()["media"][0]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("no media URL in {history}"))
        .to_owned()
}

/// GET `url`: the status and the body.
async fn download(app: &TestApp, url: &str) -> (u16, Vec<u8>) {
    let response = app.http.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

async fn group_of_three(app: &TestApp) -> (TestUser, TestUser, TestUser, String) {
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let eve = app.sign_up("eve").await;
    let chat = app.group(&ada, &[&bob], "pets").await;
    (ada, bob, eve, chat)
}

#[tokio::test]
async fn uploads__reach_members_only_with_the_exact_bytes() {
    let app = TestApp::spawn().await;
    let (ada, bob, eve, chat) = group_of_three(&app).await;
    let bytes = png();
    let created = create(
        &app,
        &ada,
        "MESSAGE_MEDIA",
        Some(&chat),
        "image/png",
        bytes.len(),
    )
    .await;
    assert_eq!(created["upload"]["state"], "PENDING");
    assert_eq!(
        created["headers"],
        json!([{ "name": "Content-Type", "value": "image/png" }])
    );
    assert_eq!(put(&app, &created, bytes.clone()).await, 200);
    let done = complete(&app, &ada, &created).await;
    assert_eq!(
        done["data"]["completeUpload"],
        json!({ "id": created["upload"]["id"], "state": "COMPLETE", "contentType": "image/png", "size": bytes.len(), "width": 3, "height": 2 })
    );

    let input = json!({ "chatId": chat, "text": "a cat", "mediaIds": [created["upload"]["id"]] });
    let sent = app
        .gql_ok(Some(&ada.token), SEND, json!({ "input": input }))
        .await;
    let message = &sent["sendMessage"];
    assert_eq!(message["type"], "IMAGE");
    assert_eq!(
        (
            &message["media"][0]["mimeType"],
            &message["media"][0]["name"]
        ),
        (&json!("image/png"), &json!("cat.png"))
    );
    assert_eq!(message["media"][0]["width"], 3);

    // A member downloads exactly those bytes through Media.url.
    let history = app
        .gql_ok(Some(&bob.token), HISTORY, json!({ "chat": chat }))
        .await;
    let url = last_media_url(&history);
    assert_eq!(download(&app, &url).await, (200, bytes.clone()));

    // A tampered signature, another file under the same signature, or no
    // signature: refused.
    let (head, sig) = url.rsplit_once("sig=").unwrap();
    let flipped = if sig.starts_with('0') { "1" } else { "0" };
    let tampered = format!("{head}sig={flipped}{}", &sig[1..]);
    assert_eq!(download(&app, &tampered).await.0, 403);
    let elsewhere = url.replace(&ada.id, &bob.id);
    assert_eq!(download(&app, &elsewhere).await.0, 403);
    assert_eq!(download(&app, url.split('?').next().unwrap()).await.0, 403);

    // An outsider gets no URL.
    let outsider = app
        .gql(Some(&eve.token), HISTORY, json!({ "chat": chat }))
        .await;
    assert!(outsider["data"]["messages"].is_null(), "{outsider}");
    assert_eq!(error_code(&outsider), "NOT_FOUND");

    // Nor does a removed member any more.
    app.gql_ok(
        Some(&ada.token),
        "mutation($input: ChatMemberInput!) { removeChatMember(input: $input) { id } }",
        json!({ "input": { "chatId": chat, "userId": bob.id } }),
    )
    .await;
    let removed = app
        .gql(Some(&bob.token), HISTORY, json!({ "chat": chat }))
        .await;
    assert_eq!(error_code(&removed), "NOT_FOUND", "{removed}");

    // An upload is used once.
    let again = app
        .gql(Some(&ada.token), SEND, json!({ "input": input }))
        .await;
    assert_eq!(error_code(&again), "BAD_USER_INPUT", "{again}");
}

#[tokio::test]
async fn upload_urls__bind_the_size_and_type_and_completion_checks_the_file() {
    let app = TestApp::spawn().await;
    let (ada, _, _, chat) = group_of_three(&app).await;
    let bytes = png();
    let created = create(
        &app,
        &ada,
        "MESSAGE_MEDIA",
        Some(&chat),
        "image/png",
        bytes.len(),
    )
    .await;
    let url = created["url"].as_str().unwrap();
    // Another type, or another size, than signed.
    let as_gif = app
        .http
        .put(url)
        .header("Content-Type", "image/gif")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(as_gif.status().as_u16(), 403);
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(put(&app, &created, longer).await, 403);
    assert_eq!(put(&app, &created, bytes[1..].to_vec()).await, 403);
    // Nothing was sent yet: completion refuses.
    let early = complete(&app, &ada, &created).await;
    assert_eq!(error_code(&early), "BAD_USER_INPUT", "{early}");

    // A program named cat.png: stored (the URL binds only size and type
    // header), refused at completion by its first bytes.
    let program = exe(bytes.len());
    assert_eq!(put(&app, &created, program).await, 200);
    let refused = complete(&app, &ada, &created).await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("portable-executable"),
        "{refused}"
    );

    // A size lie, as a bucket that does not bind the size lets through: a
    // file of another size than declared is refused.
    let id = created["upload"]["id"].as_str().unwrap();
    app.services
        .uploads
        .files()
        .put(
            &format!("{}/incoming/{id}", ada.id),
            png()[..100].to_vec().into(),
        )
        .await
        .unwrap();
    let short = complete(&app, &ada, &created).await;
    assert_eq!(error_code(&short), "BAD_USER_INPUT", "{short}");

    // The real file completes; an unfinished upload cannot be attached.
    assert_eq!(put(&app, &created, bytes.clone()).await, 200);
    let pending = create(&app, &ada, "MESSAGE_MEDIA", Some(&chat), "image/png", 10).await;
    let attach = |id: &Value| json!({ "input": { "chatId": chat, "mediaIds": [id] } });
    let unfinished = app
        .gql(Some(&ada.token), SEND, attach(&pending["upload"]["id"]))
        .await;
    assert_eq!(error_code(&unfinished), "BAD_USER_INPUT", "{unfinished}");
    let done = complete(&app, &ada, &created).await;
    assert_eq!(
        done["data"]["completeUpload"]["state"], "COMPLETE",
        "{done}"
    );
    // Both together: all or nothing, the complete one stays usable.
    let both = json!({ "input": { "chatId": chat, "mediaIds": [created["upload"]["id"], pending["upload"]["id"]] } });
    let mixed = app.gql(Some(&ada.token), SEND, both).await;
    assert_eq!(error_code(&mixed), "BAD_USER_INPUT", "{mixed}");
    let sent = app
        .gql_ok(Some(&ada.token), SEND, attach(&created["upload"]["id"]))
        .await;
    assert_eq!(sent["sendMessage"]["type"], "IMAGE");
}

#[tokio::test]
async fn create_upload__checks_the_purpose_limits_membership_and_quota() {
    let app = TestApp::spawn_with(|s| s.storage.upload_max_pending = 2).await;
    let (ada, bob, eve, chat) = group_of_three(&app).await;
    let ask = |user: &TestUser, input: Value| {
        let token = user.token.clone();
        let app = &app;
        async move {
            app.gql(Some(&token), CREATE, json!({ "input": input }))
                .await
        }
    };
    let base = json!({ "purpose": "MESSAGE_MEDIA", "chatId": chat, "contentType": "image/png", "size": 10, "fileName": "a.png" });
    let with = |changes: Value| {
        let mut input = base.clone();
        for (k, v) in changes.as_object().unwrap() {
            input[k] = v.clone();
        }
        input
    };
    let cases = [
        (
            &ada,
            with(json!({ "size": 26 * 1024 * 1024 })),
            "BAD_USER_INPUT",
        ),
        (&ada, with(json!({ "size": 0 })), "BAD_USER_INPUT"),
        (
            &ada,
            with(json!({ "contentType": "text/html" })),
            "BAD_USER_INPUT",
        ),
        (
            &ada,
            with(json!({ "contentType": "text/plain" })),
            "BAD_USER_INPUT",
        ),
        (
            &ada,
            with(json!({ "fileName": "../etc/passwd" })),
            "BAD_USER_INPUT",
        ),
        (&ada, with(json!({ "chatId": null })), "BAD_USER_INPUT"),
        (&ada, with(json!({ "purpose": "AVATAR" })), "BAD_USER_INPUT"),
        (
            &ada,
            with(json!({ "purpose": "AVATAR", "chatId": null, "size": 6 * 1024 * 1024 })),
            "BAD_USER_INPUT",
        ),
        (&eve, base.clone(), "NOT_FOUND"),
        // A member who may not edit the group cannot upload its picture.
        (&bob, with(json!({ "purpose": "CHAT_IMAGE" })), "FORBIDDEN"),
    ];
    for (user, input, code) in cases {
        let body = ask(user, input.clone()).await;
        assert_eq!(error_code(&body), code, "{input}: {body}");
    }
    // Nothing was stored by a refusal: the quota of 2 is still whole.
    ask(&ada, base.clone()).await["data"]["createUpload"]["url"]
        .as_str()
        .expect("first");
    ask(&ada, base.clone()).await["data"]["createUpload"]["url"]
        .as_str()
        .expect("second");
    let third = ask(&ada, base.clone()).await;
    assert_eq!(error_code(&third), "FORBIDDEN", "{third}");

    // Media by URL (unverified) are refused unless turned on.
    let by_url = json!({ "input": { "chatId": chat, "type": "IMAGE", "media": [{ "url": "https://x.example/cat.png", "mimeType": "image/png", "size": 1 }] } });
    let refused = app.gql(Some(&ada.token), SEND, by_url).await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
}

#[tokio::test]
async fn avatars_and_chat_images__come_from_uploads_and_are_readable_by_who_sees_them() {
    let app = TestApp::spawn_with(|s| s.storage.upload_sweep_seconds = 1).await;
    let (ada, bob, _, chat) = group_of_three(&app).await;
    let avatar = uploaded(&app, &ada, "AVATAR", None).await;
    let updated = app
        .gql_ok(
            Some(&ada.token),
            "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { image } }",
            json!({ "input": { "imageUploadId": avatar } }),
        )
        .await;
    let url = updated["updateProfile"]["image"].as_str().unwrap();
    assert_eq!(download(&app, url).await, (200, png()));
    let seen = app
        .gql_ok(
            Some(&bob.token),
            "query($id: ID!) { user(id: $id) { image } }",
            json!({ "id": ada.id }),
        )
        .await;
    let seen_url = seen["user"]["image"].as_str().unwrap();
    assert_eq!(download(&app, seen_url).await, (200, png()));
    // Used once: not for the group's picture, and not again.
    let reuse = app
        .gql(
            Some(&ada.token),
            "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { image } }",
            json!({ "input": { "imageUploadId": avatar } }),
        )
        .await;
    assert_eq!(error_code(&reuse), "BAD_USER_INPUT", "{reuse}");

    let picture = uploaded(&app, &ada, "CHAT_IMAGE", Some(&chat)).await;
    const UPDATE_CHAT: &str =
        "mutation($input: UpdateChatInput!) { updateChat(input: $input) { image } }";
    // Refused changes use nothing: the upload is still there after.
    let refused = app
        .gql(
            Some(&ada.token),
            UPDATE_CHAT,
            json!({ "input": { "chatId": chat, "imageUploadId": picture, "name": "" } }),
        )
        .await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
    let changed = app
        .gql_ok(
            Some(&ada.token),
            UPDATE_CHAT,
            json!({ "input": { "chatId": chat, "imageUploadId": picture } }),
        )
        .await;
    let chat_url = changed["updateChat"]["image"].as_str().unwrap();
    assert_eq!(download(&app, chat_url).await, (200, png()));
    let members_view = app
        .gql_ok(
            Some(&bob.token),
            "query($id: ID!) { chat(id: $id) { image } }",
            json!({ "id": chat }),
        )
        .await;
    assert!(members_view["chat"]["image"].as_str().is_some());

    // A new avatar replaces the old one, whose file goes; clearing the
    // group's picture lets its file go too.
    let second = uploaded(&app, &ada, "AVATAR", None).await;
    let replaced = app
        .gql_ok(
            Some(&ada.token),
            "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { image } }",
            json!({ "input": { "imageUploadId": second } }),
        )
        .await;
    let new_url = replaced["updateProfile"]["image"].as_str().unwrap();
    eventually("the replaced avatar's file is gone", || async {
        download(&app, url).await.0 == 404
    })
    .await;
    assert_eq!(download(&app, new_url).await, (200, png()));
    app.gql_ok(
        Some(&ada.token),
        UPDATE_CHAT,
        json!({ "input": { "chatId": chat, "image": "" } }),
    )
    .await;
    eventually("the cleared group picture's file is gone", || async {
        download(&app, chat_url).await.0 == 404
    })
    .await;
}

#[tokio::test]
async fn deleting_a_message_or_an_account__deletes_its_files() {
    let app = TestApp::spawn().await;
    let (ada, bob, _, chat) = group_of_three(&app).await;
    let id = uploaded(&app, &ada, "MESSAGE_MEDIA", Some(&chat)).await;
    let sent = app
        .gql_ok(
            Some(&ada.token),
            SEND,
            json!({ "input": { "chatId": chat, "mediaIds": [id] } }),
        )
        .await;
    let url = sent["sendMessage"]["media"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(download(&app, &url).await.0, 200);
    app.gql_ok(
        Some(&ada.token),
        "mutation($input: DeleteMessageInput!) { deleteMessage(input: $input) { isDeleted } }",
        json!({ "input": { "messageId": sent["sendMessage"]["id"], "forEveryone": true } }),
    )
    .await;
    eventually("the deleted message's file is gone", || async {
        download(&app, &url).await.0 == 404
    })
    .await;

    let avatar = uploaded(&app, &bob, "AVATAR", None).await;
    let updated = app
        .gql_ok(
            Some(&bob.token),
            "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { image } }",
            json!({ "input": { "imageUploadId": avatar } }),
        )
        .await;
    let avatar_url = updated["updateProfile"]["image"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(download(&app, &avatar_url).await.0, 200);
    let gone = app
        .gql(
            Some(&bob.token),
            "mutation($input: DeleteAccountInput!) { deleteAccount(input: $input) { userId } }",
            json!({ "input": { "password": bob.password } }),
        )
        .await;
    assert_eq!(gone["data"]["deleteAccount"]["userId"], bob.id, "{gone}");
    eventually("the deleted account's avatar is gone", || async {
        download(&app, &avatar_url).await.0 == 404
    })
    .await;
}

#[tokio::test]
async fn expired_urls_are_refused_and_unfinished_uploads_purged() {
    let app = TestApp::spawn_with(|s| {
        s.storage.upload_url_ttl_seconds = 1;
        s.storage.download_url_ttl_seconds = 1;
        s.storage.upload_pending_ttl_seconds = 2;
        s.storage.upload_sweep_seconds = 1;
    })
    .await;
    let (ada, _, _, chat) = group_of_three(&app).await;
    let bytes = png();
    let created = create(
        &app,
        &ada,
        "MESSAGE_MEDIA",
        Some(&chat),
        "image/png",
        bytes.len(),
    )
    .await;
    assert_eq!(put(&app, &created, bytes.clone()).await, 200);
    eventually("the upload URL expires", || async {
        put(&app, &created, bytes.clone()).await == 403
    })
    .await;
    // Sent in time, it completes after the URL expired.
    let done = complete(&app, &ada, &created).await;
    assert_eq!(
        done["data"]["completeUpload"]["state"], "COMPLETE",
        "{done}"
    );
    let id = created["upload"]["id"].as_str().unwrap();
    let sent = app
        .gql_ok(
            Some(&ada.token),
            SEND,
            json!({ "input": { "chatId": chat, "mediaIds": [id] } }),
        )
        .await;
    let url = sent["sendMessage"]["media"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    eventually("the download URL expires", || async {
        download(&app, &url).await.0 == 403
    })
    .await;
    // A fresh read gives a fresh URL; a used upload is never purged.
    let history = app
        .gql_ok(Some(&ada.token), HISTORY, json!({ "chat": chat }))
        .await;
    let fresh = last_media_url(&history);
    assert_eq!(download(&app, &fresh).await, (200, bytes.clone()));

    // An upload left unfinished goes: its record and its file.
    let left = create(
        &app,
        &ada,
        "MESSAGE_MEDIA",
        Some(&chat),
        "image/png",
        bytes.len(),
    )
    .await;
    assert_eq!(put(&app, &left, bytes.clone()).await, 200);
    let left_id =
        chat_server::domain::UploadId::parse("id", left["upload"]["id"].as_str().unwrap()).unwrap();
    let incoming = format!("{}/incoming/{left_id}", ada.id);
    eventually("the unfinished upload is purged", || async {
        let record = app.db.uploads().find(left_id).await.unwrap();
        let file = app.services.uploads.files().size(&incoming).await.unwrap();
        record.is_none() && file.is_none()
    })
    .await;
    let late = complete(&app, &ada, &left).await;
    assert_eq!(error_code(&late), "NOT_FOUND", "{late}");
    // The used one stays, by then older than the purge age too.
    let used = chat_server::domain::UploadId::parse("id", id).unwrap();
    assert!(app.db.uploads().find(used).await.unwrap().is_some());
}

#[tokio::test]
async fn media_urls__reach_subscribers_on_another_instance() {
    let redis = TestRedis::shared().await;
    let url = redis.url.clone();
    let app = TestApp::spawn_with(|s| s.cluster.redis_url = Some(url.into())).await;
    let peer = app.spawn_peer(|_| {}).await;
    let (ada, bob, _, chat) = group_of_three(&app).await;
    let mut bob_ws = peer.ws(&bob.token).await;
    bob_ws
        .subscribe(
            "m",
            "subscription($chat: ID!) { messageEvents(chatId: $chat) { kind message { media { url mimeType } } } }",
            json!({ "chat": chat }),
        )
        .await;
    let topic = Topic::Chat(ChatId::parse("chatId", &chat).unwrap());
    peer.subscribers(topic, 1).await;
    await_numsub(&redis.url, &format!("chat:ev:chat:{chat}"), 1).await;
    // Uploaded through one instance, completed and sent through the other.
    let bytes = png();
    let created = create(
        &app,
        &ada,
        "MESSAGE_MEDIA",
        Some(&chat),
        "image/png",
        bytes.len(),
    )
    .await;
    assert_eq!(put(&app, &created, bytes.clone()).await, 200);
    let done = complete(&peer, &ada, &created).await;
    assert_eq!(
        done["data"]["completeUpload"]["state"], "COMPLETE",
        "{done}"
    );
    app.gql_ok(
        Some(&ada.token),
        SEND,
        json!({ "input": { "chatId": chat, "mediaIds": [created["upload"]["id"]] } }),
    )
    .await;
    let event = bob_ws.next_data("m").await;
    let media = &event["data"]["messageEvents"]["message"]["media"][0];
    assert_eq!(media["mimeType"], "image/png", "{event}");
    assert_eq!(
        download(&peer, media["url"].as_str().unwrap()).await,
        (200, bytes)
    );
}

#[tokio::test]
async fn live_events__carry_a_working_url_to_each_subscriber_that_asks() {
    let app = TestApp::spawn().await;
    let (ada, bob, _, chat) = group_of_three(&app).await;
    let topic = Topic::Chat(ChatId::parse("chatId", &chat).unwrap());
    // With the URL and without: both are shared renderings, each signed once.
    let with_url = "subscription($chat: ID!) { messageEvents(chatId: $chat) { message { media { url mimeType } } } }";
    let without = "subscription($chat: ID!) { messageEvents(chatId: $chat) { message { media { mimeType size width height } } } }";
    let mut ada_ws = app.ws(&ada.token).await;
    ada_ws
        .subscribe("m", with_url, json!({ "chat": chat }))
        .await;
    let mut bob_ws = app.ws(&bob.token).await;
    bob_ws
        .subscribe("m", with_url, json!({ "chat": chat }))
        .await;
    bob_ws
        .subscribe("s", without, json!({ "chat": chat }))
        .await;
    app.subscribers(topic, 3).await;
    let id = uploaded(&app, &ada, "MESSAGE_MEDIA", Some(&chat)).await;
    app.gql_ok(
        Some(&ada.token),
        SEND,
        json!({ "input": { "chatId": chat, "mediaIds": [id] } }),
    )
    .await;
    for socket in [&mut ada_ws, &mut bob_ws] {
        let event = socket.next_data("m").await;
        let media = &event["data"]["messageEvents"]["message"]["media"][0];
        assert_eq!(media["mimeType"], "image/png", "{event}");
        let url = media["url"].as_str().unwrap();
        assert_eq!(download(&app, url).await, (200, png()));
    }
    let shared = bob_ws.next_data("s").await;
    assert_eq!(
        shared["data"]["messageEvents"]["message"]["media"],
        json!([{ "mimeType": "image/png", "size": png().len(), "width": 3, "height": 2 }])
    );
}
