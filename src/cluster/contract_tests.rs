//! One contract for each coordinated thing, run against the local and the
//! Redis implementation alike: whatever a single instance promises, the
//! cluster promises too.
//!
//! The Redis half uses the server named by `REDIS_URL` and fails when it is
//! unset (CI always has one). Each test uses fresh user ids, so tests share
//! the server without seeing each other's keys.

#![allow(non_snake_case)]

use std::time::Duration;

use super::*;

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
