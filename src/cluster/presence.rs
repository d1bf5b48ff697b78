//! Counting a user's open sockets for presence: ONLINE while at least one
//! is open anywhere, and an offline transition that only the latest close
//! can end (a return within the grace period cancels it, so presence does
//! not flap). [`LocalPresence`] counts in this process, [`RedisPresence`]
//! across the cluster; both answer [`PresenceCounts`] alike (see
//! `contract_tests`). What is announced, to whom, is
//! [`crate::services::presence`]'s business.
//!
//! **In Redis** each change is one script (`lua/presence_*.lua`), so it reads
//! and writes the total atomically: opening reports "came online" only when
//! the total became 1 and no offline transition was pending (a return
//! within the grace period deletes the pending ticket); closing to a total
//! of 0 stores a fresh ticket; after the grace period the closing instance
//! confirms with a compare-and-delete of *its* ticket and a total still 0.
//! So exactly one instance announces each transition. The counts of a
//! crashed instance are swept by the others, and those of this instance are
//! written back when it was swept by mistake (see [`super::heartbeat`]).
//!
//! A transition whose confirmer dies during the grace period is not lost:
//! it is also listed in `chat:presence:pending`, scored by when it counts
//! as abandoned (grace plus instance timeout), and the next instance to beat
//! after that takes it over and confirms it at once.
//!
//! **Failures.** Redis errors are logged and answered with the harmless
//! default (nothing announced, offline for `is_online`): presence never
//! refuses a socket. Known gap: a socket opening or closing while a
//! write-back runs may leave its count off by one until the next one.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use redis::Script;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use super::link::{RedisLink, lua};
use super::mirror::Mirror;
use super::{Timings, keys};
use crate::domain::UserId;

/// Identifies one pending offline transition, so that only the grace
/// period of the latest one can end it (a reconnect and a new last close in
/// between make a new one).
pub type Ticket = u64;

/// Counts a user's open sockets. Async because a cluster counts them in a
/// shared store; a failure there is logged by the implementation and
/// answered with the harmless default (presence is best effort, it must
/// never refuse a socket).
pub trait PresenceCounts: Send + Sync + 'static {
    /// A socket opened; says whether the user came online (they were not
    /// online before and no offline transition was pending).
    fn open(&self, user: UserId) -> BoxFuture<'_, Transition>;
    /// A socket closed. When it was the user's last one, the offline
    /// transition is now pending: its ticket is returned.
    fn close(&self, user: UserId) -> BoxFuture<'_, Option<Ticket>>;
    /// Online, or within the grace period after the last socket closed.
    fn is_online(&self, user: UserId) -> BoxFuture<'_, bool>;
    /// Remembers the task that waits out the grace period of `user`, so a
    /// reconnect can stop it early. Only an optimisation: the ticket check
    /// in [`PresenceCounts::confirm_offline`] is what keeps it correct.
    fn set_pending_offline(&self, user: UserId, task: AbortHandle);
    /// The grace period of `ticket` ended: true (once) when the user is
    /// still without sockets, and then forgets them.
    fn confirm_offline(&self, user: UserId, ticket: Ticket) -> BoxFuture<'_, bool>;
    /// Transitions these counts found by themselves (the sockets of a
    /// crashed instance, or of this one put back after it was cut off).
    /// `None` when they never do; taken once.
    fn changes(&self) -> Option<mpsc::UnboundedReceiver<PresenceChange>> {
        None
    }
}

/// A transition the counts found by themselves.
#[derive(Debug, PartialEq, Eq)]
pub enum PresenceChange {
    /// The user came online.
    Online(UserId),
    /// The user has no socket left: confirm after the grace period.
    Offline(UserId, Ticket),
    /// A transition another instance should have confirmed long ago (it
    /// died): confirm now.
    Overdue(UserId, Ticket),
}

/// What opening a socket changed.
#[derive(Debug, PartialEq, Eq)]
pub enum Transition {
    /// The user came online.
    CameOnline,
    /// Already online, or back within the grace period: nothing to tell.
    Unchanged,
}

#[derive(Default)]
struct Counts {
    sockets: usize,
    /// The pending offline transition, if any.
    pending: Option<Ticket>,
    task: Option<AbortHandle>,
}

/// Presence counted in this process.
#[derive(Default)]
pub struct LocalPresence {
    users: Mutex<HashMap<UserId, Counts>>,
    next_ticket: AtomicU64,
}

impl LocalPresence {
    fn open_now(&self, user: UserId) -> Transition {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        let counts = users.entry(user).or_default();
        counts.sockets += 1;
        let returning = counts.pending.take().is_some();
        if let Some(task) = counts.task.take() {
            task.abort();
        }
        if counts.sockets == 1 && !returning {
            Transition::CameOnline
        } else {
            Transition::Unchanged
        }
    }

    fn close_now(&self, user: UserId) -> Option<Ticket> {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        let counts = users.get_mut(&user)?;
        if counts.sockets == 0 {
            return None;
        }
        counts.sockets -= 1;
        if counts.sockets > 0 {
            return None;
        }
        // Marked pending at once (not when the grace task is registered), so
        // a reconnect racing with this close is seen as a return.
        let ticket = self.next_ticket.fetch_add(1, Ordering::Relaxed);
        counts.pending = Some(ticket);
        Some(ticket)
    }

    fn confirm_now(&self, user: UserId, ticket: Ticket) -> bool {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        if users
            .get(&user)
            .is_some_and(|c| c.sockets == 0 && c.pending == Some(ticket))
        {
            users.remove(&user);
            true
        } else {
            false
        }
    }
}

impl PresenceCounts for LocalPresence {
    fn open(&self, user: UserId) -> BoxFuture<'_, Transition> {
        Box::pin(std::future::ready(self.open_now(user)))
    }

    fn close(&self, user: UserId) -> BoxFuture<'_, Option<Ticket>> {
        Box::pin(std::future::ready(self.close_now(user)))
    }

    fn is_online(&self, user: UserId) -> BoxFuture<'_, bool> {
        let users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        Box::pin(std::future::ready(users.contains_key(&user)))
    }

    fn set_pending_offline(&self, user: UserId, task: AbortHandle) {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        match users.get_mut(&user) {
            Some(counts) if counts.pending.is_some() => counts.task = Some(task),
            _ => task.abort(),
        }
    }

    fn confirm_offline(&self, user: UserId, ticket: Ticket) -> BoxFuture<'_, bool> {
        Box::pin(std::future::ready(self.confirm_now(user, ticket)))
    }
}

static OPEN: LazyLock<Script> = lua!(helpers + "presence_open");
static CLOSE: LazyLock<Script> = lua!(helpers + "presence_close");
static CONFIRM: LazyLock<Script> = lua!(helpers + "presence_confirm");
static IS_ONLINE: LazyLock<Script> = lua!(helpers + "presence_is_online");
static BEAT: LazyLock<Script> = lua!(helpers + "beat");
static REASSERT: LazyLock<Script> = lua!(helpers + "presence_reassert");

/// Presence counted in Redis (see the module docs).
pub struct RedisPresence {
    link: Arc<RedisLink>,
    /// This instance's open sockets per user, as Redis should have them.
    mirror: Mirror,
    /// Counting writes share it; a write-back takes it alone. The write-back
    /// sets counts from a snapshot of the mirror, so an open or close whose
    /// command went out after the snapshot was taken but ran before the
    /// write-back would otherwise be overwritten (or counted twice).
    writes: tokio::sync::RwLock<()>,
    instance_timeout: Duration,
    /// Outlives the grace period and a sweep, so a pending transition is
    /// confirmed before its ticket can expire.
    marker_ttl: Duration,
    /// When a pending transition counts as abandoned by its confirmer.
    overdue_after: Duration,
    sender: mpsc::UnboundedSender<PresenceChange>,
    changes: Mutex<Option<mpsc::UnboundedReceiver<PresenceChange>>>,
}

fn new_ticket() -> Ticket {
    // Never 0, so a ticket is never confused with a missing value.
    rand::random::<u64>().max(1)
}

impl RedisPresence {
    pub fn new(link: Arc<RedisLink>, timings: &Timings) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        Self {
            link,
            mirror: Mirror::default(),
            writes: tokio::sync::RwLock::new(()),
            instance_timeout: timings.instance_timeout,
            overdue_after: timings.grace + timings.instance_timeout,
            marker_ttl: timings.grace + timings.instance_timeout * 2 + Duration::from_secs(30),
            sender,
            changes: Mutex::new(Some(receiver)),
        }
    }

    fn keys(&self, user: UserId) -> Vec<String> {
        vec![
            keys::count(user),
            keys::offline_marker(user),
            keys::users_of(self.link.instance()),
        ]
    }

    /// One heartbeat and sweep of crashed instances (their presence counts
    /// and socket slots); true when this instance was not listed.
    pub(super) async fn beat(&self) -> redis::RedisResult<bool> {
        // One ticket for every user of a sweep: it only has to differ from
        // any later transition of the same user.
        let ticket = new_ticket();
        let (added, orphans, overdue): (i64, Vec<String>, Vec<String>) = self
            .link
            .run(
                &BEAT,
                &[keys::INSTANCES.to_owned(), keys::PENDING.to_owned()],
                &[
                    self.link.instance().to_string(),
                    self.instance_timeout.as_millis().to_string(),
                    ticket.to_string(),
                    self.marker_ttl.as_millis().to_string(),
                    keys::PRESENCE.to_owned(),
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
                    let _ = self.sender.send(PresenceChange::Overdue(user, ticket));
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
                    let _ = self.sender.send(change(user));
                }
                Err(_) => tracing::warn!(%user, "ignoring a malformed user id in presence"),
            }
        }
    }

    /// Writes this instance's counts back and announces users that came
    /// back online.
    pub(super) async fn reassert(&self) -> redis::RedisResult<()> {
        let _alone = self.writes.write().await;
        let Some(args) = self
            .mirror
            .script_args(self.link.instance(), keys::PRESENCE)
        else {
            return Ok(());
        };
        let back: Vec<String> = self.link.run(&REASSERT, &[], &args).await?;
        tracing::warn!(
            users = back.len(),
            "restored this instance's presence counts"
        );
        self.report(back, PresenceChange::Online);
        Ok(())
    }
}

impl PresenceCounts for RedisPresence {
    fn open(&self, user: UserId) -> BoxFuture<'_, Transition> {
        Box::pin(async move {
            let _shared = self.writes.read().await;
            self.mirror.adjust(user, true);
            let args = [self.link.instance().to_string(), user.to_string()];
            match self.link.run::<i64>(&OPEN, &self.keys(user), &args).await {
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
            let _shared = self.writes.read().await;
            self.mirror.adjust(user, false);
            let ticket = new_ticket();
            let args = [
                self.link.instance().to_string(),
                user.to_string(),
                ticket.to_string(),
                self.marker_ttl.as_millis().to_string(),
                self.overdue_after.as_millis().to_string(),
            ];
            match self.link.run::<i64>(&CLOSE, &self.keys(user), &args).await {
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
            let keys = [keys::count(user), keys::offline_marker(user)];
            match self.link.run::<i64>(&IS_ONLINE, &keys, &[]).await {
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
            let keys = [keys::count(user), keys::offline_marker(user)];
            let args = [ticket.to_string(), user.to_string()];
            match self.link.run::<i64>(&CONFIRM, &keys, &args).await {
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
