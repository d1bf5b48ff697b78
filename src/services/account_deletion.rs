//! Deleting an account (`deleteAccount`), and what it leaves behind.
//!
//! The profile goes first and at once: email, handle and name are replaced
//! by placeholders, so sign-in stops, the handle and email are free to be
//! taken again, and every lookup of accounts treats the user as gone (see
//! [`crate::storage::users`]). Then every session is revoked (each socket
//! closes with 4403, on every instance), and the rest is removed or made
//! anonymous, each part by the service that owns it:
//!
//! - friendships and friend requests are removed, blocks either way too;
//!   friends and the other side of a pending request hear of it on their
//!   `friendEvents`;
//! - the user's notifications and account log are removed, and the
//!   notifications about their friend requests, and group invites to or
//!   from them; others naming them as the actor show a deleted account;
//! - they leave every group (ownership passes as for `leaveChat`); direct
//!   chats stay readable for the other person, who can send nothing more;
//! - every message they wrote becomes a tombstone (no text, media or
//!   reactions), in the history and in the event log, still attributed to
//!   their id, which now shows as "Deleted account"; system messages that
//!   named them say "a deleted account";
//! - every file they uploaded is deleted (attachments, avatar);
//! - the people who could watch them get a `PROFILE_UPDATED` user event
//!   with the placeholder profile.
//!
//! Messages other clients already hold are not re-sent: their caches show
//! the old text until they refetch (each later read returns the tombstone).
//! The account document stays (as the placeholder). A deletion is recorded
//! before anything is removed and until all of the above is done;
//! [`AccountService::finish_deletions`] completes, at start-up, any deletion
//! a stopped server left half-way.

use crate::auth::CurrentUser;
use crate::domain::{User, UserId};
use crate::error::{AppError, AppResult};
use crate::events::{Event, Topic};
use crate::limits::ClientIp;

use super::blocks::BlockRules;
use super::chats::ChatService;
use super::friends::FriendService;
use super::users::AccountService;

/// The services whose data a deleted account leaves behind.
#[derive(Clone)]
pub struct Leftovers {
    pub friends: FriendService,
    pub blocks: BlockRules,
    pub chats: ChatService,
    pub uploads: super::uploads::UploadService,
}

impl AccountService {
    /// Deletes `me`'s account after checking `password` (counted like a
    /// sign-in attempt). Returns the account as it is shown from now on.
    #[tracing::instrument(skip(self, password), fields(user_id = %me.id))]
    pub async fn delete_account(
        &self,
        me: CurrentUser,
        password: String,
        ip: ClientIp,
    ) -> AppResult<User> {
        self.check_password(me.id, password, "password", ip).await?;
        self.erase_account(me.id)
            .await?
            .ok_or_else(|| AppError::Unauthenticated("your account no longer exists".into()))
    }

    /// Deletes `user`'s account without a password check (the app's
    /// backend, `deleteUser`): everything [`Self::delete_account`] does
    /// after the check. `None` when there is no such account.
    #[tracing::instrument(skip(self), fields(user_id = %user))]
    pub async fn erase_account(&self, user: UserId) -> AppResult<Option<User>> {
        // Before the erasure is recorded: one recorded for an id that names
        // no account would store a placeholder for it.
        if !self.db.users().exists(user).await? {
            return Ok(None);
        }
        // People who may watch the user, before friendships and chats go.
        let watchers = self.audience.watchers_of(user).await?;
        self.db.users().begin_erasure(user).await?;
        let Some(gone) = self.db.users().erase(user).await? else {
            return Ok(None);
        };
        tracing::info!("account deleted");
        self.sessions.end_all_of(user).await?;
        // The identity provider's tokens too: its user is refused from now
        // on, until the app's backend makes them a new account.
        self.sessions
            .identities
            .revoke_tokens(user, chrono::Utc::now())
            .await?;
        for watcher in watchers {
            self.bus
                .publish(Topic::User(watcher), Event::ProfileUpdated(gone.clone()));
        }
        self.clear_leftovers(&gone).await?;
        Ok(Some(gone))
    }

    /// Deactivates `user` (the app's backend, `deactivateUser`): every
    /// session ends and the provider's tokens are refused (sockets close on
    /// every instance), and neither a password nor a provider's token signs
    /// them in until they are activated again (`deactivated: false`).
    /// Nothing else changes: profile, chats and messages stay. `NOT_FOUND`
    /// when there is no such account.
    #[tracing::instrument(skip(self), fields(user_id = %user))]
    pub async fn set_deactivated(&self, user: UserId, deactivated: bool) -> AppResult<()> {
        if !self
            .db
            .identities()
            .set_deactivated(user, deactivated)
            .await?
        {
            return Err(AppError::NotFound("user not found".into()));
        }
        if deactivated {
            self.sessions.end_all_of(user).await?;
            self.sessions
                .identities
                .revoke_tokens(user, chrono::Utc::now())
                .await?;
        }
        tracing::info!(deactivated, "account activation changed");
        Ok(())
    }

    /// Finishes the deletions a stopped server left half-way.
    pub async fn finish_deletions(&self) -> AppResult<()> {
        for id in self.db.users().unfinished_erasures().await? {
            tracing::info!(user_id = %id, "finishing an account deletion");
            let Some(gone) = self.db.users().erase(id).await? else {
                self.db.users().erasure_done(id).await?;
                continue;
            };
            self.sessions.end_all_of(gone.id).await?;
            self.clear_leftovers(&gone).await?;
        }
        Ok(())
    }

    /// Everything of `gone`'s but the account document (see the module
    /// docs); safe to run again.
    async fn clear_leftovers(&self, gone: &User) -> AppResult<()> {
        let leftovers = &self.leftovers;
        leftovers.friends.forget(gone).await?;
        leftovers.blocks.forget(gone.id).await?;
        self.db.notifications().delete_all_of(gone.id).await?;
        self.db.chat_preferences().delete_user(gone.id).await?;
        self.db.push_subscriptions().remove_user(gone.id).await?;
        self.db.thread_follows().delete_user(gone.id).await?;
        self.db.moderation().delete_invites_of(gone.id).await?;
        leftovers.chats.forget(gone).await?;
        self.db.messages().tombstone_all_by(gone.id).await?;
        leftovers.uploads.forget(gone.id).await?;
        self.db.account_logs().delete(gone.id).await?;
        self.db.users().erasure_done(gone.id).await
    }
}
