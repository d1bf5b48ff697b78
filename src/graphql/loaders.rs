//! DataLoaders: every population of related records goes through one of
//! these, so a page of N items costs one query per relation, not N.
//!
//! They are created per request and do not cache, so a long subscription never
//! serves stale records; batching within one response is what they are for.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};

use crate::domain::{Chat, ChatHead, ChatId, Message, MessageId, User, UserId};
use crate::services::Services;
use crate::storage::receipts::Receipt;

pub struct Loaders {
    pub users: DataLoader<UserLoader>,
    pub messages: DataLoader<MessageLoader>,
    pub chats: DataLoader<ChatLoader>,
    /// Each chat's timeline head (last number, last message).
    pub heads: DataLoader<HeadLoader>,
    /// Every member's receipt pointers, per chat.
    pub receipts: DataLoader<ReceiptLoader>,
    /// The viewer's unread count, per chat.
    pub unread: DataLoader<UnreadLoader>,
    /// Thread summaries, per root message.
    pub threads: DataLoader<ThreadLoader>,
    /// The viewer's unread mentions, per chat.
    pub unread_mentions: DataLoader<UnreadMentionLoader>,
    /// The viewer's notification level and archive of each chat.
    pub chat_settings: DataLoader<crate::graphql::chat_preferences::SettingsLoader>,
    /// Whom the viewer may watch (presence), computed once when first asked.
    pub watchable: tokio::sync::OnceCell<std::collections::HashSet<UserId>>,
}

impl Loaders {
    /// Loaders for one request by `viewer` (some answers depend on who asks).
    pub fn new(services: &Services, viewer: Option<UserId>) -> Self {
        Self {
            users: DataLoader::new(UserLoader(services.clone()), tokio::spawn),
            messages: DataLoader::new(MessageLoader(services.clone()), tokio::spawn),
            chats: DataLoader::new(ChatLoader(services.clone()), tokio::spawn),
            heads: DataLoader::new(HeadLoader(services.clone()), tokio::spawn),
            receipts: DataLoader::new(ReceiptLoader(services.clone()), tokio::spawn),
            unread: DataLoader::new(UnreadLoader(services.clone(), viewer), tokio::spawn),
            threads: DataLoader::new(ThreadLoader(services.clone()), tokio::spawn),
            unread_mentions: DataLoader::new(
                UnreadMentionLoader(services.clone(), viewer),
                tokio::spawn,
            ),
            chat_settings: DataLoader::new(
                crate::graphql::chat_preferences::SettingsLoader(services.clone(), viewer),
                tokio::spawn,
            ),
            watchable: tokio::sync::OnceCell::new(),
        }
    }
}

pub struct ReceiptLoader(Services);

impl Loader<ChatId> for ReceiptLoader {
    type Value = Vec<Receipt>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ChatId]) -> Result<HashMap<ChatId, Vec<Receipt>>, Self::Error> {
        let mut out = HashMap::new();
        // Pages show one chat's messages, so this is one query in practice.
        for chat in keys {
            out.insert(*chat, self.0.messages.receipts(*chat).await?);
        }
        Ok(out)
    }
}

pub struct UnreadLoader(Services, Option<UserId>);

impl Loader<ChatId> for UnreadLoader {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ChatId]) -> Result<HashMap<ChatId, u64>, Self::Error> {
        let Some(viewer) = self.1 else {
            return Ok(HashMap::new());
        };
        let counts = self.0.messages.unread_counts(viewer, keys).await?;
        Ok(keys
            .iter()
            .map(|k| (*k, counts.get(k).copied().unwrap_or(0)))
            .collect())
    }
}

pub struct UnreadMentionLoader(Services, Option<UserId>);

impl Loader<ChatId> for UnreadMentionLoader {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ChatId]) -> Result<HashMap<ChatId, u64>, Self::Error> {
        let Some(viewer) = self.1 else {
            return Ok(HashMap::new());
        };
        let counts = self.0.messages.unread_mention_counts(viewer, keys).await?;
        Ok(keys
            .iter()
            .map(|k| (*k, counts.get(k).copied().unwrap_or(0)))
            .collect())
    }
}

pub struct MessageLoader(Services);

impl Loader<MessageId> for MessageLoader {
    type Value = Message;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[MessageId]) -> Result<HashMap<MessageId, Message>, Self::Error> {
        let messages = self.0.messages.by_ids(keys).await?;
        Ok(messages.into_iter().map(|m| (m.id, m)).collect())
    }
}

pub struct ChatLoader(Services);

impl Loader<ChatId> for ChatLoader {
    type Value = Chat;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ChatId]) -> Result<HashMap<ChatId, Chat>, Self::Error> {
        let chats = self.0.chats.chats(keys).await?;
        Ok(chats.into_iter().map(|c| (c.id, c)).collect())
    }
}

pub struct HeadLoader(Services);

impl Loader<ChatId> for HeadLoader {
    type Value = ChatHead;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ChatId]) -> Result<HashMap<ChatId, ChatHead>, Self::Error> {
        Ok(self.0.chats.heads(keys).await?)
    }
}

pub struct UserLoader(Services);

impl Loader<UserId> for UserLoader {
    type Value = User;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[UserId]) -> Result<HashMap<UserId, User>, Self::Error> {
        let users = self.0.accounts.users_by_ids(keys).await?;
        Ok(users.into_iter().map(|u| (u.id, u)).collect())
    }
}

pub struct ThreadLoader(Services);

impl Loader<MessageId> for ThreadLoader {
    type Value = crate::storage::threads::ThreadSummary;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[MessageId],
    ) -> Result<HashMap<MessageId, Self::Value>, Self::Error> {
        Ok(self.0.threads.summaries(keys).await?)
    }
}
