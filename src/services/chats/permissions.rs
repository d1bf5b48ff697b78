//! Who may do what in a chat: the one place every chat and message action
//! asks. Roles are fixed (the owner above admins above members); what a
//! group lets its members do is its [`ChatPermissions`] (send, edit the
//! group, add members); the rest belongs to fixed roles: admins moderate
//! (remove, ban, mute, see bans, invites and reports), the owner alone
//! manages admins and moderates an admin. Pinning is a group setting
//! (`pin`, ADMINS by default); in a direct chat either person may pin.
//!
//! Refusals a member can understand and wait out carry a stable
//! `extensions.reason` (see [`AppError::ForbiddenBecause`]).

use chrono::{DateTime, SecondsFormat, Utc};

use crate::domain::{Chat, ChatPermissions, Membership, Mute, PermissionLevel, Role, UserId};
use crate::error::{AppError, AppResult};

/// What a member may be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Send,
    EditInfo,
    AddMembers,
    /// Remove, ban, mute; see bans, pending invites and reports.
    Moderate,
    /// Promote and demote admins.
    ManageAdmins,
    /// Pin and unpin messages.
    Pin,
    /// Mention every member at once (`mentionsAll`).
    MentionAll,
}

impl Action {
    pub const ALL: [Action; 7] = [
        Action::Send,
        Action::EditInfo,
        Action::AddMembers,
        Action::Moderate,
        Action::ManageAdmins,
        Action::Pin,
        Action::MentionAll,
    ];
}

/// Whether `role` may do `action` under `permissions`.
pub fn allows(permissions: &ChatPermissions, role: Role, action: Action) -> bool {
    let level = |level: PermissionLevel| match level {
        PermissionLevel::Members => true,
        PermissionLevel::Admins => role >= Role::Admin,
    };
    match action {
        Action::Send => level(permissions.send),
        Action::EditInfo => level(permissions.edit_info),
        Action::AddMembers => level(permissions.add_members),
        Action::Moderate => role >= Role::Admin,
        Action::ManageAdmins => role == Role::Owner,
        Action::Pin => level(permissions.pin),
        Action::MentionAll => level(permissions.mention_all),
    }
}

/// `me`'s role in group `chat` if it allows `action`; `FORBIDDEN` else.
/// (The caller has made sure `me` is a member: non-members get `NOT_FOUND`.)
pub fn ensure(chat: &Chat, me: UserId, action: Action) -> AppResult<Role> {
    if !chat.is_group {
        return Err(AppError::bad_input(
            "chatId",
            "direct chats have no settings, admins or moderation",
        ));
    }
    let role = chat.role(me).unwrap_or(Role::Member);
    if allows(&chat.permissions, role, action) {
        Ok(role)
    } else {
        Err(refusal(action))
    }
}

/// `me` may moderate `target` in `chat`: an admin may moderate members,
/// only the owner an admin, nobody the owner or themselves.
pub fn ensure_over(chat: &Chat, me: UserId, target: UserId) -> AppResult<()> {
    let role = ensure(chat, me, Action::Moderate)?;
    if target == me {
        return Err(AppError::bad_input(
            "userId",
            "you cannot moderate yourself",
        ));
    }
    match chat.role(target) {
        Some(Role::Owner) => Err(AppError::Forbidden("the owner cannot be moderated".into())),
        Some(Role::Admin) if role != Role::Owner => Err(AppError::Forbidden(
            "only the owner can moderate an admin".into(),
        )),
        _ => Ok(()),
    }
}

/// `me` may post in the chat of `membership` now: not muted, and the group
/// lets their role send. Slow mode is checked apart ([`slow_mode_wait`]),
/// as it needs a write.
pub fn ensure_can_send(membership: &Membership, now: DateTime<Utc>) -> AppResult<()> {
    ensure_unmuted(membership.mute, now)?;
    if membership.is_group && !allows(&membership.permissions, membership.role, Action::Send) {
        return Err(refusal(Action::Send));
    }
    Ok(())
}

/// `me` may pin and unpin messages in the chat of `membership`: either
/// person of a direct chat; in a group, whom its `pin` setting lets (admins
/// by default). A muted member may not (a pin posts a system message).
pub fn ensure_can_pin(membership: &Membership, now: DateTime<Utc>) -> AppResult<()> {
    ensure_unmuted(membership.mute, now)?;
    if membership.is_group && !allows(&membership.permissions, membership.role, Action::Pin) {
        return Err(refusal(Action::Pin));
    }
    Ok(())
}

/// `me` may mention every member at once in the chat of `membership`: in
/// a group as its permissions say (admins by default); in a direct chat,
/// where it means the other person, always.
pub fn ensure_can_mention_all(membership: &Membership) -> AppResult<()> {
    if membership.is_group && !allows(&membership.permissions, membership.role, Action::MentionAll)
    {
        return Err(refusal(Action::MentionAll));
    }
    Ok(())
}

/// `FORBIDDEN` (reason `MUTED`) while `mute` is in force: a muted member
/// may read, but not send, react or type.
pub fn ensure_unmuted(mute: Option<Mute>, now: DateTime<Utc>) -> AppResult<()> {
    match mute.filter(|m| m.in_force(now)) {
        None => Ok(()),
        Some(mute) => Err(AppError::forbidden_because(
            "MUTED",
            match mute.until {
                Some(until) => format!(
                    "you are muted in this chat until {}",
                    until.to_rfc3339_opts(SecondsFormat::Secs, true)
                ),
                None => "you are muted in this chat".into(),
            },
        )),
    }
}

/// Slow mode: `None` when `membership`'s member may send now (admins always
/// may), else how long they must still wait, judged by the send time read
/// with the membership (the write that takes the turn decides races).
pub fn slow_mode_wait(membership: &Membership, now: DateTime<Utc>) -> Option<std::time::Duration> {
    if membership.slow_mode_seconds == 0 || membership.role >= Role::Admin {
        return None;
    }
    let period = chrono::Duration::seconds(i64::from(membership.slow_mode_seconds));
    let last = membership.last_slow_send?;
    (last + period - now).to_std().ok().filter(|w| !w.is_zero())
}

fn refusal(action: Action) -> AppError {
    let (reason, message) = match action {
        Action::Send => ("ADMINS_ONLY", "only admins can send in this group"),
        Action::EditInfo => ("ADMINS_ONLY", "only admins can change this group"),
        Action::AddMembers => ("ADMINS_ONLY", "only admins can add members to this group"),
        Action::Moderate => ("ADMINS_ONLY", "only admins can do this"),
        Action::ManageAdmins => ("OWNER_ONLY", "only the owner can change admins"),
        Action::Pin => ("ADMINS_ONLY", "only admins can pin messages in this group"),
        Action::MentionAll => ("ADMINS_ONLY", "only admins can mention everyone here"),
    };
    AppError::forbidden_because(reason, message)
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn allows__fixed_roles_and_group_settings() {
        let defaults = ChatPermissions::default();
        assert!(allows(&defaults, Role::Member, Action::Send));
        assert!(!allows(&defaults, Role::Member, Action::EditInfo));
        assert!(!allows(&defaults, Role::Member, Action::AddMembers));
        assert!(allows(&defaults, Role::Admin, Action::Moderate));
        assert!(!allows(&defaults, Role::Admin, Action::ManageAdmins));
        assert!(allows(&defaults, Role::Owner, Action::ManageAdmins));
        let channel = ChatPermissions {
            send: PermissionLevel::Admins,
            ..defaults
        };
        assert!(!allows(&channel, Role::Member, Action::Send));
        assert!(allows(&channel, Role::Admin, Action::Send));
        let open = ChatPermissions {
            add_members: PermissionLevel::Members,
            ..defaults
        };
        assert!(allows(&open, Role::Member, Action::AddMembers));
        assert!(!allows(&defaults, Role::Member, Action::Pin));
        assert!(allows(&defaults, Role::Admin, Action::Pin));
        let pinning = ChatPermissions {
            pin: PermissionLevel::Members,
            ..defaults
        };
        assert!(allows(&pinning, Role::Member, Action::Pin));
        assert!(!allows(&defaults, Role::Member, Action::MentionAll));
        assert!(allows(&defaults, Role::Admin, Action::MentionAll));
        let loud = ChatPermissions {
            mention_all: PermissionLevel::Members,
            ..defaults
        };
        assert!(allows(&loud, Role::Member, Action::MentionAll));
    }
}
