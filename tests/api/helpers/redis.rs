//! Redis for the tests: the shared server named by `REDIS_URL`, or a private
//! `redis-server` process for tests that stop it or list every channel.

use std::process::{Child, Command, Stdio};

use super::eventually;

/// A `redis-server` owned by one test, on a free port; killed when dropped.
pub struct RedisServer {
    pub port: u16,
    process: Option<Child>,
}

impl RedisServer {
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut server = Self {
            port,
            process: None,
        };
        server.restart().await;
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server (its clients see their connections drop).
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }

    /// Starts the server again on the same port and waits until it answers.
    pub async fn restart(&mut self) {
        self.stop();
        let process = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(std::env::temp_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (apt-get install redis-server)");
        self.process = Some(process);
        let url = self.url();
        eventually("redis-server answers", || ping(url.clone())).await;
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The shared Redis from `REDIS_URL`, or a private one when it is unset.
pub struct TestRedis {
    pub url: String,
    _private: Option<RedisServer>,
}

impl TestRedis {
    pub async fn shared() -> Self {
        match std::env::var("REDIS_URL") {
            Ok(url) if !url.is_empty() => Self {
                url,
                _private: None,
            },
            _ => Self::private().await,
        }
    }

    /// A `redis-server` of the test's own, for tests that need one Redis
    /// to themselves (but never stop it).
    pub async fn private() -> Self {
        let server = RedisServer::start().await;
        Self {
            url: server.url(),
            _private: Some(server),
        }
    }
}

async fn connection(url: &str) -> redis::RedisResult<redis::aio::MultiplexedConnection> {
    redis::Client::open(url)?
        .get_multiplexed_async_connection()
        .await
}

async fn ping(url: String) -> bool {
    match connection(&url).await {
        Ok(mut c) => redis::cmd("PING")
            .query_async::<String>(&mut c)
            .await
            .is_ok(),
        Err(_) => false,
    }
}

/// How many clients are subscribed to `channel` (PUBSUB NUMSUB): one per
/// instance that follows the topic.
pub async fn numsub(url: &str, channel: &str) -> i64 {
    let mut c = connection(url).await.expect("redis answers");
    let (_, count): (String, i64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(channel)
        .query_async(&mut c)
        .await
        .expect("PUBSUB NUMSUB");
    count
}

/// The channels with at least one subscriber (PUBSUB CHANNELS), sorted.
pub async fn channels(url: &str) -> Vec<String> {
    let mut c = connection(url).await.expect("redis answers");
    let mut channels: Vec<String> = redis::cmd("PUBSUB")
        .arg("CHANNELS")
        .query_async(&mut c)
        .await
        .expect("PUBSUB CHANNELS");
    channels.sort();
    channels
}

/// Pattern subscriptions (PUBSUB NUMPAT): none, or someone reads a firehose.
pub async fn numpat(url: &str) -> i64 {
    let mut c = connection(url).await.expect("redis answers");
    redis::cmd("PUBSUB")
        .arg("NUMPAT")
        .query_async(&mut c)
        .await
        .expect("PUBSUB NUMPAT")
}

/// Waits until `channel` has `count` subscribing instances.
pub async fn await_numsub(url: &str, channel: &str, count: i64) {
    eventually(
        &format!("{channel} has {count} subscriber(s)"),
        || async move { numsub(url, channel).await == count },
    )
    .await;
}

/// Whether `key` exists (for state that emits no event, such as a pending
/// offline transition).
pub async fn key_exists(url: &str, key: &str) -> bool {
    let mut c = connection(url).await.expect("redis answers");
    redis::cmd("EXISTS")
        .arg(key)
        .query_async::<i64>(&mut c)
        .await
        .expect("EXISTS")
        == 1
}

/// How many fields the hash at `key` has.
pub async fn hash_len(url: &str, key: &str) -> i64 {
    let mut c = connection(url).await.expect("redis answers");
    redis::cmd("HLEN")
        .arg(key)
        .query_async(&mut c)
        .await
        .expect("HLEN")
}
