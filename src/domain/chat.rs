//! Chats and messages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ChatId, ChatPermissions, MessageId, Mute, Role, UserId, text};
use crate::error::AppResult;

pub const CHAT_NAME_MAX: usize = 100;
pub const CHAT_DESCRIPTION_MAX: usize = 1_000;
pub const MESSAGE_TEXT_MAX: usize = 4_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChatPrivacy {
    /// Joinable by invitation only; invisible to non-members.
    Private,
    /// Findable with `searchChats` and joinable by anyone (groups only).
    Public,
}

/// A direct chat (two people) or a group.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Chat {
    pub id: ChatId,
    pub is_group: bool,
    pub name: Option<String>,
    pub description: Option<String>,
    pub image: Option<String>,
    pub privacy: ChatPrivacy,
    /// Members in the order they joined (the first is the longest-standing).
    pub participants: Vec<UserId>,
    /// Admins in the order they were promoted.
    pub admins: Vec<UserId>,
    /// The creator (owner); passes on when they leave.
    pub created_by: UserId,
    /// When the chat last had a message (in a large group, to within
    /// [`ACTIVITY_RESOLUTION`]): the order of a user's chat list.
    pub last_activity: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// Who may send, edit the group, add members (groups).
    #[serde(default)]
    pub permissions: ChatPermissions,
    /// A member who is not an admin may send once per this many seconds
    /// (0: slow mode off).
    #[serde(default)]
    pub slow_mode_seconds: u32,
    /// Members who may read but not send, react or type.
    #[serde(default)]
    pub mutes: Vec<Mute>,
}

/// Groups larger than this have their `last_activity` moved at most once
/// per [`ACTIVITY_RESOLUTION`]: moving it rewrites the chat and its index
/// entry for every member, which a busy group of thousands cannot afford
/// per message. Smaller chats are always exact.
pub const ACTIVITY_EXACT_MEMBERS: usize = 64;
pub const ACTIVITY_RESOLUTION: std::time::Duration = std::time::Duration::from_secs(1);

/// What a member's action needs to know of their chat, read without its
/// member list (most of a large group's document).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Membership {
    pub id: ChatId,
    pub is_group: bool,
    /// The other person of a direct chat.
    pub partner: Option<UserId>,
    /// A direct chat whose other person deleted their account: readable,
    /// but nothing more can be sent.
    pub closed: bool,
    /// What the member may do (see `services::chats::permissions`).
    pub role: Role,
    pub permissions: ChatPermissions,
    pub slow_mode_seconds: u32,
    /// The member's mute, if any (perhaps expired).
    pub mute: Option<Mute>,
    /// When the member last sent under slow mode.
    pub last_slow_send: Option<DateTime<Utc>>,
}

/// The head of a chat's timeline: what changes with every event, kept apart
/// from the chat itself (see `storage::chat_heads`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChatHead {
    /// The last sequence number given to an event of the chat (0: none yet).
    pub seq: i64,
    pub last_message: Option<MessageId>,
    /// When `seq` was taken (unknown for heads last moved by a version
    /// that did not record it).
    pub seq_taken_at: Option<DateTime<Utc>>,
}

impl Chat {
    pub fn is_member(&self, user: UserId) -> bool {
        self.participants.contains(&user)
    }

    pub fn is_admin(&self, user: UserId) -> bool {
        self.admins.contains(&user)
    }

    /// `user`'s role, `None` for a non-member.
    pub fn role(&self, user: UserId) -> Option<Role> {
        match () {
            _ if !self.is_member(user) => None,
            _ if self.is_group && self.created_by == user => Some(Role::Owner),
            _ if self.is_admin(user) => Some(Role::Admin),
            _ => Some(Role::Member),
        }
    }

    /// `user`'s membership as a member's action would read it (see
    /// `ChatStore::membership`); a non-member reads as a member.
    pub fn membership_of(&self, user: UserId) -> Membership {
        Membership {
            id: self.id,
            is_group: self.is_group,
            partner: None,
            closed: false,
            role: self.role(user).unwrap_or(Role::Member),
            permissions: self.permissions,
            slow_mode_seconds: self.slow_mode_seconds,
            mute: self.mutes.iter().find(|m| m.user == user).copied(),
            last_slow_send: None,
        }
    }

    /// `user`'s mute, if one is in force at `now`.
    pub fn mute_of(&self, user: UserId, now: DateTime<Utc>) -> Option<Mute> {
        self.mutes
            .iter()
            .find(|m| m.user == user && m.in_force(now))
            .copied()
    }
}

/// A group name: 1–100 characters on one line.
pub fn parse_chat_name(raw: &str) -> AppResult<String> {
    text::single_line("name", raw, 1, CHAT_NAME_MAX)
}

/// What one step of a chat's timeline did. Stored in the chat's event log
/// (as `EDITED`, `READ`, ...; a creation is the message itself, never a log
/// entry) and carried by the bus between instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MessageEventKind {
    // The aliases read events from instances that still send the variant
    // names (a rolling upgrade); an event they cannot read becomes a gap.
    #[serde(alias = "Created")]
    Created,
    #[serde(alias = "Edited")]
    Edited,
    #[serde(alias = "Deleted")]
    Deleted,
    #[serde(alias = "ReactionChanged")]
    ReactionChanged,
    #[serde(alias = "Read")]
    Read,
    #[serde(alias = "Delivered")]
    Delivered,
    /// A message was pinned (the event carries it).
    Pinned,
    /// A message was unpinned (the event carries it).
    Unpinned,
    /// A sequence number whose write failed; carries nothing.
    #[serde(alias = "Void")]
    Void,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MessageKind {
    Text,
    Image,
    Video,
    File,
    /// Written by the server about the chat itself (renames, members...).
    System,
}

/// An attachment of an IMAGE, VIDEO or FILE message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Media {
    pub url: String,
    pub mime_type: String,
    pub size: i64,
    pub name: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub duration_ms: Option<i64>,
}

/// One emoji on a message and who put it there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reaction {
    pub emoji: String,
    pub users: Vec<UserId>,
}

/// What a system message reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SystemAction {
    ChatCreated,
    Renamed,
    DescriptionChanged,
    ImageChanged,
    PrivacyChanged,
    MembersAdded,
    MemberRemoved,
    MemberLeft,
    MemberJoined,
    AdminPromoted,
    AdminDemoted,
    OwnerChanged,
    /// `value`: the reason, if one was given.
    MemberBanned,
    MemberUnbanned,
    /// `value`: until when (RFC 3339), absent for "until unmuted".
    MemberMuted,
    MemberUnmuted,
    /// `value`: the new settings, e.g. `send=ADMINS editInfo=ADMINS addMembers=ADMINS pin=ADMINS`.
    PermissionsChanged,
    /// `value`: the period in seconds (`0`: off).
    SlowModeChanged,
    /// `value`: the id of the message pinned.
    MessagePinned,
    /// `value`: the id of the message unpinned.
    MessageUnpinned,
}

/// The structured part of a system message (its text is for display).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SystemInfo {
    pub action: SystemAction,
    pub actor: UserId,
    pub targets: Vec<UserId>,
    /// The new value, for renames and other changes.
    pub value: Option<String>,
}

impl SystemInfo {
    /// The message's text, naming people through `mention` (see
    /// [`super::User::mention`]). One place, so that the text can be made
    /// again when someone it names deletes their account.
    pub fn text(&self, mention: impl Fn(UserId) -> String) -> String {
        let who = mention(self.actor);
        let value = self.value.as_deref().unwrap_or_default();
        let targets = || {
            self.targets
                .iter()
                .map(|t| mention(*t))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self.action {
            SystemAction::ChatCreated => format!("{who} created the group “{value}”"),
            SystemAction::Renamed => format!("{who} renamed the group to “{value}”"),
            SystemAction::DescriptionChanged => format!("{who} changed the description"),
            SystemAction::ImageChanged => format!("{who} changed the group picture"),
            SystemAction::PrivacyChanged => format!("{who} made the group {value}"),
            SystemAction::MembersAdded => format!("{who} added {}", targets()),
            SystemAction::MemberRemoved => format!("{who} removed {}", targets()),
            SystemAction::MemberLeft => format!("{who} left"),
            SystemAction::MemberJoined => format!("{who} joined"),
            SystemAction::AdminPromoted => format!("{who} made {} an admin", targets()),
            SystemAction::AdminDemoted => format!("{who} removed {} as admin", targets()),
            SystemAction::OwnerChanged => format!("{} is now the owner", targets()),
            SystemAction::MemberBanned => match value {
                "" => format!("{who} banned {}", targets()),
                reason => format!("{who} banned {} ({reason})", targets()),
            },
            SystemAction::MemberUnbanned => format!("{who} lifted the ban on {}", targets()),
            SystemAction::MemberMuted => match value {
                "" => format!("{who} muted {}", targets()),
                until => format!("{who} muted {} until {until}", targets()),
            },
            SystemAction::MemberUnmuted => format!("{who} unmuted {}", targets()),
            SystemAction::PermissionsChanged => format!("{who} changed the permissions: {value}"),
            SystemAction::SlowModeChanged => match value {
                "0" => format!("{who} turned slow mode off"),
                seconds => format!("{who} set slow mode to one message every {seconds} s"),
            },
            SystemAction::MessagePinned => format!("{who} pinned a message"),
            SystemAction::MessageUnpinned => format!("{who} unpinned a message"),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub chat: ChatId,
    /// The chat's sequence number at creation.
    pub seq: i64,
    pub sender: UserId,
    pub kind: MessageKind,
    pub text: Option<String>,
    pub media: Vec<Media>,
    pub reply_to: Option<MessageId>,
    /// The root message of the thread this one replies in (a thread reply).
    #[serde(default)]
    pub thread_root: Option<MessageId>,
    pub reactions: Vec<Reaction>,
    /// Users who deleted the message for themselves only.
    pub deleted_for: Vec<UserId>,
    /// Deleted for everyone: a tombstone without text or media.
    pub is_deleted: bool,
    pub edited_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub client_message_id: Option<String>,
    pub system: Option<SystemInfo>,
    /// Members mentioned (at most `MAX_MENTIONS`; see `services::mentions`).
    #[serde(default)]
    pub mentions: Vec<UserId>,
    /// `@all`: every member is mentioned.
    #[serde(default)]
    pub mentions_all: bool,
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::MessageEventKind;

    #[test]
    fn message_event_kind__is_stored_as_before_and_reads_the_old_bus_names() {
        let stored = serde_json::to_string(&MessageEventKind::ReactionChanged).unwrap();
        assert_eq!(stored, "\"REACTION_CHANGED\"");
        let old: MessageEventKind = serde_json::from_str("\"ReactionChanged\"").unwrap();
        assert_eq!(old, MessageEventKind::ReactionChanged);
    }
}
