//! Uploads through an S3-compatible bucket (`STORAGE_URL=s3://…`): the
//! same flow as with the local store, but the URLs are the bucket's own
//! presigned URLs, so the bytes go to the bucket and back without passing
//! through the chat server.

use serde_json::json;

use crate::helpers::{TestApp, TestBucket, error_code, eventually};
use crate::uploads::png;

const CREATE: &str = "mutation($input: CreateUploadInput!) { createUpload(input: $input) { upload { id } url method headers { name value } } }";
const COMPLETE: &str = "mutation($input: CompleteUploadInput!) { completeUpload(input: $input) { state width height } }";
const SEND: &str =
    "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id media { url } } }";

#[tokio::test]
async fn uploads__go_to_the_bucket_and_back_with_its_presigned_urls() {
    let bucket = TestBucket::start().await;
    let app = TestApp::spawn_with(|s| bucket.configure(s, "media")).await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let chat = app.group(&ada, &[&bob], "pets").await;
    let bytes = png();
    let created = app
        .gql_ok(
            Some(&ada.token),
            CREATE,
            json!({ "input": { "purpose": "MESSAGE_MEDIA", "chatId": chat, "contentType": "image/png", "size": bytes.len(), "fileName": "cat.png" } }),
        )
        .await["createUpload"]
        .clone();
    let url = created["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/{}/media/", bucket.endpoint, bucket.bucket)),
        "the bucket's own URL: {url}"
    );
    assert!(url.contains("X-Amz-Signature="), "{url}");

    // A tampered signature is refused by the bucket.
    let (head, signature) = url.split_once("X-Amz-Signature=").unwrap();
    let flipped = if signature.starts_with('0') { "1" } else { "0" };
    let tampered = format!("{head}X-Amz-Signature={flipped}{}", &signature[1..]);
    let refused = app
        .http
        .put(&tampered)
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);

    let mut put = app.http.put(url);
    for header in created["headers"].as_array().unwrap() {
        put = put.header(
            header["name"].as_str().unwrap(),
            header["value"].as_str().unwrap(),
        );
    }
    let sent = put.body(bytes.clone()).send().await.unwrap();
    assert!(sent.status().is_success(), "{}", sent.status());
    // The file is in the bucket's directory, not under the server.
    assert!(bucket.root.join(&bucket.bucket).join("media").exists());

    let done = app
        .gql_ok(
            Some(&ada.token),
            COMPLETE,
            json!({ "input": { "uploadId": created["upload"]["id"] } }),
        )
        .await;
    assert_eq!(
        done["completeUpload"],
        json!({ "state": "COMPLETE", "width": 3, "height": 2 })
    );
    let message = app
        .gql_ok(
            Some(&ada.token),
            SEND,
            json!({ "input": { "chatId": chat, "mediaIds": [created["upload"]["id"]] } }),
        )
        .await["sendMessage"]
        .clone();
    let history = app
        .gql_ok(
            Some(&bob.token),
            "query($chat: ID!) { messages(chatId: $chat, last: 1) { nodes { media { url } } } }",
            json!({ "chat": chat }),
        )
        .await;
    let download = history["messages"]["nodes"][0]["media"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(download.starts_with(&bucket.endpoint), "{download}");
    let got = app.http.get(&download).send().await.unwrap();
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.bytes().await.unwrap().to_vec(), bytes);

    // A type lie is refused at completion here too.
    let lie = app
        .gql_ok(
            Some(&ada.token),
            CREATE,
            json!({ "input": { "purpose": "MESSAGE_MEDIA", "chatId": chat, "contentType": "image/png", "size": 64, "fileName": "cat.png" } }),
        )
        .await["createUpload"]
        .clone();
    let mut program = b"MZ\x90\x00".to_vec();
    program.resize(64, 0);
    let stored = app
        .http
        .put(lie["url"].as_str().unwrap())
        .header("Content-Type", "image/png")
        .body(program)
        .send()
        .await
        .unwrap();
    assert!(stored.status().is_success());
    let refused = app
        .gql(
            Some(&ada.token),
            COMPLETE,
            json!({ "input": { "uploadId": lie["upload"]["id"] } }),
        )
        .await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");

    // Deleting the message for everyone deletes the object.
    app.gql_ok(
        Some(&ada.token),
        "mutation($input: DeleteMessageInput!) { deleteMessage(input: $input) { isDeleted } }",
        json!({ "input": { "messageId": message["id"], "forEveryone": true } }),
    )
    .await;
    eventually("the object is deleted from the bucket", || async {
        app.http
            .get(&download)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
            == 404
    })
    .await;
}
