//! The social graph: friend requests and notifications.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ChatId, FriendRequestId, MessageId, NotificationId, UserId};

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
    /// `actor` invited the user to `chat` (the user's group-add policy did
    /// not let `actor` add them).
    GroupInvite,
    /// `actor` reported a message of `chat`, which the user administers
    /// (see `reports`).
    MessageReported,
    /// `actor` mentioned the user in `message` of `chat`.
    Mentioned,
    /// `actor` replied (`message`) in a thread of `chat` the user follows.
    ThreadReply,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Notification {
    pub id: NotificationId,
    pub user: UserId,
    pub kind: NotificationKind,
    pub actor: UserId,
    pub chat: Option<ChatId>,
    pub friend_request: Option<FriendRequestId>,
    /// The message concerned (MENTIONED).
    #[serde(default)]
    pub message: Option<MessageId>,
    pub read: bool,
    pub created_at: DateTime<Utc>,
    /// Its number in the user's account log, once recorded there.
    #[serde(default)]
    pub seq: Option<i64>,
}

/// The key of an unordered pair of users: the same whoever comes first.
pub fn pair_key(a: UserId, b: UserId) -> String {
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    format!("{low}:{high}")
}

/// The other user of a [`pair_key`] that names `me`.
pub fn pair_partner(key: &str, me: UserId) -> Option<UserId> {
    let (low, high) = key.split_once(':')?;
    let [low, high] = [low, high].map(|id| bson::oid::ObjectId::parse_str(id).ok().map(UserId));
    let (low, high) = (low?, high?);
    match me {
        _ if me == low => Some(high),
        _ if me == high => Some(low),
        _ => None,
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn pair_partner__names_the_other_of_the_pair_only() {
        let [a, b, c] = [(); 3].map(|_| UserId(bson::oid::ObjectId::new()));
        let key = pair_key(b, a);
        assert_eq!(pair_partner(&key, a), Some(b));
        assert_eq!(pair_partner(&key, b), Some(a));
        assert_eq!(pair_partner(&key, c), None);
        assert_eq!(pair_partner("group:1", a), None);
    }
}
