//! Group privacy and moderation: who may add a user to groups, the roles
//! and per-group permissions, mutes, bans and group invites.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ChatId, InviteLinkId, MessageId, ReportId, UserId};

/// Who may add a user to a group directly. Anyone else can only invite
/// them (a [`GroupInvite`] they accept or decline).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GroupAddPolicy {
    Everyone,
    /// The default: strangers cannot put a new account into groups (the
    /// spam pattern of mass adds), while friends still can.
    #[default]
    Friends,
    Nobody,
}

/// Who in a group may do something a group can open up or close down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PermissionLevel {
    /// Every member (admins included).
    Members,
    /// Admins and the owner only.
    Admins,
}

/// A group's settings of who may do what (see
/// `services::chats::permissions` for where they are enforced).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatPermissions {
    /// Sending messages (ADMINS: an announcement channel).
    pub send: PermissionLevel,
    /// Changing name, description, image, privacy, permissions, slow mode.
    pub edit_info: PermissionLevel,
    /// Adding (or inviting) members.
    pub add_members: PermissionLevel,
    /// Pinning and unpinning messages (groups stored before pins existed
    /// read as ADMINS).
    #[serde(default = "admins_only")]
    pub pin: PermissionLevel,
    /// Mentioning everyone (`mentionsAll`); groups from before it existed
    /// leave it to admins.
    #[serde(default = "admins_only")]
    pub mention_all: PermissionLevel,
}

fn admins_only() -> PermissionLevel {
    PermissionLevel::Admins
}

impl Default for ChatPermissions {
    /// What groups allowed before permissions could be set.
    fn default() -> Self {
        Self {
            send: PermissionLevel::Members,
            edit_info: PermissionLevel::Admins,
            add_members: PermissionLevel::Admins,
            pin: PermissionLevel::Admins,
            mention_all: PermissionLevel::Admins,
        }
    }
}

/// A member's standing in a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Member,
    Admin,
    Owner,
}

/// A member who may read but not send, react or type, until `until`
/// (`None`: until unmuted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mute {
    pub user: UserId,
    pub until: Option<DateTime<Utc>>,
}

impl Mute {
    pub fn in_force(&self, now: DateTime<Utc>) -> bool {
        self.until.is_none_or(|until| until > now)
    }
}

/// Someone kept out of a group until `until` (`None`: until unbanned).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ban {
    pub chat: ChatId,
    pub user: UserId,
    pub by: UserId,
    pub until: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Ban {
    pub fn in_force(&self, now: DateTime<Utc>) -> bool {
        self.until.is_none_or(|until| until > now)
    }
}

/// An invitation to a group for someone who may not be added directly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupInvite {
    pub chat: ChatId,
    pub user: UserId,
    pub by: UserId,
    pub created_at: DateTime<Utc>,
}

/// A link that lets whoever holds its code join a group (private ones
/// too). The code itself is shown once, when the link is made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InviteLink {
    pub id: InviteLinkId,
    pub chat: ChatId,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// `None`: any number of uses.
    pub max_uses: Option<u32>,
    pub uses: u32,
    pub revoked: bool,
}

/// The most uses an invite link may be given.
pub const INVITE_LINK_MAX_USES: u32 = 100_000;

/// The most characters of a ban reason.
pub const BAN_REASON_MAX: usize = 500;
/// The longest slow-mode period (a day).
pub const SLOW_MODE_MAX_SECONDS: u32 = 86_400;

/// Why a member reports a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReportReason {
    Spam,
    Harassment,
    Inappropriate,
    Other,
}

/// What an admin did about a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReportResolution {
    /// The message was deleted for everyone.
    MessageDeleted,
    /// Its sender was banned from the group.
    SenderBanned,
    /// Nothing to do.
    Dismissed,
}

/// A member's report of a message, for the group's admins (and the
/// operator's webhook).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub id: ReportId,
    pub chat: ChatId,
    pub message: MessageId,
    /// The reported message's sender.
    pub sender: UserId,
    pub reporter: UserId,
    pub reason: ReportReason,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    /// `None` while open.
    pub resolution: Option<ReportResolution>,
    pub resolved_by: Option<UserId>,
}

/// The most characters of a report's note.
pub const REPORT_NOTE_MAX: usize = 1_000;
