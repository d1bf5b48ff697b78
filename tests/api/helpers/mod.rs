//! The test harness: [`TestApp`] boots the application, [`WsClient`] speaks
//! graphql-ws, [`TcpProxy`] stands between the app and a server (MongoDB,
//! Redis) so a test can cut it off or stall it, [`RedisServer`] is a private
//! Redis a test may restart, [`TestBucket`] an S3-compatible bucket,
//! [`refused_tokens`] lists the tokens both
//! transports must refuse.

mod app;
pub mod provider;
mod proxy;
mod redis;
mod s3;
mod tokens;
mod ws;

pub use app::*;
pub use proxy::{TcpProxy, mongodb_address};
pub use redis::{RedisServer, TestRedis, await_numsub, channels, hash_len, key_exists, numpat};
pub use s3::TestBucket;
pub use tokens::refused_tokens;
pub use ws::WsClient;

use std::future::Future;
use std::time::Duration;

/// How long a test waits for something that should happen. Generous, since
/// a 2-core CI machine may be busy; success never waits for it.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

/// How often [`eventually`] looks again.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// Polls `condition` until it holds; panics naming `what` after
/// [`EVENT_TIMEOUT`]. For state that emits no event to await (a Redis
/// subscription taking effect, a listener closing).
pub async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
    while !condition().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
