//! Presence across a cluster: every instance counts its sockets in Redis,
//! so a user is ONLINE while any instance holds one of their sockets.
//!
//! **Keys** (one Redis, not Redis Cluster: the scripts touch keys they
//! build themselves):
//! - `chat:presence:count:<user>`: a hash, field = instance id, value = that
//!   instance's open sockets of the user; the cluster-wide total is the sum;
//! - `chat:presence:offline:<user>`: the ticket of the pending offline
//!   transition (set when the total reached 0, expires on its own);
//! - `chat:presence:sockets:<user>`: the same per-instance counts for the
//!   per-user socket limit ([`RedisSockets`]); kept apart from the presence
//!   counts because a slot is claimed before presence counts the socket and
//!   released on its own;
//! - `chat:presence:users:<instance>`: the users an instance has counted,
//!   so its fields can be found when it crashes;
//! - `chat:presence:instances`: a sorted set of instance ids scored by the
//!   time they count as crashed unless they beat again: their last heartbeat
//!   plus their own `PRESENCE_INSTANCE_TIMEOUT_MS` (Redis time, so clocks
//!   need not agree; each instance's own timeout, so instances configured
//!   differently do not sweep each other early).
//!
//! **Transitions.** Each change is one Lua script, so it reads and writes
//! the total atomically: opening reports "came online" only when the total
//! became 1 and no offline transition was pending (a return within the
//! grace period deletes the pending ticket: no flap); closing to a total of
//! 0 stores a fresh ticket; after the grace period the closing instance
//! confirms with a compare-and-delete of *its* ticket and a total still 0.
//! So exactly one instance announces each transition.
//!
//! **Crashes.** Every instance beats every `PRESENCE_HEARTBEAT_MS`; in the
//! same script it removes instances silent for `PRESENCE_INSTANCE_TIMEOUT_MS`
//! (one script at a time, so one sweeper per dead instance) together with
//! their fields, and starts the offline transition of users left with no
//! socket; the sweeping instance confirms them after the grace period. An
//! instance that finds itself swept (it was cut off, not dead, or Redis lost
//! its data) writes its counts back and announces users that came back.
//!
//! A transition whose confirmer dies during the grace period is not lost:
//! it is also listed in `chat:presence:pending`, scored by when it counts
//! as abandoned (grace plus instance timeout), and the next instance to beat
//! after that takes it over and confirms it at once.
//!
//! **Socket limit.** Claiming a slot is one script that sums the user's
//! counts and increments this instance's only below the cap, so two
//! instances cannot both take the last slot.
//!
//! **Failures.** Redis errors are logged and answered with the harmless
//! default (nothing announced, offline for `status`); presence never refuses
//! a socket, and the socket limit falls back to counting on this instance.
//! Counts of this instance are mirrored in memory, and written back after
//! any failed heartbeat. Known gap: a socket opening or closing while that
//! write-back runs may leave its count off by one until the next one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use futures_util::future::BoxFuture;
use redis::aio::MultiplexedConnection;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use super::presence::{PresenceChange, PresenceTracker, Ticket, Transition};
use crate::domain::UserId;
use crate::error::AppResult;
use crate::limits::{LocalSlots, Slot, UserSockets};

const PREFIX: &str = "chat:presence:";
const INSTANCES: &str = "chat:presence:instances";
/// Pending offline transitions by the time they count as abandoned (named
/// in the scripts too).
const PENDING: &str = "chat:presence:pending";
/// How long connecting and each command may take.
const TIMEOUT: Duration = Duration::from_secs(2);

/// Helpers shared by every script: the sum of a count hash, Redis time in
/// milliseconds, and starting an offline transition (the marker, and an
/// entry in the overdue list in case its confirmer dies).
const TOTAL: &str = r"
local function total(key)
  local n = 0
  for _, v in ipairs(redis.call('HVALS', key)) do n = n + tonumber(v) end
  return n
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function pend(marker, user, ticket, ttl, overdue_after)
  redis.call('SET', marker, ticket, 'PX', ttl)
  redis.call('ZADD', 'chat:presence:pending', now_ms() + tonumber(overdue_after), user)
end
";

/// KEYS: count hash, offline marker, instance's users. ARGV: instance, user.
/// Returns 1 when the user came online.
const OPEN: &str = r"
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('SADD', KEYS[3], ARGV[2])
local returning = redis.call('DEL', KEYS[2])
if returning == 1 then redis.call('ZREM', 'chat:presence:pending', ARGV[2]) end
if returning == 0 and total(KEYS[1]) == 1 then return 1 end
return 0
";

/// KEYS: as OPEN. ARGV: instance, user, ticket, marker ttl (ms), overdue
/// after (ms).
/// Returns 1 when the total reached 0 and the ticket is now pending.
const CLOSE: &str = r"
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if n <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[3], ARGV[2])
end
-- Below zero: a sweep already took this instance's sockets out (and
-- started the transition itself).
if n < 0 then return 0 end
if total(KEYS[1]) == 0 then
  pend(KEYS[2], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
  return 1
end
return 0
";

/// KEYS: count hash, offline marker. ARGV: ticket, user. 1 = announce
/// offline.
const CONFIRM: &str = r"
if redis.call('GET', KEYS[2]) == ARGV[1] and total(KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', 'chat:presence:pending', ARGV[2])
  return 1
end
return 0
";

/// KEYS: count hash, offline marker. Online, or within the grace period.
const IS_ONLINE: &str = r"
if total(KEYS[1]) > 0 or redis.call('EXISTS', KEYS[2]) == 1 then return 1 end
return 0
";

/// KEYS: instances, overdue list. ARGV: instance, its timeout (ms), ticket,
/// marker ttl (ms), prefix, overdue after (ms). Returns {1 if this instance
/// was not listed, users left offline, overdue users and tickets}.
const BEAT: &str = r"
local now = now_ms()
local added = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local orphans = {}
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
for _, instance in ipairs(dead) do
  redis.call('ZREM', KEYS[1], instance)
  local users_key = ARGV[5] .. 'users:' .. instance
  for _, user in ipairs(redis.call('SMEMBERS', users_key)) do
    local hash = ARGV[5] .. 'count:' .. user
    local marker = ARGV[5] .. 'offline:' .. user
    redis.call('HDEL', hash, instance)
    redis.call('HDEL', ARGV[5] .. 'sockets:' .. user, instance)
    if total(hash) == 0 and redis.call('EXISTS', marker) == 0 then
      pend(marker, user, ARGV[3], ARGV[4], ARGV[6])
      table.insert(orphans, user)
    end
  end
  redis.call('DEL', users_key)
end
-- Transitions whose confirmer should have confirmed long ago (it died):
-- this instance takes them over, and stays listed as due again later in
-- case it dies too (confirming removes the entry).
local overdue = {}
for _, user in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. now, 'LIMIT', 0, 100)) do
  local ticket = redis.call('GET', ARGV[5] .. 'offline:' .. user)
  if ticket then
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[6]), user)
    table.insert(overdue, user)
    table.insert(overdue, ticket)
  else
    redis.call('ZREM', KEYS[2], user)
  end
end
return {added, orphans, overdue}
";

/// ARGV: instance, prefix, then user and count pairs. Writes this
/// instance's counts back; returns the users it brought back online.
const REASSERT: &str = r"
local back = {}
for i = 3, #ARGV, 2 do
  local user = ARGV[i]
  local hash = ARGV[2] .. 'count:' .. user
  local before = total(hash)
  redis.call('HSET', hash, ARGV[1], ARGV[i + 1])
  redis.call('SADD', ARGV[2] .. 'users:' .. ARGV[1], user)
  local returning = redis.call('DEL', ARGV[2] .. 'offline:' .. user)
  redis.call('ZREM', 'chat:presence:pending', user)
  if before == 0 and returning == 0 then table.insert(back, user) end
end
return back
";

/// KEYS: socket counts, instance's users. ARGV: instance, user, cap.
/// Returns 1 when a slot was claimed.
const CLAIM: &str = r"
if total(KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('SADD', KEYS[2], ARGV[2])
return 1
";

/// KEYS: socket counts. ARGV: instance.
const RELEASE: &str = r"
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
";

/// ARGV: instance, prefix, then user and count pairs: this instance's
/// socket counts, written back.
const REASSERT_SOCKETS: &str = r"
for i = 3, #ARGV, 2 do
  redis.call('HSET', ARGV[2] .. 'sockets:' .. ARGV[i], ARGV[1], ARGV[i + 1])
  redis.call('SADD', ARGV[2] .. 'users:' .. ARGV[1], ARGV[i])
end
return 0
";

/// How an instance takes part in cluster presence.
#[derive(Clone, Debug)]
pub struct RedisPresenceOptions {
    pub url: String,
    pub heartbeat: Duration,
    pub instance_timeout: Duration,
    pub grace: Duration,
}

struct Inner {
    /// Random per process start.
    instance: String,
    link: RedisLink,
    /// This instance's open sockets per user, as Redis should have them.
    mirror: Mutex<HashMap<UserId, usize>>,
    /// This instance's claimed socket slots per user, likewise.
    slots: Mutex<HashMap<UserId, usize>>,
    /// Slot releases sent but not yet answered, per user; a claim of the
    /// same user waits for them, so that closing a socket and opening
    /// another in its place (in that order) never finds the slot taken.
    releasing: Mutex<HashMap<UserId, usize>>,
    /// Bumped after each answered release.
    released: tokio::sync::watch::Sender<u64>,
    instance_timeout: Duration,
    /// Outlives the grace period and a sweep, so a pending transition is
    /// confirmed before its ticket can expire.
    marker_ttl: Duration,
    /// When a pending transition counts as abandoned by its confirmer.
    overdue_after: Duration,
    changes: mpsc::UnboundedSender<PresenceChange>,
}

impl RedisPresence {
    /// The per-user socket limit of `max`, counted with this instance's
    /// presence (one heartbeat, one sweep).
    pub fn sockets(&self, max: usize) -> RedisSockets {
        RedisSockets {
            inner: self.inner.clone(),
            max,
            fallback: LocalSlots::new(max),
        }
    }
}

/// Open sockets per user counted across the cluster (see the module docs).
pub struct RedisSockets {
    inner: Arc<Inner>,
    max: usize,
    /// Used while Redis cannot answer: the cap then holds per instance.
    fallback: LocalSlots<UserId>,
}

impl UserSockets for RedisSockets {
    fn try_open(&self, user: UserId) -> BoxFuture<'_, AppResult<Option<Slot>>> {
        Box::pin(async move {
            let inner = &self.inner;
            inner.await_releases(user).await;
            let keys = [sockets_key(user), inner.users_key()];
            let args = [
                inner.instance.clone(),
                user.to_string(),
                self.max.to_string(),
            ];
            match inner.eval::<i64>(CLAIM, &keys, &args).await {
                Ok(1) => {}
                Ok(_) => return Ok(None),
                Err(error) => {
                    tracing::warn!(%error, %user, "could not claim a socket slot in redis; counting on this instance");
                    return Ok(self.fallback.try_acquire(user));
                }
            }
            adjust(&inner.slots, user, true);
            let inner = inner.clone();
            Ok(Some(Slot::new(move || {
                adjust(&inner.slots, user, false);
                // Released from a destructor: the Redis call runs on its
                // own (outside a runtime the process is ending anyway).
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    adjust(&inner.releasing, user, true);
                    runtime.spawn(async move {
                        let keys = [sockets_key(user)];
                        let args = [inner.instance.clone()];
                        if let Err(error) = inner.eval::<i64>(RELEASE, &keys, &args).await {
                            tracing::warn!(%error, %user, "could not release a socket slot in redis");
                        }
                        adjust(&inner.releasing, user, false);
                        inner.released.send_modify(|n| *n = n.wrapping_add(1));
                    });
                }
            })))
        })
    }
}

/// Presence counted in Redis (see the module docs).
pub struct RedisPresence {
    inner: Arc<Inner>,
    changes: Mutex<Option<mpsc::UnboundedReceiver<PresenceChange>>>,
}

impl RedisPresence {
    /// Starts the heartbeat (it ends when this is dropped). Fails only on a
    /// malformed URL; Redis need not be reachable yet.
    pub fn start(options: RedisPresenceOptions) -> redis::RedisResult<Self> {
        let client = redis::Client::open(options.url.as_str())?;
        let (changes, receiver) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            instance: uuid::Uuid::new_v4().simple().to_string(),
            link: RedisLink::new(client),
            mirror: Mutex::default(),
            slots: Mutex::default(),
            releasing: Mutex::default(),
            released: tokio::sync::watch::Sender::new(0),
            instance_timeout: options.instance_timeout,
            overdue_after: options.grace + options.instance_timeout,
            marker_ttl: options.grace + options.instance_timeout * 2 + Duration::from_secs(30),
            changes,
        });
        tokio::spawn(heartbeat(Arc::downgrade(&inner), options.heartbeat));
        Ok(Self {
            inner,
            changes: Mutex::new(Some(receiver)),
        })
    }
}

/// Beats until the tracker is dropped.
async fn heartbeat(inner: Weak<Inner>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Whether Redis may lack this instance's counts: at the start, and
    // after any failed beat (a timed-out command may still run later, so
    // even "was this instance listed?" cannot be trusted then).
    let mut unsure = true;
    loop {
        ticks.tick().await;
        let Some(inner) = inner.upgrade() else { return };
        match inner.beat().await {
            // Listed anew (this instance was swept: cut off, not dead; or
            // Redis lost its data), or unsure: put this instance's sockets
            // back. Idempotent, so writing counts Redis has costs nothing.
            Ok(listed_anew) if listed_anew || unsure => match inner.reassert().await {
                Ok(()) => unsure = false,
                Err(error) => {
                    tracing::warn!(%error, "could not restore presence counts in redis");
                }
            },
            Ok(_) => {}
            Err(error) => {
                unsure = true;
                tracing::warn!(%error, "presence heartbeat failed");
            }
        }
    }
}

fn count_key(user: UserId) -> String {
    format!("{PREFIX}count:{user}")
}

fn sockets_key(user: UserId) -> String {
    format!("{PREFIX}sockets:{user}")
}

fn marker_key(user: UserId) -> String {
    format!("{PREFIX}offline:{user}")
}

fn new_ticket() -> Ticket {
    // Never 0, so a ticket is never confused with a missing value.
    rand::random::<u64>().max(1)
}

impl Inner {
    fn users_key(&self) -> String {
        format!("{PREFIX}users:{}", self.instance)
    }

    /// Runs `script` with the shared helpers.
    async fn eval<T: redis::FromRedisValue>(
        &self,
        script: &str,
        keys: &[String],
        args: &[String],
    ) -> redis::RedisResult<T> {
        self.link
            .eval(&format!("{TOTAL}{script}"), keys, args)
            .await
    }

    fn keys(&self, user: UserId) -> Vec<String> {
        vec![count_key(user), marker_key(user), self.users_key()]
    }

    /// One heartbeat and sweep; true when this instance was not listed.
    async fn beat(&self) -> redis::RedisResult<bool> {
        // One ticket for every user of a sweep: it only has to differ from
        // any later transition of the same user.
        let ticket = new_ticket();
        let (added, orphans, overdue): (i64, Vec<String>, Vec<String>) = self
            .eval(
                BEAT,
                &[INSTANCES.to_owned(), PENDING.to_owned()],
                &[
                    self.instance.clone(),
                    self.instance_timeout.as_millis().to_string(),
                    ticket.to_string(),
                    self.marker_ttl.as_millis().to_string(),
                    PREFIX.to_owned(),
                    self.overdue_after.as_millis().to_string(),
                ],
            )
            .await?;
        if !orphans.is_empty() {
            tracing::warn!(
                users = orphans.len(),
                "swept a silent instance's sockets out of presence"
            );
        }
        self.report(orphans, |user| PresenceChange::Offline(user, ticket));
        for pair in overdue.chunks_exact(2) {
            match (UserId::parse("user", &pair[0]), pair[1].parse::<Ticket>()) {
                (Ok(user), Ok(ticket)) => {
                    tracing::warn!(%user, "taking over an abandoned offline transition");
                    let _ = self.changes.send(PresenceChange::Overdue(user, ticket));
                }
                _ => tracing::warn!(?pair, "ignoring a malformed overdue presence entry"),
            }
        }
        Ok(added == 1)
    }

    fn report(&self, users: Vec<String>, change: impl Fn(UserId) -> PresenceChange) {
        for user in users {
            match UserId::parse("user", &user) {
                Ok(user) => {
                    let _ = self.changes.send(change(user));
                }
                Err(_) => tracing::warn!(%user, "ignoring a malformed user id in presence"),
            }
        }
    }

    /// Waits (bounded) until no slot release of `user` is in flight.
    async fn await_releases(&self, user: UserId) {
        // Subscribed before looking, so a release answered in between is
        // not missed.
        let mut released = self.released.subscribe();
        let pending = |releasing: &Mutex<HashMap<UserId, usize>>| {
            releasing
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains_key(&user)
        };
        let _ = tokio::time::timeout(TIMEOUT, async {
            while pending(&self.releasing) {
                if released.changed().await.is_err() {
                    return;
                }
            }
        })
        .await;
    }

    /// The instance and prefix, then `counts` as user and count pairs.
    fn counts_args(&self, counts: &Mutex<HashMap<UserId, usize>>) -> Vec<String> {
        let mut args = vec![self.instance.clone(), PREFIX.to_owned()];
        let counts = counts.lock().unwrap_or_else(|p| p.into_inner());
        for (user, count) in counts.iter() {
            args.push(user.to_string());
            args.push(count.to_string());
        }
        args
    }

    async fn reassert(&self) -> redis::RedisResult<()> {
        let slots = self.counts_args(&self.slots);
        if slots.len() > 2 {
            self.eval::<i64>(REASSERT_SOCKETS, &[], &slots).await?;
        }
        let args = self.counts_args(&self.mirror);
        if args.len() == 2 {
            return Ok(());
        }
        let back: Vec<String> = self.eval(REASSERT, &[], &args).await?;
        tracing::warn!(
            users = back.len(),
            "restored this instance's presence counts"
        );
        self.report(back, PresenceChange::Online);
        Ok(())
    }
}

/// One lazily opened connection to Redis, shared by every command of its
/// owner and reopened after a failure; every command is bounded in time.
pub(crate) struct RedisLink {
    client: redis::Client,
    connection: tokio::sync::Mutex<Option<MultiplexedConnection>>,
}

impl RedisLink {
    pub(crate) fn new(client: redis::Client) -> Self {
        Self {
            client,
            connection: tokio::sync::Mutex::new(None),
        }
    }

    async fn connection(&self) -> redis::RedisResult<MultiplexedConnection> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        let connection =
            tokio::time::timeout(TIMEOUT, self.client.get_multiplexed_async_connection())
                .await
                .map_err(|_| timed_out())??;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    /// Runs the Lua `script` and drops the connection on failure, so the
    /// next call reconnects.
    pub(crate) async fn eval<T: redis::FromRedisValue>(
        &self,
        script: &str,
        keys: &[String],
        args: &[String],
    ) -> redis::RedisResult<T> {
        let mut connection = self.connection().await?;
        let mut command = redis::cmd("EVAL");
        command.arg(script).arg(keys.len());
        command.arg(keys).arg(args);
        let result = tokio::time::timeout(TIMEOUT, command.query_async::<T>(&mut connection))
            .await
            .map_err(|_| timed_out())
            .and_then(|r| r);
        if let Err(error) = &result
            && (error.is_io_error() || error.is_timeout() || error.is_connection_dropped())
        {
            *self.connection.lock().await = None;
        }
        result
    }
}

/// Counts `user` up or down in `counts`, dropping the entry at zero.
fn adjust(counts: &Mutex<HashMap<UserId, usize>>, user: UserId, up: bool) {
    let mut counts = counts.lock().unwrap_or_else(|p| p.into_inner());
    let count = counts.entry(user).or_default();
    if up {
        *count += 1;
    } else {
        *count = count.saturating_sub(1);
    }
    if *count == 0 {
        counts.remove(&user);
    }
}

fn timed_out() -> redis::RedisError {
    redis::RedisError::from(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "redis did not answer in time",
    ))
}

impl PresenceTracker for RedisPresence {
    fn open(&self, user: UserId) -> BoxFuture<'_, Transition> {
        Box::pin(async move {
            let inner = &self.inner;
            adjust(&inner.mirror, user, true);
            let args = [inner.instance.clone(), user.to_string()];
            match inner.eval::<i64>(OPEN, &inner.keys(user), &args).await {
                Ok(1) => Transition::CameOnline,
                Ok(_) => Transition::Unchanged,
                Err(error) => {
                    tracing::warn!(%error, %user, "could not count a socket in redis presence");
                    Transition::Unchanged
                }
            }
        })
    }

    fn close(&self, user: UserId) -> BoxFuture<'_, Option<Ticket>> {
        Box::pin(async move {
            let inner = &self.inner;
            adjust(&inner.mirror, user, false);
            let ticket = new_ticket();
            let args = [
                inner.instance.clone(),
                user.to_string(),
                ticket.to_string(),
                inner.marker_ttl.as_millis().to_string(),
                inner.overdue_after.as_millis().to_string(),
            ];
            match inner.eval::<i64>(CLOSE, &inner.keys(user), &args).await {
                Ok(1) => Some(ticket),
                Ok(_) => None,
                Err(error) => {
                    tracing::warn!(%error, %user, "could not count a socket out of redis presence");
                    None
                }
            }
        })
    }

    fn is_online(&self, user: UserId) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            let keys = [count_key(user), marker_key(user)];
            match self.inner.eval::<i64>(IS_ONLINE, &keys, &[]).await {
                Ok(online) => online == 1,
                Err(error) => {
                    tracing::warn!(%error, %user, "could not read redis presence");
                    false
                }
            }
        })
    }

    /// Nothing to remember: the ticket decides, and a stale grace task only
    /// costs one Redis call.
    fn set_pending_offline(&self, _user: UserId, _task: AbortHandle) {}

    fn confirm_offline(&self, user: UserId, ticket: Ticket) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            let keys = [count_key(user), marker_key(user)];
            let args = [ticket.to_string(), user.to_string()];
            match self.inner.eval::<i64>(CONFIRM, &keys, &args).await {
                Ok(confirmed) => confirmed == 1,
                Err(error) => {
                    tracing::warn!(%error, %user, "could not confirm offline in redis presence");
                    false
                }
            }
        })
    }

    fn changes(&self) -> Option<mpsc::UnboundedReceiver<PresenceChange>> {
        self.changes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }
}
