//! `exportMyData`: everything a user has here, as one JSON document they
//! can download.
//!
//! The document is written as the reader takes it: a task reads the
//! database a page at a time and hands each page over a small channel, so
//! an account with a million messages costs the server a page of memory,
//! not a million messages. Its shape (the top-level keys in this order;
//! inside the items, in any order):
//!
//! ```json
//! { "format": "chat-server-export/1", "exportedAt": "…",
//!   "profile":  { "id", "email", "handle", "name", "bio", "image", "createdAt", "lastSeen" },
//!   "sessions": [ { "id", "deviceName", "userAgent", "createdAt", "lastUsedAt", "expiresAt" } ],
//!   "friends":  [ { "id", "handle", "name" } ],
//!   "blocked":  [ { "id", "handle", "name" } ],
//!   "chats":    [ { "id", "isGroup", "name", "description", "role", "memberCount", "createdAt" } ],
//!   "messages": [ { "id", "chatId", "seq", "kind", "text", "media", "replyTo",
//!                   "createdAt", "editedAt", "deleted" } ],
//!   "complete": true }
//! ```
//!
//! `messages` holds every message the user sent (not system messages),
//! oldest first, including those deleted for everyone (`deleted: true`,
//! without text or media). `complete` comes last: a download cut short (the
//! database failed half-way) is invalid JSON or lacks it.

use std::future::Future;

use bson::oid::ObjectId;
use futures_util::{Stream, StreamExt, TryStreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::domain::{Chat, Message, MessageId, User, UserId};
use crate::error::{AppError, AppResult};
use crate::storage::{Database, PageRequest};

/// Items read from the database at a time.
const PAGE: usize = 100;
/// Pages written ahead of the reader.
const PAGES_AHEAD: usize = 4;
/// The `format` of the document.
pub const FORMAT: &str = "chat-server-export/1";

/// Writes data exports.
#[derive(Clone)]
pub struct DataExport {
    db: Database,
}

/// The document, in pieces, as they are written.
pub type ExportStream = ReceiverStream<AppResult<String>>;

impl DataExport {
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// `me`'s data export. Writing stops when the reader goes away.
    pub fn stream(&self, me: UserId) -> ExportStream {
        let (sender, receiver) = mpsc::channel(PAGES_AHEAD);
        let writer = Writer {
            db: self.db.clone(),
            me,
            out: sender.clone(),
        };
        tokio::spawn(async move {
            if let Err(e) = writer.write().await
                && !sender.is_closed()
            {
                tracing::warn!(user_id = %me, error = ?e, "data export failed");
                let _ = sender.send(Err(e)).await;
            }
        });
        ReceiverStream::new(receiver)
    }
}

struct Writer {
    db: Database,
    me: UserId,
    out: mpsc::Sender<AppResult<String>>,
}

impl Writer {
    async fn write(&self) -> AppResult<()> {
        let profile = self
            .db
            .users()
            .find(self.me)
            .await?
            .ok_or_else(|| AppError::Unauthenticated("your account no longer exists".into()))?;
        // The object stays open: the sections follow.
        let head = format!(
            "{{\"format\":{},\"exportedAt\":{},\"profile\":{}",
            json!(FORMAT),
            json!(chrono::Utc::now()),
            profile_json(&profile)
        );
        self.send(head).await?;
        self.sessions().await?;
        self.people("friends").await?;
        self.people("blocked").await?;
        self.chats().await?;
        self.messages().await?;
        self.send(",\"complete\":true}".into()).await
    }

    async fn send(&self, piece: String) -> AppResult<()> {
        self.out
            .send(Ok(piece))
            .await
            .map_err(|_| AppError::internal(anyhow::anyhow!("the download was abandoned")))
    }

    /// Writes `,"name":[`, the items of every page, and `]`.
    async fn section(
        &self,
        name: &str,
        pages: impl Stream<Item = AppResult<Vec<Value>>>,
    ) -> AppResult<()> {
        self.send(format!(",\"{name}\":[")).await?;
        let mut first = true;
        let mut pages = std::pin::pin!(pages);
        while let Some(items) = pages.try_next().await? {
            let mut piece = String::new();
            for item in items {
                if !std::mem::take(&mut first) {
                    piece.push(',');
                }
                piece.push_str(&item.to_string());
            }
            self.send(piece).await?;
        }
        self.send("]".into()).await
    }

    async fn sessions(&self) -> AppResult<()> {
        let (db, me) = (&self.db, self.me);
        let pages = paged(|after| async move {
            let page = db.sessions().list(me, request(after)).await?;
            let next = page.has_next.then(|| page.items.last().map(|s| s.id.oid()));
            let items = page
                .items
                .iter()
                .map(|s| {
                    json!({
                        "id": s.id.to_string(),
                        "deviceName": s.device_name,
                        "userAgent": s.user_agent,
                        "createdAt": s.created_at,
                        "lastUsedAt": s.last_used_at,
                        "expiresAt": s.expires_at,
                    })
                })
                .collect();
            Ok((items, next.flatten()))
        });
        self.section("sessions", pages).await
    }

    /// Friends or blocked users: id, handle and name of each.
    async fn people(&self, which: &'static str) -> AppResult<()> {
        let (db, me) = (&self.db, self.me);
        let pages = paged(|after| async move {
            let page = match which {
                "friends" => db.friends().friends_page(me, request(after)).await?,
                _ => db.blocks().blocked_page(me, request(after)).await?,
            };
            let next = page.has_next.then(|| page.items.last().map(|(c, _)| *c));
            let ids: Vec<UserId> = page.items.iter().map(|(_, id)| *id).collect();
            let users = db.users().profiles(&ids).await?;
            let items = ids
                .iter()
                .filter_map(|id| users.iter().find(|u| u.id == *id))
                .map(|u| json!({ "id": u.id.to_string(), "handle": u.handle, "name": u.name }))
                .collect();
            Ok((items, next.flatten()))
        });
        self.section(which, pages).await
    }

    async fn chats(&self) -> AppResult<()> {
        let ids = self.db.chats().ids_for_member(self.me).await?;
        let (db, me) = (&self.db, self.me);
        let pages = futures_util::stream::iter(ids.chunks(PAGE)).then(|batch| async move {
            let mut chats = db.chats().find_many(batch).await?;
            chats.sort_by_key(|c| c.created_at);
            Ok(chats.iter().map(|c| chat_json(c, me)).collect())
        });
        self.section("chats", pages).await
    }

    async fn messages(&self) -> AppResult<()> {
        let (db, me) = (&self.db, self.me);
        let pages = paged(|after| async move {
            let messages = db
                .messages()
                .sent_by(me, after.map(MessageId), PAGE as i64)
                .await?;
            let next = (messages.len() == PAGE).then(|| messages.last().map(|m| m.id.oid()));
            Ok((messages.iter().map(message_json).collect(), next.flatten()))
        });
        self.section("messages", pages).await
    }
}

fn request(after: Option<ObjectId>) -> PageRequest {
    PageRequest { after, limit: PAGE }
}

/// The pages `read` gives, each naming where the next one starts (`None`
/// after the last).
fn paged<F, Fut>(read: F) -> impl Stream<Item = AppResult<Vec<Value>>>
where
    F: Fn(Option<ObjectId>) -> Fut + Clone,
    Fut: Future<Output = AppResult<(Vec<Value>, Option<ObjectId>)>>,
{
    // The state: where the next page starts; `None` once there is none.
    futures_util::stream::try_unfold(Some(None), move |state| {
        let read = read.clone();
        async move {
            let Some(after) = state else {
                return Ok(None);
            };
            let (items, next) = read(after).await?;
            Ok(Some((items, next.map(Some))))
        }
    })
}

fn profile_json(user: &User) -> Value {
    json!({
        "id": user.id.to_string(),
        "email": user.email,
        "handle": user.handle,
        "name": user.name,
        "bio": user.bio,
        "image": user.image,
        "createdAt": user.created_at,
        "lastSeen": user.last_seen,
    })
}

fn chat_json(chat: &Chat, me: UserId) -> Value {
    let role = if chat.created_by == me && chat.is_group {
        "OWNER"
    } else if chat.admins.contains(&me) {
        "ADMIN"
    } else {
        "MEMBER"
    };
    json!({
        "id": chat.id.to_string(),
        "isGroup": chat.is_group,
        "name": chat.name,
        "description": chat.description,
        "role": role,
        "memberCount": chat.participants.len(),
        "createdAt": chat.created_at,
    })
}

fn message_json(message: &Message) -> Value {
    let media: Vec<Value> = message
        .media
        .iter()
        .map(|m| {
            json!({
                "url": m.url,
                "mimeType": m.mime_type,
                "size": m.size,
                "name": m.name,
                "width": m.width,
                "height": m.height,
                "durationMs": m.duration_ms,
            })
        })
        .collect();
    json!({
        "id": message.id.to_string(),
        "chatId": message.chat.to_string(),
        "seq": message.seq,
        "kind": message.kind,
        "text": message.text,
        "media": media,
        "replyTo": message.reply_to.map(|r| r.to_string()),
        "createdAt": message.created_at,
        "editedAt": message.edited_at,
        "deleted": message.is_deleted,
    })
}
