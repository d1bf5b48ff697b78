//! The social graph: friend requests and notifications.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ChatId, FriendRequestId, NotificationId, UserId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FriendRequestStatus {
    Pending,
    Accepted,
    Declined,
    Cancelled,
}

/// The latest friend request between two people (one record per pair).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FriendRequest {
    pub id: FriendRequestId,
    pub from: UserId,
    pub to: UserId,
    pub status: FriendRequestStatus,
    pub created_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationKind {
    /// `actor` sent the user a friend request.
    FriendRequestReceived,
    /// `actor` accepted the user's friend request.
    FriendRequestAccepted,
    /// `actor` added the user to `chat` (or created it with them in it).
    AddedToChat,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Notification {
    pub id: NotificationId,
    pub user: UserId,
    pub kind: NotificationKind,
    pub actor: UserId,
    pub chat: Option<ChatId>,
    pub friend_request: Option<FriendRequestId>,
    pub read: bool,
    pub created_at: DateTime<Utc>,
}

/// The key of an unordered pair of users: the same whoever comes first.
pub fn pair_key(a: UserId, b: UserId) -> String {
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    format!("{low}:{high}")
}
