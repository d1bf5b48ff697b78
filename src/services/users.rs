//! Accounts and profiles: sign-up, sign-in, turning a token into a
//! [`CurrentUser`], profile changes, lookup and search.

use std::sync::Arc;

use crate::auth::jwt::IssuedToken;
use crate::auth::{CurrentUser, PasswordHasher, TokenService};
use crate::domain::{
    BIO_MAX, DisplayName, Email, Handle, IMAGE_URL_MAX, LOGIN_MAX, NewPassword, PASSWORD_MAX, User,
    UserId, text,
};
use crate::error::{AppError, AppResult};
use crate::events::{Event, EventBus, Topic};
use crate::limits::ClientIp;
use crate::storage::users::{NewUser, ProfileChanges};
use crate::storage::{Database, Page, PageRequest};

use super::audience::Audience;
use super::known_accounts::KnownAccounts;
use super::sign_in_guard::{SignInGuard, Target};

/// The longest search prefix accepted (a handle or name is never longer).
const SEARCH_MAX: usize = 80;

/// What a client sends to create an account (unchecked strings).
pub struct SignUp {
    pub email: String,
    pub handle: String,
    pub name: String,
    pub password: String,
}

/// Profile changes as a client sends them: `None` leaves a field alone; an
/// empty `bio` or `image` clears it.
#[derive(Default)]
pub struct ProfileUpdate {
    pub name: Option<String>,
    pub handle: Option<String>,
    pub bio: Option<String>,
    pub image: Option<String>,
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
    bus: Arc<dyn EventBus>,
    audience: Audience,
    tokens: TokenService,
    hasher: PasswordHasher,
    guard: SignInGuard,
    known: Arc<KnownAccounts>,
}

impl AccountService {
    pub fn new(
        db: Database,
        bus: Arc<dyn EventBus>,
        audience: Audience,
        tokens: TokenService,
        hasher: PasswordHasher,
        guard: SignInGuard,
    ) -> Self {
        Self {
            db,
            bus,
            audience,
            tokens,
            hasher,
            guard,
            known: Arc::default(),
        }
    }

    /// Creates an account. Every field is checked before anything is stored;
    /// uniqueness is left to the unique indexes, so two racing sign-ups with
    /// one email cannot both succeed. The network it came from becomes known
    /// for the account (see [`super::sign_in_guard`]).
    #[tracing::instrument(skip_all)]
    pub async fn sign_up(&self, input: SignUp, ip: ClientIp) -> AppResult<Session> {
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
        self.guard.signed_up(user.id, ip).await;
        let token = self.tokens.issue(user.id)?;
        Ok(Session { token, user })
    }

    /// Signs in with an email or handle. An unknown login and a wrong password
    /// fail alike, in the same time (a dummy hash is verified for unknown ones).
    ///
    /// Attempts are limited per account and network, and per account from
    /// unknown networks, by [`SignInGuard`]; unknown logins alike.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in(&self, login: &str, password: &str, ip: ClientIp) -> AppResult<Session> {
        let unauthenticated = || AppError::Unauthenticated(BAD_CREDENTIALS.into());
        let well_formed = !login.trim().is_empty() && login.len() <= LOGIN_MAX;
        let found = if well_formed {
            self.db.users().find_credentials(login).await?
        } else {
            None
        };
        let target = match &found {
            Some((user, _)) => Some(Target::Account(user.id)),
            None if well_formed => Some(Target::UnknownLogin(login.trim().to_lowercase())),
            // A login that cannot exist cannot be guessed at.
            None => None,
        };
        let attempt = match target {
            Some(target) => Some(self.guard.admit(target, ip).await?),
            None => None,
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
        let succeeded = matched && user.is_some();
        if let Some(attempt) = attempt {
            self.guard.settle(attempt, succeeded).await;
        }
        match user {
            Some(user) if succeeded => {
                let token = self.tokens.issue(user.id)?;
                Ok(Session { token, user })
            }
            _ => Err(unauthenticated()),
        }
    }

    /// Turns a bearer token into the user it proves, checking the account
    /// still exists (a removed user's tokens stop working within
    /// [`KNOWN_FOR`](super::known_accounts::KNOWN_FOR)).
    pub async fn authenticate(&self, token: &str) -> AppResult<CurrentUser> {
        let verified = self.tokens.verify(token)?;
        if !self.known.contains(verified.user_id) {
            if !self.db.users().exists(verified.user_id).await? {
                return Err(AppError::Unauthenticated("invalid token".into()));
            }
            self.known.insert(verified.user_id);
        }
        Ok(CurrentUser {
            id: verified.user_id,
            expires_at: verified.expires_at,
        })
    }

    /// The signed-in user's own account.
    pub async fn me(&self, me: UserId) -> AppResult<User> {
        self.db
            .users()
            .find(me)
            .await?
            .ok_or_else(|| AppError::Unauthenticated("your account no longer exists".into()))
    }

    /// A user as `viewer` may see them: someone who blocked the viewer is
    /// `NOT_FOUND`, as if they did not exist.
    pub async fn user(&self, viewer: UserId, id: UserId) -> AppResult<User> {
        let user = self.db.users().find(id).await?;
        self.visible_to(viewer, user).await
    }

    pub async fn user_by_handle(&self, viewer: UserId, raw_handle: &str) -> AppResult<User> {
        // A string that cannot be a handle names nobody.
        let Ok(handle) = Handle::parse(raw_handle) else {
            return Err(AppError::NotFound("user not found".into()));
        };
        let user = self.db.users().find_by_handle(&handle).await?;
        self.visible_to(viewer, user).await
    }

    async fn visible_to(&self, viewer: UserId, user: Option<User>) -> AppResult<User> {
        match user {
            Some(user) if user.id == viewer => Ok(user),
            Some(user)
                if !self
                    .db
                    .blocks()
                    .blockers_of(viewer)
                    .await?
                    .contains(&user.id) =>
            {
                Ok(user)
            }
            _ => Err(AppError::NotFound("user not found".into())),
        }
    }

    /// Prefix search on handle and name, leaving out whoever blocked `viewer`.
    pub async fn search(
        &self,
        viewer: UserId,
        query: &str,
        page: PageRequest,
    ) -> AppResult<Page<User>> {
        let prefix = text::single_line("query", query, 1, SEARCH_MAX)?;
        let blockers = self.db.blocks().blockers_of(viewer).await?;
        self.db.users().search(&prefix, &blockers, page).await
    }

    /// Changes the profile. Every field is checked first, so an invalid one
    /// changes nothing; the result reaches everyone who may watch the user.
    #[tracing::instrument(skip(self, update), fields(user_id = %me))]
    pub async fn update_profile(&self, me: UserId, update: ProfileUpdate) -> AppResult<User> {
        let optional_text = |value: Option<String>, parse: &dyn Fn(&str) -> AppResult<String>| {
            value
                .map(|v| {
                    if v.trim().is_empty() {
                        Ok(None)
                    } else {
                        parse(&v).map(Some)
                    }
                })
                .transpose()
        };
        let changes = ProfileChanges {
            name: update.name.as_deref().map(DisplayName::parse).transpose()?,
            handle: update.handle.as_deref().map(Handle::parse).transpose()?,
            bio: optional_text(update.bio, &|v| text::multi_line("bio", v, 1, BIO_MAX))?,
            image: optional_text(update.image, &|v| text::http_url("image", v, IMAGE_URL_MAX))?,
        };
        let user = self
            .db
            .users()
            .update_profile(me, changes)
            .await?
            .ok_or_else(|| AppError::Unauthenticated("your account no longer exists".into()))?;
        let watchers = self.audience.watchers_of(me).await?;
        for watcher in watchers.into_iter().chain([me]) {
            self.bus
                .publish(Topic::User(watcher), Event::ProfileUpdated(user.clone()));
        }
        Ok(user)
    }

    /// Users by id in one query, for DataLoaders.
    pub async fn users_by_ids(&self, ids: &[UserId]) -> AppResult<Vec<User>> {
        self.db.users().find_many(ids).await
    }
}
