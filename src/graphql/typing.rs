//! Typing indicators: `startTyping`, `stopTyping` and `typingEvents`.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Subscription};
use futures_util::Stream;

use super::chats::ChatObject;
use super::context::{Authenticated, ContextExt};
use super::live::SlowConsumer;
use super::users::UserObject;
use crate::domain::{ChatId, User};
use crate::error::AppError;
use crate::services::typing::TypingItem;

#[derive(InputObject)]
pub struct TypingInput {
    chat_id: ID,
}

#[derive(SimpleObject)]
pub struct TypingPayload {
    chat_id: ID,
    is_typing: bool,
}

#[derive(Default)]
pub struct TypingMutation;

#[Object]
impl TypingMutation {
    /// Shows the chat's other members that you are typing (members only).
    /// It stops by itself after TYPING_TIMEOUT_MS without a renewal; calling
    /// again within that time renews it silently. Broadcasts are coalesced
    /// to at most one per second, so calling on every keystroke is fine.
    #[graphql(guard = "Authenticated")]
    async fn start_typing(
        &self,
        ctx: &Context<'_>,
        input: TypingInput,
    ) -> async_graphql::Result<TypingPayload> {
        let me = ctx.current_user()?;
        let chat = ChatId::parse("chatId", &input.chat_id)?;
        ctx.services()?.typing.start(me.id, chat).await?;
        Ok(TypingPayload {
            chat_id: input.chat_id,
            is_typing: true,
        })
    }

    /// Stops showing that you are typing.
    #[graphql(guard = "Authenticated")]
    async fn stop_typing(
        &self,
        ctx: &Context<'_>,
        input: TypingInput,
    ) -> async_graphql::Result<TypingPayload> {
        let me = ctx.current_user()?;
        let chat = ChatId::parse("chatId", &input.chat_id)?;
        ctx.services()?.typing.stop(me.id, chat).await?;
        Ok(TypingPayload {
            chat_id: input.chat_id,
            is_typing: false,
        })
    }
}

/// Someone in the chat started or stopped typing.
pub struct TypingEventObject {
    chat: ChatId,
    user: User,
    is_typing: bool,
}

#[Object(name = "TypingEvent")]
impl TypingEventObject {
    async fn chat_id(&self) -> ID {
        ID(self.chat.to_string())
    }

    /// The chat (loaded on request; `chatId` costs nothing).
    async fn chat(&self, ctx: &Context<'_>) -> async_graphql::Result<ChatObject> {
        let chat = ctx.loaders()?.chats.load_one(self.chat).await?;
        chat.map(ChatObject)
            .ok_or_else(|| AppError::NotFound("chat not found".into()).into())
    }

    async fn user(&self) -> UserObject {
        UserObject::new(self.user.clone())
    }

    async fn is_typing(&self) -> bool {
        self.is_typing
    }
}

#[derive(Default)]
pub struct TypingSubscription;

#[Subscription]
impl TypingSubscription {
    /// Who starts and stops typing in a chat (members only). You do not get
    /// your own, nor anything from someone you blocked or who blocked you.
    /// Ends when you are removed from the chat.
    #[graphql(guard = "Authenticated")]
    async fn typing_events(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = TypingEventObject> + use<>> {
        let me = ctx.current_user()?.id;
        let chat = ChatId::parse("chatId", &chat_id)?;
        let feed = ctx.services()?.typing.events(me, chat).await?;
        let slow = ctx.data_opt::<SlowConsumer>().cloned();
        Ok(futures_util::stream::unfold(
            (feed, slow),
            move |(mut feed, slow)| async move {
                match feed.next().await? {
                    TypingItem::Typing(t) => {
                        let object = TypingEventObject {
                            chat,
                            user: t.user,
                            is_typing: t.is_typing,
                        };
                        Some((object, (feed, slow)))
                    }
                    TypingItem::Lagged => {
                        if let Some(slow) = &slow {
                            slow.0.cancel();
                        }
                        None
                    }
                }
            },
        ))
    }
}
