//! The server-side API: operations for the app's backend, authenticated by
//! one of `SERVER_API_KEYS` in the `X-Api-Key` header (see
//! [`crate::http::server_api`]): `upsertUsers`, `deactivateUser`,
//! `deleteUser` and `revokeUserTokens`. With `X-Act-As-User` the same key runs ordinary
//! operations (`createChat`, `addChatMembers`, `sendMessage`, ...) as that
//! user instead.

use async_graphql::{Context, Guard, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::ContextExt;
use super::users::UserObject;
use crate::auth::api_keys::ServerCaller;
use crate::domain::user::IMAGE_URL_MAX;
use crate::domain::{DisplayName, Email, UserId, text};
use crate::error::AppError;
use crate::services::identities::ExternalProfile;

/// The most users one `upsertUsers` call takes.
pub const MAX_UPSERT_USERS: usize = 100;
/// The longest external id taken (providers use a few dozen characters).
const EXTERNAL_ID_MAX: usize = 255;

/// Refuses the field unless the request carries a valid API key.
pub struct ServerKey;

impl Guard for ServerKey {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        match ctx.data_opt::<ServerCaller>() {
            Some(_) => Ok(()),
            None => Err(AppError::Unauthenticated(
                "this operation is for the app's backend: send one of its keys in X-Api-Key".into(),
            )
            .into()),
        }
    }
}

/// A user of the app, by the id the app (its identity provider) knows
/// them by.
#[derive(InputObject)]
pub struct ExternalUserInput {
    /// The app's stable id of the user (the `sub` of their tokens), at most
    /// 255 characters.
    external_id: String,
    /// The display name (1–80 characters). Default for a new user: the
    /// handle.
    name: Option<String>,
    /// The wanted handle for a new user (made to fit the handle rules; a
    /// taken one gets a suffix derived from `externalId`). Ignored for an
    /// existing user.
    handle: Option<String>,
    /// The email for a new user (left out when already registered).
    /// Ignored for an existing user.
    email: Option<String>,
    /// An http(s) URL of the avatar.
    image: Option<String>,
}

impl ExternalUserInput {
    fn parse(self) -> Result<(String, ExternalProfile), AppError> {
        let id = self.external_id.trim();
        if id.is_empty() || id.len() > EXTERNAL_ID_MAX {
            return Err(AppError::bad_input(
                "externalId",
                format!("must be 1 to {EXTERNAL_ID_MAX} characters"),
            ));
        }
        let profile = ExternalProfile {
            handle: self.handle,
            name: self.name.as_deref().map(DisplayName::parse).transpose()?,
            email: self.email.as_deref().map(Email::parse).transpose()?,
            image: self
                .image
                .as_deref()
                .map(|url| text::http_url("image", url, IMAGE_URL_MAX))
                .transpose()?,
        };
        Ok((id.to_owned(), profile))
    }
}

/// Users to create or update (`upsertUsers`).
#[derive(InputObject)]
pub struct UpsertUsersInput {
    /// At most 100; each external id once.
    users: Vec<ExternalUserInput>,
}

/// The user to delete (`deleteUser`).
#[derive(InputObject)]
pub struct DeleteUserInput {
    user_id: ID,
}

/// Whose tokens to end, and up to when they were issued
/// (`revokeUserTokens`).
#[derive(InputObject)]
pub struct RevokeUserTokensInput {
    user_id: ID,
    /// Tokens issued before this instant are refused (to the second: one
    /// issued in that second is refused too). Default: now.
    issued_before: Option<DateTime<Utc>>,
}

/// The user to deactivate or activate again (`deactivateUser`).
#[derive(InputObject)]
pub struct DeactivateUserInput {
    user_id: ID,
    /// `false` activates the user again.
    #[graphql(default = true)]
    deactivated: bool,
}

/// What `deactivateUser` did.
#[derive(SimpleObject)]
pub struct DeactivatedUser {
    user_id: ID,
    deactivated: bool,
}

/// What `deleteUser` did.
#[derive(SimpleObject)]
pub struct DeletedUser {
    /// It still names the sender of the user's messages, shown as
    /// "Deleted account".
    user_id: ID,
}

/// What `revokeUserTokens` did.
#[derive(SimpleObject)]
pub struct RevokedUserTokens {
    user_id: ID,
    issued_before: DateTime<Utc>,
    /// How many of the user's sessions (this server's own sign-ins) were
    /// ended.
    sessions_ended: i32,
}

#[derive(Default)]
pub struct ServerMutation;

#[Object]
impl ServerMutation {
    /// The app's backend (`X-Api-Key`): creates or updates users by the
    /// app's id for them, in order. A new user gets an account as on their
    /// first sign-in with the identity provider's token (the same
    /// `externalId` is their token's `sub`); an existing one gets the given
    /// name and image. All inputs are checked before anything is stored.
    #[graphql(
        guard = "ServerKey",
        complexity = "MAX_UPSERT_USERS * child_complexity + 1"
    )]
    async fn upsert_users(
        &self,
        ctx: &Context<'_>,
        input: UpsertUsersInput,
    ) -> async_graphql::Result<Vec<UserObject>> {
        if input.users.is_empty() || input.users.len() > MAX_UPSERT_USERS {
            return Err(AppError::bad_input(
                "users",
                format!("give 1 to {MAX_UPSERT_USERS} users"),
            )
            .into());
        }
        let parsed = input
            .users
            .into_iter()
            .map(ExternalUserInput::parse)
            .collect::<Result<Vec<_>, _>>()?;
        let mut ids: Vec<&str> = parsed.iter().map(|(id, _)| id.as_str()).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|pair| pair[0] == pair[1]) {
            return Err(AppError::bad_input("users", "an externalId appears twice").into());
        }
        let identities = &ctx.services()?.sessions.identities;
        let mut users = Vec::with_capacity(parsed.len());
        for (id, profile) in parsed {
            users.push(UserObject::owned(identities.upsert(&id, profile).await?));
        }
        Ok(users)
    }

    /// The app's backend (`X-Api-Key`): deletes a user's account, as
    /// `deleteAccount` does without the password. Their tokens of the
    /// identity provider are refused from now on; `upsertUsers` with their
    /// external id makes them a new account. `NOT_FOUND` when there is no
    /// such account (or it was deleted already).
    #[graphql(guard = "ServerKey")]
    async fn delete_user(
        &self,
        ctx: &Context<'_>,
        input: DeleteUserInput,
    ) -> async_graphql::Result<DeletedUser> {
        let user = UserId::parse("userId", &input.user_id)?;
        let gone = ctx
            .services()?
            .accounts
            .erase_account(user)
            .await?
            .ok_or_else(|| AppError::NotFound("user not found".into()))?;
        Ok(DeletedUser {
            user_id: ID(gone.id.to_string()),
        })
    }

    /// The app's backend (`X-Api-Key`): deactivates a user, or with
    /// `deactivated: false` activates them again. A deactivated user's
    /// sessions end and their tokens are refused (sockets close with 4403
    /// on every instance); neither a password nor the identity provider's
    /// token signs them in until they are activated. Profile, chats and
    /// messages stay. `NOT_FOUND` when there is no such account.
    #[graphql(guard = "ServerKey")]
    async fn deactivate_user(
        &self,
        ctx: &Context<'_>,
        input: DeactivateUserInput,
    ) -> async_graphql::Result<DeactivatedUser> {
        let user = UserId::parse("userId", &input.user_id)?;
        ctx.services()?
            .accounts
            .set_deactivated(user, input.deactivated)
            .await?;
        Ok(DeactivatedUser {
            user_id: ID(user.to_string()),
            deactivated: input.deactivated,
        })
    }

    /// The app's backend (`X-Api-Key`): refuses every token of the user
    /// issued before `issuedBefore`, on every instance: the identity
    /// provider's tokens issued before it, and this server's sessions
    /// started before it. Their open sockets close with 4403 within a
    /// second.
    #[graphql(guard = "ServerKey")]
    async fn revoke_user_tokens(
        &self,
        ctx: &Context<'_>,
        input: RevokeUserTokensInput,
    ) -> async_graphql::Result<RevokedUserTokens> {
        let user = UserId::parse("userId", &input.user_id)?;
        let services = ctx.services()?;
        if !services.accounts.exists(user).await? {
            return Err(AppError::NotFound("user not found".into()).into());
        }
        let before = input.issued_before.unwrap_or_else(Utc::now);
        let sessions = services.sessions.revoke_user_tokens(user, before).await?;
        Ok(RevokedUserTokens {
            user_id: ID(user.to_string()),
            issued_before: before,
            sessions_ended: i32::try_from(sessions.len()).unwrap_or(i32::MAX),
        })
    }
}
