//! Typed ids over MongoDB `ObjectId`s, so a chat id cannot be passed where a
//! user id is expected. Parsing a client string is the only way in from
//! outside, and it fails with `BAD_USER_INPUT` before any query runs.

use bson::oid::ObjectId;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

macro_rules! object_id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub ObjectId);

        impl $name {
            /// A fresh id (time-ordered, unique without a round trip).
            pub fn new() -> Self {
                Self(ObjectId::new())
            }

            /// Parses a client-supplied id; `field` names the input for the error.
            pub fn parse(field: &'static str, raw: &str) -> AppResult<Self> {
                ObjectId::parse_str(raw)
                    .map(Self)
                    .map_err(|_| AppError::bad_input(field, "is not a valid id"))
            }

            pub fn oid(&self) -> ObjectId {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<$name> for bson::Bson {
            fn from(id: $name) -> bson::Bson {
                bson::Bson::ObjectId(id.0)
            }
        }
    };
}

object_id_type!(
    /// A user account.
    UserId
);
object_id_type!(
    /// A direct or group chat.
    ChatId
);
object_id_type!(
    /// A message in a chat.
    MessageId
);
object_id_type!(
    /// A friend request.
    FriendRequestId
);
object_id_type!(
    /// A notification.
    NotificationId
);
object_id_type!(
    /// A signed-in device (see `crate::services::sessions`).
    SessionId
);
object_id_type!(
    /// A report of a message to its group's admins.
    ReportId
);
object_id_type!(
    /// An invite link of a group (see `crate::services::chats::invite_links`).
    InviteLinkId
);
object_id_type!(
    /// An uploaded file (see `crate::services::uploads`).
    UploadId
);
