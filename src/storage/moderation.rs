//! Moderation state: `chat_bans` and `group_invites` (one document per
//! chat and user, its `_id` being `"<chat>:<user>"`, so a second ban or
//! invite of the same person replaces or keeps the first without a unique
//! index to maintain), each user's group-add policy (`groupAdds` on their
//! `users` document) and, on the `chats` document, mutes (`muted.<user>`)
//! and slow-mode send times (`slowSentAt.<user>`): keyed by member so that
//! the one membership read a send makes can project exactly its member's
//! entries (see `ChatStore::membership`).
//!
//! Lists are paged in `_id` order (for one chat: by user id), which makes
//! the key itself the cursor.

use std::collections::HashMap;

use bson::oid::ObjectId;
use bson::{Bson, Document, doc};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::{Collection, IndexModel};

use super::to_chrono;
use crate::domain::{Ban, ChatId, ChatPermissions, GroupAddPolicy, GroupInvite, Mute, UserId};
use crate::error::{AppError, AppResult};

#[derive(Clone)]
pub struct ModerationStore {
    bans: Collection<Document>,
    invites: Collection<Document>,
    users: Collection<Document>,
    chats: Collection<Document>,
}

fn key(chat: ChatId, user: UserId) -> String {
    format!("{chat}:{user}")
}

fn enum_bson<T: serde::Serialize>(value: &T) -> AppResult<Bson> {
    Ok(bson::to_bson(value)?)
}

fn oid(doc: &Document, field: &str) -> AppResult<ObjectId> {
    doc.get_object_id(field).map_err(AppError::internal)
}

fn time(doc: &Document, field: &str) -> Option<DateTime<Utc>> {
    doc.get_datetime(field).ok().copied().map(to_chrono)
}

fn ban_of(doc: &Document) -> AppResult<Ban> {
    Ok(Ban {
        chat: ChatId(oid(doc, "chat")?),
        user: UserId(oid(doc, "user")?),
        by: UserId(oid(doc, "by")?),
        until: time(doc, "until"),
        reason: doc.get_str("reason").ok().map(str::to_owned),
        created_at: time(doc, "createdAt").unwrap_or_default(),
    })
}

fn invite_of(doc: &Document) -> AppResult<GroupInvite> {
    Ok(GroupInvite {
        chat: ChatId(oid(doc, "chat")?),
        user: UserId(oid(doc, "user")?),
        by: UserId(oid(doc, "by")?),
        created_at: time(doc, "createdAt").unwrap_or_default(),
    })
}

impl ModerationStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            bans: db.collection("chat_bans"),
            invites: db.collection("group_invites"),
            users: db.collection("users"),
            chats: db.collection("chats"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        self.bans
            .create_index(IndexModel::builder().keys(doc! { "chat": 1 }).build())
            .await?;
        self.invites
            .create_indexes([
                IndexModel::builder().keys(doc! { "user": 1 }).build(),
                IndexModel::builder().keys(doc! { "chat": 1 }).build(),
            ])
            .await?;
        Ok(())
    }

    /// Each user's policy (missing: the default).
    pub async fn group_add_policies(
        &self,
        ids: &[UserId],
    ) -> AppResult<HashMap<UserId, GroupAddPolicy>> {
        let oids: Vec<ObjectId> = ids.iter().map(UserId::oid).collect();
        let docs: Vec<Document> = self
            .users
            .find(doc! { "_id": { "$in": oids } })
            .projection(doc! { "groupAdds": 1 })
            .await?
            .try_collect()
            .await?;
        let mut policies: HashMap<UserId, GroupAddPolicy> = ids
            .iter()
            .map(|id| (*id, GroupAddPolicy::default()))
            .collect();
        for doc in docs {
            let policy = doc
                .get("groupAdds")
                .and_then(|v| bson::from_bson(v.clone()).ok())
                .unwrap_or_default();
            policies.insert(UserId(oid(&doc, "_id")?), policy);
        }
        Ok(policies)
    }

    pub async fn set_group_add_policy(
        &self,
        user: UserId,
        policy: GroupAddPolicy,
    ) -> AppResult<()> {
        self.users
            .update_one(
                doc! { "_id": user.oid() },
                doc! { "$set": { "groupAdds": enum_bson(&policy)? } },
            )
            .await?;
        Ok(())
    }

    /// Bans `ban.user` from `ban.chat` (replacing an earlier ban).
    pub async fn put_ban(&self, ban: &Ban) -> AppResult<()> {
        let body = doc! {
            "chat": ban.chat.oid(), "user": ban.user.oid(), "by": ban.by.oid(),
            "until": ban.until.map(bson::DateTime::from_chrono),
            "reason": ban.reason.clone(),
            "createdAt": bson::DateTime::from_chrono(ban.created_at),
        };
        super::upsert_racing(|| {
            self.bans
                .replace_one(doc! { "_id": key(ban.chat, ban.user) }, body.clone())
                .upsert(true)
                .into_future()
        })
        .await?;
        Ok(())
    }

    /// Lifts a ban; false when there was none.
    pub async fn delete_ban(&self, chat: ChatId, user: UserId) -> AppResult<bool> {
        let deleted = self
            .bans
            .delete_one(doc! { "_id": key(chat, user) })
            .await?;
        Ok(deleted.deleted_count > 0)
    }

    /// The bans of `users` in `chat` (expired ones included).
    pub async fn bans_of(&self, chat: ChatId, users: &[UserId]) -> AppResult<Vec<Ban>> {
        let keys: Vec<String> = users.iter().map(|u| key(chat, *u)).collect();
        let docs: Vec<Document> = self
            .bans
            .find(doc! { "_id": { "$in": keys } })
            .await?
            .try_collect()
            .await?;
        docs.iter().map(ban_of).collect()
    }

    /// A page of `chat`'s bans after the user `after`, and whether more follow.
    pub async fn bans_page(
        &self,
        chat: ChatId,
        after: Option<UserId>,
        limit: usize,
    ) -> AppResult<(Vec<Ban>, bool)> {
        let docs = page(
            &self.bans,
            doc! { "chat": chat.oid() },
            after.map(|u| key(chat, u)),
            limit,
        )
        .await?;
        let has_next = docs.len() > limit;
        let bans = docs
            .iter()
            .take(limit)
            .map(ban_of)
            .collect::<AppResult<_>>()?;
        Ok((bans, has_next))
    }

    /// Invites `user` to `chat`; false when an invite was open already.
    pub async fn put_invite(&self, invite: &GroupInvite) -> AppResult<bool> {
        let body = doc! {
            "chat": invite.chat.oid(), "user": invite.user.oid(), "by": invite.by.oid(),
            "createdAt": bson::DateTime::from_chrono(invite.created_at),
        };
        let done = super::upsert_racing(|| {
            self.invites
                .update_one(
                    doc! { "_id": key(invite.chat, invite.user) },
                    doc! { "$setOnInsert": body.clone() },
                )
                .upsert(true)
                .into_future()
        })
        .await?;
        Ok(done.upserted_id.is_some())
    }

    /// Removes every group invite to or from `user` (their account is
    /// being deleted).
    pub async fn delete_invites_of(&self, user: UserId) -> AppResult<()> {
        self.invites
            .delete_many(doc! { "$or": [ { "user": user.oid() }, { "by": user.oid() } ] })
            .await?;
        Ok(())
    }

    /// Takes `user`'s invite to `chat` away (accepted, declined,
    /// withdrawn); `None` when there was none.
    pub async fn take_invite(&self, chat: ChatId, user: UserId) -> AppResult<Option<GroupInvite>> {
        let doc = self
            .invites
            .find_one_and_delete(doc! { "_id": key(chat, user) })
            .await?;
        doc.as_ref().map(invite_of).transpose()
    }

    /// A page of the open invites of a chat (`Some(chat)`) or of a user.
    pub async fn invites_page(
        &self,
        of: InvitesOf,
        after: Option<String>,
        limit: usize,
    ) -> AppResult<(Vec<GroupInvite>, bool)> {
        let filter = match of {
            InvitesOf::Chat(chat) => doc! { "chat": chat.oid() },
            InvitesOf::User(user) => doc! { "user": user.oid() },
        };
        let docs = page(&self.invites, filter, after, limit).await?;
        let has_next = docs.len() > limit;
        let invites = docs
            .iter()
            .take(limit)
            .map(invite_of)
            .collect::<AppResult<_>>()?;
        Ok((invites, has_next))
    }

    /// Mutes `mute.user` in `chat` (replacing an earlier mute).
    pub async fn put_mute(&self, chat: ChatId, mute: Mute) -> AppResult<()> {
        let until = mute.until.map(bson::DateTime::from_chrono);
        self.chats
            .update_one(
                doc! { "_id": chat.oid() },
                doc! { "$set": { format!("muted.{}", mute.user): { "until": until } } },
            )
            .await?;
        Ok(())
    }

    pub async fn delete_mute(&self, chat: ChatId, user: UserId) -> AppResult<()> {
        self.chats
            .update_one(
                doc! { "_id": chat.oid() },
                doc! { "$unset": { format!("muted.{user}"): "" } },
            )
            .await?;
        Ok(())
    }

    pub async fn set_permissions(
        &self,
        chat: ChatId,
        permissions: &ChatPermissions,
        slow_mode_seconds: u32,
    ) -> AppResult<()> {
        self.chats
            .update_one(
                doc! { "_id": chat.oid() },
                doc! { "$set": {
                    "permissions": bson::to_bson(permissions)?,
                    "slowModeSeconds": i64::from(slow_mode_seconds),
                } },
            )
            .await?;
        Ok(())
    }

    /// Takes `user`'s slow-mode turn in `chat` if their last send was
    /// before `not_before`; false when it was not. One atomic update, so
    /// two sends on two instances cannot both pass.
    pub async fn take_slow_turn(
        &self,
        chat: ChatId,
        user: UserId,
        not_before: DateTime<Utc>,
    ) -> AppResult<bool> {
        let field = format!("slowSentAt.{user}");
        let done = self
            .chats
            .update_one(
                doc! {
                    "_id": chat.oid(),
                    "$or": [
                        { &field: Bson::Null },
                        { &field: { "$lte": bson::DateTime::from_chrono(not_before) } },
                    ],
                },
                doc! { "$set": { &field: bson::DateTime::now() } },
            )
            .await?;
        Ok(done.modified_count > 0)
    }
}

/// Whose invites to list.
#[derive(Clone, Copy)]
pub enum InvitesOf {
    Chat(ChatId),
    User(UserId),
}

/// `limit + 1` documents matching `filter` after the key `after`, in key order.
async fn page(
    collection: &Collection<Document>,
    mut filter: Document,
    after: Option<String>,
    limit: usize,
) -> AppResult<Vec<Document>> {
    if let Some(after) = after {
        filter.insert("_id", doc! { "$gt": after });
    }
    Ok(collection
        .find(filter)
        .sort(doc! { "_id": 1 })
        .limit(limit as i64 + 1)
        .await?
        .try_collect()
        .await?)
}
