//! Typing indicators across a cluster: with `REDIS_URL`, whether someone
//! types in a chat is decided in Redis, so a renewal on any instance is a
//! renewal everywhere and exactly one instance announces each change.
//!
//! **Keys** are listed in [`crate::cluster::keys`], the scripts are in
//! `src/cluster/lua/typing_*.lua`, and the Redis connection is the
//! cluster's [`RedisLink`].
//!
//! **Transitions.** A start sets the key to a fresh token and announces
//! "typing" only when the key did not exist; a renewal (from any instance)
//! announces nothing. The instance of the latest start arms a timer for
//! its token; when it fires, a compare-and-delete that still finds that
//! token announces "stopped" (a renewal elsewhere replaced the token, so
//! the timer there decides instead). A stop deletes the key and announces
//! when it existed; when the user's last socket in the cluster closes,
//! every key of the user is deleted and each that existed is announced.
//!
//! Each instance handles its commands one at a time, in order, so a start
//! and a stop of the same caller never overtake each other. Broadcasts keep
//! the local throttle of [`LocalTyping`].
//!
//! **Failures.** A Redis error is logged and that call is handled by this
//! instance alone, as without Redis.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use super::typing::{LocalTyping, SharedTyping, TypingTimers};
use crate::cluster::RedisLink;
use crate::cluster::keys::{typing as typing_key, typing_chats as user_key};
use crate::cluster::typing::{EXPIRE, START, STOP, STOP_ALL};
use crate::domain::{ChatId, User, UserId};
use crate::storage::Database;

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

/// Typing decided in Redis (see the module docs).
pub struct RedisTyping {
    commands: mpsc::UnboundedSender<Command>,
}

impl RedisTyping {
    /// Starts the worker (it ends when this is dropped).
    pub fn start(
        link: Arc<RedisLink>,
        local: Arc<LocalTyping>,
        timeout: Duration,
        db: Database,
    ) -> Self {
        let (commands, receiver) = mpsc::unbounded_channel();
        let worker = Worker {
            link,
            fallback: SharedTyping(local.clone()),
            local,
            timeout,
            db,
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

impl TypingTimers for RedisTyping {
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
    local: Arc<LocalTyping>,
    /// The same state, for calls Redis could not answer.
    fallback: SharedTyping,
    timeout: Duration,
    db: Database,
    /// This instance's armed timers: the token of its latest start.
    timers: HashMap<(ChatId, UserId), (String, AbortHandle)>,
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
                self.fallback.start(chat, &user);
                return;
            }
        };
        self.disarm(chat, user.id);
        if !renewal {
            self.local.decided(chat, &user, true);
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
            Ok(1) => self.local.decided(chat, &user, false),
            Ok(_) => self.local.handed_over(chat, user.id),
            Err(error) => {
                tracing::warn!(%error, %chat, user_id = %user.id, "could not expire typing in redis; stopping it on this instance");
                self.fallback.stop(chat, user.id);
            }
        }
    }

    async fn stop(&mut self, chat: ChatId, user: UserId) {
        self.disarm(chat, user);
        let keys = [typing_key(chat, user), user_key(user)];
        let args = [chat.to_string()];
        match self.link.run::<i64>(&STOP, &keys, &args).await {
            Ok(1) => {
                if let Some(user) = self.user(user).await {
                    self.local.decided(chat, &user, false);
                }
            }
            Ok(_) => self.local.handed_over(chat, user),
            Err(error) => {
                tracing::warn!(%error, %chat, user_id = %user, "could not stop typing in redis; stopping it on this instance");
                self.fallback.stop(chat, user);
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
                self.fallback.stop_everywhere(user);
                return;
            }
        };
        if stopped.is_empty() {
            return;
        }
        let Some(found) = self.user(user).await else {
            return;
        };
        for chat in stopped {
            match ChatId::parse("chat", &chat) {
                Ok(chat) => self.local.decided(chat, &found, false),
                Err(_) => tracing::warn!(%chat, "ignoring a malformed chat id in typing"),
            }
        }
    }

    /// The user to name in a broadcast.
    async fn user(&self, user: UserId) -> Option<User> {
        match self.db.users().find(user).await {
            Ok(Some(found)) => Some(found),
            Ok(None) => None,
            Err(error) => {
                tracing::warn!(?error, user_id = %user, "could not load a user to announce typing");
                None
            }
        }
    }
}
