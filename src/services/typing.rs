//! Typing indicators. The server owns expiry: without a renewal, typing
//! stops `TYPING_TIMEOUT_MS` after the last `startTyping`; a renewal inside
//! that time broadcasts nothing; when the typer's last socket closes it
//! stops at once. Broadcasts are coalesced to at most one per user and chat
//! per `TYPING_THROTTLE_MS`, so a flood costs nothing and raises no errors.
//!
//! Who hears it: [`TypingService::events`] gives one member the typing of
//! a chat's other members, never of someone blocked either way (as of now:
//! a block set while the stream is open applies at once, see
//! [`BlockWatch`]), and ends when the member is removed or the chat deleted.
//!
//! The timers sit behind [`TypingTimers`]; [`LocalTyping`] keeps them in
//! this process (one small task per person typing). With `REDIS_URL`,
//! [`RedisTyping`](super::typing_redis::RedisTyping) decides starts and
//! stops for the whole cluster and uses a [`LocalTyping`] only to broadcast
//! them (with the same throttle).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::domain::{ChatId, User, UserId};
use crate::error::{AppError, AppResult};
use crate::events::{
    ChatEventKind, Event, EventBus, EventStream, Interruption, Topic, TypingEvent,
};
use crate::storage::Database;

use super::blocks::{BlockRules, BlockWatch};
use super::chats::ChatService;

/// Called with each typing change to broadcast.
pub type Announce = Arc<dyn Fn(ChatId, &User, bool) + Send + Sync>;

/// Where typing state and timers live.
pub trait TypingTimers: Send + Sync + 'static {
    /// `user` typed in `chat` (start or renewal).
    fn start(&self, chat: ChatId, user: &User);
    /// `user` stopped typing in `chat`.
    fn stop(&self, chat: ChatId, user: UserId);
    /// `user` left entirely (last socket closed): stop everywhere at once.
    fn stop_everywhere(&self, user: UserId);
}

#[derive(Clone)]
pub struct TypingService {
    db: Database,
    bus: Arc<dyn EventBus>,
    chats: ChatService,
    blocks: BlockRules,
    timers: Arc<dyn TypingTimers>,
}

impl TypingService {
    pub fn new(
        db: Database,
        bus: Arc<dyn EventBus>,
        chats: ChatService,
        blocks: BlockRules,
        timers: Arc<dyn TypingTimers>,
    ) -> Self {
        Self {
            db,
            bus,
            chats,
            blocks,
            timers,
        }
    }

    /// The typing of `chat`'s other members, for `me` (a member).
    pub async fn events(&self, me: UserId, chat: ChatId) -> AppResult<TypingFeed> {
        // Subscribe first so nothing falls between the checks and the stream.
        let chat_events = self.bus.subscribe(Topic::Chat(chat));
        let own_events = self.bus.subscribe(Topic::User(me));
        self.chats.membership(me, chat).await?;
        Ok(TypingFeed {
            me,
            chat,
            chat_events,
            own_events,
            blocks: self.blocks.watch(me).await?,
        })
    }

    /// The announcer that publishes typing changes on the chat's topic.
    pub fn announcer(bus: Arc<dyn EventBus>) -> Announce {
        Arc::new(move |chat, user, is_typing| {
            bus.publish(
                Topic::Chat(chat),
                Event::Typing(TypingEvent {
                    chat,
                    user: user.clone(),
                    is_typing,
                }),
            );
        })
    }

    #[tracing::instrument(skip(self), fields(user_id = %me, chat_id = %chat))]
    pub async fn start(&self, me: UserId, chat: ChatId) -> AppResult<()> {
        self.chats.membership(me, chat).await?;
        let user = self
            .db
            .users()
            .find(me)
            .await?
            .ok_or_else(|| AppError::Unauthenticated("your account no longer exists".into()))?;
        self.timers.start(chat, &user);
        Ok(())
    }

    #[tracing::instrument(skip(self), fields(user_id = %me, chat_id = %chat))]
    pub async fn stop(&self, me: UserId, chat: ChatId) -> AppResult<()> {
        self.chats.membership(me, chat).await?;
        self.timers.stop(chat, me);
        Ok(())
    }

    /// The user's last socket closed.
    pub fn disconnected(&self, user: UserId) {
        self.timers.stop_everywhere(user);
    }
}

/// What a typing stream yields.
pub enum TypingItem {
    Typing(TypingEvent),
    /// The stream fell too far behind and ends (a slow consumer).
    Lagged,
}

/// One member's view of a chat's typing (see [`TypingService::events`]).
pub struct TypingFeed {
    me: UserId,
    chat: ChatId,
    chat_events: EventStream,
    /// `me`'s own topic, for the block events.
    own_events: EventStream,
    blocks: BlockWatch,
}

impl TypingFeed {
    /// The next typing change to show; `None` once the stream has ended.
    pub async fn next(&mut self) -> Option<TypingItem> {
        loop {
            tokio::select! {
                // Block events first: one that is already here applies to
                // the typing that follows it.
                biased;
                item = self.own_events.next() => {
                    let applied = match item? {
                        Ok(event) => self.blocks.apply(&event).await,
                        Err(Interruption::Lagged(_)) => return Some(TypingItem::Lagged),
                        Err(Interruption::Gap) => self.blocks.reload().await,
                    };
                    if let Err(error) = applied {
                        // Failing closed: a stream that cannot tell whom to
                        // hide shows no one.
                        tracing::warn!(?error, "could not apply a block; ending typing stream");
                        return None;
                    }
                }
                item = self.chat_events.next() => match item? {
                    Ok(event) => match event.as_ref() {
                        Event::Typing(t) if self.shows(t) => {
                            return Some(TypingItem::Typing(t.clone()));
                        }
                        Event::Chat(c) if c.chat.id == self.chat => {
                            let removed = c.kind == ChatEventKind::MemberRemoved
                                && c.users.contains(&self.me);
                            if removed || c.kind == ChatEventKind::Deleted {
                                return None;
                            }
                        }
                        _ => {}
                    },
                    Err(Interruption::Lagged(_)) => return Some(TypingItem::Lagged),
                    // Typing is momentary: what was lost is over by now.
                    Err(Interruption::Gap) => {}
                },
            }
        }
    }

    fn shows(&self, typing: &TypingEvent) -> bool {
        typing.chat == self.chat && typing.user.id != self.me && !self.blocks.hides(typing.user.id)
    }
}

/// One person typing in one chat.
struct Entry {
    user: User,
    typing: bool,
    /// When typing ends without a renewal.
    expires: Instant,
    /// What others last heard, and when.
    announced: bool,
    announced_at: Option<Instant>,
    /// Wakes the entry's task to look at the entry again.
    wake: Arc<Notify>,
}

type Key = (ChatId, UserId);

/// Typing state in this process.
pub struct LocalTyping {
    entries: Arc<Mutex<HashMap<Key, Entry>>>,
    timeout: Duration,
    throttle: Duration,
    announce: Announce,
}

impl LocalTyping {
    pub fn new(timeout: Duration, throttle: Duration, announce: Announce) -> Self {
        Self {
            entries: Arc::default(),
            timeout,
            throttle,
            announce,
        }
    }

    /// Brings what others heard in line with the state, unless the
    /// throttle forbids it yet. Returns when to look again (if ever).
    fn settle(&self, key: Key, now: Instant, immediate: bool) -> Option<Instant> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let entry = entries.get_mut(&key)?;
        if entry.typing && now >= entry.expires {
            entry.typing = false;
        }
        if entry.typing != entry.announced {
            let allowed_at = entry.announced_at.map_or(now, |at| at + self.throttle);
            if immediate || now >= allowed_at {
                entry.announced = entry.typing;
                entry.announced_at = Some(now);
                (self.announce)(key.0, &entry.user, entry.typing);
            } else {
                return Some(allowed_at);
            }
        }
        if entry.typing {
            return Some(entry.expires);
        }
        // Idle: keep the entry only while the throttle still remembers it.
        match entry.announced_at {
            Some(at) if now < at + self.throttle => Some(at + self.throttle),
            _ => {
                entries.remove(&key);
                None
            }
        }
    }

    /// Updates an entry, broadcasts if due, and makes sure a task watches
    /// it (waking the existing one, whose deadline may have changed).
    fn update(self: &Arc<Self>, key: Key, user: Option<&User>, change: impl FnOnce(&mut Entry)) {
        let now = Instant::now();
        let (wake, new) = {
            let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            let new = !entries.contains_key(&key);
            if new {
                let Some(user) = user else { return };
                entries.insert(
                    key,
                    Entry {
                        user: user.clone(),
                        typing: false,
                        expires: now,
                        announced: false,
                        announced_at: None,
                        wake: Arc::new(Notify::new()),
                    },
                );
            }
            let Some(entry) = entries.get_mut(&key) else {
                return;
            };
            change(entry);
            (entry.wake.clone(), new)
        };
        let next = self.settle(key, now, false);
        if new {
            let this = self.clone();
            tokio::spawn(async move {
                let mut next = next;
                while let Some(at) = next {
                    tokio::select! {
                        _ = tokio::time::sleep_until(at) => {}
                        _ = wake.notified() => {}
                    }
                    next = this.settle(key, Instant::now(), false);
                }
            });
        } else {
            wake.notify_one();
        }
    }
}

impl LocalTyping {
    /// How long a state decided elsewhere stands here without a word: in
    /// effect forever (the decider ends it).
    const DECIDED: Duration = Duration::from_secs(86_400);

    /// Broadcasts `typing` as decided for the whole cluster (a real change,
    /// so others last heard the opposite), with the throttle. A change of
    /// this instance still waiting for the throttle is merged with it.
    pub(crate) fn decided(self: &Arc<Self>, chat: ChatId, user: &User, typing: bool) {
        let expires = Instant::now() + Self::DECIDED;
        self.update((chat, user.id), Some(user), |entry| {
            if entry.typing == entry.announced {
                entry.announced = !typing;
            }
            entry.typing = typing;
            entry.expires = expires;
        });
    }

    /// Another instance took over or ended `user`'s typing in `chat`:
    /// forgets it here without a word (unless a change still waits for
    /// the throttle).
    pub(crate) fn handed_over(self: &Arc<Self>, chat: ChatId, user: UserId) {
        self.update((chat, user), None, |entry| {
            if entry.typing == entry.announced {
                entry.typing = false;
                entry.announced = false;
            }
        });
    }
}

/// Shared so the watcher tasks can reach the state.
pub struct SharedTyping(pub Arc<LocalTyping>);

impl TypingTimers for SharedTyping {
    fn start(&self, chat: ChatId, user: &User) {
        let expires = Instant::now() + self.0.timeout;
        self.0.update((chat, user.id), Some(user), |entry| {
            entry.typing = true;
            entry.expires = expires;
        });
    }

    fn stop(&self, chat: ChatId, user: UserId) {
        self.0
            .update((chat, user), None, |entry| entry.typing = false);
    }

    fn stop_everywhere(&self, user: UserId) {
        let keys: Vec<Key> = {
            let mut entries = self.0.entries.lock().unwrap_or_else(|p| p.into_inner());
            let keys: Vec<Key> = entries
                .keys()
                .filter(|(_, u)| *u == user)
                .copied()
                .collect();
            for key in &keys {
                if let Some(entry) = entries.get_mut(key) {
                    entry.typing = false;
                }
            }
            keys
        };
        let now = Instant::now();
        for key in keys {
            self.0.settle(key, now, true);
        }
    }
}
