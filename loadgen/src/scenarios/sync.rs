//! Scenario 7, catching up: a client that was away while `messages`
//! messages arrived across `chats` chats calls `sync(after:)` with the
//! cursor it had; the figure is the time one such call takes (one round
//! trip, all changed chats in one page), and the check is that it returns
//! every changed chat with its last message.

use std::time::Instant;

use futures_util::{StreamExt, TryStreamExt, stream};
use serde_json::{Value, json};

use super::{Ctx, name};
use crate::api::{Account, Api};
use crate::plan::Scenario;
use crate::report::Row;
use crate::stats::{self, Percentiles, thousands};

/// What a chat list needs of each changed chat.
const SYNC: &str = "query Sync($after: String) { sync(after: $after, first: 100) { \
    cursor hasMore reset removedChatIds \
    chats { id name unreadCount lastMessage { id text sender { id handle } } } \
    notifications { id } friendEvents { kind } } }";
/// Requests in flight while the fixture is made.
const SETUP_CONCURRENCY: usize = 8;

pub async fn run(ctx: &Ctx<'_>) -> anyhow::Result<Vec<Row>> {
    let plan = ctx.plan;
    let api = &ctx.api;
    let (chats, messages) = (plan.sync_chats, plan.sync_messages);
    let writer = api.sign_up("sync_writer").await?;
    let reader = api.sign_up("sync_reader").await?;
    befriend(api, &writer, &reader).await?;
    let ids: Vec<String> = stream::iter(0..chats)
        .map(|i| {
            let (writer, reader) = (&writer, reader.id.clone());
            async move {
                api.create_group(writer, &format!("sync {i}"), &[reader])
                    .await
            }
        })
        .buffered(SETUP_CONCURRENCY)
        .try_collect()
        .await?;
    let cursor = sync(api, &reader, None).await?["cursor"].clone();
    stream::iter(0..messages)
        .map(|i| {
            let (writer, chat) = (&writer, &ids[i % chats]);
            async move {
                api.send_message(
                    writer,
                    chat,
                    &format!("away {i}"),
                    &format!("sync-{i}"),
                    None,
                )
                .await
            }
        })
        .buffer_unordered(SETUP_CONCURRENCY)
        .try_collect::<Vec<_>>()
        .await?;
    let mut latencies = stats::histogram();
    let mut complete = true;
    for _ in 0..plan.sync_requests {
        let began = Instant::now();
        let page = sync(api, &reader, cursor.as_str()).await?;
        stats::record(&mut latencies, began.elapsed());
        let changed = page["chats"].as_array().map_or(0, Vec::len);
        let last_ok = page["chats"].as_array().is_some_and(|list| {
            list.iter().all(|c| {
                c["lastMessage"]["text"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("away"))
            })
        });
        complete &= changed == chats && page["hasMore"] == false && last_ok;
    }
    let p = Percentiles::of(&latencies);
    let setting = format!(
        "sync(after:) after {} messages missed across {chats} chats, {} requests",
        thousands(messages as u64),
        plan.sync_requests
    );
    let result = format!(
        "{}; every changed chat with its last message: {}",
        p.summary(),
        if complete { "yes" } else { "NO" }
    );
    Ok(vec![
        Row::info(name(Scenario::Sync), setting, result)
            .judged("one round trip, complete", Some(complete)),
    ])
}

async fn sync(
    api: &Api,
    reader: &Account,
    after: impl Into<Option<&str>>,
) -> anyhow::Result<Value> {
    let data: Value = api
        .gql(Some(&reader.token), SYNC, json!({ "after": after.into() }))
        .await?;
    Ok(data["sync"].clone())
}

/// Makes the two friends, so that either may add the other to a group.
async fn befriend(api: &Api, a: &Account, b: &Account) -> anyhow::Result<()> {
    let sent: Value = api
        .gql(
            Some(&a.token),
            "mutation($input: SendFriendRequestInput!) { sendFriendRequest(input: $input) { id } }",
            json!({ "input": { "userId": b.id } }),
        )
        .await?;
    let id = sent["sendFriendRequest"]["id"].clone();
    let _: Value = api
        .gql(
            Some(&b.token),
            "mutation($input: RespondToFriendRequestInput!) { respondToFriendRequest(input: $input) { id } }",
            json!({ "input": { "requestId": id, "action": "ACCEPT" } }),
        )
        .await?;
    Ok(())
}
