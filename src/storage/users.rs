//! The `users` collection: accounts and profiles; and `signInAddresses`,
//! the networks each account signed in from lately.
//!
//! Handles are unique regardless of case through a lower-cased copy
//! (`handleKey`) under a unique index; emails are stored lower-cased.
//!
//! A deleted account keeps its document, so that its id still names the
//! sender of its messages, but nothing else: [`UserStore::erase`] replaces
//! email, handle and name with placeholders made of the id alone (unique,
//! so the unique indexes hold, and never a valid email or handle) and
//! sets `deletedAt`. Every lookup of accounts leaves deleted ones out
//! ([`live`]); only [`UserStore::profiles`], which renders senders and
//! members, returns them. `account_erasures` lists the accounts whose
//! deletion has begun and not finished (see `services::account_deletion`).
//!
//! A `signInAddresses` document is only an opaque fingerprint (`_id`, a
//! keyed hash of account and network made by the service: no address is
//! stored) and the time of the last success there (`at`), removed by a TTL
//! index after [`KNOWN_ADDRESS_DAYS`]. In MongoDB rather than in memory so
//! that every instance knows it and a restart forgets nothing.

use bson::oid::ObjectId;
use bson::{Document, doc};
use futures_util::TryStreamExt;
use mongodb::options::IndexOptions;
use mongodb::{Collection, IndexModel};
use serde::{Deserialize, Serialize};

use super::paging::{Page, PageRequest};
use super::{duplicate_key_message, to_chrono};
use crate::domain::{DELETED_ACCOUNT_NAME, DisplayName, Email, Handle, User, UserId};
use crate::error::{AppError, AppResult};

const EMAIL_INDEX: &str = "email_unique";
const HANDLE_INDEX: &str = "handle_key_unique";
/// How long a network an account signed in from stays known for it.
pub const KNOWN_ADDRESS_DAYS: u64 = 30;
const KNOWN_ADDRESS_FOR: std::time::Duration =
    std::time::Duration::from_secs(KNOWN_ADDRESS_DAYS * 24 * 60 * 60);

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UserDoc {
    #[serde(rename = "_id")]
    pub(super) id: ObjectId,
    pub(super) email: String,
    pub(super) handle: String,
    pub(super) handle_key: String,
    pub(super) name: String,
    /// Lower-cased name, for case-insensitive prefix search.
    pub(super) name_key: String,
    pub(super) password_hash: String,
    pub(super) image: Option<String>,
    pub(super) bio: Option<String>,
    pub(super) last_seen: Option<bson::DateTime>,
    pub(super) created_at: bson::DateTime,
    /// Set when the account was deleted (see [`UserStore::erase`]).
    pub(super) deleted_at: Option<bson::DateTime>,
}

impl From<UserDoc> for User {
    fn from(doc: UserDoc) -> Self {
        if doc.deleted_at.is_some() {
            return User {
                id: UserId(doc.id),
                email: String::new(),
                handle: String::new(),
                name: DELETED_ACCOUNT_NAME.into(),
                image: None,
                bio: None,
                last_seen: None,
                created_at: to_chrono(doc.created_at),
                deleted: true,
            };
        }
        User {
            id: UserId(doc.id),
            // A provisioned account without an email holds a placeholder
            // (see [`super::identities`]), never shown.
            email: match doc.email.starts_with(super::identities::NO_EMAIL_PREFIX) {
                true => String::new(),
                false => doc.email,
            },
            handle: doc.handle,
            name: doc.name,
            image: doc.image,
            bio: doc.bio,
            last_seen: doc.last_seen.map(to_chrono),
            created_at: to_chrono(doc.created_at),
            deleted: false,
        }
    }
}

/// What sign-up stores.
pub struct NewUser<'a> {
    pub email: &'a Email,
    pub handle: &'a Handle,
    pub name: &'a DisplayName,
    pub password_hash: String,
}

/// `filter`, restricted to accounts that were not deleted (`null` matches a
/// missing field too).
fn live(mut filter: Document) -> Document {
    filter.insert("deletedAt", bson::Bson::Null);
    filter
}

#[derive(Clone)]
pub struct UserStore {
    pub(super) users: Collection<UserDoc>,
    sign_in_addresses: Collection<Document>,
    /// Accounts being deleted (`_id`: the account), until all they left
    /// behind is gone.
    erasures: Collection<Document>,
}

impl UserStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            users: db.collection("users"),
            sign_in_addresses: db.collection("signInAddresses"),
            erasures: db.collection("account_erasures"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        let unique = |name: &str| {
            IndexOptions::builder()
                .unique(true)
                .name(name.to_owned())
                .build()
        };
        self.users
            .create_indexes([
                IndexModel::builder()
                    .keys(doc! { "email": 1 })
                    .options(unique(EMAIL_INDEX))
                    .build(),
                IndexModel::builder()
                    .keys(doc! { "handleKey": 1 })
                    .options(unique(HANDLE_INDEX))
                    .build(),
                IndexModel::builder().keys(doc! { "nameKey": 1 }).build(),
            ])
            .await?;
        self.sign_in_addresses
            .create_index(
                IndexModel::builder()
                    .keys(doc! { "at": 1 })
                    .options(
                        IndexOptions::builder()
                            .expire_after(KNOWN_ADDRESS_FOR)
                            .name("sign_in_addresses_ttl".to_owned())
                            .build(),
                    )
                    .build(),
            )
            .await?;
        Ok(())
    }

    /// True when `fingerprint` (an account and a network) had a successful
    /// sign-in within [`KNOWN_ADDRESS_DAYS`]. The TTL monitor removes
    /// expired entries only now and then, hence the time in the filter.
    pub async fn is_known_address(&self, fingerprint: &str) -> AppResult<bool> {
        let since =
            bson::DateTime::from_system_time(std::time::SystemTime::now() - KNOWN_ADDRESS_FOR);
        let found = self
            .sign_in_addresses
            .find_one(doc! { "_id": fingerprint, "at": { "$gt": since } })
            .projection(doc! { "_id": 1 })
            .await?;
        Ok(found.is_some())
    }

    /// Records a successful sign-in (or sign-up) at `fingerprint`, as of now.
    pub async fn remember_address(&self, fingerprint: &str) -> AppResult<()> {
        self.sign_in_addresses
            .update_one(
                doc! { "_id": fingerprint },
                doc! { "$set": { "at": bson::DateTime::now() } },
            )
            .upsert(true)
            .await?;
        Ok(())
    }

    /// Inserts a new account; a taken email or handle is `CONFLICT`.
    pub async fn insert(&self, new: NewUser<'_>) -> AppResult<User> {
        let doc = UserDoc {
            id: ObjectId::new(),
            email: new.email.as_str().to_owned(),
            handle: new.handle.as_str().to_owned(),
            handle_key: new.handle.key(),
            name: new.name.as_str().to_owned(),
            name_key: new.name.as_str().to_lowercase(),
            password_hash: new.password_hash,
            image: None,
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

    pub async fn find(&self, id: UserId) -> AppResult<Option<User>> {
        Ok(self
            .users
            .find_one(live(doc! { "_id": id.oid() }))
            .await?
            .map(User::from))
    }

    /// True when an account with this id exists (a cheap, covered lookup).
    pub async fn exists(&self, id: UserId) -> AppResult<bool> {
        let found = self
            .users
            .clone_with_type::<Document>()
            .find_one(live(doc! { "_id": id.oid() }))
            .projection(doc! { "_id": 1 })
            .await?;
        Ok(found.is_some())
    }

    /// The stored password hash of an account.
    pub async fn password_hash(&self, id: UserId) -> AppResult<Option<String>> {
        Ok(self
            .users
            .find_one(live(doc! { "_id": id.oid() }))
            .await?
            .map(|doc| doc.password_hash))
    }

    /// Replaces the password hash; false when the account does not exist.
    pub async fn set_password_hash(&self, id: UserId, hash: String) -> AppResult<bool> {
        let updated = self
            .users
            .update_one(
                live(doc! { "_id": id.oid() }),
                doc! { "$set": { "passwordHash": hash } },
            )
            .await?;
        Ok(updated.matched_count == 1)
    }

    /// Accounts by id in one query; missing and deleted ids are absent.
    pub async fn find_many(&self, ids: &[UserId]) -> AppResult<Vec<User>> {
        let oids: Vec<ObjectId> = ids.iter().map(UserId::oid).collect();
        self.collect(live(doc! { "_id": { "$in": oids } })).await
    }

    /// Users by id in one query, deleted accounts included (as
    /// placeholders), for showing who sent a message or is in a chat.
    pub async fn profiles(&self, ids: &[UserId]) -> AppResult<Vec<User>> {
        let oids: Vec<ObjectId> = ids.iter().map(UserId::oid).collect();
        self.collect(doc! { "_id": { "$in": oids } }).await
    }

    async fn collect(&self, filter: Document) -> AppResult<Vec<User>> {
        let docs: Vec<UserDoc> = self.users.find(filter).await?.try_collect().await?;
        Ok(docs.into_iter().map(User::from).collect())
    }

    /// Deletes an account's profile: email, handle and name become
    /// placeholders made of its id; image, bio and password go. Returns the
    /// account as it is shown from now on (also when it was erased before);
    /// `None` when there is no such account. Call [`Self::begin_erasure`]
    /// first, so that a crash in between is finished later.
    pub async fn erase(&self, id: UserId) -> AppResult<Option<User>> {
        let raw = self.users.clone_with_type::<Document>();
        let found = self.users.find_one(doc! { "_id": id.oid() }).await?;
        if let Some(found) = &found
            && found.deleted_at.is_some()
        {
            return self.erase_again(id).await;
        }
        let placeholder = format!("deleted:{id}");
        let now = bson::DateTime::now();
        let erased = doc! {
            "_id": id.oid(),
            "email": &placeholder,
            "handle": "",
            "handleKey": &placeholder,
            "name": "",
            "nameKey": "",
            "passwordHash": "",
            "createdAt": found.as_ref().map_or(now, |f| f.created_at),
            "deletedAt": now,
        };
        // Removed and stored anew rather than updated: the MongoDB-compatible
        // local server keeps an updated document's old unique keys indexed,
        // which would keep the email and handle taken. A crash in between
        // leaves no document; the next pass ([`Self::begin_erasure`]'s
        // record) stores the placeholder then.
        if found.is_some() {
            raw.delete_one(live(doc! { "_id": id.oid() })).await?;
        } else if !self.erasure_begun(id).await? {
            return Ok(None);
        }
        match raw.insert_one(&erased).await {
            Ok(_) => {
                let doc: UserDoc = bson::from_document(erased).map_err(AppError::internal)?;
                Ok(Some(User::from(doc)))
            }
            // Erased meanwhile by a concurrent call.
            Err(e) if duplicate_key_message(&e).is_some() => self.erase_again(id).await,
            Err(e) => Err(e.into()),
        }
    }

    async fn erase_again(&self, id: UserId) -> AppResult<Option<User>> {
        Ok(self
            .users
            .find_one(doc! { "_id": id.oid() })
            .await?
            .map(User::from))
    }

    /// Records that `id`'s erasure has begun, before anything is removed.
    pub async fn begin_erasure(&self, id: UserId) -> AppResult<()> {
        self.erasures
            .update_one(
                doc! { "_id": id.oid() },
                doc! { "$setOnInsert": { "at": bson::DateTime::now() } },
            )
            .upsert(true)
            .await?;
        Ok(())
    }

    async fn erasure_begun(&self, id: UserId) -> AppResult<bool> {
        Ok(self
            .erasures
            .find_one(doc! { "_id": id.oid() })
            .await?
            .is_some())
    }

    pub async fn find_by_handle(&self, handle: &Handle) -> AppResult<Option<User>> {
        Ok(self
            .users
            .find_one(live(doc! { "handleKey": handle.key() }))
            .await?
            .map(User::from))
    }

    /// The user and stored password hash for a login that is an email (when
    /// it contains `@`) or a handle. Values are matched as plain strings.
    pub async fn find_credentials(&self, login: &str) -> AppResult<Option<(User, String)>> {
        let filter = if login.contains('@') {
            doc! { "email": login.trim().to_lowercase() }
        } else {
            doc! { "handleKey": login.trim().to_ascii_lowercase() }
        };
        // A deactivated account cannot sign in (`deactivateUser`).
        let mut filter = live(filter);
        filter.insert("deactivatedAt", bson::Bson::Null);
        Ok(self.users.find_one(filter).await?.map(|doc| {
            let hash = doc.password_hash.clone();
            (User::from(doc), hash)
        }))
    }
}

/// Profile fields to change; `None` leaves a field as it is. For `bio` and
/// `image`, `Some(None)` clears the field.
#[derive(Default)]
pub struct ProfileChanges {
    pub name: Option<DisplayName>,
    pub handle: Option<Handle>,
    pub bio: Option<Option<String>>,
    pub image: Option<Option<String>>,
}

impl UserStore {
    /// Applies `changes` atomically; a taken handle is `CONFLICT` and then
    /// nothing changes. `None` when the user does not exist.
    pub async fn update_profile(
        &self,
        id: UserId,
        changes: ProfileChanges,
    ) -> AppResult<Option<User>> {
        let mut set = Document::new();
        if let Some(name) = &changes.name {
            set.insert("name", name.as_str());
            set.insert("nameKey", name.as_str().to_lowercase());
        }
        if let Some(handle) = &changes.handle {
            set.insert("handle", handle.as_str());
            set.insert("handleKey", handle.key());
        }
        if let Some(bio) = changes.bio {
            set.insert("bio", bio);
        }
        if let Some(image) = changes.image {
            set.insert("image", image);
        }
        if set.is_empty() {
            return self.find(id).await;
        }
        let updated = self
            .users
            .find_one_and_update(live(doc! { "_id": id.oid() }), doc! { "$set": set })
            .return_document(mongodb::options::ReturnDocument::After)
            .await;
        match updated {
            Ok(doc) => Ok(doc.map(User::from)),
            Err(e) => Err(conflict_or_internal(e)),
        }
    }

    /// Users whose handle or name starts with `prefix` (case-insensitive),
    /// newest accounts first, leaving out `excluded`. A range query on the
    /// lower-cased fields, so the prefix is a plain value, never a pattern.
    pub async fn search(
        &self,
        prefix: &str,
        excluded: &[UserId],
        page: PageRequest,
    ) -> AppResult<Page<User>> {
        let low = prefix.to_lowercase();
        let high = format!("{low}\u{10FFFF}");
        let range = doc! { "$gte": &low, "$lt": &high };
        let excluded: Vec<ObjectId> = excluded.iter().map(UserId::oid).collect();
        let filter = doc! { "$and": [
            { "$or": [ { "handleKey": range.clone() }, { "nameKey": range } ] },
            { "_id": { "$nin": excluded } },
            { "deletedAt": null },
        ] };
        let options = mongodb::options::FindOptions::builder()
            .sort(doc! { "_id": -1 })
            .limit(page.fetch_limit())
            .build();
        let docs: Vec<UserDoc> = self
            .users
            .find(page.filter("_id", filter))
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        Ok(page.finish(docs.into_iter().map(User::from).collect()))
    }

    /// Accounts whose erasure began and did not finish (the server stopped
    /// half-way).
    pub async fn unfinished_erasures(&self) -> AppResult<Vec<UserId>> {
        let found: Vec<Document> = self.erasures.find(doc! {}).await?.try_collect().await?;
        Ok(found
            .iter()
            .filter_map(|d| d.get_object_id("_id").ok())
            .map(UserId)
            .collect())
    }

    /// Marks an account's erasure finished.
    pub async fn erasure_done(&self, id: UserId) -> AppResult<()> {
        self.erasures.delete_one(doc! { "_id": id.oid() }).await?;
        Ok(())
    }

    /// Records when the user was last seen (their last socket closed).
    pub async fn set_last_seen(
        &self,
        id: UserId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> AppResult<()> {
        self.users
            .update_one(
                doc! { "_id": id.oid() },
                doc! { "$set": { "lastSeen": bson::DateTime::from_chrono(at) } },
            )
            .await?;
        Ok(())
    }
}

/// Maps a unique-index violation on users to a `CONFLICT` naming the field.
pub(super) fn conflict_or_internal(error: mongodb::error::Error) -> AppError {
    match duplicate_key_message(&error) {
        Some(message) if message.contains(EMAIL_INDEX) => {
            AppError::Conflict("email is already registered".into())
        }
        Some(message) if message.contains(HANDLE_INDEX) => {
            AppError::Conflict("handle is already taken".into())
        }
        Some(_) => AppError::Conflict("already exists".into()),
        None => error.into(),
    }
}
