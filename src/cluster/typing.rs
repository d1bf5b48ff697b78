//! Whether someone types in a chat: a start (or renewal), a stop, the
//! expiry `TYPING_TIMEOUT_MS` after the latest start, and all of a user's
//! typing ending when their last socket closes. A [`TypingDecider`] decides
//! and reports each real change as a [`TypingChange`]; [`LocalTyping`]
//! decides in this process, [`RedisTyping`] for the whole cluster, and both
//! answer alike (see `contract_tests`). Who is told what, and how often, is
//! [`crate::services::typing`]'s business.
//!
//! **In Redis** (`lua/typing_*.lua`) a start sets the user's key in the
//! chat to a fresh owner token and is news only when the key did not exist,
//! so a renewal on any instance is a renewal everywhere. The instance of the
//! latest start arms a timer for its token; when it fires, a
//! compare-and-delete that still finds that token reports the stop (a
//! renewal elsewhere replaced the token, so the timer there decides instead,
//! and this instance reports a hand-over). A stop deletes the key and is
//! news when it existed; when the user's last socket in the cluster closes,
//! every key of the user is deleted and each that existed is reported. Each
//! instance runs its commands one at a time, in order, so a start and a
//! stop of the same caller never overtake each other.
//!
//! **Failures.** A Redis error is logged and that call is decided by this
//! instance alone, by a [`LocalTyping`] that also holds the starts Redis
//! decided here: so a stop that cannot reach Redis still ends (and reports)
//! what this instance reported started.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::future::BoxFuture;
use redis::Script;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use super::keys::{typing as typing_key, typing_chats as user_key};
use super::link::{RedisLink, lua};
use crate::domain::{ChatId, User, UserId};

/// A change a [`TypingDecider`] reports.
#[derive(Clone, Debug)]
pub enum TypingChange {
    /// `user` started typing in the chat (a renewal is no change).
    Started(ChatId, User),
    /// `user` stopped typing in the chat: a stop, or the timeout ran out.
    Stopped(ChatId, User),
    /// All of the user's typing ended at once because their last socket
    /// closed: to be told without waiting for any throttle. Only
    /// [`LocalTyping`] reports it; [`RedisTyping`] reports each chat it
    /// stopped as [`TypingChange::Stopped`] (so its stops stay throttled).
    AllStopped(UserId),
    /// Not news: another instance took over or already ended the user's
    /// typing in the chat, so this one forgets it without a word.
    HandedOver(ChatId, UserId),
}

/// Hears each change a decider reports (synchronously, in order).
pub type Report = Arc<dyn Fn(TypingChange) + Send + Sync>;

/// Finds the user to name in a change whose start was not seen here (the
/// deciders know nothing of storage).
pub type LoadUser = Arc<dyn Fn(UserId) -> BoxFuture<'static, Option<User>> + Send + Sync>;

/// Decides when typing really starts and stops (see the module docs).
pub trait TypingDecider: Send + Sync + 'static {
    /// `user` typed in `chat` (start or renewal).
    fn start(&self, chat: ChatId, user: &User);
    /// `user` stopped typing in `chat`.
    fn stop(&self, chat: ChatId, user: UserId);
    /// `user`'s last socket closed: their typing stops everywhere at once.
    fn stop_everywhere(&self, user: UserId);
}

type Key = (ChatId, UserId);

/// One person typing in one chat.
struct Typer {
    /// As given at the first start.
    user: User,
    /// The expiry timer (an id to tell it from a replaced one); `None`
    /// while [`RedisTyping`] decides when this typing ends.
    timer: Option<(u64, AbortHandle)>,
}

/// Typing decided in this process: one timer task per person typing.
pub struct LocalTyping {
    state: Arc<LocalState>,
}

/// Shared with the timers.
struct LocalState {
    typers: Mutex<HashMap<Key, Typer>>,
    timeout: Duration,
    report: Report,
    next_timer: AtomicU64,
}

impl LocalTyping {
    pub fn new(timeout: Duration, report: Report) -> Self {
        Self {
            state: Arc::new(LocalState {
                typers: Mutex::default(),
                timeout,
                report,
                next_timer: AtomicU64::new(0),
            }),
        }
    }

    /// Records `user` typing in `chat` with a fresh timer (or none); the
    /// previous timer, if any, is cancelled. Returns whether it is new.
    fn set(&self, chat: ChatId, user: &User, timed: bool) -> bool {
        let key = (chat, user.id);
        let mut typers = self.state.typers();
        // Armed under the lock, so even a timer that fires at once finds
        // its own id in place.
        let timer = timed.then(|| self.state.arm(key));
        match typers.get_mut(&key) {
            Some(typer) => {
                if let Some((_, old)) = std::mem::replace(&mut typer.timer, timer) {
                    old.abort();
                }
                false
            }
            None => {
                let user = user.clone();
                typers.insert(key, Typer { user, timer });
                true
            }
        }
    }

    /// Holds typing that Redis decided started here, without a timer (the
    /// Redis worker ends it) and without a report.
    fn hold(&self, chat: ChatId, user: &User) {
        self.set(chat, user, false);
    }

    /// Forgets typing that ended elsewhere, without a report.
    fn forget(&self, chat: ChatId, user: UserId) {
        self.state.take(&(chat, user));
    }
}

impl LocalState {
    fn typers(&self) -> MutexGuard<'_, HashMap<Key, Typer>> {
        self.typers.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn arm(self: &Arc<Self>, key: Key) -> (u64, AbortHandle) {
        let id = self.next_timer.fetch_add(1, Ordering::Relaxed);
        let state = Arc::downgrade(self);
        let timeout = self.timeout;
        let task = tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            if let Some(state) = state.upgrade() {
                state.expire(key, id);
            }
        });
        (id, task.abort_handle())
    }

    fn expire(&self, key: Key, id: u64) {
        let user = {
            let mut typers = self.typers();
            match typers.get(&key) {
                Some(Typer {
                    timer: Some((armed, _)),
                    ..
                }) if *armed == id => typers.remove(&key).map(|typer| typer.user),
                _ => None,
            }
        };
        if let Some(user) = user {
            (self.report)(TypingChange::Stopped(key.0, user));
        }
    }

    fn take(&self, key: &Key) -> Option<User> {
        let typer = self.typers().remove(key)?;
        if let Some((_, timer)) = typer.timer {
            timer.abort();
        }
        Some(typer.user)
    }
}

impl TypingDecider for LocalTyping {
    fn start(&self, chat: ChatId, user: &User) {
        if self.set(chat, user, true) {
            (self.state.report)(TypingChange::Started(chat, user.clone()));
        }
    }

    fn stop(&self, chat: ChatId, user: UserId) {
        if let Some(user) = self.state.take(&(chat, user)) {
            (self.state.report)(TypingChange::Stopped(chat, user));
        }
    }

    fn stop_everywhere(&self, user: UserId) {
        let chats: Vec<Key> = self
            .state
            .typers()
            .keys()
            .filter(|(_, u)| *u == user)
            .copied()
            .collect();
        for key in chats {
            self.state.take(&key);
        }
        // Reported even when nothing was typing here: it also tells what
        // still waits for the throttle to go out at once.
        (self.state.report)(TypingChange::AllStopped(user));
    }
}

/// KEYS: typing key, user's chats. ARGV: token, ttl (ms), chat.
static START: LazyLock<Script> = lua!("typing_start");
/// KEYS: as START. ARGV: token, chat.
static EXPIRE: LazyLock<Script> = lua!("typing_expire");
/// KEYS: as START. ARGV: chat.
static STOP: LazyLock<Script> = lua!("typing_stop");
/// KEYS: user's chats. ARGV: user.
static STOP_ALL: LazyLock<Script> = lua!("typing_stop_all");

/// How long a key outlives its typing timeout, so the owner's timer finds
/// it (the key only expires on its own when the owner died).
const KEY_MARGIN: Duration = Duration::from_secs(5);

enum Command {
    Start(ChatId, User),
    Stop(ChatId, UserId),
    StopEverywhere(UserId),
    /// The timer of the start with this token ran out.
    Expired(ChatId, User, String),
}

/// Typing decided in Redis for the whole cluster (see the module docs).
pub struct RedisTyping {
    commands: mpsc::UnboundedSender<Command>,
}

impl RedisTyping {
    /// Starts the worker (it ends when this is dropped).
    pub fn start(link: Arc<RedisLink>, timeout: Duration, report: Report, load: LoadUser) -> Self {
        let (commands, receiver) = mpsc::unbounded_channel();
        let worker = Worker {
            link,
            local: LocalTyping::new(timeout, report.clone()),
            report,
            load,
            timeout,
            timers: HashMap::new(),
            commands: commands.downgrade(),
        };
        tokio::spawn(worker.run(receiver));
        Self { commands }
    }

    fn send(&self, command: Command) {
        let _ = self.commands.send(command);
    }
}

impl TypingDecider for RedisTyping {
    fn start(&self, chat: ChatId, user: &User) {
        self.send(Command::Start(chat, user.clone()));
    }

    fn stop(&self, chat: ChatId, user: UserId) {
        self.send(Command::Stop(chat, user));
    }

    fn stop_everywhere(&self, user: UserId) {
        self.send(Command::StopEverywhere(user));
    }
}

struct Worker {
    link: Arc<RedisLink>,
    /// Decides the calls Redis could not answer; holds what Redis decided
    /// started here, so those calls can end it too.
    local: LocalTyping,
    report: Report,
    load: LoadUser,
    timeout: Duration,
    /// This instance's armed timers: the token of its latest start.
    timers: HashMap<Key, (String, AbortHandle)>,
    commands: mpsc::WeakUnboundedSender<Command>,
}

impl Worker {
    async fn run(mut self, mut receiver: mpsc::UnboundedReceiver<Command>) {
        while let Some(command) = receiver.recv().await {
            match command {
                Command::Start(chat, user) => self.start(chat, user).await,
                Command::Stop(chat, user) => self.stop(chat, user).await,
                Command::StopEverywhere(user) => self.stop_everywhere(user).await,
                Command::Expired(chat, user, token) => self.expired(chat, user, token).await,
            }
        }
        for (_, (_, timer)) in self.timers.drain() {
            timer.abort();
        }
    }

    fn disarm(&mut self, chat: ChatId, user: UserId) {
        if let Some((_, timer)) = self.timers.remove(&(chat, user)) {
            timer.abort();
        }
    }

    /// Redis says `user`'s typing in `chat` ended, and this instance tells.
    fn ended(&self, chat: ChatId, user: User) {
        self.local.forget(chat, user.id);
        (self.report)(TypingChange::Stopped(chat, user));
    }

    /// Redis says another instance decides `user`'s typing in `chat`.
    fn handed_over(&self, chat: ChatId, user: UserId) {
        self.local.forget(chat, user);
        (self.report)(TypingChange::HandedOver(chat, user));
    }

    async fn start(&mut self, chat: ChatId, user: User) {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let keys = [typing_key(chat, user.id), user_key(user.id)];
        let ttl = (self.timeout + KEY_MARGIN).as_millis().to_string();
        let args = [token.clone(), ttl, chat.to_string()];
        let renewal = match self.link.run::<i64>(&START, &keys, &args).await {
            Ok(existed) => existed == 1,
            Err(error) => {
                tracing::warn!(%error, %chat, user_id = %user.id, "could not start typing in redis; handling it on this instance");
                self.disarm(chat, user.id);
                self.local.start(chat, &user);
                return;
            }
        };
        self.disarm(chat, user.id);
        if !renewal {
            self.local.hold(chat, &user);
            (self.report)(TypingChange::Started(chat, user.clone()));
        }
        let commands = self.commands.clone();
        let timeout = self.timeout;
        let id = user.id;
        let armed = token.clone();
        let timer = tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            if let Some(commands) = commands.upgrade() {
                let _ = commands.send(Command::Expired(chat, user, armed));
            }
        });
        self.timers
            .insert((chat, id), (token, timer.abort_handle()));
    }

    async fn expired(&mut self, chat: ChatId, user: User, token: String) {
        // A later start here replaced this timer (it fired before abort).
        match self.timers.get(&(chat, user.id)) {
            Some((current, _)) if *current == token => {}
            _ => return,
        }
        self.timers.remove(&(chat, user.id));
        let keys = [typing_key(chat, user.id), user_key(user.id)];
        let args = [token, chat.to_string()];
        match self.link.run::<i64>(&EXPIRE, &keys, &args).await {
            Ok(1) => self.ended(chat, user),
            Ok(_) => self.handed_over(chat, user.id),
            Err(error) => {
                tracing::warn!(%error, %chat, user_id = %user.id, "could not expire typing in redis; stopping it on this instance");
                self.local.stop(chat, user.id);
            }
        }
    }

    async fn stop(&mut self, chat: ChatId, user: UserId) {
        self.disarm(chat, user);
        let keys = [typing_key(chat, user), user_key(user)];
        let args = [chat.to_string()];
        match self.link.run::<i64>(&STOP, &keys, &args).await {
            Ok(1) => {
                if let Some(user) = (self.load)(user).await {
                    self.ended(chat, user);
                }
            }
            Ok(_) => self.handed_over(chat, user),
            Err(error) => {
                tracing::warn!(%error, %chat, user_id = %user, "could not stop typing in redis; stopping it on this instance");
                self.local.stop(chat, user);
            }
        }
    }

    async fn stop_everywhere(&mut self, user: UserId) {
        let mine: Vec<ChatId> = self
            .timers
            .keys()
            .filter(|(_, u)| *u == user)
            .map(|(chat, _)| *chat)
            .collect();
        for chat in mine {
            self.disarm(chat, user);
        }
        let keys = [user_key(user)];
        let args = [user.to_string()];
        let stopped = match self.link.run::<Vec<String>>(&STOP_ALL, &keys, &args).await {
            Ok(stopped) => stopped,
            Err(error) => {
                tracing::warn!(%error, user_id = %user, "could not stop typing in redis; stopping it on this instance");
                self.local.stop_everywhere(user);
                return;
            }
        };
        if stopped.is_empty() {
            return;
        }
        let Some(found) = (self.load)(user).await else {
            return;
        };
        for chat in stopped {
            match ChatId::parse("chat", &chat) {
                Ok(chat) => self.ended(chat, found.clone()),
                Err(_) => tracing::warn!(%chat, "ignoring a malformed chat id in typing"),
            }
        }
    }
}
