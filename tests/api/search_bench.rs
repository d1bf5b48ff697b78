//! The cost of `searchMessages` for a user in 200 chats holding 100,000
//! messages: p50 and p99 over HTTP, per kind of query. Not part of the
//! suite (it takes minutes); run it with
//!
//! ```sh
//! cargo test --release --test api search_bench -- --ignored --nocapture
//! SEARCH_BENCH_MESSAGES=10000 cargo test --test api search_bench -- --ignored --nocapture  # quick
//! ```
//!
//! Messages are stored through the storage layer (as `sendMessage` stores
//! them, terms included) rather than sent one request at a time, so that
//! seeding takes a minute, not an hour; the chats are made through the API.

use std::time::{Duration, Instant};

use chat_server::domain::{ChatId, Message, MessageId, MessageKind, UserId};
use futures_util::{StreamExt, TryStreamExt, stream};
use serde_json::json;

use crate::helpers::TestApp;

const CHATS: usize = 200;
const WORDS_PER_MESSAGE: usize = 8;
const VOCABULARY: usize = 5_000;

const SEARCH: &str = "query($q: String!) { searchMessages(query: $q, first: 20) { edges { cursor node { snippet highlights { start length } chat { id } message { id text } } } pageInfo { hasNextPage } } }";

/// A word of the made-up vocabulary: `w<rank>` spelled in letters, so that
/// low ranks (common words) and high ranks (rare ones) look like words.
fn word(rank: usize) -> String {
    let letters = b"abcdefghijklmnopqrstuvwxyz";
    let mut n = rank;
    let mut out = String::from("w");
    loop {
        out.push(letters[n % 26] as char);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    out
}

/// A cheap deterministic generator (no dependency for a bench).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// A rank drawn roughly like word frequencies (Zipf-like): rank r with
    /// weight about 1/r.
    fn zipf(&mut self) -> usize {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((VOCABULARY as f64).powf(u) as usize).clamp(1, VOCABULARY) - 1
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[at]
}

#[tokio::test]
#[ignore = "a benchmark: minutes of seeding; run with --ignored"]
async fn search_bench() {
    let total: usize = std::env::var("SEARCH_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let requests: usize = std::env::var("SEARCH_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let app = TestApp::spawn().await;
    let (me, other) = (app.sign_up("reader").await, app.sign_up("other").await);
    let me_id = UserId::parse("userId", &me.id).unwrap();
    let mut chats = Vec::with_capacity(CHATS);
    for i in 0..CHATS {
        let chat = app.group(&me, &[&other], &format!("chat {i}")).await;
        chats.push(ChatId::parse("chatId", &chat).unwrap());
    }
    let began = Instant::now();
    let store = app.db.messages();
    let mut rng = Lcg(7);
    let messages: Vec<Message> = (0..total)
        .map(|i| {
            let text: Vec<String> = (0..WORDS_PER_MESSAGE).map(|_| word(rng.zipf())).collect();
            Message {
                id: MessageId::new(),
                chat: chats[i % CHATS],
                // Past the chats' own numbers (their system messages).
                seq: 1_000 + (i / CHATS) as i64,
                sender: me_id,
                kind: MessageKind::Text,
                text: Some(text.join(" ")),
                media: Vec::new(),
                reply_to: None,
                thread_root: None,
                mentions: Vec::new(),
                mentions_all: false,
                reactions: Vec::new(),
                deleted_for: Vec::new(),
                is_deleted: false,
                edited_at: None,
                created_at: chrono::Utc::now(),
                client_message_id: None,
                system: None,
            }
        })
        .collect();
    stream::iter(messages.iter())
        .map(|m| store.insert(m))
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    eprintln!(
        "seeded {total} messages in {CHATS} chats in {:.0?}",
        began.elapsed()
    );
    let queries = [
        ("one common word", word(0)),
        ("one rare word", word(VOCABULARY - 10)),
        (
            "two words, the last a prefix",
            format!("{} {}", word(1), &word(2)[..2]),
        ),
        ("a 2-letter prefix", "wb".to_owned()),
    ];
    println!("| query | p50 | p99 | hits on the first page |");
    println!("|---|---|---|---|");
    for (label, q) in queries {
        let mut times = Vec::with_capacity(requests);
        let mut hits = 0;
        for _ in 0..requests {
            let at = Instant::now();
            let data = app.gql_ok(Some(&me.token), SEARCH, json!({ "q": q })).await;
            times.push(at.elapsed());
            hits = data["searchMessages"]["edges"].as_array().unwrap().len();
        }
        times.sort();
        println!(
            "| {label} (`{q}`) | {:.1?} | {:.1?} | {hits} |",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }
}
