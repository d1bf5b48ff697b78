//! `Message` and what hangs off it, as everyone sees them: the types a
//! rendering shared between viewers returns (see
//! [`shared_events`](crate::graphql::shared_events)). Each wraps the full
//! type and answers with its resolvers, but has only the fields whose
//! answer does not depend on the viewer: no `Reaction.reactedByMe`, and
//! users are [`SharedUser`]s. A selection asking for anything else does not
//! validate against these types and is rendered per viewer instead.

use crate::graphql::context::ContextExt;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};

use super::{
    MediaObject, MessageKind, MessageObject, ReactionObject, SystemAction, SystemInfoObject,
};
use crate::graphql::users::{SharedUser, UserObject};

fn shared_users(users: Vec<UserObject>) -> Vec<SharedUser> {
    users.into_iter().map(SharedUser::from).collect()
}

pub struct SharedMessage(pub MessageObject);

#[Object(name = "Message")]
impl SharedMessage {
    async fn id(&self, ctx: &Context<'_>) -> async_graphql::Result<ID> {
        self.0.id(ctx).await
    }

    async fn chat_id(&self, ctx: &Context<'_>) -> async_graphql::Result<ID> {
        self.0.chat_id(ctx).await
    }

    async fn cursor(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        self.0.cursor(ctx).await
    }

    async fn sender(&self, ctx: &Context<'_>) -> async_graphql::Result<SharedUser> {
        Ok(self.0.sender(ctx).await?.into())
    }

    #[graphql(name = "type")]
    async fn kind(&self, ctx: &Context<'_>) -> async_graphql::Result<MessageKind> {
        self.0.kind(ctx).await
    }

    async fn text(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        self.0.text(ctx).await
    }

    async fn media(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SharedMedia>> {
        Ok(self
            .0
            .media(ctx)
            .await?
            .into_iter()
            .map(SharedMedia)
            .collect())
    }

    async fn reply_to(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<SharedMessage>> {
        Ok(self.0.reply_to(ctx).await?.map(SharedMessage))
    }

    async fn reactions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SharedReaction>> {
        let reactions = self.0.reactions(ctx).await?;
        Ok(reactions.into_iter().map(SharedReaction).collect())
    }

    async fn read_by(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<SharedUser>> {
        Ok(shared_users(self.0.read_by(ctx, first, after).await?))
    }

    async fn read_count(&self, ctx: &Context<'_>) -> async_graphql::Result<usize> {
        self.0.read_count(ctx).await
    }

    async fn delivered_to(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<SharedUser>> {
        Ok(shared_users(self.0.delivered_to(ctx, first, after).await?))
    }

    async fn delivered_count(&self, ctx: &Context<'_>) -> async_graphql::Result<usize> {
        self.0.delivered_count(ctx).await
    }

    async fn is_deleted(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        self.0.is_deleted(ctx).await
    }

    async fn edited_at(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DateTime<Utc>>> {
        self.0.edited_at(ctx).await
    }

    async fn created_at(&self, ctx: &Context<'_>) -> async_graphql::Result<DateTime<Utc>> {
        self.0.created_at(ctx).await
    }

    async fn client_message_id(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        self.0.client_message_id(ctx).await
    }

    async fn system(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<SharedSystemInfo>> {
        Ok(self.0.system(ctx).await?.map(SharedSystemInfo))
    }
}

/// An attachment without `url`: a download URL is signed for its reader,
/// so a selection with it is rendered per viewer.
pub struct SharedMedia(MediaObject);

#[Object(name = "Media")]
impl SharedMedia {
    /// Signed once for everyone the rendering is shared with: they all
    /// follow the chat as members, and the URL names no viewer.
    async fn url(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let stored = &(self.0).0.url;
        Ok(ctx.services()?.uploads.download_url(stored).await?)
    }

    async fn mime_type(&self, ctx: &Context<'_>) -> async_graphql::Result<&str> {
        self.0.mime_type(ctx).await
    }

    async fn size(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        self.0.size(ctx).await
    }

    async fn name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        self.0.name(ctx).await
    }

    async fn width(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i32>> {
        self.0.width(ctx).await
    }

    async fn height(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i32>> {
        self.0.height(ctx).await
    }

    async fn duration_ms(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i64>> {
        self.0.duration_ms(ctx).await
    }
}

/// A reaction without `reactedByMe`.
pub struct SharedReaction(ReactionObject);

#[Object(name = "Reaction")]
impl SharedReaction {
    async fn emoji(&self, ctx: &Context<'_>) -> async_graphql::Result<&str> {
        self.0.emoji(ctx).await
    }

    async fn count(&self, ctx: &Context<'_>) -> async_graphql::Result<usize> {
        self.0.count(ctx).await
    }

    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<SharedUser>> {
        Ok(shared_users(self.0.users(ctx, first, after).await?))
    }
}

pub struct SharedSystemInfo(SystemInfoObject);

#[Object(name = "SystemInfo")]
impl SharedSystemInfo {
    async fn action(&self, ctx: &Context<'_>) -> async_graphql::Result<SystemAction> {
        self.0.action(ctx).await
    }

    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<SharedUser> {
        Ok(self.0.actor(ctx).await?.into())
    }

    async fn targets(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> async_graphql::Result<Vec<SharedUser>> {
        Ok(shared_users(self.0.targets(ctx, first, after).await?))
    }

    async fn target_count(&self, ctx: &Context<'_>) -> async_graphql::Result<usize> {
        self.0.target_count(ctx).await
    }

    async fn value(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        self.0.value(ctx).await
    }
}
