//! The message mutations: send, edit, delete, reactions, receipts.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::{MessageKind, MessageObject, parse_cursor};
use crate::domain::message::{MediaInput as RawMedia, parse_content};
use crate::domain::{ChatId, MessageId};
use crate::graphql::context::{Authenticated, ContextExt};
use crate::services::messages::Outgoing;
use crate::storage::receipts::ReceiptKind;

/// An attachment to send.
#[derive(InputObject)]
pub struct MediaInput {
    /// An http(s) URL of at most 2,048 characters.
    url: String,
    /// For IMAGE an image/* type, for VIDEO a video/* type.
    mime_type: String,
    /// Bytes.
    size: i64,
    name: Option<String>,
    width: Option<i32>,
    height: Option<i32>,
    duration_ms: Option<i64>,
}

#[derive(InputObject)]
pub struct SendMessageInput {
    chat_id: ID,
    /// TEXT (default), IMAGE, VIDEO or FILE.
    #[graphql(name = "type")]
    kind: Option<MessageKind>,
    /// TEXT: 1–4,000 characters after trimming. Otherwise an optional caption.
    text: Option<String>,
    /// IMAGE, VIDEO, FILE: 1–10 items.
    media: Option<Vec<MediaInput>>,
    /// A message of the same chat.
    reply_to: Option<ID>,
    /// Posts this message as a reply in the thread of this message of the
    /// same chat (a root: not a system message, not deleted). Naming a
    /// thread reply posts in its root's thread. The reply keeps the chat's
    /// single cursor sequence and carries `threadRootId`.
    thread_root_id: Option<ID>,
    /// Your id for this message (1–64 of `A-Za-z0-9-_.:`): sending again
    /// to the same chat with the same id returns the first message and
    /// stores nothing new. Ids are per chat: the same id in another chat is
    /// another message.
    client_message_id: Option<String>,
}

#[derive(InputObject)]
pub struct EditMessageInput {
    message_id: ID,
    text: String,
}

#[derive(InputObject)]
pub struct DeleteMessageInput {
    message_id: ID,
    /// True: a tombstone for everyone (the author within the delete window,
    /// or a group admin). False: hidden from your own history only.
    for_everyone: bool,
}

#[derive(InputObject)]
pub struct ReactionInput {
    message_id: ID,
    /// One emoji, or a `:shortcode:` of at most 32 bytes.
    emoji: String,
}

#[derive(InputObject)]
pub struct MarkMessagesInput {
    chat_id: ID,
    /// A message cursor; everything up to it. Default: the latest.
    up_to: Option<String>,
}

#[derive(SimpleObject)]
pub struct ReceiptPayload {
    chat_id: ID,
    /// The position now recorded.
    up_to: String,
    /// Your unread messages left in the chat.
    unread_count: u64,
}

#[derive(Default)]
pub struct MessageMutation;

#[Object]
impl MessageMutation {
    /// Sends a message (members only; not in a direct chat across a block).
    #[graphql(guard = "Authenticated")]
    async fn send_message(
        &self,
        ctx: &Context<'_>,
        input: SendMessageInput,
    ) -> async_graphql::Result<MessageObject> {
        let me = ctx.current_user()?;
        let chat = ChatId::parse("chatId", &input.chat_id)?;
        let reply_to = input
            .reply_to
            .as_deref()
            .map(|id| MessageId::parse("replyTo", id))
            .transpose()?;
        let thread_root = input
            .thread_root_id
            .as_deref()
            .map(|id| MessageId::parse("threadRootId", id))
            .transpose()?;
        let media = input
            .media
            .unwrap_or_default()
            .into_iter()
            .map(|m| RawMedia {
                url: m.url,
                mime_type: m.mime_type,
                size: m.size,
                name: m.name,
                width: m.width,
                height: m.height,
                duration_ms: m.duration_ms,
            })
            .collect();
        let kind = input.kind.unwrap_or(MessageKind::Text).into();
        let content = parse_content(kind, input.text.as_deref(), media)?;
        let outgoing = Outgoing {
            chat,
            content,
            reply_to,
            thread_root,
            client_message_id: input.client_message_id,
        };
        Ok(MessageObject::new(
            ctx.services()?.messages.send(me.id, outgoing).await?,
        ))
    }

    /// Edits a TEXT message: the author only, within the edit window.
    #[graphql(guard = "Authenticated")]
    async fn edit_message(
        &self,
        ctx: &Context<'_>,
        input: EditMessageInput,
    ) -> async_graphql::Result<MessageObject> {
        let me = ctx.current_user()?;
        let id = MessageId::parse("messageId", &input.message_id)?;
        Ok(MessageObject::new(
            ctx.services()?
                .messages
                .edit(me.id, id, &input.text)
                .await?,
        ))
    }

    /// Deletes a message for everyone or for yourself (see the input).
    #[graphql(guard = "Authenticated")]
    async fn delete_message(
        &self,
        ctx: &Context<'_>,
        input: DeleteMessageInput,
    ) -> async_graphql::Result<MessageObject> {
        let me = ctx.current_user()?;
        let id = MessageId::parse("messageId", &input.message_id)?;
        Ok(MessageObject::new(
            ctx.services()?
                .messages
                .delete(me.id, id, input.for_everyone)
                .await?,
        ))
    }

    /// Adds your reaction (repeating it changes nothing).
    #[graphql(guard = "Authenticated")]
    async fn add_reaction(
        &self,
        ctx: &Context<'_>,
        input: ReactionInput,
    ) -> async_graphql::Result<MessageObject> {
        let me = ctx.current_user()?;
        let id = MessageId::parse("messageId", &input.message_id)?;
        Ok(MessageObject::new(
            ctx.services()?
                .messages
                .add_reaction(me.id, id, &input.emoji)
                .await?,
        ))
    }

    /// Removes your reaction (repeating it changes nothing).
    #[graphql(guard = "Authenticated")]
    async fn remove_reaction(
        &self,
        ctx: &Context<'_>,
        input: ReactionInput,
    ) -> async_graphql::Result<MessageObject> {
        let me = ctx.current_user()?;
        let id = MessageId::parse("messageId", &input.message_id)?;
        Ok(MessageObject::new(
            ctx.services()?
                .messages
                .remove_reaction(me.id, id, &input.emoji)
                .await?,
        ))
    }

    /// Records that you read the chat up to a cursor (default: all of it).
    #[graphql(guard = "Authenticated")]
    async fn mark_messages_read(
        &self,
        ctx: &Context<'_>,
        input: MarkMessagesInput,
    ) -> async_graphql::Result<ReceiptPayload> {
        mark(ctx, input, ReceiptKind::Read).await
    }

    /// Records that your device received the chat up to a cursor.
    #[graphql(guard = "Authenticated")]
    async fn mark_messages_delivered(
        &self,
        ctx: &Context<'_>,
        input: MarkMessagesInput,
    ) -> async_graphql::Result<ReceiptPayload> {
        mark(ctx, input, ReceiptKind::Delivered).await
    }
}

async fn mark(
    ctx: &Context<'_>,
    input: MarkMessagesInput,
    kind: ReceiptKind,
) -> async_graphql::Result<ReceiptPayload> {
    let me = ctx.current_user()?;
    let chat = ChatId::parse("chatId", &input.chat_id)?;
    let up_to = parse_cursor("upTo", input.up_to.as_deref())?;
    let result = ctx
        .services()?
        .messages
        .mark(me.id, chat, kind, up_to)
        .await?;
    Ok(ReceiptPayload {
        chat_id: ID(result.chat.to_string()),
        up_to: result.up_to.to_string(),
        unread_count: result.unread_count,
    })
}
