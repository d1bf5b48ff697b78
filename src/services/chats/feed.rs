//! One user's chats as a single feed (`chatEvents`): the user's own topic
//! plus the topic of every chat they are in, following membership as it
//! changes, and resumable from an [`AccountCursor`].
//!
//! Membership: the user's own membership changes come numbered on their
//! own topic (see [`super::super::account_log`]); a chat they are added to
//! (or create) is joined then, one they leave, are removed from, or that is
//! deleted is dropped. The copy of such an event on the chat's topic only
//! moves the subscriptions, so it is reported once.
//!
//! Resuming (`after`): the feed subscribes first, then replays the user's
//! membership changes numbered after the cursor, then every chat of theirs
//! that changed since the cursor's time, as its current state
//! ([`ChatFeedItem::Snapshot`]); then it goes live, leaving out what the
//! replay already covered (numbered events up to the replayed number, new
//! messages a snapshot already held). A cursor whose entries are no longer
//! kept gets [`ChatFeedItem::Resync`] first. A bus gap is a `Resync` too.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use std::time::Instant;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use tokio_stream::StreamMap;

use crate::domain::{Chat, ChatId, Message, MessageKind, User, UserId};
use crate::error::AppResult;
use crate::events::{
    ChatEvent, ChatEventKind, Event, EventBus, EventStream, Interruption, MessageEvent,
    MessageEventKind, Topic,
};
use crate::services::account_cursor::{AccountCursor, MAX_SEEN, RESUME_OVERLAP};
use crate::storage::account_logs::{AccountEntry, Membership};

use super::ChatService;

/// What a chat feed yields.
// Each item is moved straight into a response object: boxing the large
// variant would cost an allocation per new message for nothing.
#[allow(clippy::large_enum_variant)]
pub enum ChatFeedItem {
    /// A chat was created, changed, or deleted, or its members or admins
    /// changed.
    Changed(ChatEvent),
    /// Replayed: `me` left or was removed from a chat that is gone now, or
    /// the chat was deleted.
    Gone { chat: ChatId, actor: UserId },
    /// Replayed: a chat that changed while the client was away, as it is
    /// now, with its last sequence number.
    Snapshot { chat: Chat, seq: i64 },
    /// A new message in one of the chats (its new last message).
    NewMessage {
        chat: ChatId,
        actor: UserId,
        message: Option<Message>,
        sender: Option<User>,
    },
    /// The user's unread count of the chat changed otherwise than by a new
    /// message: they read on another device, or a message was deleted (the
    /// event's sequence number `seq`).
    UnreadChanged {
        chat: ChatId,
        actor: UserId,
        seq: i64,
    },
    /// Events may have been missed (a bus outage, a cursor too old):
    /// refetch the chats (or `sync` from scratch).
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
    /// Replayed items still to hand out.
    replay: VecDeque<ChatFeedItem>,
    /// The account log number a client that saw everything so far is at.
    seq: i64,
    /// Numbered events up to this were replayed: not reported again.
    replayed_up_to: i64,
    /// While the replay is out: the cursor resumed from, handed out again
    /// until the replay is done (a reconnect then replays it all again).
    resume_from: Option<AccountCursor>,
    /// Chats whose events came lately: their last sequence number seen,
    /// and when (what a cursor's `seen` lists).
    recent: HashMap<ChatId, (i64, Instant)>,
    /// Each snapshot's last sequence number: new messages up to it were in
    /// the snapshot already.
    snapshot_seqs: HashMap<ChatId, i64>,
    /// `me`'s unread counts known to this feed (see [`UnreadCounts`]).
    unread: UnreadCounts,
}

/// The unread counts a feed knows, kept current as events pass: a new
/// message from someone else adds one; a read of `me`'s or a deletion makes
/// the count unknown, to be counted again (once) when asked for, as of the
/// sequence number of the event asking (later messages then add
/// themselves). So a badge on every new message costs no database read.
/// Unread mentions are kept the same way; an edit that may change them
/// (it mentions `me`, or `me` had unread mentions) makes them unknown.
#[derive(Clone, Default)]
pub struct UnreadCounts(Arc<std::sync::Mutex<HashMap<ChatId, Known>>>);

/// What a feed knows of one chat's counts.
#[derive(Clone, Copy, Default)]
struct Known {
    unread: Option<u64>,
    mentions: Option<u64>,
}

impl UnreadCounts {
    pub fn get(&self, chat: ChatId) -> Option<u64> {
        self.lock().get(&chat).and_then(|k| k.unread)
    }

    pub fn set(&self, chat: ChatId, count: u64) {
        self.lock().entry(chat).or_default().unread = Some(count);
    }

    pub fn get_mentions(&self, chat: ChatId) -> Option<u64> {
        self.lock().get(&chat).and_then(|k| k.mentions)
    }

    pub fn set_mentions(&self, chat: ChatId, count: u64) {
        self.lock().entry(chat).or_default().mentions = Some(count);
    }

    fn add_one(&self, chat: ChatId, mentioned: bool) {
        if let Some(known) = self.lock().get_mut(&chat) {
            if let Some(count) = known.unread.as_mut() {
                *count += 1;
            }
            if let Some(count) = known.mentions.as_mut().filter(|_| mentioned) {
                *count += 1;
            }
        }
    }

    fn forget(&self, chat: ChatId) {
        self.lock().remove(&chat);
    }

    /// Makes the mention count unknown; true when it may have been nonzero.
    fn forget_mentions(&self, chat: ChatId) -> bool {
        let mut counts = self.lock();
        let known = counts.get_mut(&chat).and_then(|k| k.mentions.take());
        known.is_some_and(|n| n > 0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ChatId, Known>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl ChatService {
    /// Changes to every chat `me` is in, and each chat's new messages,
    /// following `me`'s membership as it changes; after what `after` saw.
    pub async fn feed(&self, me: UserId, after: Option<AccountCursor>) -> AppResult<ChatFeed> {
        // Subscribed before anything is read, so nothing falls in between.
        let own = self.bus.subscribe(Topic::User(me));
        let mut chats = StreamMap::new();
        for id in self.chat_ids(me).await? {
            chats.insert(id, self.bus.subscribe(Topic::Chat(id)));
        }
        let mut feed = ChatFeed {
            me,
            own,
            bus: self.bus.clone(),
            chats,
            replay: VecDeque::new(),
            seq: self.log.head(me).await?,
            replayed_up_to: 0,
            resume_from: None,
            recent: HashMap::new(),
            snapshot_seqs: HashMap::new(),
            unread: UnreadCounts::default(),
        };
        if let Some(after) = after {
            self.replay_into(&mut feed, after).await?;
        }
        Ok(feed)
    }

    async fn replay_into(&self, feed: &mut ChatFeed, after: AccountCursor) -> AppResult<()> {
        let me = feed.me;
        let Some(since) = self.log.since(me, after.seq).await? else {
            feed.replay.push_back(ChatFeedItem::Resync);
            return Ok(());
        };
        feed.seq = since.head;
        feed.replayed_up_to = since.head;
        for (_, entry) in since.entries {
            let AccountEntry::Chat {
                chat,
                change,
                actor,
            } = entry
            else {
                continue;
            };
            let current = self.db.chats().find(chat).await?;
            let item = match (change, current) {
                (Membership::Joined, Some(chat)) if chat.is_member(me) => {
                    let users = vec![me];
                    ChatFeedItem::Changed(super::chat_event(
                        ChatEventKind::MembersAdded,
                        &chat,
                        actor,
                        users,
                    ))
                }
                (Membership::Left, Some(chat)) if !chat.is_member(me) => ChatFeedItem::Changed(
                    super::chat_event(ChatEventKind::MemberRemoved, &chat, actor, vec![me]),
                ),
                (Membership::Deleted | Membership::Left, None) => {
                    ChatFeedItem::Gone { chat, actor }
                }
                // Undone since (left again, added back): a later entry says.
                _ => continue,
            };
            feed.replay.push_back(item);
        }
        for changed in self.changed_since(me, after.chats_at, &after).await? {
            let (chat, seq) = (changed.chat, changed.seq);
            feed.snapshot_seqs.insert(chat.id, seq);
            feed.seen(chat.id, seq);
            feed.replay.push_back(ChatFeedItem::Snapshot { chat, seq });
        }
        feed.resume_from = Some(after);
        Ok(())
    }

    /// `me`'s chats whose timeline moved since `at` (or that were created
    /// since, for a chat without events yet), in id order, leaving out
    /// those `seen` at their current number. Each comes with its last
    /// sequence number and when that was taken.
    pub async fn changed_since(
        &self,
        me: UserId,
        at: DateTime<Utc>,
        seen: &AccountCursor,
    ) -> AppResult<Vec<ChangedChat>> {
        let ids = self.chat_ids(me).await?;
        let heads = self.db.chat_heads().find_many(&ids).await?;
        let candidates: Vec<ChatId> = ids
            .iter()
            .filter(|id| match heads.get(id) {
                // A head written before times were kept counts as changed.
                Some(head) => {
                    head.seq_taken_at.is_none_or(|t| t > at) && !seen.has_seen(**id, head.seq)
                }
                None => true,
            })
            .copied()
            .collect();
        let mut chats = self.chats(&candidates).await?;
        chats.retain(|c| c.is_member(me) && (heads.contains_key(&c.id) || c.created_at > at));
        chats.sort_by_key(|c| c.id.oid());
        Ok(chats
            .into_iter()
            .map(|chat| {
                let head = heads.get(&chat.id);
                ChangedChat {
                    seq: head.map_or(0, |h| h.seq),
                    at: head.and_then(|h| h.seq_taken_at).unwrap_or(chat.created_at),
                    chat,
                }
            })
            .collect())
    }
}

/// A chat that changed, with its last sequence number and when that was
/// taken (its creation for a chat without events).
pub struct ChangedChat {
    pub chat: Chat,
    pub seq: i64,
    pub at: DateTime<Utc>,
}

impl ChatFeed {
    /// The next change to report; `None` once the feed has ended.
    pub async fn next(&mut self) -> Option<ChatFeedItem> {
        if let Some(item) = self.replay.pop_front() {
            return Some(item);
        }
        self.resume_from = None;
        loop {
            let (own, item) = tokio::select! {
                item = self.own.next() => (true, item?),
                Some((_, item)) = self.chats.next(), if !self.chats.is_empty() => (false, item),
            };
            let event = match item {
                Ok(event) => event,
                Err(Interruption::Gap) => return Some(ChatFeedItem::Resync),
                Err(Interruption::Lagged(_)) => return Some(ChatFeedItem::Lagged),
            };
            if let Some(out) = self.apply(&event, own) {
                return Some(out);
            }
        }
    }

    /// The unread counts this feed keeps (see [`UnreadCounts`]).
    pub fn unread(&self) -> UnreadCounts {
        self.unread.clone()
    }

    /// Where a client that saw everything handed out so far stands.
    pub fn cursor(&self) -> AccountCursor {
        if let Some(from) = &self.resume_from {
            return from.clone();
        }
        let window = RESUME_OVERLAP.to_std().unwrap_or_default();
        let mut seen: Vec<(ChatId, i64, Instant)> = self
            .recent
            .iter()
            .filter(|(_, (_, at))| at.elapsed() < window)
            .map(|(chat, (seq, at))| (*chat, *seq, *at))
            .collect();
        seen.sort_by_key(|(_, _, at)| std::cmp::Reverse(*at));
        AccountCursor::now(self.seq, seen.into_iter().map(|(c, s, _)| (c, s)).collect())
    }

    /// Notes that the client has chat `chat` as of `seq`.
    fn seen(&mut self, chat: ChatId, seq: i64) {
        let window = RESUME_OVERLAP.to_std().unwrap_or_default();
        let now = Instant::now();
        let entry = self.recent.entry(chat).or_insert((seq, now));
        *entry = (entry.0.max(seq), now);
        // Forget what left the window before the map doubles.
        if self.recent.len() > 2 * MAX_SEEN {
            self.recent.retain(|_, (_, at)| at.elapsed() < window);
        }
    }

    /// Follows membership changes and picks what to report.
    fn apply(&mut self, event: &Event, own_topic: bool) -> Option<ChatFeedItem> {
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
                if own_topic {
                    // Numbered: reported unless the replay covered it.
                    if let Some(seq) = e.seq {
                        if seq <= self.replayed_up_to {
                            return None;
                        }
                        self.seq = self.seq.max(seq);
                    }
                } else if me_concerned && is_membership(e.kind) {
                    // The numbered copy on `me`'s own topic reports it.
                    return None;
                }
                Some(ChatFeedItem::Changed(e.clone()))
            }
            Event::Message(m) => {
                // Every step of the chat moves what a resumed client has.
                self.seen(m.chat, m.seq);
                self.message_item(m)
            }
            _ => None,
        }
    }

    /// What to report of a step in one of the chats.
    fn message_item(&mut self, m: &MessageEvent) -> Option<ChatFeedItem> {
        match m.kind {
            MessageEventKind::Created => {
                if self.snapshot_seqs.get(&m.chat).is_some_and(|s| m.seq <= *s) {
                    return None;
                }
                let counted = m.message.as_ref().filter(|message| {
                    message.sender != self.me && message.kind != MessageKind::System
                });
                if let Some(message) = counted {
                    self.unread.add_one(m.chat, mentions(message, self.me));
                }
                Some(ChatFeedItem::NewMessage {
                    chat: m.chat,
                    actor: m.actor,
                    message: m.message.clone(),
                    sender: m.sender.clone(),
                })
            }
            MessageEventKind::Read if m.actor == self.me => {
                self.unread.forget(m.chat);
                Some(ChatFeedItem::UnreadChanged {
                    chat: m.chat,
                    actor: m.actor,
                    seq: m.seq,
                })
            }
            MessageEventKind::Edited if m.actor != self.me => {
                // A mention added or removed moves the mention count.
                let had = self.unread.forget_mentions(m.chat);
                let names_me = m.message.as_ref().is_some_and(|msg| mentions(msg, self.me));
                (had || names_me).then_some(ChatFeedItem::UnreadChanged {
                    chat: m.chat,
                    actor: m.actor,
                    seq: m.seq,
                })
            }
            MessageEventKind::Deleted => {
                self.unread.forget(m.chat);
                Some(ChatFeedItem::UnreadChanged {
                    chat: m.chat,
                    actor: m.actor,
                    seq: m.seq,
                })
            }
            _ => None,
        }
    }
}

/// Whether `message` mentions `me` (by name or everyone at once).
fn mentions(message: &Message, me: UserId) -> bool {
    message.mentions_all || message.mentions.contains(&me)
}

fn is_membership(kind: ChatEventKind) -> bool {
    matches!(
        kind,
        ChatEventKind::Created
            | ChatEventKind::MembersAdded
            | ChatEventKind::MemberRemoved
            | ChatEventKind::Deleted
    )
}
