//! Limits on what one caller may use, shared by every transport:
//!
//! - [`rate`]: call rates per bucket (sign-in, messages, …) and per caller,
//!   answered with `RATE_LIMITED` and `retryAfterMs`;
//! - [`sockets`]: open WebSockets per user and not-yet-initialised ones per
//!   client address.
//!
//! Limits on the shape of one GraphQL document (depth, aliases, …) belong to
//! the schema and live in [`crate::graphql::query_limits`].

pub mod rate;
pub mod sockets;

use std::net::IpAddr;

pub use rate::{Bucket, RateKey, RateLimits};
pub use sockets::{LocalSlots, Slot};

/// The address a request came from, put in every operation's data by both
/// transports. `None` when the server runs without connection info (then all
/// anonymous callers share one allowance).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ClientIp(pub Option<IpAddr>);
