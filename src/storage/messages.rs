//! Messages and each chat's event log.
//!
//! Every persisted event of a chat has a sequence number from the chat's
//! counter. A message takes one when created and is stored in `messages`
//! (its current state). Every later change (edit, delete, reaction, read
//! and delivered receipts) takes one too and is appended to `chat_events`
//! with a snapshot, so a client can replay what it missed. A number whose
//! write failed is filled with a VOID event, keeping the log gapless.
//!
//! Uniqueness never relies on partial or sparse indexes: `dedupKey` is
//! `<chat>:<sender>:<clientMessageId>` for idempotent sends and the message's own
//! id otherwise.

use std::collections::HashMap;
use std::time::Duration;

use bson::oid::ObjectId;
use bson::{Document, doc};
use futures_util::TryStreamExt;
use mongodb::options::{FindOptions, IndexOptions, ReturnDocument};
use mongodb::{Collection, IndexModel};
use serde::{Deserialize, Serialize};

use super::{duplicate_key_message, to_chrono};
use crate::domain::{
    ChatId, Media, Message, MessageEventKind, MessageId, MessageKind, Reaction, SystemInfo, UserId,
};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageDoc {
    #[serde(rename = "_id")]
    id: ObjectId,
    chat_id: ObjectId,
    seq: i64,
    sender_id: ObjectId,
    kind: MessageKind,
    text: Option<String>,
    media: Vec<Media>,
    reply_to: Option<ObjectId>,
    /// Set on thread replies only (see `storage::threads`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    thread_root_id: Option<ObjectId>,
    reactions: Vec<Reaction>,
    deleted_for: Vec<ObjectId>,
    is_deleted: bool,
    edited_at: Option<bson::DateTime>,
    created_at: bson::DateTime,
    client_message_id: Option<String>,
    dedup_key: String,
    system: Option<SystemInfo>,
    /// What search matches on (see `storage::search`); empty for system
    /// messages, tombstones and the log's snapshots.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    terms: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    mentions: Vec<ObjectId>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    mentions_all: bool,
}

impl From<MessageDoc> for Message {
    fn from(d: MessageDoc) -> Self {
        Message {
            id: MessageId(d.id),
            chat: ChatId(d.chat_id),
            seq: d.seq,
            sender: UserId(d.sender_id),
            kind: d.kind,
            text: d.text,
            media: d.media,
            reply_to: d.reply_to.map(MessageId),
            thread_root: d.thread_root_id.map(MessageId),
            // Removing the last user of an emoji leaves its entry empty.
            reactions: d
                .reactions
                .into_iter()
                .filter(|r| !r.users.is_empty())
                .collect(),
            deleted_for: d.deleted_for.into_iter().map(UserId).collect(),
            is_deleted: d.is_deleted,
            edited_at: d.edited_at.map(to_chrono),
            created_at: to_chrono(d.created_at),
            client_message_id: d.client_message_id,
            system: d.system,
            mentions: d.mentions.into_iter().map(UserId).collect(),
            mentions_all: d.mentions_all,
        }
    }
}

impl From<&Message> for MessageDoc {
    fn from(m: &Message) -> Self {
        MessageDoc {
            id: m.id.oid(),
            chat_id: m.chat.oid(),
            seq: m.seq,
            sender_id: m.sender.oid(),
            kind: m.kind,
            text: m.text.clone(),
            media: m.media.clone(),
            reply_to: m.reply_to.map(|r| r.oid()),
            thread_root_id: m.thread_root.map(|r| r.oid()),
            reactions: m.reactions.clone(),
            deleted_for: m.deleted_for.iter().map(UserId::oid).collect(),
            is_deleted: m.is_deleted,
            edited_at: m.edited_at.map(bson::DateTime::from_chrono),
            created_at: bson::DateTime::from_chrono(m.created_at),
            dedup_key: match &m.client_message_id {
                Some(client_id) => dedup_key(m.chat, m.sender, client_id),
                None => m.id.to_string(),
            },
            client_message_id: m.client_message_id.clone(),
            system: m.system.clone(),
            terms: super::search::terms_of(m.kind, m.is_deleted, m.text.as_deref()),
            mentions: m.mentions.iter().map(UserId::oid).collect(),
            mentions_all: m.mentions_all,
        }
    }
}

/// The unique key of a message sent with a client id: one per sender *and
/// chat*, so a retry can only ever return a message of the chat it was sent
/// to (which the sender was just checked to be a member of), never one of
/// another chat, perhaps one they have left since. Keys stored before the
/// chat was part of them (`sender:clientId`) never collide with these.
fn dedup_key(chat: ChatId, sender: UserId, client_id: &str) -> String {
    format!("{chat}:{sender}:{client_id}")
}

/// True when every write of a failed `insert_many` hit an existing key.
fn only_duplicates(error: &mongodb::error::Error) -> bool {
    const DUPLICATE_KEY: i32 = 11000;
    match error.kind.as_ref() {
        mongodb::error::ErrorKind::InsertMany(e) => {
            e.write_concern_error.is_none()
                && e.write_errors
                    .as_ref()
                    .is_some_and(|errors| errors.iter().all(|w| w.code == DUPLICATE_KEY))
        }
        _ => duplicate_key_message(error).is_some(),
    }
}

/// One entry of a chat's event log.
#[derive(Clone, Debug)]
pub struct LoggedEvent {
    pub chat: ChatId,
    pub seq: i64,
    /// Never `CREATED`: a creation is stored as the message itself.
    pub kind: MessageEventKind,
    /// Who did it.
    pub actor: UserId,
    /// The message after the change (edits, deletes, reactions).
    pub message: Option<Message>,
    /// The receipt's position (read and delivered).
    pub up_to: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoggedDoc {
    #[serde(rename = "_id")]
    id: ObjectId,
    chat_id: ObjectId,
    seq: i64,
    kind: MessageEventKind,
    actor_id: ObjectId,
    message: Option<MessageDoc>,
    up_to: Option<i64>,
    created_at: bson::DateTime,
}

impl From<LoggedDoc> for LoggedEvent {
    fn from(d: LoggedDoc) -> Self {
        LoggedEvent {
            chat: ChatId(d.chat_id),
            seq: d.seq,
            kind: d.kind,
            actor: UserId(d.actor_id),
            message: d.message.map(Message::from),
            up_to: d.up_to,
        }
    }
}

/// An entry when replaying a chat: a message's creation or a logged event.
#[derive(Clone, Debug)]
pub enum Replayed {
    Created(Message),
    Logged(LoggedEvent),
}

impl Replayed {
    pub fn seq(&self) -> i64 {
        match self {
            Replayed::Created(m) => m.seq,
            Replayed::Logged(e) => e.seq,
        }
    }
}

/// Where a history page starts and which way it goes (sequence order).
#[derive(Clone, Copy, Debug)]
pub enum HistoryPage {
    /// The first `limit` messages after `after` (oldest first).
    Forward { after: Option<i64>, limit: usize },
    /// The last `limit` messages before `before`.
    Backward { before: Option<i64>, limit: usize },
}

#[derive(Clone)]
pub struct MessageStore {
    messages: Collection<MessageDoc>,
    log: Collection<LoggedDoc>,
}

impl MessageStore {
    pub(super) fn new(db: &mongodb::Database) -> Self {
        Self {
            messages: db.collection("messages"),
            log: db.collection("chat_events"),
        }
    }

    pub(super) async fn ensure_indexes(&self, log_retention: Duration) -> AppResult<()> {
        let unique = || IndexOptions::builder().unique(true).build();
        self.messages
            .create_indexes([
                IndexModel::builder()
                    .keys(doc! { "chatId": 1, "seq": 1 })
                    .options(unique())
                    .build(),
                IndexModel::builder()
                    .keys(doc! { "dedupKey": 1 })
                    .options(unique())
                    .build(),
                // A thread's replies in order (see `storage::threads`).
                IndexModel::builder()
                    .keys(doc! { "chatId": 1, "threadRootId": 1, "seq": 1 })
                    .build(),
                // A user's own messages: their data export, and making them
                // tombstones when their account is deleted.
                IndexModel::builder()
                    .keys(doc! { "senderId": 1, "_id": 1 })
                    .build(),
                // System messages naming a user, made again when the user
                // deletes their account.
                IndexModel::builder()
                    .keys(doc! { "system.targets": 1 })
                    .build(),
            ])
            .await?;
        self.log
            .create_indexes([
                IndexModel::builder()
                    .keys(doc! { "chatId": 1, "seq": 1 })
                    .options(unique())
                    .build(),
                IndexModel::builder()
                    .keys(doc! { "createdAt": 1 })
                    .options(
                        IndexOptions::builder()
                            .expire_after(log_retention)
                            .name("chat_events_ttl".to_owned())
                            .build(),
                    )
                    .build(),
            ])
            .await?;
        Ok(())
    }

    /// Stores a new message. `Ok(None)` when its `clientMessageId` was
    /// already used by the same sender (then nothing is stored).
    pub async fn insert(&self, message: &Message) -> AppResult<Option<()>> {
        match self.messages.insert_one(MessageDoc::from(message)).await {
            Ok(_) => Ok(Some(())),
            Err(e) if duplicate_key_message(&e).is_some_and(|m| m.contains("dedupKey")) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The message a sender already sent to `chat` with this client id, if
    /// any.
    pub async fn find_by_client_id(
        &self,
        chat: ChatId,
        sender: UserId,
        client_id: &str,
    ) -> AppResult<Option<Message>> {
        Ok(self
            .messages
            .find_one(doc! { "dedupKey": dedup_key(chat, sender, client_id) })
            .await?
            .map(Message::from))
    }

    pub async fn find(&self, id: MessageId) -> AppResult<Option<Message>> {
        Ok(self
            .messages
            .find_one(doc! { "_id": id.oid() })
            .await?
            .map(Message::from))
    }

    /// The message of `chat` created with sequence number `seq`, if any.
    pub async fn at_seq(&self, chat: ChatId, seq: i64) -> AppResult<Option<Message>> {
        Ok(self
            .messages
            .find_one(doc! { "chatId": chat.oid(), "seq": seq })
            .await?
            .map(Message::from))
    }

    /// Messages by id in one query, for DataLoaders.
    pub async fn find_many(&self, ids: &[MessageId]) -> AppResult<Vec<Message>> {
        let oids: Vec<ObjectId> = ids.iter().map(MessageId::oid).collect();
        let docs: Vec<MessageDoc> = self
            .messages
            .find(doc! { "_id": { "$in": oids } })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(Message::from).collect())
    }

    /// A page of a chat's history in sequence order, leaving out messages
    /// `viewer` deleted for themself. The flag says whether more exist in
    /// the page's direction.
    pub async fn history(
        &self,
        chat: ChatId,
        viewer: UserId,
        page: HistoryPage,
    ) -> AppResult<(Vec<Message>, bool)> {
        self.history_in(chat, viewer, page, super::threads::Scope::All)
            .await
    }

    /// [`Self::history`] limited to a `scope`: the main list without thread
    /// replies, or one thread's replies.
    pub async fn history_in(
        &self,
        chat: ChatId,
        viewer: UserId,
        page: HistoryPage,
        scope: super::threads::Scope,
    ) -> AppResult<(Vec<Message>, bool)> {
        let mut filter = doc! { "chatId": chat.oid(), "deletedFor": { "$ne": viewer.oid() } };
        scope.narrow(&mut filter);
        let (sort, limit) = match page {
            HistoryPage::Forward { after, limit } => {
                if let Some(after) = after {
                    filter.insert("seq", doc! { "$gt": after });
                }
                (1, limit)
            }
            HistoryPage::Backward { before, limit } => {
                if let Some(before) = before {
                    filter.insert("seq", doc! { "$lt": before });
                }
                (-1, limit)
            }
        };
        let options = FindOptions::builder()
            .sort(doc! { "seq": sort })
            .limit(limit as i64 + 1)
            .build();
        let docs: Vec<MessageDoc> = self
            .messages
            .find(filter)
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        let mut items: Vec<Message> = docs.into_iter().map(Message::from).collect();
        let more = items.len() > limit;
        items.truncate(limit);
        if sort == -1 {
            items.reverse();
        }
        Ok((items, more))
    }

    /// Replaces a message's text and stamps the edit; `None` when the
    /// message is gone or was deleted for everyone (checked in the same
    /// update, so an edit never revives a tombstone).
    /// Sets a message's text and whom it mentions (`mentions_all`: everyone).
    pub async fn edit_text(
        &self,
        id: MessageId,
        text: &str,
        mentions: &[UserId],
        mentions_all: bool,
    ) -> AppResult<Option<Message>> {
        let mentions: Vec<ObjectId> = mentions.iter().map(UserId::oid).collect();
        self.modify(
            id,
            doc! { "isDeleted": false },
            doc! { "$set": {
                "text": text,
                "editedAt": bson::DateTime::now(),
                "terms": super::search::terms_of(MessageKind::Text, false, Some(text)),
                "mentions": mentions,
                "mentionsAll": mentions_all,
            } },
        )
        .await
    }

    /// Hides a message from `user`'s history (deleted for them only);
    /// repeating it changes nothing. `None` when the message is gone.
    pub async fn hide_for(&self, id: MessageId, user: UserId) -> AppResult<Option<Message>> {
        self.modify(
            id,
            doc! {},
            doc! { "$addToSet": { "deletedFor": user.oid() } },
        )
        .await
    }

    /// Deletes a message for everyone, keeping a tombstone (its place in
    /// the history, without content or reactions). `None` when it is gone
    /// or was a tombstone already, so only one caller gets to announce it.
    pub async fn tombstone(&self, id: MessageId) -> AppResult<Option<Message>> {
        self.modify(
            id,
            doc! { "isDeleted": false },
            doc! { "$set": { "isDeleted": true, "text": null, "media": [], "reactions": [], "terms": [] } },
        )
        .await
    }

    /// Makes every message `sender` wrote a tombstone, in the messages and
    /// in the snapshots of the event log alike (their account is being
    /// deleted). System messages keep their text (see
    /// [`Self::system_naming`]).
    pub async fn tombstone_all_by(&self, sender: UserId) -> AppResult<()> {
        let system = bson::to_bson(&MessageKind::System).map_err(AppError::internal)?;
        let by_sender = doc! { "senderId": sender.oid(), "kind": { "$ne": system.clone() } };
        // The chats they wrote in, so that the log is searched per chat
        // (its index starts with the chat) rather than whole.
        let mut chats: Vec<ObjectId> = Vec::new();
        let mut cursor = self
            .messages
            .clone_with_type::<Document>()
            .find(by_sender.clone())
            .projection(doc! { "chatId": 1 })
            .await?;
        while let Some(found) = cursor.try_next().await? {
            if let Ok(chat) = found.get_object_id("chatId")
                && !chats.contains(&chat)
            {
                chats.push(chat);
            }
        }
        self.messages
            .update_many(
                by_sender,
                doc! { "$set": { "isDeleted": true, "text": null, "media": [], "reactions": [], "terms": [] } },
            )
            .await?;
        for chat in chats {
            self.log
                .update_many(
                    doc! {
                        "chatId": chat,
                        "message.senderId": sender.oid(),
                        "message.kind": { "$ne": system.clone() },
                    },
                    doc! { "$set": {
                        "message.isDeleted": true,
                        "message.text": null,
                        "message.media": [],
                        "message.reactions": [],
                    } },
                )
                .await?;
        }
        Ok(())
    }

    /// The next `limit` messages `sender` wrote (not system messages),
    /// oldest first, after the message `after`; for their data export.
    pub async fn sent_by(
        &self,
        sender: UserId,
        after: Option<MessageId>,
        limit: i64,
    ) -> AppResult<Vec<Message>> {
        let system = bson::to_bson(&MessageKind::System).map_err(AppError::internal)?;
        let mut filter = doc! { "senderId": sender.oid(), "kind": { "$ne": system } };
        if let Some(after) = after {
            filter.insert("_id", doc! { "$gt": after.oid() });
        }
        let docs: Vec<MessageDoc> = self
            .messages
            .find(filter)
            .sort(doc! { "senderId": 1, "_id": 1 })
            .limit(limit)
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(Message::from).collect())
    }

    /// The system messages whose text names `user` (as actor or target).
    pub async fn system_naming(&self, user: UserId) -> AppResult<Vec<Message>> {
        let system = bson::to_bson(&MessageKind::System).map_err(AppError::internal)?;
        let docs: Vec<MessageDoc> = self
            .messages
            .find(doc! { "kind": system, "$or": [
                // The actor of a system message is its sender.
                { "senderId": user.oid() },
                { "system.targets": user.oid() },
            ] })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(Message::from).collect())
    }

    /// Replaces the text of a system message, and of its snapshots in the
    /// event log.
    pub async fn set_system_text(&self, message: &Message, text: &str) -> AppResult<()> {
        self.messages
            .update_one(
                doc! { "_id": message.id.oid() },
                doc! { "$set": { "text": text } },
            )
            .await?;
        self.log
            .update_many(
                doc! { "chatId": message.chat.oid(), "message._id": message.id.oid() },
                doc! { "$set": { "message.text": text } },
            )
            .await?;
        Ok(())
    }

    /// Adds `user` to those who reacted with `emoji`, when the message
    /// carries that emoji already and `user` is not among them; `None`
    /// otherwise (then [`Self::start_reaction`] may add the emoji).
    pub async fn join_reaction(
        &self,
        id: MessageId,
        emoji: &str,
        user: UserId,
    ) -> AppResult<Option<Message>> {
        self.modify(
            id,
            doc! { "reactions": { "$elemMatch": { "emoji": emoji, "users": { "$ne": user.oid() } } } },
            doc! { "$addToSet": { "reactions.$.users": user.oid() } },
        )
        .await
    }

    /// Adds `emoji` to a message with `user` as its first reactor, when the
    /// message is not deleted and does not carry that emoji yet (checked in
    /// the same update, so two first reactions never make two entries);
    /// `None` otherwise.
    pub async fn start_reaction(
        &self,
        id: MessageId,
        emoji: &str,
        user: UserId,
    ) -> AppResult<Option<Message>> {
        self.modify(
            id,
            doc! { "isDeleted": false, "reactions.emoji": { "$ne": emoji } },
            doc! { "$push": { "reactions": { "emoji": emoji, "users": [user.oid()] } } },
        )
        .await
    }

    /// Takes `user`'s reaction with `emoji` back; `None` when they had none.
    /// An emoji left without reactors stays stored, empty, and is left out
    /// when read (see `From<MessageDoc>`).
    pub async fn remove_reaction(
        &self,
        id: MessageId,
        emoji: &str,
        user: UserId,
    ) -> AppResult<Option<Message>> {
        self.modify(
            id,
            doc! { "reactions": { "$elemMatch": { "emoji": emoji, "users": user.oid() } } },
            doc! { "$pull": { "reactions.$.users": user.oid() } },
        )
        .await
    }

    /// Applies `update` to the message if it also matches `filter`, in one
    /// atomic step; returns it after, or `None` when the filter did not
    /// match.
    async fn modify(
        &self,
        id: MessageId,
        mut filter: Document,
        update: Document,
    ) -> AppResult<Option<Message>> {
        filter.insert("_id", id.oid());
        Ok(self
            .messages
            .find_one_and_update(filter, update)
            .return_document(ReturnDocument::After)
            .await?
            .map(Message::from))
    }

    /// When the first event written after `seq` was stored, if any: a
    /// number up to `seq` was taken before that.
    pub async fn first_written_after(
        &self,
        chat: ChatId,
        seq: i64,
    ) -> AppResult<Option<chrono::DateTime<chrono::Utc>>> {
        let filter = doc! { "chatId": chat.oid(), "seq": { "$gt": seq } };
        self.nearest_written(filter, 1).await
    }

    /// When the last event written before `seq` was stored, if any.
    pub async fn last_written_before(
        &self,
        chat: ChatId,
        seq: i64,
    ) -> AppResult<Option<chrono::DateTime<chrono::Utc>>> {
        let filter = doc! { "chatId": chat.oid(), "seq": { "$lt": seq } };
        self.nearest_written(filter, -1).await
    }

    /// The creation time of the entry (message or log) nearest in `order`
    /// (1: lowest number first, -1: highest) among those `filter` matches.
    async fn nearest_written(
        &self,
        filter: Document,
        order: i32,
    ) -> AppResult<Option<chrono::DateTime<chrono::Utc>>> {
        let first = || {
            FindOptions::builder()
                .sort(doc! { "seq": order })
                .limit(1)
                .projection(doc! { "seq": 1, "createdAt": 1 })
                .build()
        };
        let (messages, log) = (
            self.messages.clone_with_type::<Document>(),
            self.log.clone_with_type::<Document>(),
        );
        let created = messages.find(filter.clone()).with_options(first());
        let logged = log.find(filter).with_options(first());
        let (created, logged) = tokio::try_join!(created, logged)?;
        let (created, logged): (Vec<Document>, Vec<Document>) =
            tokio::try_join!(created.try_collect(), logged.try_collect())?;
        Ok(created
            .iter()
            .chain(&logged)
            .filter_map(|d| Some((d.get_i64("seq").ok()?, d.get_datetime("createdAt").ok()?)))
            .min_by_key(|(seq, _)| *seq * i64::from(order))
            .map(|(_, at)| to_chrono(*at)))
    }

    /// Fills `seqs` with VOID entries; numbers filled meanwhile by someone
    /// else (a duplicate key) are fine.
    pub async fn fill_void(&self, chat: ChatId, seqs: &[i64]) -> AppResult<()> {
        if seqs.is_empty() {
            return Ok(());
        }
        let docs = seqs.iter().map(|&seq| LoggedDoc {
            id: ObjectId::new(),
            chat_id: chat.oid(),
            seq,
            kind: MessageEventKind::Void,
            // Nobody acted: the number's writer is gone.
            actor_id: ObjectId::from_bytes([0; 12]),
            message: None,
            up_to: None,
            created_at: bson::DateTime::now(),
        });
        match self.log.insert_many(docs).ordered(false).await {
            Ok(_) => Ok(()),
            Err(e) if only_duplicates(&e) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Appends an event to the chat's log.
    pub async fn append(&self, event: &LoggedEvent) -> AppResult<()> {
        let doc = LoggedDoc {
            id: ObjectId::new(),
            chat_id: event.chat.oid(),
            seq: event.seq,
            kind: event.kind,
            actor_id: event.actor.oid(),
            // A snapshot is never searched: no terms.
            message: event.message.as_ref().map(|m| MessageDoc {
                terms: Vec::new(),
                ..MessageDoc::from(m)
            }),
            up_to: event.up_to,
            created_at: bson::DateTime::now(),
        };
        self.log.insert_one(doc).await?;
        Ok(())
    }

    /// Everything of `chat` with a sequence number in `(after, upto]`, in
    /// order: message creations and logged events merged.
    pub async fn replay(&self, chat: ChatId, after: i64, upto: i64) -> AppResult<Vec<Replayed>> {
        let range = doc! { "chatId": chat.oid(), "seq": { "$gt": after, "$lte": upto } };
        let created = self.messages.find(range.clone());
        let logged = self.log.find(range);
        let (created, logged) = tokio::try_join!(created, logged)?;
        let (created, logged): (Vec<MessageDoc>, Vec<LoggedDoc>) =
            tokio::try_join!(created.try_collect(), logged.try_collect())?;
        let mut all: Vec<Replayed> = created
            .into_iter()
            .map(|m| Replayed::Created(m.into()))
            .chain(logged.into_iter().map(|e| Replayed::Logged(e.into())))
            .collect();
        all.sort_by_key(Replayed::seq);
        Ok(all)
    }

    /// Counts, per chat, the messages after `read_seq` that others sent and
    /// that are not deleted (for everyone, or for `viewer`): one query for
    /// any number of chats.
    pub async fn unread_counts(
        &self,
        viewer: UserId,
        positions: &[(ChatId, i64)],
    ) -> AppResult<HashMap<ChatId, u64>> {
        self.unread_counts_until(viewer, positions, None).await
    }

    /// [`Self::unread_counts`] as of sequence number `until` (messages
    /// after it left out), for a count that events after it then move.
    pub async fn unread_counts_until(
        &self,
        viewer: UserId,
        positions: &[(ChatId, i64)],
        until: Option<i64>,
    ) -> AppResult<HashMap<ChatId, u64>> {
        self.count_unread(viewer, positions, until, false).await
    }

    /// Of [`Self::unread_counts_until`], those that mention `viewer` (by
    /// name or all members at once).
    pub async fn unread_mention_counts_until(
        &self,
        viewer: UserId,
        positions: &[(ChatId, i64)],
        until: Option<i64>,
    ) -> AppResult<HashMap<ChatId, u64>> {
        self.count_unread(viewer, positions, until, true).await
    }

    async fn count_unread(
        &self,
        viewer: UserId,
        positions: &[(ChatId, i64)],
        until: Option<i64>,
        mentioning: bool,
    ) -> AppResult<HashMap<ChatId, u64>> {
        if positions.is_empty() {
            return Ok(HashMap::new());
        }
        let branches: Vec<Document> = positions
            .iter()
            .map(|(chat, read)| {
                let mut seq = doc! { "$gt": *read };
                if let Some(until) = until {
                    seq.insert("$lte", until);
                }
                doc! { "chatId": chat.oid(), "seq": seq }
            })
            .collect();
        let mut filter = doc! {
            "$or": branches,
            "senderId": { "$ne": viewer.oid() },
            "isDeleted": false,
            "deletedFor": { "$ne": viewer.oid() },
            "kind": { "$ne": "SYSTEM" },
        };
        if mentioning {
            // Both `$or`s must hold: the position branches and a mention.
            let positions = filter.remove("$or").unwrap_or_default();
            filter.insert(
                "$and",
                vec![
                    doc! { "$or": positions },
                    doc! { "$or": [{ "mentions": viewer.oid() }, { "mentionsAll": true }] },
                ],
            );
        }
        let pipeline = vec![
            doc! { "$match": filter },
            doc! { "$group": { "_id": "$chatId", "count": { "$sum": 1 } } },
        ];
        let rows: Vec<Document> = self
            .messages
            .aggregate(pipeline)
            .await?
            .try_collect()
            .await?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let chat = row.get_object_id("_id").ok()?;
                let count = row
                    .get_i32("count")
                    .map(i64::from)
                    .or_else(|_| row.get_i64("count"))
                    .ok()?;
                Some((ChatId(chat), count as u64))
            })
            .collect())
    }

    /// Deletes a chat's messages and log (when a group is deleted).
    pub async fn delete_chat(&self, chat: ChatId) -> AppResult<()> {
        self.messages
            .delete_many(doc! { "chatId": chat.oid() })
            .await?;
        self.log.delete_many(doc! { "chatId": chat.oid() }).await?;
        Ok(())
    }
}

impl From<bson::de::Error> for AppError {
    fn from(error: bson::de::Error) -> Self {
        AppError::Internal(error.into())
    }
}
