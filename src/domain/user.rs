//! Account values: email, handle, display name, password, profile fields, and
//! the `User` read model the storage layer returns.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{UserId, text};
use crate::error::{AppError, AppResult};

pub const HANDLE_MIN: usize = 3;
pub const HANDLE_MAX: usize = 30;
pub const EMAIL_MAX: usize = 254;
pub const NAME_MAX: usize = 80;
pub const BIO_MAX: usize = 500;
pub const IMAGE_URL_MAX: usize = 2048;
pub const PASSWORD_MIN: usize = 8;
/// Long enough for any passphrase, short enough that hashing stays cheap.
pub const PASSWORD_MAX: usize = 256;
/// A sign-in login is an email or a handle, so never longer than an email.
pub const LOGIN_MAX: usize = EMAIL_MAX;

/// A normalized (trimmed, lower-case) email address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> AppResult<Self> {
        let email = raw.trim().to_lowercase();
        let invalid = || AppError::bad_input("email", "is not a valid email address");
        if email.len() > EMAIL_MAX {
            return Err(AppError::bad_input(
                "email",
                format!("must be at most {EMAIL_MAX} characters"),
            ));
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !local_ok || !domain_ok {
            return Err(invalid());
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A public user name: letters, digits and underscores, starting with a
/// letter. Shown as typed; unique regardless of case (see [`Handle::key`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handle(String);

impl Handle {
    pub fn parse(raw: &str) -> AppResult<Self> {
        let handle = raw.trim();
        if handle.chars().any(char::is_control) {
            return Err(AppError::bad_input(
                "handle",
                "must not contain control characters",
            ));
        }
        let len = handle.chars().count();
        if !(HANDLE_MIN..=HANDLE_MAX).contains(&len) {
            return Err(AppError::bad_input(
                "handle",
                format!("must be {HANDLE_MIN} to {HANDLE_MAX} characters"),
            ));
        }
        if !handle.starts_with(|c: char| c.is_ascii_alphabetic())
            || !handle
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(AppError::bad_input(
                "handle",
                "must start with a letter and contain only letters, digits and underscores",
            ));
        }
        Ok(Handle(handle.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-folded form the unique index is built on.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

/// A display name, 1 to 80 characters on one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> AppResult<Self> {
        text::single_line("name", raw, 1, NAME_MAX).map(DisplayName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed at sign-up: long enough, short enough to hash cheaply.
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: &str) -> AppResult<Self> {
        Self::parse_as("password", raw)
    }

    /// As [`NewPassword::parse`], naming the input `field` in errors.
    pub fn parse_as(field: &'static str, raw: &str) -> AppResult<Self> {
        let len = raw.chars().count();
        if len < PASSWORD_MIN {
            return Err(AppError::bad_input(
                field,
                format!("must be at least {PASSWORD_MIN} characters"),
            ));
        }
        if raw.len() > PASSWORD_MAX {
            return Err(AppError::bad_input(
                field,
                format!("must be at most {PASSWORD_MAX} bytes"),
            ));
        }
        Ok(NewPassword(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// A user as the rest of the server sees it (never the password hash).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub handle: String,
    pub name: String,
    pub image: Option<String>,
    pub bio: Option<String>,
    /// When the user's last socket closed; `None` until they first go offline.
    pub last_seen: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The account was deleted: what is left is its id, so that messages
    /// and chats keep their shape; name and handle are placeholders
    /// ([`DELETED_ACCOUNT_NAME`], empty) and email, image and bio are gone.
    #[serde(default)]
    pub deleted: bool,
}

/// The name a deleted account is shown with.
pub const DELETED_ACCOUNT_NAME: &str = "Deleted account";

impl User {
    /// How system messages name the user: `@handle`, or "a deleted account".
    pub fn mention(&self) -> String {
        if self.deleted {
            "a deleted account".into()
        } else {
            format!("@{}", self.handle)
        }
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn email__valid_addresses__parse_lowercased() {
        assert_eq!(
            Email::parse(" Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        assert!(Email::parse("a.b+tag@sub.example.org").is_ok());
    }

    #[test]
    fn email__malformed__is_rejected() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@@example.com",
            "ada@exa_mple.com",
            "ada@.example.com",
            "\u{0}@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn handle__rules__are_enforced() {
        assert!(Handle::parse("ada_99").is_ok());
        for bad in [
            "ab",
            "9lives",
            "has space",
            "dash-ed",
            "ünï",
            "a\u{7}bc",
            &"x".repeat(31),
        ] {
            assert!(Handle::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(Handle::parse("Ada").unwrap().key(), "ada");
    }

    #[test]
    fn name__control_characters__are_rejected() {
        assert!(DisplayName::parse("Ada\nLovelace").is_err());
        assert!(DisplayName::parse("   ").is_err());
        assert_eq!(DisplayName::parse(" Ada ").unwrap().as_str(), "Ada");
    }
}
