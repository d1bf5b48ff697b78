//! Typing indicators across a cluster: with `REDIS_URL`, whether someone
//! types in a chat is decided in Redis, so a renewal on any instance is a
//! renewal everywhere and exactly one instance announces each change.
//!
//! **Keys** (one Redis, not Redis Cluster: the scripts build keys):
//! - `chat:typing:<chat>:<user>`: the owner token of the latest start,
//!   expiring a little after the typing timeout (in case its owner dies);
//! - `chat:typing-user:<user>`: the chats the user types in, so all of
//!   their keys can be found when their last socket closes.
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

use super::presence_redis::RedisLink;
use super::typing::{LocalTyping, SharedTyping, TypingTimers};
use crate::domain::{ChatId, User, UserId};
use crate::storage::Database;

/// How long a key outlives its typing timeout, so the owner's timer finds
/// it (the key only expires on its own when the owner died).
const KEY_MARGIN: Duration = Duration::from_secs(5);

/// KEYS: typing key, user's chats. ARGV: token, ttl (ms), chat. Returns 1
/// when the key existed (a renewal).
const START: &str = r"
local existed = redis.call('EXISTS', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return existed
";

/// KEYS: as START. ARGV: token, chat. Returns 1 when the key still held
/// the token (and is now gone).
const EXPIRE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
  return 1
end
return 0
";

/// KEYS: as START. ARGV: chat. Returns 1 when the key existed.
const STOP: &str = r"
local existed = redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return existed
";

/// KEYS: user's chats. ARGV: user. Returns the chats whose key existed.
const STOP_ALL: &str = r"
local stopped = {}
for _, chat in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('DEL', 'chat:typing:' .. chat .. ':' .. ARGV[1]) == 1 then
    table.insert(stopped, chat)
  end
end
redis.call('DEL', KEYS[1])
return stopped
";

fn typing_key(chat: ChatId, user: UserId) -> String {
    format!("chat:typing:{chat}:{user}")
}

fn user_key(user: UserId) -> String {
    format!("chat:typing-user:{user}")
}

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
    /// Starts the worker (it ends when this is dropped). Fails only on a
    /// malformed URL; Redis need not be reachable yet.
    pub fn start(
        url: &str,
        local: Arc<LocalTyping>,
        timeout: Duration,
        db: Database,
    ) -> redis::RedisResult<Self> {
        let link = RedisLink::new(redis::Client::open(url)?);
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
        Ok(Self { commands })
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
    link: RedisLink,
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
        let renewal = match self.link.eval::<i64>(START, &keys, &args).await {
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
        match self.link.eval::<i64>(EXPIRE, &keys, &args).await {
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
        match self.link.eval::<i64>(STOP, &keys, &args).await {
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
        let stopped = match self.link.eval::<Vec<String>>(STOP_ALL, &keys, &args).await {
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
