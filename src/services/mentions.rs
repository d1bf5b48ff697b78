//! Mentions: whom a message names (`mentions`, at most [`MAX_MENTIONS`]
//! members) or whether it names everyone (`mentionsAll`, as the group's
//! `mentionAll` permission allows; see `chats::permissions`).
//!
//! A mention raises a `MENTIONED` notification for each user it names
//! (everyone but the sender for `mentionsAll`) unless their level for the
//! chat is NONE (see `domain::preferences`). An edit notifies only the users
//! it adds. Notifying runs in a task of its own after the message is
//! stored: it never delays nor fails the send (a failure is logged), and
//! the send path reads nothing per recipient.

use chrono::Utc;

use crate::domain::preferences::effective_level;
use crate::domain::{ChatId, Membership, Message, NotificationKind, UserId};
use crate::error::{AppError, AppResult};
use crate::storage::Database;

use super::chats::permissions;
use super::notifications::{NotificationDraft, NotificationService};

/// The most users one message may mention by name.
pub const MAX_MENTIONS: usize = 50;

/// Whom a message mentions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mentioned {
    pub users: Vec<UserId>,
    /// Everyone in the chat.
    pub all: bool,
}

impl Mentioned {
    pub fn of(message: &Message) -> Self {
        Self {
            users: message.mentions.clone(),
            all: message.mentions_all,
        }
    }
}

/// What an edit changes of a message's mentions (`None`: keep).
#[derive(Clone, Debug, Default)]
pub struct MentionChange {
    pub users: Option<Vec<UserId>>,
    pub all: Option<bool>,
}

impl MentionChange {
    /// The mentions after applying this to `before`.
    pub fn apply(self, before: &Mentioned) -> Mentioned {
        Mentioned {
            users: self.users.unwrap_or_else(|| before.users.clone()),
            all: self.all.unwrap_or(before.all),
        }
    }
}

#[derive(Clone)]
pub struct Mentions {
    db: Database,
    notifications: NotificationService,
}

impl Mentions {
    pub fn new(db: Database, notifications: NotificationService) -> Self {
        Self { db, notifications }
    }

    /// `asked` checked for a message of `membership`'s member: repeats
    /// dropped, at most [`MAX_MENTIONS`], all members of the chat, and
    /// `all` only where the member may mention everyone.
    pub async fn check(&self, membership: &Membership, asked: Mentioned) -> AppResult<Mentioned> {
        if asked.all {
            permissions::ensure_can_mention_all(membership)?;
        }
        let mut users: Vec<UserId> = Vec::with_capacity(asked.users.len());
        for user in asked.users {
            if !users.contains(&user) {
                users.push(user);
            }
        }
        if users.len() > MAX_MENTIONS {
            return Err(AppError::bad_input(
                "mentions",
                format!("a message mentions at most {MAX_MENTIONS} users"),
            ));
        }
        if !users.is_empty() && !self.db.chats().has_members(membership.id, &users).await? {
            return Err(AppError::bad_input(
                "mentions",
                "only members of the chat can be mentioned",
            ));
        }
        Ok(Mentioned {
            users,
            all: asked.all,
        })
    }

    /// Notifies, in the background, whom `message` mentions now and did not
    /// in `before` (nothing for a new message).
    pub fn notify_added(&self, message: &Message, before: &Mentioned) {
        let now = Mentioned::of(message);
        if before.all || (!now.all && now.users.iter().all(|u| before.users.contains(u))) {
            return;
        }
        let this = self.clone();
        let (chat, sender, id) = (message.chat, message.sender, message.id);
        let before = before.clone();
        tokio::spawn(async move {
            if let Err(error) = this.notify(chat, sender, id, now, before).await {
                tracing::warn!(?error, %chat, message_id = %id, "could not notify mentions");
            }
        });
    }

    async fn notify(
        &self,
        chat: ChatId,
        sender: UserId,
        message: crate::domain::MessageId,
        now: Mentioned,
        before: Mentioned,
    ) -> AppResult<()> {
        let named = match now.all {
            true => match self.db.chats().find(chat).await? {
                Some(chat) => chat.participants,
                None => return Ok(()),
            },
            false => now.users,
        };
        let added: Vec<UserId> = named
            .into_iter()
            .filter(|u| *u != sender && !before.users.contains(u))
            .collect();
        if added.is_empty() {
            return Ok(());
        }
        let preferences = self.db.chat_preferences().of_chat(chat, &added).await?;
        let at = Utc::now();
        let recipients: Vec<UserId> = added
            .into_iter()
            .filter(|user| {
                let prefs = preferences.get(user);
                let level = effective_level(
                    prefs.and_then(|p| p.default),
                    prefs.and_then(|p| p.chats.get(&chat)),
                    at,
                );
                level.allows_mentions()
            })
            .collect();
        self.notifications
            .notify(
                &recipients,
                NotificationDraft {
                    kind: NotificationKind::Mentioned,
                    actor: sender,
                    chat: Some(chat),
                    friend_request: None,
                    message: Some(message),
                },
            )
            .await
    }
}
