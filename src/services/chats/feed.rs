//! One user's chats as a single feed (`chatEvents`): the user's own topic
//! plus the topic of every chat they are in, following membership as it
//! changes. A chat they are added to (or create) is joined when its event
//! arrives on their own topic; a chat they leave, are removed from, or that
//! is deleted is dropped. A bus gap becomes [`ChatFeedItem::Resync`], since
//! this feed cannot replay: the client refetches its chats.

use std::sync::Arc;

use futures_util::StreamExt;
use tokio_stream::StreamMap;

use crate::domain::{ChatId, Message, User, UserId};
use crate::error::AppResult;
use crate::events::{
    ChatEvent, ChatEventKind, Event, EventBus, EventStream, Interruption, MessageEventKind, Topic,
};

use super::ChatService;

/// What a chat feed yields.
// Each item is moved straight into a response object: boxing the large
// variant would cost an allocation per new message for nothing.
#[allow(clippy::large_enum_variant)]
pub enum ChatFeedItem {
    /// A chat was created, changed, or deleted, or its members or admins
    /// changed.
    Changed(ChatEvent),
    /// A new message in one of the chats (its new last message).
    NewMessage {
        chat: ChatId,
        actor: UserId,
        message: Option<Message>,
        sender: Option<User>,
    },
    /// Events may have been missed (a bus outage): refetch the chats.
    Resync,
    /// The feed fell too far behind and ends (a slow consumer).
    Lagged,
}

/// One user's view of all their chats (see [`ChatService::feed`]).
pub struct ChatFeed {
    me: UserId,
    bus: Arc<dyn EventBus>,
    /// `me`'s own topic: where chats they are added to first announce it.
    own: EventStream,
    chats: StreamMap<ChatId, EventStream>,
}

impl ChatService {
    /// Changes to every chat `me` is in, and each chat's new messages,
    /// following `me`'s membership as it changes.
    pub async fn feed(&self, me: UserId) -> AppResult<ChatFeed> {
        let mut chats = StreamMap::new();
        for id in self.chat_ids(me).await? {
            chats.insert(id, self.bus.subscribe(Topic::Chat(id)));
        }
        Ok(ChatFeed {
            me,
            own: self.bus.subscribe(Topic::User(me)),
            bus: self.bus.clone(),
            chats,
        })
    }
}

impl ChatFeed {
    /// The next change to report; `None` once the feed has ended.
    pub async fn next(&mut self) -> Option<ChatFeedItem> {
        loop {
            let item = tokio::select! {
                item = self.own.next() => item?,
                Some((_, item)) = self.chats.next(), if !self.chats.is_empty() => item,
            };
            let event = match item {
                Ok(event) => event,
                Err(Interruption::Gap) => return Some(ChatFeedItem::Resync),
                Err(Interruption::Lagged(_)) => return Some(ChatFeedItem::Lagged),
            };
            if let Some(out) = self.apply(&event) {
                return Some(out);
            }
        }
    }

    /// Follows membership changes and picks what to report.
    fn apply(&mut self, event: &Event) -> Option<ChatFeedItem> {
        match event {
            Event::Chat(e) => {
                let id = e.chat.id;
                let me_concerned = e.users.contains(&self.me);
                match e.kind {
                    ChatEventKind::Created | ChatEventKind::MembersAdded
                        if me_concerned && !self.chats.contains_key(&id) =>
                    {
                        let events = self.bus.subscribe(Topic::Chat(id));
                        self.chats.insert(id, events);
                    }
                    ChatEventKind::MemberRemoved | ChatEventKind::Deleted
                        if me_concerned || e.kind == ChatEventKind::Deleted =>
                    {
                        self.chats.remove(&id);
                    }
                    _ => {}
                }
                Some(ChatFeedItem::Changed(e.clone()))
            }
            Event::Message(m) if m.kind == MessageEventKind::Created => {
                Some(ChatFeedItem::NewMessage {
                    chat: m.chat,
                    actor: m.actor,
                    message: m.message.clone(),
                    sender: m.sender.clone(),
                })
            }
            _ => None,
        }
    }
}
