//! The test harness: [`TestApp`] boots the application, [`WsClient`] speaks
//! graphql-ws, [`TcpProxy`] stands between the app and MongoDB so a test can
//! cut the database off, [`refused_tokens`] lists the tokens both transports
//! must refuse.

mod app;
mod proxy;
mod tokens;
mod ws;

pub use app::*;
pub use proxy::{TcpProxy, mongodb_address};
pub use tokens::refused_tokens;
pub use ws::WsClient;

use std::time::Duration;

/// How long a test waits for something that should happen. Generous, since
/// a 2-core CI machine may be busy; success never waits for it.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(10);
