//! The accounts and chats the scenarios use, made through the public API.
//!
//! Chats are nested: the chat of N members holds users `0..N`, so one set
//! of accounts serves every size, and user 0 (in every chat) is the sender.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::Context as _;
use futures_util::{StreamExt, TryStreamExt, stream};

use crate::api::{Account, Api};
use crate::plan::{HISTORY_MEMBERS, Plan, Scenario};

/// Requests in flight while setting up.
const SETUP_CONCURRENCY: usize = 16;
/// Members added per `addChatMembers` call (a request of ~15 KB).
const MEMBERS_PER_CALL: usize = 500;

pub struct Fixture {
    pub users: Vec<Account>,
    /// Group chats by member count.
    pub chats: BTreeMap<usize, String>,
    /// Each mutation client's own chat (with user 0), by client.
    pub mutation_chats: Vec<String>,
    pub history_chat: String,
}

impl Fixture {
    pub fn sender(&self) -> &Account {
        &self.users[0]
    }

    pub fn chat(&self, members: usize) -> &str {
        &self.chats[&members]
    }
}

pub async fn prepare(api: &Api, plan: &Plan) -> anyhow::Result<Fixture> {
    let started = Instant::now();
    let count = plan.users_needed();
    // Handles are unique per run, so a server at --url can be reused.
    let run = format!(
        "l{:x}",
        crate::stats::now_ns() ^ u64::from(std::process::id())
    );
    let run = &run[..run.len().min(12)];
    let users: Vec<Account> = stream::iter(0..count)
        .map(|i| async move {
            api.sign_up(&format!("{run}_{i}"))
                .await
                .with_context(|| format!("signing up user {i}"))
        })
        .buffered(SETUP_CONCURRENCY)
        .try_collect()
        .await?;
    eprintln!(
        "loadgen: signed up {count} users in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let mut sizes: Vec<usize> = Vec::new();
    if plan.runs(Scenario::Latency) {
        sizes.extend(&plan.latency_subscribers);
    }
    if plan.runs(Scenario::Fanout) {
        sizes.push(plan.fanout_subscribers);
    }
    if plan.runs(Scenario::Storm) {
        sizes.push(plan.storm_sockets);
    }
    if plan.runs(Scenario::Idle) {
        sizes.push(plan.idle_chat_members());
    }
    sizes.sort_unstable();
    sizes.dedup();
    let mut chats = BTreeMap::new();
    for size in sizes {
        let started = Instant::now();
        let chat = group(api, &users[..size.max(2)], &format!("chat of {size}")).await?;
        eprintln!(
            "loadgen: made a chat of {size} members in {:.1}s",
            started.elapsed().as_secs_f64()
        );
        chats.insert(size, chat);
    }
    let mut mutation_chats = Vec::new();
    if plan.runs(Scenario::Mutations) {
        for client in 0..plan.mutation_clients {
            let members = [users[client + 1].clone(), users[0].clone()];
            mutation_chats.push(group(api, &members, &format!("mutations {client}")).await?);
        }
    }
    let history_chat = group(api, &users[..HISTORY_MEMBERS], "history").await?;
    Ok(Fixture {
        users,
        chats,
        mutation_chats,
        history_chat,
    })
}

/// A group of `members` created by the first, in calls of bounded size.
async fn group(api: &Api, members: &[Account], name: &str) -> anyhow::Result<String> {
    let ids: Vec<String> = members[1..].iter().map(|m| m.id.clone()).collect();
    let mut batches = ids.chunks(MEMBERS_PER_CALL);
    let first = batches.next().unwrap_or_default();
    let chat = api
        .create_group(&members[0], name, first)
        .await
        .with_context(|| format!("creating the group {name}"))?;
    for batch in batches {
        api.add_members(&members[0], &chat, batch)
            .await
            .with_context(|| format!("adding members to {name}"))?;
    }
    Ok(chat)
}
