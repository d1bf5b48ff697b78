//! The message mutations: send, edit, delete, reactions, receipts.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::{MessageKind, MessageObject, parse_cursor};
use crate::domain::message::{
    MEDIA_MAX_ITEMS, MediaInput as RawMedia, kind_of_media, parse_content, parse_uploaded_content,
};
use crate::domain::{ChatId, MessageId, UserId};
use crate::error::AppError;
use crate::graphql::context::{Authenticated, ContextExt};
use crate::graphql::uploads::parse_upload_ids;
use crate::services::mentions::{MentionChange, Mentioned};
use crate::services::messages::Outgoing;
use crate::storage::receipts::ReceiptKind;

/// An attachment by URL, unverified: only with `ALLOW_UNVERIFIED_MEDIA`
/// (use `mediaIds`).
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
    /// IMAGE, VIDEO, FILE: 1–10 completed MESSAGE_MEDIA uploads of yours
    /// for this chat (see `createUpload`), each used once. Without `type`,
    /// the message is IMAGE if all are images, VIDEO if all are videos,
    /// else FILE.
    media_ids: Option<Vec<ID>>,
    /// Unverified attachments by URL: refused unless the server sets
    /// `ALLOW_UNVERIFIED_MEDIA` (use `mediaIds`).
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
    /// Members to mention (at most 50; repeats count once). Each gets a
    /// MENTIONED notification unless the chat is muted to NONE for them.
    mentions: Option<Vec<ID>>,
    /// Mention every member: group admins, or any member where the group's
    /// `permissions.mentionAll` is MEMBERS.
    mentions_all: Option<bool>,
}

#[derive(InputObject)]
pub struct EditMessageInput {
    message_id: ID,
    text: String,
    /// The message's new mentions (as in `sendMessage`); null keeps them.
    /// Only users this adds are notified.
    mentions: Option<Vec<ID>>,
    /// Null keeps the message's `mentionsAll`.
    mentions_all: Option<bool>,
}

/// Parses the mention ids of an input (their rules: `services::mentions`).
fn parse_mentions(ids: Option<Vec<ID>>, all: Option<bool>) -> async_graphql::Result<Mentioned> {
    let users = ids
        .unwrap_or_default()
        .iter()
        .map(|id| UserId::parse("mentions", id))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Mentioned {
        users,
        all: all.unwrap_or(false),
    })
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
        let services = ctx.services()?;
        let (content, taken) = if let Some(ids) = &input.media_ids {
            if input.media.is_some() {
                return Err(
                    AppError::bad_input("mediaIds", "give media or mediaIds, not both").into(),
                );
            }
            let ids = parse_upload_ids("mediaIds", ids)?;
            if ids.is_empty() || ids.len() > MEDIA_MAX_ITEMS {
                return Err(AppError::bad_input(
                    "mediaIds",
                    format!("needs 1 to {MEDIA_MAX_ITEMS} uploads"),
                )
                .into());
            }
            // A retry with the same client id takes the same uploads again.
            let tag = match &input.client_message_id {
                Some(client_id) => format!("message:{chat}:{client_id}"),
                None => uuid::Uuid::new_v4().to_string(),
            };
            let media = services.uploads.take_media(me.id, chat, &ids, &tag).await?;
            let kind = input
                .kind
                .map(Into::into)
                .unwrap_or_else(|| kind_of_media(&media));
            match parse_uploaded_content(kind, input.text.as_deref(), media) {
                Ok(content) => (content, Some((ids, tag))),
                Err(error) => {
                    services.uploads.release(&ids, &tag).await;
                    return Err(error.into());
                }
            }
        } else {
            if input.media.is_some() && !services.uploads.allows_unverified_media() {
                return Err(AppError::bad_input(
                    "media",
                    "media by URL are turned off; upload files with createUpload and send mediaIds",
                )
                .into());
            }
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
            (parse_content(kind, input.text.as_deref(), media)?, None)
        };
        let outgoing = Outgoing {
            chat,
            content,
            reply_to,
            thread_root,
            client_message_id: input.client_message_id,
            mentions: parse_mentions(input.mentions, input.mentions_all)?,
        };
        let sent = services.messages.send(me.id, outgoing).await;
        if sent.is_err()
            && let Some((ids, tag)) = &taken
        {
            // A refused send uses nothing.
            services.uploads.release(ids, tag).await;
        }
        Ok(MessageObject::new(sent?))
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
        let mentions = MentionChange {
            users: input
                .mentions
                .map(|ids| parse_mentions(Some(ids), None).map(|m| m.users))
                .transpose()?,
            all: input.mentions_all,
        };
        Ok(MessageObject::new(
            ctx.services()?
                .messages
                .edit(me.id, id, &input.text, mentions)
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
