//! Broadcasts between the code that changes state and the subscriptions that
//! report it.
//!
//! Events are published to a [`Topic`] (one chat, one user) and reach only
//! the subscribers of that topic, so a publish costs the topic's subscribers,
//! never the whole server's. [`EventBus`] is the seam: [`LocalBus`] delivers
//! inside one process; [`RedisBus`] (used when `REDIS_URL` is set) carries
//! the same topics between instances, one Redis channel per topic.
//!
//! Overflow policy: each subscriber has a bounded buffer
//! ([`SUBSCRIBER_BUFFER`] events). A subscriber that falls further behind is
//! not allowed to grow memory: its stream yields [`Interruption::Lagged`] and
//! the subscription ends; over WebSocket the socket is closed as a slow
//! consumer and the client resumes from its last cursor.
//!
//! Outage policy: when the bus itself may have lost events (the link
//! between instances was down), every affected stream yields
//! [`Interruption::Gap`] and stays open. A stream that can replay from the
//! database (`messageEvents`) fills the gap itself; the others tell the
//! client to refetch with a `RESYNC` event. A gap is never silent.
//!
//! Events are data only. A chat's timeline event is published behind an
//! `Arc` that every follower in the process shares; what a transport makes
//! of it (the shared renderings of `messageEvents`) is kept by the
//! transport, which knows the event by that allocation.

mod local;
mod redis;

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::Stream;
use serde::{Deserialize, Serialize};

use crate::domain::{Chat, ChatId, FriendRequest, Message, Notification, SessionId, User, UserId};

/// The domain's kind, named here too: the bus carries it.
pub use crate::domain::MessageEventKind;
pub use local::{LocalBus, TopicChange, TopicHook};
pub use redis::{RedisBus, RedisOptions};

/// Events a subscriber may hold before it counts as too slow.
pub const SUBSCRIBER_BUFFER: usize = 256;

/// Where an event is delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Topic {
    /// Everyone following one chat (its members' open streams).
    Chat(ChatId),
    /// One user's own streams (all of their devices).
    User(UserId),
    /// Session revocations of every user: one follower per instance (see
    /// [`crate::services::session_watch`]), rather than one per user with
    /// sockets, which would also receive all of that user's other events.
    Sessions,
}

impl Topic {
    /// `chat` or `user`: a bounded label for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Topic::Chat(_) => "chat",
            Topic::User(_) => "user",
            Topic::Sessions => "sessions",
        }
    }
}

/// `chat:<id>` or `user:<id>`, as in Redis channel names.
impl std::fmt::Display for Topic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Topic::Chat(id) => write!(f, "chat:{id}"),
            Topic::User(id) => write!(f, "user:{id}"),
            Topic::Sessions => write!(f, "sessions"),
        }
    }
}

/// Something that happened, with the data subscribers need to report it
/// without reading the database again.
// Events travel behind an `Arc`, built once per publish, so the size of the
// largest variant costs nothing per subscriber.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Event {
    /// A user's public profile changed.
    ProfileUpdated(User),
    /// A friend request or friendship changed; sent to each person concerned
    /// with the other person as `counterpart`.
    Friend(FriendEvent),
    /// A notification was created for the topic's user.
    NotificationCreated(Notification),
    /// A chat was created or changed (on the chat's topic, and on the user
    /// topics of members who are not yet listening to it).
    Chat(ChatEvent),
    /// A persisted event of a chat's timeline (on the chat's topic). Every
    /// follower of the chat in this process holds this one copy.
    Message(Arc<MessageEvent>),
    /// Someone starts or stops typing (on the chat's topic).
    Typing(TypingEvent),
    /// A user came online or went offline (on each watcher's topic).
    Presence(PresenceEvent),
    /// A block between two users was set or lifted (on both users' topics),
    /// so that streams already open apply it at once.
    Block(BlockEvent),
    /// Sessions of a user were revoked (on [`Topic::Sessions`]): every
    /// instance closes the sockets opened with them (see
    /// [`crate::services::session_watch`]).
    SessionsRevoked(SessionsRevoked),
    /// The identity provider's tokens of a user issued before `before` are
    /// refused from now on (on [`Topic::Sessions`]): every instance forgets
    /// what it cached of the user and closes the sockets opened with them.
    TokensRevoked(TokensRevoked),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensRevoked {
    pub user: UserId,
    pub before: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionsRevoked {
    pub user: UserId,
    pub sessions: Vec<SessionId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockEvent {
    pub blocker: UserId,
    pub blocked: UserId,
    /// True when the block was set, false when it was lifted.
    pub active: bool,
}

impl BlockEvent {
    /// The other user of the pair, from `me`'s side (if `me` is one of them).
    pub fn other_than(&self, me: UserId) -> Option<UserId> {
        if self.blocker == me {
            Some(self.blocked)
        } else if self.blocked == me {
            Some(self.blocker)
        } else {
            None
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PresenceStatus {
    Online,
    Offline,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PresenceEvent {
    pub user: User,
    pub status: PresenceStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChatEventKind {
    Created,
    Updated,
    MembersAdded,
    MemberRemoved,
    AdminPromoted,
    AdminDemoted,
    /// The last member left; the chat is gone.
    Deleted,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChatEvent {
    pub kind: ChatEventKind,
    /// The chat after the change.
    pub chat: Chat,
    pub actor: UserId,
    /// The members added, removed, promoted or demoted.
    pub users: Vec<UserId>,
    /// On the copy sent to a member's own topic about their own membership:
    /// its number in their account log (see `services::account_log`).
    #[serde(default)]
    pub seq: Option<i64>,
}

/// One step of a chat's timeline, with its sequence number (the cursor).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MessageEvent {
    pub chat: ChatId,
    pub seq: i64,
    pub kind: MessageEventKind,
    pub actor: UserId,
    /// The message after the change (not for receipts).
    pub message: Option<Message>,
    /// The sender, so that delivering a new message needs no lookup.
    pub sender: Option<User>,
    /// The receipt's position (read and delivered).
    pub up_to: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TypingEvent {
    pub chat: ChatId,
    pub user: User,
    pub is_typing: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FriendEventKind {
    /// The subscriber sent a request (seen by their other devices).
    RequestSent,
    RequestReceived,
    RequestAccepted,
    RequestDeclined,
    RequestCancelled,
    FriendRemoved,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FriendEvent {
    pub kind: FriendEventKind,
    pub request: Option<FriendRequest>,
    /// The other person, from the receiving user's point of view.
    pub counterpart: User,
    /// Its number in the receiving user's account log.
    #[serde(default)]
    pub seq: Option<i64>,
}

/// Why a stream did not simply deliver the next event (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interruption {
    /// The subscriber fell more than [`SUBSCRIBER_BUFFER`] events behind and
    /// missed this many; the subscription must end.
    Lagged(u64),
    /// Events of this topic may have been lost by the bus; the subscriber
    /// stays subscribed and must resynchronise.
    Gap,
}

/// Publishes events to topics and hands out subscriptions to them.
pub trait EventBus: Send + Sync + 'static {
    /// Delivers `event` to the current subscribers of `topic`. Never blocks:
    /// a subscriber that is too slow is cut off, not waited for.
    fn publish(&self, topic: Topic, event: Event);

    /// A stream of the events published to `topic` from now on.
    fn subscribe(&self, topic: Topic) -> EventStream;

    /// How many streams of `topic` are open in this process (for tests and
    /// metrics: a subscriber that was cut off must be gone from here).
    fn subscriber_count(&self, topic: Topic) -> usize;
    /// Whether the link to the other instances is up, for `/ready`; `None`
    /// for a bus that has no such link.
    fn linked(&self) -> Option<bool> {
        None
    }
}

/// The events of one topic for one subscriber. Dropping it unsubscribes.
pub struct EventStream {
    inner: Pin<Box<dyn Stream<Item = Result<Arc<Event>, Interruption>> + Send>>,
}

impl EventStream {
    pub fn new(
        inner: impl Stream<Item = Result<Arc<Event>, Interruption>> + Send + 'static,
    ) -> Self {
        Self {
            inner: Box::pin(inner),
        }
    }
}

impl Stream for EventStream {
    type Item = Result<Arc<Event>, Interruption>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}
