//! The cluster's one way into Redis: the client every Redis user of this
//! instance opens connections from (the event bus included), this
//! instance's id, and one lazily opened command connection that runs the
//! coordination scripts.
//!
//! The command connection is reopened by the next call after a failure
//! rather than on a timer: every attempt is caused by a real call, and a
//! call that cannot reach Redis falls back to this instance at once (see
//! the implementations). The bus's own connections pace their reconnects
//! with [`super::Backoff`].

use std::time::Duration;

use redis::Script;
use redis::aio::MultiplexedConnection;

/// How long connecting and each command may take.
const TIMEOUT: Duration = Duration::from_secs(2);

/// Names one running instance in Redis: random per process start (a
/// restarted instance is a new one, so its predecessor's counts get swept).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InstanceId(u64);

impl InstanceId {
    pub fn random() -> Self {
        Self(rand::random())
    }

    /// As the event bus's envelopes carry it.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl std::fmt::Display for InstanceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// One Redis client and command connection per instance (see the module
/// docs).
pub struct RedisLink {
    client: redis::Client,
    instance: InstanceId,
    connection: tokio::sync::Mutex<Option<MultiplexedConnection>>,
}

impl RedisLink {
    /// Fails only on a malformed URL; Redis need not be reachable yet.
    pub fn open(url: &str) -> redis::RedisResult<Self> {
        Ok(Self {
            client: redis::Client::open(url)?,
            instance: InstanceId::random(),
            connection: tokio::sync::Mutex::new(None),
        })
    }

    /// For connections of their own (the bus's pub/sub and publisher).
    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    pub fn instance(&self) -> InstanceId {
        self.instance
    }

    async fn connection(&self) -> redis::RedisResult<MultiplexedConnection> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        let connection =
            tokio::time::timeout(TIMEOUT, self.client.get_multiplexed_async_connection())
                .await
                .map_err(|_| timed_out())??;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    /// Runs `script` (by its hash; Redis is sent the source only when it
    /// does not know it yet) and drops the connection on failure, so the
    /// next call reconnects.
    pub async fn run<T: redis::FromRedisValue>(
        &self,
        script: &Script,
        keys: &[String],
        args: &[String],
    ) -> redis::RedisResult<T> {
        let mut connection = self.connection().await?;
        let mut invocation = script.prepare_invoke();
        invocation.key(keys).arg(args);
        let result = tokio::time::timeout(TIMEOUT, invocation.invoke_async::<T>(&mut connection))
            .await
            .map_err(|_| timed_out())
            .and_then(|r| r);
        if let Err(error) = &result
            && (error.is_io_error() || error.is_timeout() || error.is_connection_dropped())
        {
            *self.connection.lock().await = None;
        }
        result
    }
}

fn timed_out() -> redis::RedisError {
    redis::RedisError::from(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "redis did not answer in time",
    ))
}

/// A script from `lua/`, built once (its hash is computed on first use).
macro_rules! lua {
    ($file:literal) => {
        std::sync::LazyLock::new(|| {
            redis::Script::new(include_str!(concat!("lua/", $file, ".lua")))
        })
    };
    (helpers + $file:literal) => {
        std::sync::LazyLock::new(|| {
            redis::Script::new(concat!(
                include_str!("lua/helpers.lua"),
                include_str!(concat!("lua/", $file, ".lua"))
            ))
        })
    };
}
pub(crate) use lua;
