//! One contract for each coordinated thing, run against the local and the
//! Redis implementation alike: whatever a single instance promises, the
//! cluster promises too.
//!
//! The Redis half uses the server named by `REDIS_URL` and fails when it is
//! unset (CI always has one). Each test uses fresh user ids, so tests share
//! the server without seeing each other's keys.

#![allow(non_snake_case)]

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::timeout;

use super::typing::{LoadUser, Report, TypingChange};
use super::*;
use crate::domain::{ChatId, User};

fn redis_url() -> String {
    std::env::var("REDIS_URL")
        .expect("REDIS_URL names the Redis the cluster contract tests run against")
}

fn timings() -> Timings {
    Timings {
        heartbeat: Duration::from_millis(200),
        instance_timeout: Duration::from_secs(5),
        grace: Duration::from_millis(300),
    }
}

fn redis_cluster(max_sockets: usize) -> Cluster {
    Cluster::redis(&redis_url(), timings(), max_sockets).expect("a usable REDIS_URL")
}

/// Tickets: only the latest confirms, once; a return cancels one.
async fn presence_contract(presence: Arc<dyn PresenceCounts>) {
    let ada = UserId::new();
    assert!(!presence.is_online(ada).await);
    assert_eq!(presence.open(ada).await, Transition::CameOnline);
    assert!(presence.is_online(ada).await);
    assert_eq!(presence.open(ada).await, Transition::Unchanged);
    assert_eq!(presence.close(ada).await, None, "one socket is left");
    let first = presence.close(ada).await.expect("the last socket closed");
    assert!(presence.is_online(ada).await, "within the grace period");
    assert_eq!(presence.open(ada).await, Transition::Unchanged, "a return");
    assert!(
        !presence.confirm_offline(ada, first).await,
        "the return cancelled it"
    );
    let second = presence.close(ada).await.expect("the last socket closed");
    assert!(
        !presence.confirm_offline(ada, first).await,
        "an older ticket"
    );
    assert!(presence.confirm_offline(ada, second).await);
    assert!(
        !presence.confirm_offline(ada, second).await,
        "confirmed once"
    );
    assert!(!presence.is_online(ada).await);
    assert_eq!(presence.open(ada).await, Transition::CameOnline);
}

/// Users are counted apart.
async fn presence_users_apart(presence: Arc<dyn PresenceCounts>) {
    let (ada, bob) = (UserId::new(), UserId::new());
    assert_eq!(presence.open(ada).await, Transition::CameOnline);
    assert_eq!(presence.open(bob).await, Transition::CameOnline);
    let ticket = presence.close(ada).await.expect("ada's last socket");
    assert!(presence.confirm_offline(ada, ticket).await);
    assert!(presence.is_online(bob).await, "bob still has his socket");
    assert!(presence.close(bob).await.is_some());
}

/// The cap holds, users are counted apart, and a dropped slot is free
/// again for the very next claim.
async fn sockets_contract(sockets: Arc<dyn UserSockets>) {
    let (ada, bob) = (UserId::new(), UserId::new());
    let first = sockets.try_open(ada).await.unwrap().expect("a first slot");
    let _second = sockets.try_open(ada).await.unwrap().expect("a second slot");
    assert!(sockets.try_open(ada).await.unwrap().is_none(), "the cap");
    let _bob = sockets
        .try_open(bob)
        .await
        .unwrap()
        .expect("bob's own slots");
    drop(first);
    let _again = sockets
        .try_open(ada)
        .await
        .unwrap()
        .expect("the released slot");
    assert!(sockets.try_open(ada).await.unwrap().is_none(), "the cap");
}

#[tokio::test]
async fn local__presence_contract() {
    presence_contract(Cluster::local(2).presence()).await;
    presence_users_apart(Cluster::local(2).presence()).await;
}

#[tokio::test]
async fn redis__presence_contract() {
    presence_contract(redis_cluster(2).presence()).await;
    presence_users_apart(redis_cluster(2).presence()).await;
}

#[tokio::test]
async fn local__sockets_contract() {
    sockets_contract(Cluster::local(2).user_sockets()).await;
}

#[tokio::test]
async fn redis__sockets_contract() {
    sockets_contract(redis_cluster(2).user_sockets()).await;
}

#[tokio::test]
async fn redis__two_instances_share_the_counts() {
    let (a, b) = (redis_cluster(2), redis_cluster(2));
    assert_ne!(a.instance(), b.instance());
    let ada = UserId::new();
    assert_eq!(a.presence().open(ada).await, Transition::CameOnline);
    assert_eq!(b.presence().open(ada).await, Transition::Unchanged);
    assert_eq!(a.presence().close(ada).await, None, "b still counts one");
    let ticket = b.presence().close(ada).await.expect("the last socket");
    assert!(a.presence().confirm_offline(ada, ticket).await);
    let _a1 = a
        .user_sockets()
        .try_open(ada)
        .await
        .unwrap()
        .expect("a slot");
    let _b1 = b
        .user_sockets()
        .try_open(ada)
        .await
        .unwrap()
        .expect("a slot");
    assert!(
        a.user_sockets().try_open(ada).await.unwrap().is_none(),
        "the cap holds across instances"
    );
}

/// Typing runs out this long after the latest start in these tests: long
/// enough that a renewal halfway lands well inside it on a busy machine.
const TYPING_TIMEOUT: Duration = Duration::from_millis(1_000);

/// A change as the tests compare it.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Started(ChatId, UserId),
    Stopped(ChatId, UserId),
    AllStopped(UserId),
}

/// What a decider reported, awaited with timeouts.
struct Reports(mpsc::UnboundedReceiver<TypingChange>);

impl Reports {
    /// The next change, hand-overs included.
    async fn next_any(&mut self) -> TypingChange {
        timeout(Duration::from_secs(5), self.0.recv())
            .await
            .expect("a typing change in time")
            .expect("the decider is alive")
    }

    /// The next real change (a hand-over is not news).
    async fn next(&mut self) -> Seen {
        loop {
            match self.next_any().await {
                TypingChange::Started(chat, user) => return Seen::Started(chat, user.id),
                TypingChange::Stopped(chat, user) => return Seen::Stopped(chat, user.id),
                TypingChange::AllStopped(user) => return Seen::AllStopped(user),
                TypingChange::HandedOver(..) => {}
            }
        }
    }

    /// No real change for `within`.
    async fn quiet(&mut self, within: Duration) {
        if let Ok(seen) = timeout(within, self.next()).await {
            panic!("expected no typing change, got {seen:?}");
        }
    }

    /// Awaits the stops of `user` in each of `chats` (in any order, or all
    /// at once).
    async fn stopped_in(&mut self, user: UserId, chats: &[ChatId]) {
        let mut left = chats.to_vec();
        while !left.is_empty() {
            match self.next().await {
                Seen::AllStopped(u) if u == user => return,
                Seen::Stopped(chat, u) if u == user && left.contains(&chat) => {
                    left.retain(|c| *c != chat);
                }
                other => panic!("expected {user}'s stops, got {other:?}"),
            }
        }
    }
}

fn user(handle: &str) -> User {
    User {
        id: UserId::new(),
        email: format!("{handle}@example.com"),
        handle: handle.into(),
        name: handle.into(),
        image: None,
        bio: None,
        last_seen: None,
        created_at: chrono::Utc::now(),
        deleted: false,
    }
}

/// A report into a channel, and a loader that knows `users`.
fn reporting(users: &[&User]) -> (Report, LoadUser, Reports) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let report: Report = Arc::new(move |change| {
        let _ = sender.send(change);
    });
    let users: Vec<User> = users.iter().map(|u| (*u).clone()).collect();
    let load: LoadUser = Arc::new(move |id| {
        let found = users.iter().find(|u| u.id == id).cloned();
        Box::pin(std::future::ready(found))
    });
    (report, load, Reports(receiver))
}

/// Starts are news once, renewals and stray stops never; a stop, the
/// timeout, and the last socket closing end typing once; a renewal pushes
/// the timeout back.
async fn typing_contract(cluster: Cluster) {
    let (ada, bob) = (user("ada"), user("bob"));
    let (one, two) = (ChatId::new(), ChatId::new());
    let (report, load, mut reports) = reporting(&[&ada, &bob]);
    let typing = cluster.typing(TYPING_TIMEOUT, report, load);

    typing.start(one, &ada);
    assert_eq!(reports.next().await, Seen::Started(one, ada.id));
    typing.start(one, &ada);
    typing.stop(two, ada.id);
    typing.start(one, &bob);
    assert_eq!(
        reports.next().await,
        Seen::Started(one, bob.id),
        "neither the renewal nor the stray stop is news"
    );
    typing.stop(one, ada.id);
    assert_eq!(reports.next().await, Seen::Stopped(one, ada.id));
    typing.stop(one, ada.id);
    assert_eq!(
        reports.next().await,
        Seen::Stopped(one, bob.id),
        "bob's timeout, and no second stop of ada"
    );

    // A renewal halfway: the first deadline passes quietly.
    typing.start(two, &ada);
    assert_eq!(reports.next().await, Seen::Started(two, ada.id));
    reports.quiet(TYPING_TIMEOUT / 2).await;
    typing.start(two, &ada);
    reports.quiet(TYPING_TIMEOUT * 3 / 4).await;
    assert_eq!(reports.next().await, Seen::Stopped(two, ada.id));

    // The last socket closing ends all of ada's typing, not bob's.
    typing.start(one, &ada);
    typing.start(two, &ada);
    typing.start(two, &bob);
    assert_eq!(reports.next().await, Seen::Started(one, ada.id));
    assert_eq!(reports.next().await, Seen::Started(two, ada.id));
    assert_eq!(reports.next().await, Seen::Started(two, bob.id));
    typing.stop_everywhere(ada.id);
    reports.stopped_in(ada.id, &[one, two]).await;
    typing.start(two, &bob);
    typing.start(one, &ada);
    assert_eq!(
        reports.next().await,
        Seen::Started(one, ada.id),
        "bob types on; ada starts afresh"
    );
    typing.stop(two, bob.id);
    assert_eq!(reports.next().await, Seen::Stopped(two, bob.id));
}

#[tokio::test]
async fn local__typing_contract() {
    typing_contract(Cluster::local(2)).await;
}

#[tokio::test]
async fn redis__typing_contract() {
    typing_contract(redis_cluster(2)).await;
}

/// While Redis cannot answer, each instance decides alone, by the same
/// contract.
#[tokio::test]
async fn redis_down__typing_contract() {
    // Nothing listens on port 1: each call fails at once.
    typing_contract(Cluster::redis("redis://127.0.0.1:1", timings(), 2).unwrap()).await;
}

#[tokio::test]
async fn redis__two_instances_decide_typing_together() {
    let (a, b) = (redis_cluster(2), redis_cluster(2));
    let ada = user("ada");
    let chat = ChatId::new();
    let (report, load, mut on_a) = reporting(&[&ada]);
    let typing_a = a.typing(TYPING_TIMEOUT, report, load);
    let (report, load, mut on_b) = reporting(&[&ada]);
    let typing_b = b.typing(TYPING_TIMEOUT, report, load);

    typing_a.start(chat, &ada);
    assert_eq!(on_a.next().await, Seen::Started(chat, ada.id));
    typing_b.start(chat, &ada);
    // A's timer runs out first and finds B's token: not A's to tell.
    assert!(matches!(
        on_a.next_any().await,
        TypingChange::HandedOver(c, u) if c == chat && u == ada.id
    ));
    assert_eq!(
        on_b.next().await,
        Seen::Stopped(chat, ada.id),
        "B's renewal was no news; its timeout is"
    );

    // Started on A, ended on B by the last socket closing there.
    typing_a.start(chat, &ada);
    assert_eq!(on_a.next().await, Seen::Started(chat, ada.id));
    typing_b.stop_everywhere(ada.id);
    assert_eq!(on_b.next().await, Seen::Stopped(chat, ada.id));
    on_a.quiet(TYPING_TIMEOUT * 3 / 2).await;
}
