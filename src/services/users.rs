//! Accounts and profiles: sign-up, sign-in, password changes, turning a
//! token into a [`CurrentUser`], profile changes, lookup and search.
//! Sessions themselves are [`SessionService`]'s; deleting an account is
//! in [`super::account_deletion`].

use std::sync::Arc;

use crate::auth::{CurrentUser, PasswordHasher};
use crate::domain::{
    BIO_MAX, DisplayName, Email, Handle, IMAGE_URL_MAX, LOGIN_MAX, NewPassword, PASSWORD_MAX, User,
    UserId, text,
};
use crate::error::{AppError, AppResult};
use crate::events::{Event, EventBus, Topic};
use crate::limits::ClientIp;
use crate::storage::users::{NewUser, ProfileChanges};
use crate::storage::{Database, Page, PageRequest};

use super::account_deletion::Leftovers;
use super::audience::Audience;
use super::sessions::{ClientInfo, Credentials, SessionService};
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
    /// A picture already checked and taken (`imageUploadId`, see
    /// [`super::uploads`]): stored as it is, in place of `image`.
    pub uploaded_image: Option<String>,
}

/// A new session's credentials and the user they belong to.
pub struct SignedIn {
    pub credentials: Credentials,
    pub user: User,
}

/// A password change as a client sends it.
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

/// The one message for every failed sign-in, so it reveals nothing.
const BAD_CREDENTIALS: &str = "wrong login or password";

#[derive(Clone)]
pub struct AccountService {
    pub(super) db: Database,
    pub(super) bus: Arc<dyn EventBus>,
    pub(super) audience: Audience,
    pub(super) sessions: SessionService,
    hasher: PasswordHasher,
    guard: SignInGuard,
    /// What a deleted account leaves behind (see [`super::account_deletion`]).
    pub(super) leftovers: Leftovers,
}

/// What an [`AccountService`] is made of.
pub struct AccountParts {
    pub db: Database,
    pub bus: Arc<dyn EventBus>,
    pub audience: Audience,
    pub sessions: SessionService,
    pub hasher: PasswordHasher,
    pub guard: SignInGuard,
    pub leftovers: Leftovers,
}

impl AccountService {
    pub fn new(parts: AccountParts) -> Self {
        let AccountParts {
            db,
            bus,
            audience,
            sessions,
            hasher,
            guard,
            leftovers,
        } = parts;
        Self {
            db,
            bus,
            audience,
            sessions,
            hasher,
            guard,
            leftovers,
        }
    }

    /// Creates an account. Every field is checked before anything is stored;
    /// uniqueness is left to the unique indexes, so two racing sign-ups with
    /// one email cannot both succeed. The network it came from becomes known
    /// for the account (see [`super::sign_in_guard`]).
    #[tracing::instrument(skip_all)]
    pub async fn sign_up(
        &self,
        input: SignUp,
        client: ClientInfo,
        ip: ClientIp,
    ) -> AppResult<SignedIn> {
        self.sessions.require_builtin()?;
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
        let credentials = self.sessions.start(user.id, client).await?;
        Ok(SignedIn { credentials, user })
    }

    /// Signs in with an email or handle. An unknown login and a wrong password
    /// fail alike, in the same time (a dummy hash is verified for unknown ones).
    ///
    /// Attempts are limited per account and network, and per account from
    /// unknown networks, by [`SignInGuard`]; unknown logins alike.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in(
        &self,
        login: &str,
        password: &str,
        client: ClientInfo,
        ip: ClientIp,
    ) -> AppResult<SignedIn> {
        self.sessions.require_builtin()?;
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
                let credentials = self.sessions.start(user.id, client).await?;
                Ok(SignedIn { credentials, user })
            }
            _ => Err(unauthenticated()),
        }
    }

    /// Turns a bearer token into the user it proves (see
    /// [`SessionService::authenticate`]).
    pub async fn authenticate(&self, token: &str) -> AppResult<CurrentUser> {
        self.sessions.authenticate(token).await
    }

    /// Changes `me`'s password and revokes every other session (closing
    /// their sockets); this one stays.
    #[tracing::instrument(skip(self, change), fields(user_id = %me.id))]
    pub async fn change_password(
        &self,
        me: CurrentUser,
        change: PasswordChange,
        ip: ClientIp,
    ) -> AppResult<Vec<crate::domain::SessionId>> {
        self.sessions.require_builtin()?;
        let new = NewPassword::parse_as("newPassword", &change.new)?;
        self.check_password(me.id, change.current, "currentPassword", ip)
            .await?;
        let hash = self.hasher.hash(new.expose().to_owned()).await?;
        if !self.db.users().set_password_hash(me.id, hash).await? {
            return Err(AppError::Unauthenticated(
                "your account no longer exists".into(),
            ));
        }
        tracing::info!("password changed");
        self.sessions.revoke_all(me, false).await
    }

    /// `BAD_USER_INPUT` on `field` unless `password` is `me`'s. Checked
    /// through the sign-in guard, so guessing it with a stolen access token
    /// is limited like guessing at `signIn`.
    pub(super) async fn check_password(
        &self,
        me: UserId,
        password: String,
        field: &'static str,
        ip: ClientIp,
    ) -> AppResult<()> {
        let attempt = self.guard.admit(Target::Account(me), ip).await?;
        let stored = self.db.users().password_hash(me).await?;
        let password = if password.len() <= PASSWORD_MAX {
            password
        } else {
            String::new()
        };
        let matched = self.hasher.verify(password, stored).await?;
        self.guard.settle(attempt, matched).await;
        if !matched {
            return Err(AppError::bad_input(field, "is not the account's password"));
        }
        Ok(())
    }

    /// True when `user` names an account that was not deleted.
    pub async fn exists(&self, user: UserId) -> AppResult<bool> {
        self.db.users().exists(user).await
    }

    /// True when `user` exists and is not deactivated.
    pub async fn is_active(&self, user: UserId) -> AppResult<bool> {
        self.db.identities().is_active(user).await
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
    /// A deleted account is found too (as the placeholder it is shown as),
    /// like the senders of messages are.
    pub async fn user(&self, viewer: UserId, id: UserId) -> AppResult<User> {
        let user = self.db.users().profiles(&[id]).await?.pop();
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
            image: match update.uploaded_image {
                Some(reference) => Some(Some(reference)),
                None => {
                    optional_text(update.image, &|v| text::http_url("image", v, IMAGE_URL_MAX))?
                }
            },
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

    /// Users by id in one query, for DataLoaders: deleted accounts too
    /// (shown as [`crate::domain::DELETED_ACCOUNT_NAME`]), so that their
    /// messages and chats keep their shape.
    pub async fn users_by_ids(&self, ids: &[UserId]) -> AppResult<Vec<User>> {
        self.db.users().profiles(ids).await
    }
}
