//! Accounts: sign-up, sign-in, and turning a token into a [`CurrentUser`].

use crate::auth::jwt::IssuedToken;
use crate::auth::{CurrentUser, PasswordHasher, TokenService};
use crate::domain::{
    DisplayName, Email, Handle, LOGIN_MAX, NewPassword, PASSWORD_MAX, User, UserId,
};
use crate::error::{AppError, AppResult};
use crate::storage::Database;
use crate::storage::users::NewUser;

/// What a client sends to create an account (unchecked strings).
pub struct SignUp {
    pub email: String,
    pub handle: String,
    pub name: String,
    pub password: String,
}

/// A session: the token and the user it belongs to.
pub struct Session {
    pub token: IssuedToken,
    pub user: User,
}

/// The one message for every failed sign-in, so it reveals nothing.
const BAD_CREDENTIALS: &str = "wrong login or password";

#[derive(Clone)]
pub struct AccountService {
    db: Database,
    tokens: TokenService,
    hasher: PasswordHasher,
}

impl AccountService {
    pub fn new(db: Database, tokens: TokenService, hasher: PasswordHasher) -> Self {
        Self { db, tokens, hasher }
    }

    /// Creates an account. Every field is checked before anything is stored;
    /// uniqueness is left to the unique indexes, so two racing sign-ups with
    /// one email cannot both succeed.
    #[tracing::instrument(skip_all)]
    pub async fn sign_up(&self, input: SignUp) -> AppResult<Session> {
        let email = Email::parse(&input.email)?;
        let handle = Handle::parse(&input.handle)?;
        let name = DisplayName::parse(&input.name)?;
        let password = NewPassword::parse(&input.password)?;
        let password_hash = self.hasher.hash(password.expose().to_owned()).await?;
        let user = self
            .db
            .users()
            .insert(NewUser {
                email: &email,
                handle: &handle,
                name: &name,
                password_hash,
            })
            .await?;
        tracing::info!(user_id = %user.id, "account created");
        let token = self.tokens.issue(user.id)?;
        Ok(Session { token, user })
    }

    /// Signs in with an email or handle. An unknown login and a wrong password
    /// fail alike, in the same time (a dummy hash is verified for unknown ones).
    #[tracing::instrument(skip_all)]
    pub async fn sign_in(&self, login: &str, password: &str) -> AppResult<Session> {
        let unauthenticated = || AppError::Unauthenticated(BAD_CREDENTIALS.into());
        let well_formed = !login.trim().is_empty() && login.len() <= LOGIN_MAX;
        let found = if well_formed {
            self.db.users().find_credentials(login).await?
        } else {
            None
        };
        // Over-long passwords are never stored, so they cannot match; checking
        // them is skipped to keep hashing cost bounded, not to save time.
        let password = if password.len() <= PASSWORD_MAX {
            password
        } else {
            ""
        };
        let (user, hash) = match found {
            Some((user, hash)) => (Some(user), Some(hash)),
            None => (None, None),
        };
        let matched = self.hasher.verify(password.to_owned(), hash).await?;
        match user {
            Some(user) if matched => {
                let token = self.tokens.issue(user.id)?;
                Ok(Session { token, user })
            }
            _ => Err(unauthenticated()),
        }
    }

    /// Turns a bearer token into the user it proves, checking the account
    /// still exists (a deleted user's tokens stop working at once).
    pub async fn authenticate(&self, token: &str) -> AppResult<CurrentUser> {
        let verified = self.tokens.verify(token)?;
        if !self.db.users().exists(verified.user_id).await? {
            return Err(AppError::Unauthenticated("invalid token".into()));
        }
        Ok(CurrentUser {
            id: verified.user_id,
            expires_at: verified.expires_at,
        })
    }

    pub async fn user(&self, id: UserId) -> AppResult<User> {
        self.db
            .users()
            .find(id)
            .await?
            .ok_or_else(|| AppError::NotFound("user not found".into()))
    }

    pub async fn user_by_handle(&self, raw_handle: &str) -> AppResult<User> {
        let not_found = || AppError::NotFound("user not found".into());
        // A string that cannot be a handle names nobody.
        let handle = Handle::parse(raw_handle).map_err(|_| not_found())?;
        self.db
            .users()
            .find_by_handle(&handle)
            .await?
            .ok_or_else(not_found)
    }

    /// Users by id in one query, for DataLoaders.
    pub async fn users_by_ids(&self, ids: &[UserId]) -> AppResult<Vec<User>> {
        self.db.users().find_many(ids).await
    }
}
