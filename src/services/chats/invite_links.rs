//! Invite links: an admin makes a link (`createInviteLink`, optionally
//! expiring and with a number of uses), anyone holding its code joins the
//! group with `joinByInvite`, private groups included, until the link is
//! revoked, expires or is used up. A ban still wins.
//!
//! Codes are 192 random bits (48 hex characters: unguessable, so
//! `joinByInvite` needs no limit of its own beyond the mutation bucket);
//! only their SHA-256 is stored, and the code is shown once, when made.
//! Making and revoking a link are not system messages: they change nobody's
//! membership; who joins by one is (`MEMBER_JOINED`).

use crate::auth::secrets::{random_hex, stored_hash};
use chrono::{DateTime, Utc};

use super::permissions::{self, Action};
use super::{ChatService, chat_not_found};
use crate::domain::{Chat, ChatId, INVITE_LINK_MAX_USES, InviteLink, InviteLinkId, UserId};
use crate::error::{AppError, AppResult};
use crate::storage::invite_links::NewInviteLink;

/// The longest an invite code may be (longer input is refused unread).
const CODE_MAX: usize = 64;

impl ChatService {
    /// Makes an invite link of group `id` (admins); returns it and its
    /// code, which is not kept and cannot be shown again.
    #[tracing::instrument(skip(self), fields(user_id = %me, chat_id = %id))]
    pub async fn create_invite_link(
        &self,
        me: UserId,
        id: ChatId,
        expires_at: Option<DateTime<Utc>>,
        max_uses: Option<u32>,
    ) -> AppResult<(InviteLink, String)> {
        if expires_at.is_some_and(|at| at <= Utc::now()) {
            return Err(AppError::bad_input("expiresAt", "must be in the future"));
        }
        if max_uses.is_some_and(|n| n == 0 || n > INVITE_LINK_MAX_USES) {
            return Err(AppError::bad_input(
                "maxUses",
                format!("between 1 and {INVITE_LINK_MAX_USES}"),
            ));
        }
        let chat = self.as_member(me, id).await?;
        permissions::ensure(&chat, me, Action::Moderate)?;
        let code = new_code();
        let link = self
            .db
            .invite_links()
            .insert(NewInviteLink {
                chat: id,
                code_hash: hash(&code),
                created_by: me,
                expires_at,
                max_uses,
            })
            .await?;
        Ok((link, code))
    }

    /// Revokes an invite link (admins of its group).
    #[tracing::instrument(skip(self), fields(user_id = %me, link_id = %id))]
    pub async fn revoke_invite_link(&self, me: UserId, id: InviteLinkId) -> AppResult<InviteLink> {
        let not_found = || AppError::NotFound("invite link not found".into());
        let link = self
            .db
            .invite_links()
            .find(id)
            .await?
            .ok_or_else(not_found)?;
        let chat = self
            .as_member(me, link.chat)
            .await
            .map_err(|_| not_found())?;
        permissions::ensure(&chat, me, Action::Moderate)?;
        self.db
            .invite_links()
            .revoke(id)
            .await?
            .ok_or_else(not_found)
    }

    /// A page of group `chat`'s links (admins).
    pub async fn invite_links(
        &self,
        me: UserId,
        chat: &Chat,
        after: Option<InviteLinkId>,
        limit: usize,
    ) -> AppResult<(Vec<InviteLink>, bool)> {
        permissions::ensure(chat, me, Action::Moderate)?;
        self.db.invite_links().page(chat.id, after, limit).await
    }

    /// Joins the group of the link with `code` (see the module docs). A
    /// member already gets the chat back and uses nothing.
    #[tracing::instrument(skip(self, code), fields(user_id = %me))]
    pub async fn join_by_invite(&self, me: UserId, code: &str) -> AppResult<Chat> {
        let not_found = || AppError::NotFound("invite link not found".into());
        if code.is_empty() || code.len() > CODE_MAX {
            return Err(not_found());
        }
        let link = self
            .db
            .invite_links()
            .by_hash(&hash(code))
            .await?
            .ok_or_else(not_found)?;
        let refused = |reason, message| AppError::forbidden_because(reason, message);
        if link.revoked {
            return Err(refused("INVITE_REVOKED", "this invite link was revoked"));
        }
        if link.expires_at.is_some_and(|at| at <= Utc::now()) {
            return Err(refused("INVITE_EXPIRED", "this invite link has expired"));
        }
        let chat = self
            .db
            .chats()
            .find(link.chat)
            .await?
            .ok_or_else(chat_not_found)?;
        if chat.is_member(me) {
            return Ok(chat);
        }
        // Checked before a use is taken, so a banned caller uses up nothing.
        self.ensure_not_banned(chat.id, &[me]).await?;
        if !self.db.invite_links().take_use(&link).await? {
            return Err(refused("INVITE_USED_UP", "this invite link is used up"));
        }
        self.enter(me, chat).await
    }
}

/// 192 random bits, hex-encoded (48 characters, safe in any URL).
fn new_code() -> String {
    random_hex(24)
}

fn hash(code: &str) -> String {
    stored_hash(code)
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn codes__are_long_random_url_safe_and_stored_hashed() {
        let (a, b) = (new_code(), new_code());
        assert_eq!(a.len(), 48);
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(hash(&a), a);
        assert_eq!(hash(&a), hash(&a));
    }
}
