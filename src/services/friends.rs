//! Friends, friend requests and blocking.

use crate::domain::{
    FriendRequest, FriendRequestId, FriendRequestStatus, NotificationKind, User, UserId,
};
use crate::error::{AppError, AppResult};
use crate::events::{FriendEvent, FriendEventKind};
use crate::storage::friends::{OpenRequestError, RequestDirection};
use crate::storage::{Database, Page, PageRequest};

use super::account_log::AccountLog;
use super::blocks::BlockRules;
use super::notifications::{NotificationDraft, NotificationService};

/// How the recipient answers a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestAnswer {
    Accept,
    Decline,
}

#[derive(Clone)]
pub struct FriendService {
    db: Database,
    blocks: BlockRules,
    notifications: NotificationService,
    /// Where friend events are recorded and told.
    log: AccountLog,
}

impl FriendService {
    pub fn new(
        db: Database,
        blocks: BlockRules,
        notifications: NotificationService,
        log: AccountLog,
    ) -> Self {
        Self {
            db,
            blocks,
            notifications,
            log,
        }
    }

    /// Sends `me`'s request to `target`. When `target` already asked `me`,
    /// this accepts their request instead and returns it, accepted.
    #[tracing::instrument(skip(self), fields(user_id = %me, target = %target))]
    pub async fn send_request(&self, me: UserId, target: UserId) -> AppResult<FriendRequest> {
        if me == target {
            return Err(AppError::bad_input(
                "userId",
                "you cannot befriend yourself",
            ));
        }
        let (me_user, target_user) = self.pair(me, target).await?;
        self.blocks
            .ensure_unblocked(me, target, "you cannot send this user a friend request")
            .await?;
        if self.db.friends().are_friends(me, target).await? {
            return Err(AppError::Conflict("you are already friends".into()));
        }
        match self.db.friends().open_request(me, target).await? {
            Ok(request) => {
                self.tell(
                    &request,
                    FriendEventKind::RequestSent,
                    FriendEventKind::RequestReceived,
                    &me_user,
                    &target_user,
                )
                .await?;
                self.notifications
                    .notify(
                        &[target],
                        NotificationDraft {
                            kind: NotificationKind::FriendRequestReceived,
                            actor: me,
                            chat: None,
                            friend_request: Some(request.id),
                            message: None,
                        },
                    )
                    .await?;
                Ok(request)
            }
            Err(OpenRequestError::AlreadyPending) => {
                let pending = self
                    .db
                    .friends()
                    .request_between(me, target)
                    .await?
                    .filter(|r| r.status == FriendRequestStatus::Pending);
                match pending {
                    // Their request to me: sending mine means yes.
                    Some(theirs) if theirs.from == target => {
                        self.accept(theirs, &target_user, &me_user).await
                    }
                    _ => Err(AppError::Conflict(
                        "a friend request is already pending".into(),
                    )),
                }
            }
        }
    }

    /// Accepts or declines a request addressed to `me`.
    #[tracing::instrument(skip(self), fields(user_id = %me, request_id = %id))]
    pub async fn respond(
        &self,
        me: UserId,
        id: FriendRequestId,
        answer: RequestAnswer,
    ) -> AppResult<FriendRequest> {
        let request = self.visible_request(me, id).await?;
        if request.to != me {
            return Err(AppError::Forbidden(
                "only the recipient can answer a friend request".into(),
            ));
        }
        let (sender, recipient) = self.pair(request.from, me).await?;
        match answer {
            RequestAnswer::Accept => self.accept(request, &sender, &recipient).await,
            RequestAnswer::Decline => {
                let declined = self.settle(id, FriendRequestStatus::Declined).await?;
                self.tell(
                    &declined,
                    FriendEventKind::RequestDeclined,
                    FriendEventKind::RequestDeclined,
                    &sender,
                    &recipient,
                )
                .await?;
                Ok(declined)
            }
        }
    }

    /// Withdraws a request `me` sent.
    #[tracing::instrument(skip(self), fields(user_id = %me, request_id = %id))]
    pub async fn cancel(&self, me: UserId, id: FriendRequestId) -> AppResult<FriendRequest> {
        let request = self.visible_request(me, id).await?;
        if request.from != me {
            return Err(AppError::Forbidden(
                "only the sender can cancel a friend request".into(),
            ));
        }
        let (sender, recipient) = self.pair(me, request.to).await?;
        let cancelled = self.settle(id, FriendRequestStatus::Cancelled).await?;
        self.tell(
            &cancelled,
            FriendEventKind::RequestCancelled,
            FriendEventKind::RequestCancelled,
            &sender,
            &recipient,
        )
        .await?;
        Ok(cancelled)
    }

    /// Ends a friendship; returns the former friend.
    #[tracing::instrument(skip(self), fields(user_id = %me, friend = %friend))]
    pub async fn remove(&self, me: UserId, friend: UserId) -> AppResult<User> {
        if me == friend {
            return Err(AppError::NotFound("you are not friends".into()));
        }
        let (me_user, friend_user) = self.pair(me, friend).await?;
        if !self.db.friends().delete_friendship(me, friend).await? {
            return Err(AppError::NotFound("you are not friends".into()));
        }
        self.tell_removed(&me_user, &friend_user).await?;
        Ok(friend_user)
    }

    /// Blocks `target` (idempotent): ends the friendship and any pending
    /// request between them. Returns the blocked user.
    #[tracing::instrument(skip(self), fields(user_id = %me, target = %target))]
    pub async fn block(&self, me: UserId, target: UserId) -> AppResult<User> {
        if me == target {
            return Err(AppError::bad_input("userId", "you cannot block yourself"));
        }
        let (me_user, target_user) = self.pair(me, target).await?;
        self.blocks.block(me, target).await?;
        self.db.friends().cancel_pending_between(me, target).await?;
        if self.db.friends().delete_friendship(me, target).await? {
            self.tell_removed(&me_user, &target_user).await?;
        }
        Ok(target_user)
    }

    /// Lifts `me`'s block of `target` (idempotent). Returns that user.
    #[tracing::instrument(skip(self), fields(user_id = %me, target = %target))]
    pub async fn unblock(&self, me: UserId, target: UserId) -> AppResult<User> {
        if me == target {
            return Err(AppError::bad_input("userId", "you cannot unblock yourself"));
        }
        let target_user = self.existing(target).await?;
        self.blocks.unblock(me, target).await?;
        Ok(target_user)
    }

    /// Forgets `gone` (their account is being deleted): every friendship
    /// and request of theirs is removed, and the people on the other side
    /// hear of it as a removed friend or a withdrawn request (one they had
    /// sent reads as declined).
    pub async fn forget(&self, gone: &User) -> AppResult<()> {
        let friends = self.db.friends();
        let (pending, friend_ids) =
            tokio::try_join!(friends.pending_of(gone.id), friends.friend_ids(gone.id))?;
        friends.delete_all_of(gone.id).await?;
        let others: Vec<UserId> = pending
            .iter()
            .map(|r| if r.from == gone.id { r.to } else { r.from })
            .chain(friend_ids.iter().copied())
            .collect();
        let others = self.db.users().find_many(&others).await?;
        let other = |id: UserId| others.iter().find(|u| u.id == id);
        for mut request in pending {
            let sent = request.from == gone.id;
            let (status, kind) = if sent {
                (
                    FriendRequestStatus::Cancelled,
                    FriendEventKind::RequestCancelled,
                )
            } else {
                (
                    FriendRequestStatus::Declined,
                    FriendEventKind::RequestDeclined,
                )
            };
            request.status = status;
            if let Some(other) = other(if sent { request.to } else { request.from }) {
                self.publish(other.id, kind, Some(request), gone.clone())
                    .await?;
            }
        }
        for friend in friend_ids.iter().filter_map(|id| other(*id)) {
            self.publish(
                friend.id,
                FriendEventKind::FriendRemoved,
                None,
                gone.clone(),
            )
            .await?;
        }
        Ok(())
    }

    pub async fn friends_page(
        &self,
        me: UserId,
        page: PageRequest,
    ) -> AppResult<Page<(bson::oid::ObjectId, UserId)>> {
        self.db.friends().friends_page(me, page).await
    }

    pub async fn pending_page(
        &self,
        me: UserId,
        direction: RequestDirection,
        page: PageRequest,
    ) -> AppResult<Page<FriendRequest>> {
        self.db.friends().pending_page(me, direction, page).await
    }

    pub async fn blocked_page(
        &self,
        me: UserId,
        page: PageRequest,
    ) -> AppResult<Page<(bson::oid::ObjectId, UserId)>> {
        self.db.blocks().blocked_page(me, page).await
    }

    /// Requests by id (for DataLoaders).
    pub async fn requests(&self, ids: &[FriendRequestId]) -> AppResult<Vec<FriendRequest>> {
        self.db.friends().requests(ids).await
    }

    async fn accept(
        &self,
        request: FriendRequest,
        sender: &User,
        recipient: &User,
    ) -> AppResult<FriendRequest> {
        // The friendship first: if the request update then fails, the two
        // are friends and a retry finds the request settled or settles it.
        self.db
            .friends()
            .insert_friendship(request.from, request.to)
            .await?;
        let accepted = self
            .settle(request.id, FriendRequestStatus::Accepted)
            .await?;
        self.tell(
            &accepted,
            FriendEventKind::RequestAccepted,
            FriendEventKind::RequestAccepted,
            sender,
            recipient,
        )
        .await?;
        self.notifications
            .notify(
                &[request.from],
                NotificationDraft {
                    kind: NotificationKind::FriendRequestAccepted,
                    actor: request.to,
                    chat: None,
                    friend_request: Some(request.id),
                    message: None,
                },
            )
            .await?;
        Ok(accepted)
    }

    async fn settle(
        &self,
        id: FriendRequestId,
        status: FriendRequestStatus,
    ) -> AppResult<FriendRequest> {
        self.db
            .friends()
            .settle_request(id, status)
            .await?
            .ok_or_else(|| AppError::Conflict("the friend request is no longer pending".into()))
    }

    /// The request if `me` is its sender or recipient; `NOT_FOUND` otherwise,
    /// so strangers cannot probe request ids.
    async fn visible_request(&self, me: UserId, id: FriendRequestId) -> AppResult<FriendRequest> {
        let request = self
            .db
            .friends()
            .request(id)
            .await?
            .filter(|r| r.from == me || r.to == me)
            .ok_or_else(|| AppError::NotFound("friend request not found".into()))?;
        if request.status != FriendRequestStatus::Pending {
            return Err(AppError::Conflict(
                "the friend request is no longer pending".into(),
            ));
        }
        Ok(request)
    }

    async fn existing(&self, id: UserId) -> AppResult<User> {
        self.db
            .users()
            .find(id)
            .await?
            .ok_or_else(|| AppError::NotFound("user not found".into()))
    }

    /// Both users in one query, in the order asked; the second must exist.
    async fn pair(&self, a: UserId, b: UserId) -> AppResult<(User, User)> {
        let mut users = self.db.users().find_many(&[a, b]).await?;
        let position = |id: UserId, users: &[User]| users.iter().position(|u| u.id == id);
        let b_user = position(b, &users)
            .map(|i| users.swap_remove(i))
            .ok_or_else(|| AppError::NotFound("user not found".into()))?;
        let a_user = position(a, &users)
            .map(|i| users.swap_remove(i))
            .ok_or_else(|| AppError::Unauthenticated("your account no longer exists".into()))?;
        Ok((a_user, b_user))
    }

    /// Tells the sender's and the recipient's devices about `request`.
    async fn tell(
        &self,
        request: &FriendRequest,
        to_sender: FriendEventKind,
        to_recipient: FriendEventKind,
        sender: &User,
        recipient: &User,
    ) -> AppResult<()> {
        self.publish(
            sender.id,
            to_sender,
            Some(request.clone()),
            recipient.clone(),
        )
        .await?;
        self.publish(
            recipient.id,
            to_recipient,
            Some(request.clone()),
            sender.clone(),
        )
        .await
    }

    async fn tell_removed(&self, a: &User, b: &User) -> AppResult<()> {
        self.publish(a.id, FriendEventKind::FriendRemoved, None, b.clone())
            .await?;
        self.publish(b.id, FriendEventKind::FriendRemoved, None, a.clone())
            .await
    }

    /// Records the event in `to`'s account log and tells their streams.
    async fn publish(
        &self,
        to: UserId,
        kind: FriendEventKind,
        request: Option<FriendRequest>,
        counterpart: User,
    ) -> AppResult<()> {
        self.log
            .friend(
                to,
                FriendEvent {
                    kind,
                    request,
                    counterpart,
                    seq: None,
                },
            )
            .await
    }
}
