//! Direct and group chats: creation, settings, membership, admins.
//!
//! Permission layers: a member may read and leave a chat; what else each
//! role may do is decided in one place, [`permissions`] (by default an
//! admin may change a group and add or remove members; the owner alone may
//! promote and demote admins and remove an admin). A non-member asking
//! about a chat gets `NOT_FOUND`, so private chats do not leak. Who may be
//! added at all is each user's choice ([`invites`]); bans, mutes and the
//! group's rules are in [`moderation`].
//!
//! Ownership passes, when the creator leaves, to the longest-standing
//! admin, else to the longest-standing member. A group whose last member
//! leaves is deleted with its history.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};

use crate::domain::{
    CHAT_DESCRIPTION_MAX, Chat, ChatHead, ChatId, ChatPermissions, ChatPrivacy, IMAGE_URL_MAX,
    Membership, NotificationKind, SystemAction, SystemInfo, User, UserId, parse_chat_name, text,
};
use crate::error::{AppError, AppResult};
use crate::events::{ChatEvent, ChatEventKind, Event, EventBus, Topic};
use crate::storage::chats::{ChatChanges, ChatCursor, NewGroup};
use crate::storage::{Database, Page};

mod erasure;
mod feed;
pub mod invite_links;
pub mod invites;
mod membership;
pub mod moderation;
pub mod permissions;

pub use feed::{ChangedChat, ChatFeed, ChatFeedItem, UnreadCounts};
pub use moderation::NewBan;

use super::account_log::AccountLog;
use super::blocks::BlockRules;
use super::notifications::{NotificationDraft, NotificationService};
use super::timeline::Timeline;

/// Account log appends in flight at once when many members are told.
const LOG_APPENDS_AT_ONCE: usize = 16;

fn chat_event(kind: ChatEventKind, chat: &Chat, actor: UserId, users: Vec<UserId>) -> ChatEvent {
    ChatEvent {
        kind,
        chat: chat.clone(),
        actor,
        users,
        seq: None,
    }
}

/// A new chat as a client asks for it (unchecked).
pub struct NewChat {
    pub participant_ids: Vec<UserId>,
    pub is_group: bool,
    pub name: Option<String>,
    pub description: Option<String>,
    pub image: Option<String>,
    pub privacy: Option<ChatPrivacy>,
}

/// Group settings to change (unchecked); `None` leaves a field alone, an
/// empty description or image clears it.
#[derive(Default)]
pub struct ChatUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    pub image: Option<String>,
    /// A picture already checked and taken (`imageUploadId`, see
    /// [`crate::services::uploads`]): stored as it is, in place of `image`.
    pub uploaded_image: Option<String>,
    pub privacy: Option<ChatPrivacy>,
    pub permissions: Option<ChatPermissions>,
    pub slow_mode_seconds: Option<u32>,
}

/// How large groups may grow and how fast people may be put into them.
#[derive(Clone)]
pub struct ChatLimits {
    pub max_members: usize,
    pub rates: Arc<crate::limits::RateLimits>,
    /// How long an account counts as new (stricter buckets).
    pub new_account: Duration,
}

#[derive(Clone)]
pub struct ChatService {
    db: Database,
    bus: Arc<dyn EventBus>,
    blocks: BlockRules,
    notifications: NotificationService,
    timeline: Timeline,
    limits: ChatLimits,
    /// Where each user's own membership changes are recorded and told.
    log: AccountLog,
}

impl ChatService {
    pub fn new(
        db: Database,
        bus: Arc<dyn EventBus>,
        blocks: BlockRules,
        notifications: NotificationService,
        timeline: Timeline,
        limits: ChatLimits,
        log: AccountLog,
    ) -> Self {
        Self {
            db,
            bus,
            blocks,
            notifications,
            timeline,
            limits,
            log,
        }
    }

    /// Where this service's notifications go (shared with messages).
    pub fn notifications(&self) -> &NotificationService {
        &self.notifications
    }

    /// Creates a chat. A direct chat that exists already is returned as it
    /// is (also when both people create it at the same moment).
    #[tracing::instrument(skip(self, new), fields(user_id = %me))]
    pub async fn create(&self, me: UserId, mut new: NewChat) -> AppResult<Chat> {
        let mut others: Vec<UserId> = Vec::new();
        for id in std::mem::take(&mut new.participant_ids) {
            if id != me && !others.contains(&id) {
                others.push(id);
            }
        }
        if new.is_group {
            self.create_group(me, others, new).await
        } else {
            self.create_direct(me, others).await
        }
    }

    async fn create_direct(&self, me: UserId, others: Vec<UserId>) -> AppResult<Chat> {
        let [other] = others[..] else {
            return Err(AppError::bad_input(
                "participantIds",
                "a direct chat has exactly one other participant",
            ));
        };
        self.existing_users(&[other]).await?;
        self.blocks
            .ensure_unblocked(me, other, "you cannot start a chat with this user")
            .await?;
        let (chat, created) = self.db.chats().direct(me, other).await?;
        if created {
            self.announce_new(&chat, me, &[other]).await?;
        }
        Ok(chat)
    }

    async fn create_group(&self, me: UserId, others: Vec<UserId>, new: NewChat) -> AppResult<Chat> {
        let name = parse_chat_name(new.name.as_deref().unwrap_or_default())?;
        let description = optional(new.description, |v| {
            text::multi_line("description", v, 1, CHAT_DESCRIPTION_MAX)
        })?;
        let image = optional(new.image, |v| text::http_url("image", v, IMAGE_URL_MAX))?;
        if others.len() + 1 > self.limits.max_members {
            return Err(AppError::bad_input(
                "participantIds",
                format!("a group has at most {} members", self.limits.max_members),
            ));
        }
        self.existing_users(&others).await?;
        self.ensure_none_blocked(me, &others).await?;
        self.count_additions(me, others.len(), true)?;
        let (added, invited) = self.sort_additions(me, &others).await?;
        let participants: Vec<UserId> = std::iter::once(me).chain(added.iter().copied()).collect();
        let chat = self
            .db
            .chats()
            .insert_group(NewGroup {
                name,
                description,
                image,
                privacy: new.privacy.unwrap_or(ChatPrivacy::Private),
                creator: me,
                participants,
            })
            .await?;
        let actor = self.user(me).await?;
        self.system(
            &chat,
            &actor,
            SystemAction::ChatCreated,
            &[],
            chat.name.clone(),
        )
        .await?;
        self.announce_new(&chat, me, &added).await?;
        self.invite(&chat, me, &invited).await?;
        Ok(chat)
    }

    /// Tells every member of a new chat, and notifies the others.
    async fn announce_new(&self, chat: &Chat, creator: UserId, others: &[UserId]) -> AppResult<()> {
        let chat = self.reload(chat.id).await?;
        let event = chat_event(
            ChatEventKind::Created,
            &chat,
            creator,
            chat.participants.clone(),
        );
        self.tell_own(&chat.participants, &event).await?;
        self.notify_added(&chat, creator, others).await
    }

    async fn notify_added(&self, chat: &Chat, actor: UserId, users: &[UserId]) -> AppResult<()> {
        self.notifications
            .notify(
                users,
                NotificationDraft {
                    kind: NotificationKind::AddedToChat,
                    actor,
                    chat: Some(chat.id),
                    friend_request: None,
                    message: None,
                },
            )
            .await
    }

    /// Changes a group's settings (whom its permissions let: admins by
    /// default); one system message per changed setting.
    #[tracing::instrument(skip(self, update), fields(user_id = %me, chat_id = %id))]
    pub async fn update(&self, me: UserId, id: ChatId, update: ChatUpdate) -> AppResult<Chat> {
        let chat = self.as_member(me, id).await?;
        permissions::ensure(&chat, me, permissions::Action::EditInfo)?;
        let changes = ChatChanges {
            name: update.name.as_deref().map(parse_chat_name).transpose()?,
            description: update
                .description
                .map(|v| {
                    optional(Some(v), |v| {
                        text::multi_line("description", v, 1, CHAT_DESCRIPTION_MAX)
                    })
                })
                .transpose()?,
            image: match update.uploaded_image {
                Some(reference) => Some(Some(reference)),
                None => update
                    .image
                    .map(|v| optional(Some(v), |v| text::http_url("image", v, IMAGE_URL_MAX)))
                    .transpose()?,
            },
            privacy: update.privacy,
        };
        self.change_rules(me, &chat, update.permissions, update.slow_mode_seconds)
            .await?;
        let updated = self
            .db
            .chats()
            .update_info(id, &changes)
            .await?
            .ok_or_else(chat_not_found)?;
        let actor = self.user(me).await?;
        if let Some(name) = &changes.name
            && chat.name.as_deref() != Some(name)
        {
            self.system(
                &updated,
                &actor,
                SystemAction::Renamed,
                &[],
                Some(name.clone()),
            )
            .await?;
        }
        if let Some(description) = &changes.description
            && &chat.description != description
        {
            self.system(
                &updated,
                &actor,
                SystemAction::DescriptionChanged,
                &[],
                description.clone(),
            )
            .await?;
        }
        if let Some(image) = &changes.image
            && &chat.image != image
        {
            self.system(
                &updated,
                &actor,
                SystemAction::ImageChanged,
                &[],
                // An uploaded picture's reference is no URL to show.
                image.clone().filter(|i| crate::files::key_of(i).is_none()),
            )
            .await?;
        }
        if let Some(privacy) = changes.privacy
            && chat.privacy != privacy
        {
            let label = match privacy {
                ChatPrivacy::Public => "public",
                ChatPrivacy::Private => "private",
            };
            self.system(
                &updated,
                &actor,
                SystemAction::PrivacyChanged,
                &[],
                Some(label.into()),
            )
            .await?;
        }
        let updated = self.reload(id).await?;
        self.publish_chat(ChatEventKind::Updated, &updated, me, Vec::new());
        Ok(updated)
    }

    /// A chat `me` is a member of; `NOT_FOUND` otherwise.
    pub async fn as_member(&self, me: UserId, id: ChatId) -> AppResult<Chat> {
        self.db
            .chats()
            .find(id)
            .await?
            .filter(|c| c.is_member(me))
            .ok_or_else(chat_not_found)
    }

    /// `me`'s membership of chat `id`; `NOT_FOUND` when not a member. Cheaper
    /// than [`Self::as_member`] in a large group: the member list stays in
    /// the database.
    pub async fn membership(&self, me: UserId, id: ChatId) -> AppResult<Membership> {
        let membership = self.db.chats().membership(id, me).await?;
        membership.ok_or_else(chat_not_found)
    }

    /// Which of `users` are members of `id`, in one read (many followers
    /// of one chat starting at once).
    pub async fn members_among(&self, id: ChatId, users: &[UserId]) -> AppResult<Vec<UserId>> {
        self.db.chats().members_among(id, users).await
    }

    /// What `membership` answers a non-member: the chat's existence is not
    /// revealed.
    pub fn not_a_member() -> AppError {
        chat_not_found()
    }

    pub async fn page(
        &self,
        me: UserId,
        after: Option<ChatCursor>,
        limit: usize,
    ) -> AppResult<Page<Chat>> {
        self.db.chats().page_for_member(me, after, limit).await
    }

    pub async fn search_public(
        &self,
        query: &str,
        after: Option<bson::oid::ObjectId>,
        limit: usize,
    ) -> AppResult<Page<Chat>> {
        let prefix = text::single_line("query", query, 1, crate::domain::CHAT_NAME_MAX)?;
        self.db.chats().search_public(&prefix, after, limit).await
    }

    /// Chats by id (for DataLoaders).
    pub async fn chats(&self, ids: &[ChatId]) -> AppResult<Vec<Chat>> {
        self.db.chats().find_many(ids).await
    }

    /// Ids of `me`'s chats (for subscriptions that follow all of them).
    pub async fn chat_ids(&self, me: UserId) -> AppResult<Vec<ChatId>> {
        self.db.chats().ids_for_member(me).await
    }

    /// Posts a system message: `actor` did `action` to `targets`; its
    /// text names them as they are now (see [`SystemInfo::text`]).
    async fn system(
        &self,
        chat: &Chat,
        actor: &User,
        action: SystemAction,
        targets: &[&User],
        value: Option<String>,
    ) -> AppResult<()> {
        let info = SystemInfo {
            action,
            actor: actor.id,
            targets: targets.iter().map(|t| t.id).collect(),
            value,
        };
        let text = info.text(|id| {
            std::iter::once(actor)
                .chain(targets.iter().copied())
                .find(|u| u.id == id)
                .map(User::mention)
                .unwrap_or_default()
        });
        self.timeline.post_system(chat, actor, info, text).await?;
        Ok(())
    }

    fn publish_chat(&self, kind: ChatEventKind, chat: &Chat, actor: UserId, users: Vec<UserId>) {
        self.bus.publish(
            Topic::Chat(chat.id),
            Event::Chat(chat_event(kind, chat, actor, users)),
        );
    }

    /// Records `event`, a change of their own membership, in each of
    /// `users`' account logs and tells them on their own topics (their chat
    /// feeds follow membership from these numbered copies).
    async fn tell_own(&self, users: &[UserId], event: &ChatEvent) -> AppResult<()> {
        // Owned futures: borrowed ones trip the compiler's `Send` proofs
        // for the resolvers awaiting this.
        futures_util::stream::iter(users.to_vec())
            .map(|user| {
                let (log, event) = (self.log.clone(), event.clone());
                async move { log.membership(user, event).await }
            })
            .buffer_unordered(LOG_APPENDS_AT_ONCE)
            .try_collect::<()>()
            .await
    }

    async fn reload(&self, id: ChatId) -> AppResult<Chat> {
        self.db.chats().find(id).await?.ok_or_else(chat_not_found)
    }

    async fn user(&self, id: UserId) -> AppResult<User> {
        self.db
            .users()
            .find(id)
            .await?
            .ok_or_else(|| AppError::NotFound("user not found".into()))
    }

    /// Every user in `ids`, in one query; `NOT_FOUND` if any is missing.
    async fn existing_users(&self, ids: &[UserId]) -> AppResult<HashMap<UserId, User>> {
        let users: HashMap<UserId, User> = self
            .db
            .users()
            .find_many(ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        if let Some(missing) = ids.iter().find(|id| !users.contains_key(id)) {
            return Err(AppError::NotFound(format!("user {missing} not found")));
        }
        Ok(users)
    }

    /// `FORBIDDEN` if any of `users` and `me` have blocked each other.
    async fn ensure_none_blocked(&self, me: UserId, users: &[UserId]) -> AppResult<()> {
        let partners = self.blocks.partners(me).await?;
        if users.iter().any(|u| partners.contains(u)) {
            return Err(AppError::Forbidden(
                "you cannot add a user who has blocked you or whom you blocked".into(),
            ));
        }
        Ok(())
    }

    /// Each chat's timeline head (last number, last message), for
    /// DataLoaders. A chat without a stored head has had no event yet: it
    /// gets the default.
    pub async fn heads(&self, ids: &[ChatId]) -> AppResult<HashMap<ChatId, ChatHead>> {
        let mut heads = self.db.chat_heads().find_many(ids).await?;
        for id in ids {
            heads.entry(*id).or_default();
        }
        Ok(heads)
    }
}

fn chat_not_found() -> AppError {
    AppError::NotFound("chat not found".into())
}

/// An optional text: absent stays absent, empty means none, else `parse`.
fn optional(
    value: Option<String>,
    parse: impl Fn(&str) -> AppResult<String>,
) -> AppResult<Option<String>> {
    match value {
        Some(v) if !v.trim().is_empty() => parse(&v).map(Some),
        _ => Ok(None),
    }
}
