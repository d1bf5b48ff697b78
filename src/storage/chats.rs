//! The `chats` collection: direct and group chats with their members. Each
//! chat's sequence counter and last message live in `chat_heads` (see
//! [`super::chat_heads`] for why).
//!
//! A direct chat's `directKey` is the pair of its members (a group's is its
//! own id) under a unique index, so two people creating their chat at the
//! same moment get one chat. Member limits are enforced inside the update's
//! filter, so concurrent additions cannot overshoot them.

use bson::oid::ObjectId;
use bson::{Document, doc};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::options::{FindOptions, IndexOptions, ReturnDocument};
use mongodb::{Collection, IndexModel};
use serde::{Deserialize, Serialize};

use super::paging::Page;
use super::{duplicate_key_message, to_chrono};
use std::collections::HashMap;

use crate::domain::{
    ACTIVITY_EXACT_MEMBERS, ACTIVITY_RESOLUTION, Chat, ChatId, ChatPermissions, ChatPrivacy,
    Membership, Mute, Role, UserId, pair_key, pair_partner,
};
use crate::error::{AppError, AppResult};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChatDoc {
    #[serde(rename = "_id")]
    id: ObjectId,
    is_group: bool,
    name: Option<String>,
    /// Lower-cased name, for prefix search of public groups.
    name_key: Option<String>,
    description: Option<String>,
    image: Option<String>,
    privacy: ChatPrivacy,
    participants: Vec<ObjectId>,
    admins: Vec<ObjectId>,
    created_by: ObjectId,
    direct_key: String,
    last_activity: bson::DateTime,
    created_at: bson::DateTime,
    #[serde(default)]
    permissions: ChatPermissions,
    #[serde(default)]
    slow_mode_seconds: u32,
    /// Mutes by member id (see `super::moderation`).
    #[serde(default, skip_serializing_if = "HashMap::is_empty")]
    muted: HashMap<String, MuteDoc>,
}

#[derive(Debug, Serialize, Deserialize)]
struct MuteDoc {
    until: Option<bson::DateTime>,
}

fn mutes_of(muted: HashMap<String, MuteDoc>) -> Vec<Mute> {
    muted
        .into_iter()
        .filter_map(|(user, mute)| {
            Some(Mute {
                user: UserId(ObjectId::parse_str(&user).ok()?),
                until: mute.until.map(to_chrono),
            })
        })
        .collect()
}

impl From<ChatDoc> for Chat {
    fn from(doc: ChatDoc) -> Self {
        Chat {
            id: ChatId(doc.id),
            is_group: doc.is_group,
            name: doc.name,
            description: doc.description,
            image: doc.image,
            privacy: doc.privacy,
            participants: doc.participants.into_iter().map(UserId).collect(),
            admins: doc.admins.into_iter().map(UserId).collect(),
            created_by: UserId(doc.created_by),
            last_activity: to_chrono(doc.last_activity),
            created_at: to_chrono(doc.created_at),
            permissions: doc.permissions,
            slow_mode_seconds: doc.slow_mode_seconds,
            mutes: mutes_of(doc.muted),
        }
    }
}

/// A new group's fields.
pub struct NewGroup {
    pub name: String,
    pub description: Option<String>,
    pub image: Option<String>,
    pub privacy: ChatPrivacy,
    pub creator: UserId,
    /// Everyone, creator first.
    pub participants: Vec<UserId>,
}

/// Group fields to change; `None` leaves a field alone, `Some(None)` clears.
#[derive(Default)]
pub struct ChatChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub image: Option<Option<String>>,
    pub privacy: Option<ChatPrivacy>,
}

/// Which of a user's chats a page is taken from.
pub enum ChatSet {
    All,
    Except(Vec<ChatId>),
    Only(Vec<ChatId>),
}

/// Keyset position in a user's chat list (most recent activity first).
#[derive(Clone, Copy, Debug)]
pub struct ChatCursor {
    pub last_activity: DateTime<Utc>,
    pub id: ObjectId,
}

impl ChatCursor {
    pub fn encode(&self) -> String {
        format!(
            "{}_{}",
            self.last_activity.timestamp_millis(),
            self.id.to_hex()
        )
    }

    pub fn decode(raw: &str) -> Option<Self> {
        let (millis, id) = raw.split_once('_')?;
        Some(Self {
            last_activity: DateTime::from_timestamp_millis(millis.parse().ok()?)?,
            id: ObjectId::parse_str(id).ok()?,
        })
    }

    pub fn of(chat: &Chat) -> Self {
        Self {
            last_activity: chat.last_activity,
            id: chat.id.oid(),
        }
    }
}

fn privacy_bson(privacy: ChatPrivacy) -> bson::Bson {
    bson::to_bson(&privacy).unwrap_or(bson::Bson::Null)
}

#[derive(Clone)]
pub struct ChatStore {
    chats: Collection<ChatDoc>,
}

impl ChatStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            chats: db.collection("chats"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> AppResult<()> {
        self.chats
            .create_indexes([
                IndexModel::builder()
                    .keys(doc! { "participants": 1, "lastActivity": -1, "_id": -1 })
                    .build(),
                IndexModel::builder()
                    .keys(doc! { "directKey": 1 })
                    .options(IndexOptions::builder().unique(true).build())
                    .build(),
                IndexModel::builder()
                    .keys(doc! { "privacy": 1, "nameKey": 1 })
                    .build(),
            ])
            .await?;
        Ok(())
    }

    /// The direct chat of `a` and `b`, created if missing. The second value
    /// is true when this call created it.
    pub async fn direct(&self, a: UserId, b: UserId) -> AppResult<(Chat, bool)> {
        let now = bson::DateTime::now();
        let id = ObjectId::new();
        let insert = doc! { "$setOnInsert": {
            "_id": id, "isGroup": false, "name": null, "nameKey": null, "description": null,
            "image": null, "privacy": privacy_bson(ChatPrivacy::Private),
            "participants": [a.oid(), b.oid()], "admins": [], "createdBy": a.oid(),
            "lastActivity": now, "createdAt": now,
        } };
        let key = pair_key(a, b);
        for _ in 0..3 {
            let result = self
                .chats
                .find_one_and_update(doc! { "directKey": &key }, insert.clone())
                .upsert(true)
                .return_document(ReturnDocument::After)
                .await;
            match result {
                Ok(Some(doc)) => {
                    let created = doc.id == id;
                    return Ok((doc.into(), created));
                }
                // Two upserts raced; the loser retries and finds the winner's.
                Err(e) if duplicate_key_message(&e).is_some() => continue,
                Ok(None) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Conflict(
            "the chat is being created; try again".into(),
        ))
    }

    pub async fn insert_group(&self, group: NewGroup) -> AppResult<Chat> {
        let id = ObjectId::new();
        let now = bson::DateTime::now();
        let doc = ChatDoc {
            id,
            is_group: true,
            name_key: Some(group.name.to_lowercase()),
            name: Some(group.name),
            description: group.description,
            image: group.image,
            privacy: group.privacy,
            participants: group.participants.iter().map(UserId::oid).collect(),
            admins: vec![group.creator.oid()],
            created_by: group.creator.oid(),
            direct_key: format!("group:{id}"),
            last_activity: now,
            created_at: now,
            permissions: ChatPermissions::default(),
            slow_mode_seconds: 0,
            muted: HashMap::new(),
        };
        self.chats.insert_one(&doc).await?;
        Ok(doc.into())
    }

    /// Which of `users` are members of chat `id` (none if there is no such
    /// chat): one read of the member list, for many users at once.
    pub async fn members_among(&self, id: ChatId, users: &[UserId]) -> AppResult<Vec<UserId>> {
        let chat = self
            .documents()
            .find_one(doc! { "_id": id.oid() })
            .projection(doc! { "participants": 1 })
            .await?;
        let participants = chat
            .as_ref()
            .and_then(|chat| chat.get_array("participants").ok())
            .map(|list| list.iter().filter_map(bson::Bson::as_object_id).collect())
            .unwrap_or_else(std::collections::HashSet::new);
        Ok(users
            .iter()
            .copied()
            .filter(|user| participants.contains(&user.oid()))
            .collect())
    }

    /// `user`'s membership of chat `id` (`None`: not a member, or no such
    /// chat), without reading the member list: only what a member's action
    /// is checked against (role, permissions, their own mute and slow-mode
    /// turn), in this one read.
    pub async fn membership(&self, id: ChatId, user: UserId) -> AppResult<Option<Membership>> {
        let chat = self
            .documents()
            .find_one(doc! { "_id": id.oid(), "participants": user.oid() })
            .projection(doc! {
                "isGroup": 1, "directKey": 1, "closedAt": 1, "createdBy": 1,
                "admins": 1, "permissions": 1, "slowModeSeconds": 1,
                format!("muted.{user}"): 1, format!("slowSentAt.{user}"): 1,
            })
            .await?;
        let Some(chat) = chat else {
            return Ok(None);
        };
        let is_group = chat.get_bool("isGroup").map_err(AppError::internal)?;
        let partner = match is_group {
            true => None,
            // Fails closed: a direct chat always names its pair (the block
            // check between the two depends on it).
            false => Some(
                chat.get_str("directKey")
                    .ok()
                    .and_then(|key| pair_partner(key, user))
                    .ok_or_else(|| anyhow::anyhow!("direct chat {id} without a pair key"))?,
            ),
        };
        let is_admin = chat
            .get_array("admins")
            .is_ok_and(|admins| admins.contains(&bson::Bson::ObjectId(user.oid())));
        let role = match () {
            _ if is_group && chat.get_object_id("createdBy").ok() == Some(user.oid()) => {
                Role::Owner
            }
            _ if is_admin => Role::Admin,
            _ => Role::Member,
        };
        let own = |field: &str| {
            chat.get_document(field)
                .ok()
                .and_then(|map| map.get(user.to_string()))
                .cloned()
        };
        let mute = own("muted").map(|entry| Mute {
            user,
            until: entry
                .as_document()
                .and_then(|d| d.get_datetime("until").ok())
                .copied()
                .map(to_chrono),
        });
        Ok(Some(Membership {
            id,
            is_group,
            partner,
            closed: chat.contains_key("closedAt"),
            role,
            permissions: chat
                .get("permissions")
                .and_then(|p| bson::from_bson(p.clone()).ok())
                .unwrap_or_default(),
            slow_mode_seconds: match chat.get("slowModeSeconds") {
                Some(bson::Bson::Int32(n)) => u32::try_from(*n).unwrap_or(0),
                Some(bson::Bson::Int64(n)) => u32::try_from(*n).unwrap_or(0),
                _ => 0,
            },
            mute,
            last_slow_send: own("slowSentAt")
                .and_then(|v| v.as_datetime().copied())
                .map(to_chrono),
        }))
    }

    /// Closes `user`'s direct chats (their account is being deleted): the
    /// other person keeps reading them but can send nothing more. Returns
    /// the chats closed.
    pub async fn close_directs_of(&self, user: UserId) -> AppResult<Vec<ChatId>> {
        let filter = doc! { "participants": user.oid(), "isGroup": false };
        let found = self.ids_where(filter.clone()).await?;
        self.chats
            .update_many(
                filter,
                doc! { "$set": { "closedAt": bson::DateTime::now() } },
            )
            .await?;
        Ok(found)
    }

    /// The groups `user` is a member of.
    pub async fn group_ids_of(&self, user: UserId) -> AppResult<Vec<ChatId>> {
        self.ids_where(doc! { "participants": user.oid(), "isGroup": true })
            .await
    }

    pub async fn find(&self, id: ChatId) -> AppResult<Option<Chat>> {
        Ok(self
            .chats
            .find_one(doc! { "_id": id.oid() })
            .await?
            .map(Chat::from))
    }

    /// Chats by id in one query, for DataLoaders.
    pub async fn find_many(&self, ids: &[ChatId]) -> AppResult<Vec<Chat>> {
        let oids: Vec<ObjectId> = ids.iter().map(ChatId::oid).collect();
        let docs: Vec<ChatDoc> = self
            .chats
            .find(doc! { "_id": { "$in": oids } })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(Chat::from).collect())
    }

    /// Ids of every chat `user` is in.
    pub async fn ids_for_member(&self, user: UserId) -> AppResult<Vec<ChatId>> {
        self.ids_where(doc! { "participants": user.oid() }).await
    }

    /// The ids of the chats `filter` matches (only the ids are read).
    async fn ids_where(&self, filter: Document) -> AppResult<Vec<ChatId>> {
        let docs: Vec<Document> = self
            .documents()
            .find(filter)
            .projection(doc! { "_id": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .iter()
            .filter_map(|d| d.get_object_id("_id").ok())
            .map(ChatId)
            .collect())
    }

    /// A page of `user`'s chats, most recent activity first.
    pub async fn page_for_member(
        &self,
        user: UserId,
        after: Option<ChatCursor>,
        limit: usize,
    ) -> AppResult<Page<Chat>> {
        self.page_for_member_of(user, after, limit, &ChatSet::All)
            .await
    }

    /// [`Self::page_for_member`] among `set` only.
    pub async fn page_for_member_of(
        &self,
        user: UserId,
        after: Option<ChatCursor>,
        limit: usize,
        set: &ChatSet,
    ) -> AppResult<Page<Chat>> {
        let mut filter = doc! { "participants": user.oid() };
        let ids = |ids: &[ChatId]| ids.iter().map(|c| c.oid()).collect::<Vec<ObjectId>>();
        match set {
            ChatSet::All => {}
            ChatSet::Except(except) => {
                filter.insert("_id", doc! { "$nin": ids(except) });
            }
            ChatSet::Only(only) => {
                filter.insert("_id", doc! { "$in": ids(only) });
            }
        }
        if let Some(after) = after {
            let at = bson::DateTime::from_chrono(after.last_activity);
            filter.insert(
                "$or",
                vec![
                    doc! { "lastActivity": { "$lt": at } },
                    doc! { "lastActivity": at, "_id": { "$lt": after.id } },
                ],
            );
        }
        let options = FindOptions::builder()
            .sort(doc! { "lastActivity": -1, "_id": -1 })
            .limit(limit as i64 + 1)
            .build();
        let docs: Vec<ChatDoc> = self
            .chats
            .find(filter)
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        let mut items: Vec<Chat> = docs.into_iter().map(Chat::from).collect();
        let has_next = items.len() > limit;
        items.truncate(limit);
        Ok(Page { items, has_next })
    }

    /// When each of `ids` last had a message (what orders chat lists).
    pub async fn last_activities(
        &self,
        ids: &[ChatId],
    ) -> AppResult<HashMap<ChatId, DateTime<Utc>>> {
        let oids: Vec<ObjectId> = ids.iter().map(|c| c.oid()).collect();
        let docs: Vec<Document> = self
            .documents()
            .find(doc! { "_id": { "$in": oids } })
            .projection(doc! { "lastActivity": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .iter()
            .filter_map(|d| {
                let id = d.get_object_id("_id").ok()?;
                let at = d.get_datetime("lastActivity").ok()?;
                Some((ChatId(id), to_chrono(*at)))
            })
            .collect())
    }

    /// True when every one of `users` is a member of chat `id` (one count,
    /// the member list stays in the database).
    pub async fn has_members(&self, id: ChatId, users: &[UserId]) -> AppResult<bool> {
        let users: Vec<ObjectId> = users.iter().map(UserId::oid).collect();
        let found = self
            .chats
            .count_documents(doc! { "_id": id.oid(), "participants": { "$all": users } })
            .await?;
        Ok(found > 0)
    }

    /// Public groups whose name starts with `prefix` (any case), newest first.
    pub async fn search_public(
        &self,
        prefix: &str,
        after: Option<ObjectId>,
        limit: usize,
    ) -> AppResult<Page<Chat>> {
        let low = prefix.to_lowercase();
        let high = format!("{low}\u{10FFFF}");
        let mut filter = doc! {
            "privacy": privacy_bson(ChatPrivacy::Public),
            "nameKey": { "$gte": &low, "$lt": &high },
        };
        if let Some(after) = after {
            filter.insert("_id", doc! { "$lt": after });
        }
        let options = FindOptions::builder()
            .sort(doc! { "_id": -1 })
            .limit(limit as i64 + 1)
            .build();
        let docs: Vec<ChatDoc> = self
            .chats
            .find(filter)
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        let mut items: Vec<Chat> = docs.into_iter().map(Chat::from).collect();
        let has_next = items.len() > limit;
        items.truncate(limit);
        Ok(Page { items, has_next })
    }

    /// Applies `changes` to a group; returns the chat after.
    pub async fn update_info(&self, id: ChatId, changes: &ChatChanges) -> AppResult<Option<Chat>> {
        let mut set = Document::new();
        if let Some(name) = &changes.name {
            set.insert("name", name);
            set.insert("nameKey", name.to_lowercase());
        }
        if let Some(description) = &changes.description {
            set.insert("description", description.clone());
        }
        if let Some(image) = &changes.image {
            set.insert("image", image.clone());
        }
        if let Some(privacy) = changes.privacy {
            set.insert("privacy", privacy_bson(privacy));
        }
        self.modify(doc! { "_id": id.oid() }, doc! { "$set": set })
            .await
    }

    /// Adds members unless the chat would then exceed `max_members`; `None`
    /// when the limit (checked inside the update) refused it.
    pub async fn add_members(
        &self,
        id: ChatId,
        users: &[UserId],
        max_members: usize,
    ) -> AppResult<Option<Chat>> {
        let oids: Vec<ObjectId> = users.iter().map(UserId::oid).collect();
        let mut filter = doc! { "_id": id.oid(), "participants": { "$nin": oids.clone() } };
        // The array has no element at this position while the chat has room.
        if let Some(position) = max_members.checked_sub(users.len()) {
            filter.insert(
                format!("participants.{position}"),
                doc! { "$exists": false },
            );
        } else {
            return Ok(None);
        }
        self.modify(
            filter,
            doc! { "$push": { "participants": { "$each": oids } } },
        )
        .await
    }

    /// Removes a member (and their admin role).
    pub async fn remove_member(&self, id: ChatId, user: UserId) -> AppResult<Option<Chat>> {
        self.modify(
            doc! { "_id": id.oid(), "participants": user.oid() },
            doc! { "$pull": { "participants": user.oid(), "admins": user.oid() } },
        )
        .await
    }

    pub async fn set_admin(
        &self,
        id: ChatId,
        user: UserId,
        admin: bool,
    ) -> AppResult<Option<Chat>> {
        let update = if admin {
            doc! { "$addToSet": { "admins": user.oid() } }
        } else {
            doc! { "$pull": { "admins": user.oid() } }
        };
        self.modify(doc! { "_id": id.oid(), "participants": user.oid() }, update)
            .await
    }

    /// Makes `user` (a member) the creator and an admin.
    pub async fn set_creator(&self, id: ChatId, user: UserId) -> AppResult<Option<Chat>> {
        self.modify(
            doc! { "_id": id.oid(), "participants": user.oid() },
            doc! { "$set": { "createdBy": user.oid() }, "$addToSet": { "admins": user.oid() } },
        )
        .await
    }

    pub async fn delete(&self, id: ChatId) -> AppResult<()> {
        self.chats.delete_one(doc! { "_id": id.oid() }).await?;
        Ok(())
    }

    /// Moves the chat's activity to now; in a group of more than
    /// [`ACTIVITY_EXACT_MEMBERS`], only if it moved more than
    /// [`ACTIVITY_RESOLUTION`] ago (a busy large group is rewritten once a
    /// second, not once a message).
    pub async fn touch(&self, id: ChatId) -> AppResult<()> {
        let now = bson::DateTime::now();
        let stale = bson::DateTime::from_millis(
            now.timestamp_millis() - ACTIVITY_RESOLUTION.as_millis() as i64,
        );
        self.chats
            .update_one(
                doc! {
                    "_id": id.oid(),
                    "$or": [
                        { format!("participants.{ACTIVITY_EXACT_MEMBERS}"): { "$exists": false } },
                        { "lastActivity": { "$lt": stale } },
                    ],
                },
                doc! { "$set": { "lastActivity": now } },
            )
            .await?;
        Ok(())
    }

    /// The collection untyped (for reading a few fields, and for moving
    /// fields out of it, see [`super::migrations`]).
    pub(super) fn documents(&self) -> Collection<Document> {
        self.chats.clone_with_type()
    }

    async fn modify(&self, filter: Document, update: Document) -> AppResult<Option<Chat>> {
        Ok(self
            .chats
            .find_one_and_update(filter, update)
            .return_document(ReturnDocument::After)
            .await?
            .map(Chat::from))
    }

    /// Everyone who shares at least one chat with `user` (including `user`).
    pub async fn co_member_ids(&self, user: UserId) -> AppResult<Vec<UserId>> {
        let docs: Vec<Document> = self
            .chats
            .clone_with_type::<Document>()
            .find(doc! { "participants": user.oid() })
            .projection(doc! { "participants": 1, "_id": 0 })
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .iter()
            .filter_map(|d| d.get_array("participants").ok())
            .flatten()
            .filter_map(|v| v.as_object_id())
            .map(UserId)
            .collect())
    }
}
