//! Friendships and friend requests, one document per pair of users.
//!
//! A friendship is a single document keyed by the pair, so it can never be
//! half-written: both people are friends exactly while it exists. The
//! latest friend request of a pair is likewise one document keyed by the
//! pair; opening a request is a conditional upsert on that key, so two
//! racing requests (even each other's twin) cannot both be pending.

use bson::oid::ObjectId;
use bson::{Document, doc};
use futures_util::TryStreamExt;
use mongodb::options::{FindOptions, IndexOptions, ReturnDocument};
use mongodb::{Collection, IndexModel};
use serde::{Deserialize, Serialize};

use super::paging::{Page, PageRequest};
use super::{duplicate_key_message, to_chrono};
use crate::domain::{FriendRequest, FriendRequestId, FriendRequestStatus, UserId, pair_key};
use crate::error::AppResult;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FriendshipDoc {
    /// [`pair_key`] of the two users.
    #[serde(rename = "_id")]
    id: String,
    users: [ObjectId; 2],
    /// Orders a user's friends, newest first, and serves as the cursor.
    cursor: ObjectId,
    since: bson::DateTime,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestDoc {
    /// [`pair_key`] of the two users.
    #[serde(rename = "_id")]
    pair: String,
    /// The id clients see; a new one for every request of the pair.
    request_id: ObjectId,
    from: ObjectId,
    to: ObjectId,
    status: FriendRequestStatus,
    created_at: bson::DateTime,
    responded_at: Option<bson::DateTime>,
}

impl From<RequestDoc> for FriendRequest {
    fn from(doc: RequestDoc) -> Self {
        FriendRequest {
            id: FriendRequestId(doc.request_id),
            from: UserId(doc.from),
            to: UserId(doc.to),
            status: doc.status,
            created_at: to_chrono(doc.created_at),
            responded_at: doc.responded_at.map(to_chrono),
        }
    }
}

/// Which side of pending requests to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestDirection {
    Incoming,
    Outgoing,
}

/// Why a request could not be opened.
#[derive(Debug)]
pub enum OpenRequestError {
    /// A request between the two is already pending (in either direction).
    AlreadyPending,
}

#[derive(Clone)]
pub struct FriendStore {
    friendships: Collection<FriendshipDoc>,
    requests: Collection<RequestDoc>,
}

fn status_bson(status: FriendRequestStatus) -> bson::Bson {
    bson::to_bson(&status).unwrap_or(bson::Bson::Null)
}

impl FriendStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            friendships: db.collection("friendships"),
            requests: db.collection("friend_requests"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        self.friendships
            .create_indexes([IndexModel::builder()
                .keys(doc! { "users": 1, "cursor": -1 })
                .build()])
            .await?;
        self.requests
            .create_indexes([
                IndexModel::builder()
                    .keys(doc! { "requestId": 1 })
                    .options(IndexOptions::builder().unique(true).build())
                    .build(),
                IndexModel::builder()
                    .keys(doc! { "to": 1, "status": 1, "requestId": -1 })
                    .build(),
                IndexModel::builder()
                    .keys(doc! { "from": 1, "status": 1, "requestId": -1 })
                    .build(),
            ])
            .await?;
        Ok(())
    }

    pub async fn are_friends(&self, a: UserId, b: UserId) -> AppResult<bool> {
        Ok(self
            .friendships
            .find_one(doc! { "_id": pair_key(a, b) })
            .await?
            .is_some())
    }

    /// Makes `a` and `b` friends; false when they already were.
    pub async fn insert_friendship(&self, a: UserId, b: UserId) -> AppResult<bool> {
        let doc = FriendshipDoc {
            id: pair_key(a, b),
            users: [a.oid(), b.oid()],
            cursor: ObjectId::new(),
            since: bson::DateTime::now(),
        };
        match self.friendships.insert_one(doc).await {
            Ok(_) => Ok(true),
            Err(e) if duplicate_key_message(&e).is_some() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Ends a friendship; false when there was none.
    pub async fn delete_friendship(&self, a: UserId, b: UserId) -> AppResult<bool> {
        let result = self
            .friendships
            .delete_one(doc! { "_id": pair_key(a, b) })
            .await?;
        Ok(result.deleted_count == 1)
    }

    /// A page of `user`'s friends, most recent friendships first.
    pub async fn friends_page(
        &self,
        user: UserId,
        page: PageRequest,
    ) -> AppResult<Page<(ObjectId, UserId)>> {
        let filter = page.filter("cursor", doc! { "users": user.oid() });
        let options = FindOptions::builder()
            .sort(doc! { "cursor": -1 })
            .limit(page.fetch_limit())
            .build();
        let docs: Vec<FriendshipDoc> = self
            .friendships
            .find(filter)
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        let items = docs
            .into_iter()
            .map(|d| {
                let other = if d.users[0] == user.oid() {
                    d.users[1]
                } else {
                    d.users[0]
                };
                (d.cursor, UserId(other))
            })
            .collect();
        Ok(page.finish(items))
    }

    /// Every friend of `user` (for broadcasts to them).
    pub async fn friend_ids(&self, user: UserId) -> AppResult<Vec<UserId>> {
        let docs: Vec<FriendshipDoc> = self
            .friendships
            .find(doc! { "users": user.oid() })
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .into_iter()
            .flat_map(|d| d.users)
            .filter(|id| *id != user.oid())
            .map(UserId)
            .collect())
    }

    /// Opens a pending request from `from` to `to`, replacing a settled one.
    pub async fn open_request(
        &self,
        from: UserId,
        to: UserId,
    ) -> AppResult<Result<FriendRequest, OpenRequestError>> {
        let pending = status_bson(FriendRequestStatus::Pending);
        let request_id = ObjectId::new();
        let now = bson::DateTime::now();
        // Matches the pair's document only when nothing is pending; when a
        // request is pending the upsert collides on `_id` instead.
        let result = self
            .requests
            .find_one_and_update(
                doc! { "_id": pair_key(from, to), "status": { "$ne": pending.clone() } },
                doc! { "$set": {
                    "requestId": request_id, "from": from.oid(), "to": to.oid(),
                    "status": pending, "createdAt": now, "respondedAt": bson::Bson::Null,
                } },
            )
            .upsert(true)
            .return_document(ReturnDocument::After)
            .await;
        match result {
            Ok(Some(doc)) => Ok(Ok(doc.into())),
            Ok(None) => Ok(Err(OpenRequestError::AlreadyPending)),
            Err(e) if duplicate_key_message(&e).is_some() => {
                Ok(Err(OpenRequestError::AlreadyPending))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The latest request between two users.
    pub async fn request_between(&self, a: UserId, b: UserId) -> AppResult<Option<FriendRequest>> {
        Ok(self
            .requests
            .find_one(doc! { "_id": pair_key(a, b) })
            .await?
            .map(FriendRequest::from))
    }

    pub async fn request(&self, id: FriendRequestId) -> AppResult<Option<FriendRequest>> {
        Ok(self
            .requests
            .find_one(doc! { "requestId": id.oid() })
            .await?
            .map(FriendRequest::from))
    }

    /// Requests by id in one query, for DataLoaders.
    pub async fn requests(&self, ids: &[FriendRequestId]) -> AppResult<Vec<FriendRequest>> {
        let oids: Vec<ObjectId> = ids.iter().map(FriendRequestId::oid).collect();
        let docs: Vec<RequestDoc> = self
            .requests
            .find(doc! { "requestId": { "$in": oids } })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(FriendRequest::from).collect())
    }

    /// Moves a pending request to `status`; `None` when it was no longer
    /// pending (someone else settled it first).
    pub async fn settle_request(
        &self,
        id: FriendRequestId,
        status: FriendRequestStatus,
    ) -> AppResult<Option<FriendRequest>> {
        Ok(self
            .requests
            .find_one_and_update(
                doc! { "requestId": id.oid(), "status": status_bson(FriendRequestStatus::Pending) },
                doc! { "$set": { "status": status_bson(status), "respondedAt": bson::DateTime::now() } },
            )
            .return_document(ReturnDocument::After)
            .await?
            .map(FriendRequest::from))
    }

    /// The requests pending to or from `user`.
    pub async fn pending_of(&self, user: UserId) -> AppResult<Vec<FriendRequest>> {
        let pending = status_bson(FriendRequestStatus::Pending);
        let docs: Vec<RequestDoc> = self
            .requests
            .find(doc! { "$or": [
                { "from": user.oid(), "status": pending.clone() },
                { "to": user.oid(), "status": pending },
            ] })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(FriendRequest::from).collect())
    }

    /// Removes every request and friendship of `user` (their account is
    /// being deleted).
    pub async fn delete_all_of(&self, user: UserId) -> AppResult<()> {
        self.requests
            .delete_many(doc! { "$or": [ { "from": user.oid() }, { "to": user.oid() } ] })
            .await?;
        self.friendships
            .delete_many(doc! { "users": user.oid() })
            .await?;
        Ok(())
    }

    /// Cancels whatever request is pending between two users.
    pub async fn cancel_pending_between(&self, a: UserId, b: UserId) -> AppResult<()> {
        self.requests
            .update_one(
                doc! { "_id": pair_key(a, b), "status": status_bson(FriendRequestStatus::Pending) },
                doc! { "$set": { "status": status_bson(FriendRequestStatus::Cancelled), "respondedAt": bson::DateTime::now() } },
            )
            .await?;
        Ok(())
    }

    /// A page of `user`'s pending requests, newest first.
    pub async fn pending_page(
        &self,
        user: UserId,
        direction: RequestDirection,
        page: PageRequest,
    ) -> AppResult<Page<FriendRequest>> {
        let side = match direction {
            RequestDirection::Incoming => "to",
            RequestDirection::Outgoing => "from",
        };
        let mut filter = Document::new();
        filter.insert(side, user.oid());
        filter.insert("status", status_bson(FriendRequestStatus::Pending));
        let filter = page.filter("requestId", filter);
        let options = FindOptions::builder()
            .sort(doc! { "requestId": -1 })
            .limit(page.fetch_limit())
            .build();
        let docs: Vec<RequestDoc> = self
            .requests
            .find(filter)
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        Ok(page.finish(docs.into_iter().map(FriendRequest::from).collect()))
    }
}
