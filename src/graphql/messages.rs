//! Messages: the `Message` type, `messages` history, the message mutations
//! and the resumable `messageEvents` stream.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::Stream;

use super::context::{Authenticated, ContextExt};
use super::live::SlowConsumer;
use super::pagination;
use super::users::{UserObject, load_user};
use crate::domain::message::{MediaInput as RawMedia, parse_content};
use crate::domain::{
    ChatId, Media, Message, MessageId, MessageKind as Kind, SystemAction as Action, User, UserId,
};
use crate::error::AppError;
use crate::events::{MessageEvent, MessageEventKind as EventKind};
use crate::services::message_stream::{Follower, TimelineItem};
use crate::services::messages::Outgoing;
use crate::storage::messages::HistoryPage;
use crate::storage::receipts::ReceiptKind;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "MessageType")]
pub enum MessageKind {
    Text,
    Image,
    Video,
    File,
    /// Written by the server about the chat (see `system`).
    System,
}

impl From<Kind> for MessageKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Text => Self::Text,
            Kind::Image => Self::Image,
            Kind::Video => Self::Video,
            Kind::File => Self::File,
            Kind::System => Self::System,
        }
    }
}

impl From<MessageKind> for Kind {
    fn from(kind: MessageKind) -> Self {
        match kind {
            MessageKind::Text => Self::Text,
            MessageKind::Image => Self::Image,
            MessageKind::Video => Self::Video,
            MessageKind::File => Self::File,
            MessageKind::System => Self::System,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "SystemAction")]
pub enum SystemAction {
    ChatCreated,
    Renamed,
    DescriptionChanged,
    ImageChanged,
    PrivacyChanged,
    MembersAdded,
    MemberRemoved,
    MemberLeft,
    MemberJoined,
    AdminPromoted,
    AdminDemoted,
    OwnerChanged,
}

impl From<Action> for SystemAction {
    fn from(action: Action) -> Self {
        match action {
            Action::ChatCreated => Self::ChatCreated,
            Action::Renamed => Self::Renamed,
            Action::DescriptionChanged => Self::DescriptionChanged,
            Action::ImageChanged => Self::ImageChanged,
            Action::PrivacyChanged => Self::PrivacyChanged,
            Action::MembersAdded => Self::MembersAdded,
            Action::MemberRemoved => Self::MemberRemoved,
            Action::MemberLeft => Self::MemberLeft,
            Action::MemberJoined => Self::MemberJoined,
            Action::AdminPromoted => Self::AdminPromoted,
            Action::AdminDemoted => Self::AdminDemoted,
            Action::OwnerChanged => Self::OwnerChanged,
        }
    }
}

/// An attachment of an IMAGE, VIDEO or FILE message.
#[derive(SimpleObject)]
#[graphql(name = "Media")]
pub struct MediaObject {
    url: String,
    mime_type: String,
    /// Bytes.
    size: i64,
    name: Option<String>,
    width: Option<i32>,
    height: Option<i32>,
    duration_ms: Option<i64>,
}

impl From<Media> for MediaObject {
    fn from(m: Media) -> Self {
        Self {
            url: m.url,
            mime_type: m.mime_type,
            size: m.size,
            name: m.name,
            width: m.width,
            height: m.height,
            duration_ms: m.duration_ms,
        }
    }
}

/// One emoji on a message: how many put it there, and whether you did.
pub struct ReactionObject {
    emoji: String,
    users: Vec<UserId>,
}

#[Object(name = "Reaction")]
impl ReactionObject {
    async fn emoji(&self) -> &str {
        &self.emoji
    }

    async fn count(&self) -> usize {
        self.users.len()
    }

    async fn reacted_by_me(&self, ctx: &Context<'_>) -> bool {
        ctx.current_user()
            .is_ok_and(|me| self.users.contains(&me.id))
    }

    async fn users(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<UserObject>> {
        let mut users = super::users::load_users(ctx, self.users.iter().copied()).await?;
        Ok(self
            .users
            .iter()
            .filter_map(|id| users.remove(id))
            .map(UserObject::new)
            .collect())
    }
}

/// What a system message reports, for clients that render it themselves.
pub struct SystemInfoObject(crate::domain::SystemInfo);

#[Object(name = "SystemInfo")]
impl SystemInfoObject {
    async fn action(&self) -> SystemAction {
        self.0.action.into()
    }

    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        load_user(ctx, self.0.actor).await
    }

    async fn targets(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<UserObject>> {
        let mut users = super::users::load_users(ctx, self.0.targets.iter().copied()).await?;
        Ok(self
            .0
            .targets
            .iter()
            .filter_map(|id| users.remove(id))
            .map(UserObject::new)
            .collect())
    }

    /// The new value (a new name, description, image URL or privacy).
    async fn value(&self) -> Option<&str> {
        self.0.value.as_deref()
    }
}

/// A message in a chat. A message deleted for everyone stays as a
/// tombstone: `isDeleted`, no text or media, same cursor.
pub struct MessageObject {
    message: Message,
    /// The sender when already at hand (live events carry it), saving a
    /// lookup per delivery.
    sender: Option<User>,
}

impl MessageObject {
    pub fn new(message: Message) -> Self {
        Self {
            message,
            sender: None,
        }
    }

    pub fn with_sender(message: Message, sender: Option<User>) -> Self {
        Self { message, sender }
    }
}

#[Object(name = "Message")]
impl MessageObject {
    async fn id(&self) -> ID {
        ID(self.message.id.to_string())
    }

    async fn chat_id(&self) -> ID {
        ID(self.message.chat.to_string())
    }

    /// The chat's sequence number at creation, as an opaque cursor.
    async fn cursor(&self) -> String {
        self.message.seq.to_string()
    }

    async fn sender(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        match &self.sender {
            Some(user) => Ok(UserObject::new(user.clone())),
            None => load_user(ctx, self.message.sender).await,
        }
    }

    #[graphql(name = "type")]
    async fn kind(&self) -> MessageKind {
        self.message.kind.into()
    }

    /// The text or caption; null when deleted.
    async fn text(&self) -> Option<&str> {
        self.message.text.as_deref()
    }

    async fn media(&self) -> Vec<MediaObject> {
        self.message
            .media
            .iter()
            .cloned()
            .map(MediaObject::from)
            .collect()
    }

    /// The message this one replies to (with its sender).
    async fn reply_to(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<MessageObject>> {
        let Some(id) = self.message.reply_to else {
            return Ok(None);
        };
        Ok(ctx
            .loaders()?
            .messages
            .load_one(id)
            .await?
            .map(MessageObject::new))
    }

    async fn reactions(&self) -> Vec<ReactionObject> {
        self.message
            .reactions
            .iter()
            .map(|r| ReactionObject {
                emoji: r.emoji.clone(),
                users: r.users.clone(),
            })
            .collect()
    }

    /// Members (other than the sender) who have read this message.
    async fn read_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<UserObject>> {
        self.receipt_holders(ctx, |r| r.read).await
    }

    /// Members (other than the sender) whose devices received this message.
    async fn delivered_to(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<UserObject>> {
        self.receipt_holders(ctx, |r| r.delivered).await
    }

    async fn is_deleted(&self) -> bool {
        self.message.is_deleted
    }

    async fn edited_at(&self) -> Option<DateTime<Utc>> {
        self.message.edited_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.message.created_at
    }

    /// The id the sender's client gave for idempotent retries.
    async fn client_message_id(&self) -> Option<&str> {
        self.message.client_message_id.as_deref()
    }

    /// For SYSTEM messages: what happened, structured.
    async fn system(&self) -> Option<SystemInfoObject> {
        self.message.system.clone().map(SystemInfoObject)
    }
}

impl MessageObject {
    /// Members whose pointer (`position`) is at or past this message.
    async fn receipt_holders(
        &self,
        ctx: &Context<'_>,
        position: fn(&crate::storage::receipts::Receipt) -> i64,
    ) -> async_graphql::Result<Vec<UserObject>> {
        let receipts = ctx
            .loaders()?
            .receipts
            .load_one(self.message.chat)
            .await?
            .unwrap_or_default();
        let ids: Vec<UserId> = receipts
            .iter()
            .filter(|r| r.user != self.message.sender && position(r) >= self.message.seq)
            .map(|r| r.user)
            .collect();
        let mut users = super::users::load_users(ctx, ids.iter().copied()).await?;
        Ok(ids
            .iter()
            .filter_map(|id| users.remove(id))
            .map(UserObject::new)
            .collect())
    }
}

#[derive(Default)]
pub struct MessageQuery;

#[Object]
impl MessageQuery {
    /// A chat's messages in sequence order (members only), without those you
    /// deleted for yourself; tombstones of messages deleted for everyone are
    /// included. `first`/`after` pages forward from the start; `last`/
    /// `before` backward from the end. With neither, the latest 20.
    #[graphql(
        guard = "Authenticated",
        complexity = "super::connection_complexity(first, last, super::pagination::DEFAULT_PAGE, child_complexity)"
    )]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, MessageObject>> {
        let me = ctx.current_user()?;
        let chat = ChatId::parse("chatId", &chat_id)?;
        let seq = |field: &'static str, raw: Option<String>| {
            raw.map(|r| {
                r.parse::<i64>()
                    .map_err(|_| AppError::bad_input(field, "is not a valid cursor"))
            })
            .transpose()
        };
        let page = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(AppError::bad_input("first", "use first or last, not both").into());
            }
            (Some(_), None) | (None, None) if after.is_some() || first.is_some() => {
                HistoryPage::Forward {
                    after: seq("after", after)?,
                    limit: pagination::page_size("first", first)?,
                }
            }
            _ => HistoryPage::Backward {
                before: seq("before", before)?,
                limit: pagination::page_size("last", last)?,
            },
        };
        let (messages, more) = ctx.services()?.messages.history(me.id, chat, page).await?;
        let (has_previous, has_next) = match page {
            HistoryPage::Forward { after, .. } => (after.is_some(), more),
            HistoryPage::Backward { before, .. } => (more, before.is_some()),
        };
        let mut connection = Connection::new(has_previous, has_next);
        connection.edges = messages
            .into_iter()
            .map(|m| Edge::new(m.seq.to_string(), MessageObject::new(m)))
            .collect();
        Ok(connection)
    }
}

/// An attachment to send.
#[derive(InputObject)]
pub struct MediaInput {
    /// An http(s) URL of at most 2,048 characters.
    url: String,
    /// For IMAGE an image/* type, for VIDEO a video/* type.
    mime_type: String,
    /// Bytes.
    size: i64,
    name: Option<String>,
    width: Option<i32>,
    height: Option<i32>,
    duration_ms: Option<i64>,
}

#[derive(InputObject)]
pub struct SendMessageInput {
    chat_id: ID,
    /// TEXT (default), IMAGE, VIDEO or FILE.
    #[graphql(name = "type")]
    kind: Option<MessageKind>,
    /// TEXT: 1–4,000 characters after trimming. Otherwise an optional caption.
    text: Option<String>,
    /// IMAGE, VIDEO, FILE: 1–10 items.
    media: Option<Vec<MediaInput>>,
    /// A message of the same chat.
    reply_to: Option<ID>,
    /// Your id for this message (1–64 of `A-Za-z0-9-_.:`): sending again
    /// with the same id returns the first message and stores nothing new.
    client_message_id: Option<String>,
}

#[derive(InputObject)]
pub struct EditMessageInput {
    message_id: ID,
    text: String,
}

#[derive(InputObject)]
pub struct DeleteMessageInput {
    message_id: ID,
    /// True: a tombstone for everyone (the author within the delete window,
    /// or a group admin). False: hidden from your own history only.
    for_everyone: bool,
}

#[derive(InputObject)]
pub struct ReactionInput {
    message_id: ID,
    /// One emoji, or a `:shortcode:` of at most 32 bytes.
    emoji: String,
}

#[derive(InputObject)]
pub struct MarkMessagesInput {
    chat_id: ID,
    /// A message cursor; everything up to it. Default: the latest.
    up_to: Option<String>,
}

#[derive(SimpleObject)]
pub struct ReceiptPayload {
    chat_id: ID,
    /// The position now recorded.
    up_to: String,
    /// Your unread messages left in the chat.
    unread_count: u64,
}

fn parse_cursor(field: &'static str, raw: Option<&str>) -> Result<Option<i64>, AppError> {
    raw.map(|r| {
        r.parse::<i64>()
            .map_err(|_| AppError::bad_input(field, "is not a valid cursor"))
    })
    .transpose()
}

#[derive(Default)]
pub struct MessageMutation;

#[Object]
impl MessageMutation {
    /// Sends a message (members only; not in a direct chat across a block).
    #[graphql(guard = "Authenticated")]
    async fn send_message(
        &self,
        ctx: &Context<'_>,
        input: SendMessageInput,
    ) -> async_graphql::Result<MessageObject> {
        let me = ctx.current_user()?;
        let chat = ChatId::parse("chatId", &input.chat_id)?;
        let reply_to = input
            .reply_to
            .as_deref()
            .map(|id| MessageId::parse("replyTo", id))
            .transpose()?;
        let media = input
            .media
            .unwrap_or_default()
            .into_iter()
            .map(|m| RawMedia {
                url: m.url,
                mime_type: m.mime_type,
                size: m.size,
                name: m.name,
                width: m.width,
                height: m.height,
                duration_ms: m.duration_ms,
            })
            .collect();
        let kind = input.kind.unwrap_or(MessageKind::Text).into();
        let content = parse_content(kind, input.text.as_deref(), media)?;
        let outgoing = Outgoing {
            chat,
            content,
            reply_to,
            client_message_id: input.client_message_id,
        };
        Ok(MessageObject::new(
            ctx.services()?.messages.send(me.id, outgoing).await?,
        ))
    }

    /// Edits a TEXT message: the author only, within the edit window.
    #[graphql(guard = "Authenticated")]
    async fn edit_message(
        &self,
        ctx: &Context<'_>,
        input: EditMessageInput,
    ) -> async_graphql::Result<MessageObject> {
        let me = ctx.current_user()?;
        let id = MessageId::parse("messageId", &input.message_id)?;
        Ok(MessageObject::new(
            ctx.services()?
                .messages
                .edit(me.id, id, &input.text)
                .await?,
        ))
    }

    /// Deletes a message for everyone or for yourself (see the input).
    #[graphql(guard = "Authenticated")]
    async fn delete_message(
        &self,
        ctx: &Context<'_>,
        input: DeleteMessageInput,
    ) -> async_graphql::Result<MessageObject> {
        let me = ctx.current_user()?;
        let id = MessageId::parse("messageId", &input.message_id)?;
        Ok(MessageObject::new(
            ctx.services()?
                .messages
                .delete(me.id, id, input.for_everyone)
                .await?,
        ))
    }

    /// Adds your reaction (repeating it changes nothing).
    #[graphql(guard = "Authenticated")]
    async fn add_reaction(
        &self,
        ctx: &Context<'_>,
        input: ReactionInput,
    ) -> async_graphql::Result<MessageObject> {
        let me = ctx.current_user()?;
        let id = MessageId::parse("messageId", &input.message_id)?;
        Ok(MessageObject::new(
            ctx.services()?
                .messages
                .add_reaction(me.id, id, &input.emoji)
                .await?,
        ))
    }

    /// Removes your reaction (repeating it changes nothing).
    #[graphql(guard = "Authenticated")]
    async fn remove_reaction(
        &self,
        ctx: &Context<'_>,
        input: ReactionInput,
    ) -> async_graphql::Result<MessageObject> {
        let me = ctx.current_user()?;
        let id = MessageId::parse("messageId", &input.message_id)?;
        Ok(MessageObject::new(
            ctx.services()?
                .messages
                .remove_reaction(me.id, id, &input.emoji)
                .await?,
        ))
    }

    /// Records that you read the chat up to a cursor (default: all of it).
    #[graphql(guard = "Authenticated")]
    async fn mark_messages_read(
        &self,
        ctx: &Context<'_>,
        input: MarkMessagesInput,
    ) -> async_graphql::Result<ReceiptPayload> {
        mark(ctx, input, ReceiptKind::Read).await
    }

    /// Records that your device received the chat up to a cursor.
    #[graphql(guard = "Authenticated")]
    async fn mark_messages_delivered(
        &self,
        ctx: &Context<'_>,
        input: MarkMessagesInput,
    ) -> async_graphql::Result<ReceiptPayload> {
        mark(ctx, input, ReceiptKind::Delivered).await
    }
}

async fn mark(
    ctx: &Context<'_>,
    input: MarkMessagesInput,
    kind: ReceiptKind,
) -> async_graphql::Result<ReceiptPayload> {
    let me = ctx.current_user()?;
    let chat = ChatId::parse("chatId", &input.chat_id)?;
    let up_to = parse_cursor("upTo", input.up_to.as_deref())?;
    let result = ctx
        .services()?
        .messages
        .mark(me.id, chat, kind, up_to)
        .await?;
    Ok(ReceiptPayload {
        chat_id: ID(result.chat.to_string()),
        up_to: result.up_to.to_string(),
        unread_count: result.unread_count,
    })
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum MessageEventKind {
    Created,
    Edited,
    /// Deleted for everyone: `message` is the tombstone.
    Deleted,
    /// `message` carries the new reactions.
    ReactionChanged,
    /// `user` has read up to `upTo`.
    Read,
    /// `user`'s device received up to `upTo`.
    Delivered,
    /// Events may be missing (a cursor older than the kept history, or a
    /// server-side outage): refetch `messages`, then carry on.
    Resync,
}

/// One step of a chat's timeline. `cursor` orders them; pass the last one
/// you saw as `after` when you reconnect.
pub struct MessageEventObject {
    kind: MessageEventKind,
    chat: ChatId,
    event: Option<MessageEvent>,
}

#[Object(name = "MessageEvent")]
impl MessageEventObject {
    async fn kind(&self) -> MessageEventKind {
        self.kind
    }

    async fn chat_id(&self) -> ID {
        ID(self.chat.to_string())
    }

    /// Null only for RESYNC.
    async fn cursor(&self) -> Option<String> {
        self.event.as_ref().map(|e| e.seq.to_string())
    }

    /// The message after the change (not for receipts).
    async fn message(&self) -> Option<MessageObject> {
        let event = self.event.as_ref()?;
        let message = event.message.clone()?;
        Some(MessageObject::with_sender(message, event.sender.clone()))
    }

    /// Who did it.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UserObject>> {
        match &self.event {
            Some(event) => load_user(ctx, event.actor).await.map(Some),
            None => Ok(None),
        }
    }

    /// For READ and DELIVERED: the cursor read or received up to.
    async fn up_to(&self) -> Option<String> {
        self.event.as_ref()?.up_to.map(|n| n.to_string())
    }
}

#[derive(Default)]
pub struct MessageSubscription;

#[Subscription]
impl MessageSubscription {
    /// Everything that happens in one chat (members only): messages created,
    /// edited and deleted, reactions, read and delivered receipts, system
    /// messages. With `after`, first replays every event after that cursor
    /// in order, then continues live, with no gap and no duplicate. Ends
    /// when you are removed from the chat.
    #[graphql(guard = "Authenticated")]
    async fn message_events(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = MessageEventObject> + use<>> {
        let me = ctx.current_user()?;
        let chat = ChatId::parse("chatId", &chat_id)?;
        let after = parse_cursor("after", after.as_deref())?;
        let services = ctx.services()?;
        let follower = Follower::start(
            services.db.clone(),
            services.bus.as_ref(),
            &services.chats,
            services.message_replay_max,
            me.id,
            chat,
            after,
        )
        .await?;
        let slow = ctx.data_opt::<SlowConsumer>().cloned();
        Ok(futures_util::stream::unfold(
            (follower, slow),
            move |(mut follower, slow)| async move {
                let item = match follower.next().await? {
                    TimelineItem::Event(event) => MessageEventObject {
                        kind: event_kind(event.kind),
                        chat,
                        event: Some(*event),
                    },
                    TimelineItem::Resync => MessageEventObject {
                        kind: MessageEventKind::Resync,
                        chat,
                        event: None,
                    },
                    TimelineItem::Lagged => {
                        if let Some(slow) = &slow {
                            slow.0.cancel();
                        }
                        return None;
                    }
                };
                Some((item, (follower, slow)))
            },
        ))
    }
}

fn event_kind(kind: EventKind) -> MessageEventKind {
    match kind {
        EventKind::Created => MessageEventKind::Created,
        EventKind::Edited => MessageEventKind::Edited,
        EventKind::Deleted => MessageEventKind::Deleted,
        EventKind::ReactionChanged => MessageEventKind::ReactionChanged,
        EventKind::Read => MessageEventKind::Read,
        EventKind::Delivered => MessageEventKind::Delivered,
        // Never delivered: the follower skips void numbers.
        EventKind::Void => MessageEventKind::Resync,
    }
}
