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
//! When typing really starts and stops is decided by a [`TypingDecider`]
//! (in this process, or in Redis for the whole cluster: see
//! [`crate::cluster::typing`]); this module decides who is told what, and
//! when: [`ThrottledAnnouncer`] turns the decider's reports into broadcasts
//! on the chat's topic.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::cluster::typing::{LoadUser, Report, TypingChange, TypingDecider};
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

#[derive(Clone)]
pub struct TypingService {
    db: Database,
    bus: Arc<dyn EventBus>,
    chats: ChatService,
    blocks: BlockRules,
    decider: Arc<dyn TypingDecider>,
}

impl TypingService {
    pub fn new(
        db: Database,
        bus: Arc<dyn EventBus>,
        chats: ChatService,
        blocks: BlockRules,
        decider: Arc<dyn TypingDecider>,
    ) -> Self {
        Self {
            db,
            bus,
            chats,
            blocks,
            decider,
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
        // Typing says a message is coming: refused to whoever may not send.
        let membership = self.chats.membership(me, chat).await?;
        super::chats::permissions::ensure_can_send(&membership, chrono::Utc::now())?;
        let user = self
            .db
            .users()
            .find(me)
            .await?
            .ok_or_else(|| AppError::Unauthenticated("your account no longer exists".into()))?;
        self.decider.start(chat, &user);
        Ok(())
    }

    #[tracing::instrument(skip(self), fields(user_id = %me, chat_id = %chat))]
    pub async fn stop(&self, me: UserId, chat: ChatId) -> AppResult<()> {
        self.chats.membership(me, chat).await?;
        self.decider.stop(chat, me);
        Ok(())
    }

    /// `user` may no longer type in `chat` (muted, banned): an indicator
    /// showing stops at once for everyone watching, not at its timeout.
    pub fn silence(&self, user: UserId, chat: ChatId) {
        self.decider.stop(chat, user);
    }

    /// The user's last socket closed.
    pub fn disconnected(&self, user: UserId) {
        self.decider.stop_everywhere(user);
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

/// What others last heard of one person typing in one chat.
struct Heard {
    user: User,
    /// As decided.
    typing: bool,
    /// What others last heard, and when.
    announced: bool,
    announced_at: Option<Instant>,
    /// Wakes the entry's task to look at the entry again.
    wake: Arc<Notify>,
}

type Key = (ChatId, UserId);

/// When an entry's task looks at it again.
enum Next {
    At(Instant),
    /// Only when woken (typing was told and nothing waits).
    Woken,
    /// Never: the entry is gone.
    Gone,
}

/// Tells the changes a [`TypingDecider`] reports, at most one per user and
/// chat per `TYPING_THROTTLE_MS`: a change that comes too soon waits, and
/// merges with those after it (one task per entry while it waits).
pub struct ThrottledAnnouncer {
    entries: Mutex<HashMap<Key, Heard>>,
    throttle: Duration,
    announce: Announce,
}

impl ThrottledAnnouncer {
    pub fn new(throttle: Duration, announce: Announce) -> Arc<Self> {
        Arc::new(Self {
            entries: Mutex::default(),
            throttle,
            announce,
        })
    }

    /// Where a decider reports its changes to this announcer.
    pub fn report(self: &Arc<Self>) -> Report {
        let this = self.clone();
        Arc::new(move |change| match change {
            TypingChange::Started(chat, user) => this.decided(chat, &user, true),
            TypingChange::Stopped(chat, user) => this.decided(chat, &user, false),
            TypingChange::AllStopped(user) => this.all_stopped(user),
            TypingChange::HandedOver(chat, user) => this.handed_over(chat, user),
        })
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<Key, Heard>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Brings what others heard in line with the state, unless the
    /// throttle forbids it yet.
    fn settle(&self, key: Key, now: Instant, immediate: bool) -> Next {
        let mut entries = self.entries();
        let Some(entry) = entries.get_mut(&key) else {
            return Next::Gone;
        };
        if entry.typing != entry.announced {
            let allowed_at = entry.announced_at.map_or(now, |at| at + self.throttle);
            if immediate || now >= allowed_at {
                entry.announced = entry.typing;
                entry.announced_at = Some(now);
                (self.announce)(key.0, &entry.user, entry.typing);
            } else {
                return Next::At(allowed_at);
            }
        }
        if entry.typing {
            return Next::Woken;
        }
        // Idle: keep the entry only while the throttle still remembers it.
        match entry.announced_at {
            Some(at) if now < at + self.throttle => Next::At(at + self.throttle),
            _ => {
                entries.remove(&key);
                Next::Gone
            }
        }
    }

    /// Updates an entry, announces if due, and makes sure a task watches
    /// it (waking the existing one, whose deadline may have changed).
    fn update(self: &Arc<Self>, key: Key, user: Option<&User>, change: impl FnOnce(&mut Heard)) {
        let now = Instant::now();
        let (wake, new) = {
            let mut entries = self.entries();
            let new = !entries.contains_key(&key);
            if new {
                let Some(user) = user else { return };
                entries.insert(
                    key,
                    Heard {
                        user: user.clone(),
                        typing: false,
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
                loop {
                    match next {
                        Next::At(at) => tokio::select! {
                            _ = tokio::time::sleep_until(at) => {}
                            _ = wake.notified() => {}
                        },
                        Next::Woken => wake.notified().await,
                        Next::Gone => return,
                    }
                    next = this.settle(key, Instant::now(), false);
                }
            });
        } else {
            wake.notify_one();
        }
    }

    /// Tells `typing` as decided (a real change, so others last heard the
    /// opposite), with the throttle. A change still waiting for the
    /// throttle is merged with it.
    fn decided(self: &Arc<Self>, chat: ChatId, user: &User, typing: bool) {
        self.update((chat, user.id), Some(user), |entry| {
            // The decider reports real changes only, so others last heard
            // the opposite even where this entry shows no difference (a
            // start told by another instance).
            if entry.typing == entry.announced {
                entry.announced = !typing;
            }
            entry.typing = typing;
        });
    }

    /// Another instance took over or ended `user`'s typing in `chat`:
    /// forgets it here without a word (unless a change still waits for
    /// the throttle).
    fn handed_over(self: &Arc<Self>, chat: ChatId, user: UserId) {
        self.update((chat, user), None, |entry| {
            if entry.typing == entry.announced {
                entry.typing = false;
                entry.announced = false;
            }
        });
    }

    /// `user` left: everything of theirs stops, and is told at once,
    /// throttle or not (a stop still waiting for it included).
    fn all_stopped(&self, user: UserId) {
        let keys: Vec<(Key, Arc<Notify>)> = {
            let mut entries = self.entries();
            entries
                .iter_mut()
                .filter(|((_, u), _)| *u == user)
                .map(|(key, entry)| {
                    entry.typing = false;
                    (*key, entry.wake.clone())
                })
                .collect()
        };
        let now = Instant::now();
        for (key, wake) in keys {
            self.settle(key, now, true);
            // Its task may wait for a wake only (typing was told): it now
            // has the throttle to wait out, then the entry to drop.
            wake.notify_one();
        }
    }
}

/// Loads the user to name when a decider reports a stop whose start it
/// did not see (see [`LoadUser`]).
pub fn user_loader(db: Database) -> LoadUser {
    Arc::new(move |user| {
        let db = db.clone();
        Box::pin(async move {
            match db.users().find(user).await {
                Ok(found) => found,
                Err(error) => {
                    tracing::warn!(?error, user_id = %user, "could not load a user to announce typing");
                    None
                }
            }
        })
    })
}
