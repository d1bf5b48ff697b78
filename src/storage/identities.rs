//! The `externalIdentities` collection: which account an identity
//! provider's user (`sub`, the `_id`) is, and since when their tokens are
//! accepted (`tokensValidAfter`, set by `revokeUserTokens`); and the
//! accounts provisioned for them.
//!
//! A provisioned account is an ordinary `users` document with the password
//! hash [`NO_PASSWORD`] (never matches, so it cannot sign in with a
//! password) and, when the claims carry no usable email, a placeholder
//! email made of its id (unique, never a valid email). Its handle and
//! email are right at insert: the unique fields of a user are never
//! updated afterwards (the MongoDB-compatible local server keeps an updated
//! document's old unique keys indexed).
//!
//! Any account may be deactivated by the app's backend (`deactivatedAt` on
//! the user): it cannot sign in, with a password or a provider's token,
//! until it is activated again.

use bson::oid::ObjectId;
use bson::{Document, doc};
use chrono::{DateTime, Utc};
use mongodb::options::IndexOptions;
use mongodb::{Collection, IndexModel};

use super::users::{UserDoc, conflict_or_internal};
use super::{duplicate_key_message, to_chrono};
use crate::auth::password::NO_PASSWORD;
use crate::domain::{DisplayName, Email, Handle, User, UserId};
use crate::error::AppResult;

/// How the placeholder email of an account without one starts.
pub const NO_EMAIL_PREFIX: &str = "external:";

/// An identity provider's user as linked here.
#[derive(Clone, Copy, Debug)]
pub struct Identity {
    pub user: UserId,
    /// Tokens issued before this are refused.
    pub tokens_valid_after: Option<DateTime<Utc>>,
}

/// What provisioning stores.
pub struct ProvisionedUser<'a> {
    pub email: Option<&'a Email>,
    pub handle: &'a Handle,
    pub name: &'a DisplayName,
    pub image: Option<String>,
}

#[derive(Clone)]
pub struct IdentityStore {
    identities: Collection<Document>,
    users: Collection<UserDoc>,
}

impl IdentityStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            identities: db.collection("externalIdentities"),
            users: db.collection("users"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        self.identities
            .create_index(
                IndexModel::builder()
                    .keys(doc! { "user": 1 })
                    .options(IndexOptions::builder().name("user".to_owned()).build())
                    .build(),
            )
            .await?;
        Ok(())
    }

    /// The account linked to the provider's user `subject`.
    pub async fn find(&self, subject: &str) -> AppResult<Option<Identity>> {
        let found = self.identities.find_one(doc! { "_id": subject }).await?;
        Ok(found.and_then(|d| {
            Some(Identity {
                user: UserId(d.get_object_id("user").ok()?),
                tokens_valid_after: d
                    .get_datetime("tokensValidAfter")
                    .ok()
                    .map(|at| to_chrono(*at)),
            })
        }))
    }

    /// Since when `user`'s provider tokens count, if revoked ever.
    pub async fn valid_after(&self, user: UserId) -> AppResult<Option<DateTime<Utc>>> {
        let found = self
            .identities
            .find_one(doc! { "user": user.oid() })
            .await?;
        Ok(found.and_then(|d| {
            d.get_datetime("tokensValidAfter")
                .ok()
                .map(|at| to_chrono(*at))
        }))
    }

    /// The provider's user id of `user`, if it has one.
    pub async fn subject_of(&self, user: UserId) -> AppResult<Option<String>> {
        let found = self
            .identities
            .find_one(doc! { "user": user.oid() })
            .await?;
        Ok(found.and_then(|d| d.get_str("_id").ok().map(str::to_owned)))
    }

    /// Inserts an account for `subject`; a taken handle or email is
    /// `CONFLICT` (the caller picks another and tries again).
    pub async fn insert_user(&self, new: ProvisionedUser<'_>) -> AppResult<User> {
        let id = ObjectId::new();
        let doc = UserDoc {
            id,
            email: new.email.map_or_else(
                || format!("{NO_EMAIL_PREFIX}{id}"),
                |e| e.as_str().to_owned(),
            ),
            handle: new.handle.as_str().to_owned(),
            handle_key: new.handle.key(),
            name: new.name.as_str().to_owned(),
            name_key: new.name.as_str().to_lowercase(),
            password_hash: NO_PASSWORD.to_owned(),
            image: new.image,
            bio: None,
            last_seen: None,
            created_at: bson::DateTime::now(),
            deleted_at: None,
        };
        match self.users.insert_one(&doc).await {
            Ok(_) => Ok(doc.into()),
            Err(e) => Err(conflict_or_internal(e)),
        }
    }

    /// Links `subject` to `user`; false when `subject` was linked meanwhile
    /// (a concurrent first sign-in), and then nothing changes.
    pub async fn link(&self, subject: &str, user: UserId) -> AppResult<bool> {
        let result = self
            .identities
            .insert_one(
                doc! { "_id": subject, "user": user.oid(), "createdAt": bson::DateTime::now() },
            )
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if duplicate_key_message(&e).is_some() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes an account that lost the race to be linked (never used).
    pub async fn discard_user(&self, user: UserId) -> AppResult<()> {
        self.users.delete_one(doc! { "_id": user.oid() }).await?;
        Ok(())
    }

    /// Refuses `user`'s provider tokens issued before `before`.
    pub async fn revoke_before(&self, user: UserId, before: DateTime<Utc>) -> AppResult<()> {
        self.identities
            .update_many(
                doc! { "user": user.oid() },
                doc! { "$set": { "tokensValidAfter": bson::DateTime::from_chrono(before) } },
            )
            .await?;
        Ok(())
    }

    /// Deactivates `user` (or activates them again); false when there is
    /// no such account. Not a unique field, so updated in place.
    pub async fn set_deactivated(&self, user: UserId, deactivated: bool) -> AppResult<bool> {
        let value = match deactivated {
            true => bson::Bson::DateTime(bson::DateTime::now()),
            false => bson::Bson::Null,
        };
        let updated = self
            .users
            .update_one(
                doc! { "_id": user.oid(), "deletedAt": null },
                doc! { "$set": { "deactivatedAt": value } },
            )
            .await?;
        Ok(updated.matched_count == 1)
    }

    /// True when `user` exists, was not deleted and is not deactivated.
    pub async fn is_active(&self, user: UserId) -> AppResult<bool> {
        let found = self
            .users
            .clone_with_type::<Document>()
            .find_one(doc! { "_id": user.oid(), "deletedAt": null, "deactivatedAt": null })
            .projection(doc! { "_id": 1 })
            .await?;
        Ok(found.is_some())
    }

    /// Unlinks `user` (their account is deleted): the same provider user
    /// signing in again gets a new account.
    pub async fn unlink(&self, user: UserId) -> AppResult<()> {
        self.identities
            .delete_many(doc! { "user": user.oid() })
            .await?;
        Ok(())
    }
}
