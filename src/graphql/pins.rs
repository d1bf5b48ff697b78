//! Pinned messages: `pinMessage`, `unpinMessage` and the `PinnedMessage`
//! type listed by `Chat.pinnedMessages` (rules in `services::pins`).

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use super::context::{Authenticated, ContextExt};
use super::messages::MessageObject;
use super::users::{UserObject, load_user};
use crate::domain::{Message, MessageId};
use crate::storage::pins::Pin;

/// A message pinned in a chat, and who pinned it when.
pub struct PinnedMessageObject(pub Pin, pub Message);

#[Object(name = "PinnedMessage")]
impl PinnedMessageObject {
    /// Jump to it with `messages(chatId, around: message.cursor)`.
    async fn message(&self) -> MessageObject {
        MessageObject::new(self.1.clone())
    }

    async fn pinned_by(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        load_user(ctx, self.0.pinned_by).await
    }

    async fn pinned_at(&self) -> DateTime<Utc> {
        self.0.pinned_at
    }
}

#[derive(InputObject)]
pub struct PinMessageInput {
    message_id: ID,
}

#[derive(Default)]
pub struct PinMutation;

#[Object]
impl PinMutation {
    /// Pins a message: in a group whom its `permissions.pin` lets (admins
    /// by default), in a direct chat either person; not while muted. At
    /// most 50 per chat (`CONFLICT` beyond). Posts a `MESSAGE_PINNED`
    /// system message and a `PINNED` event on `messageEvents`; pinning a
    /// pinned message changes nothing.
    #[graphql(guard = "Authenticated")]
    async fn pin_message(
        &self,
        ctx: &Context<'_>,
        input: PinMessageInput,
    ) -> async_graphql::Result<MessageObject> {
        let me = ctx.current_user()?;
        let id = MessageId::parse("messageId", &input.message_id)?;
        let message = ctx.services()?.pins.pin(me.id, id).await?;
        Ok(MessageObject::new(message))
    }

    /// Unpins a message (the same people as may pin). Posts a
    /// `MESSAGE_UNPINNED` system message and an `UNPINNED` event;
    /// unpinning what is not pinned changes nothing.
    #[graphql(guard = "Authenticated")]
    async fn unpin_message(
        &self,
        ctx: &Context<'_>,
        input: PinMessageInput,
    ) -> async_graphql::Result<MessageObject> {
        let me = ctx.current_user()?;
        let id = MessageId::parse("messageId", &input.message_id)?;
        let message = ctx.services()?.pins.unpin(me.id, id).await?;
        Ok(MessageObject::new(message))
    }
}
