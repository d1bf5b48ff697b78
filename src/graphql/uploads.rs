//! `createUpload` and `completeUpload`: files sent with signed URLs (see
//! [`crate::services::uploads`]).

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::{Authenticated, ContextExt};
use crate::domain::upload::{Upload, UploadPurpose as Purpose};
use crate::domain::{ChatId, UploadId};
use crate::error::AppError;
use crate::services::uploads::NewUpload;

/// What an upload is for; it can be used for that once.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::upload::UploadPurpose")]
pub enum UploadPurpose {
    /// An attachment of a message in `chatId` (`sendMessage(mediaIds)`).
    MessageMedia,
    /// Your profile picture (`updateProfile(imageUploadId)`).
    Avatar,
    /// The picture of group `chatId` (`updateChat(imageUploadId)`).
    ChatImage,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::upload::UploadState")]
pub enum UploadState {
    /// Waiting for the file and `completeUpload`.
    Pending,
    /// Checked; may be used once.
    Complete,
    /// Attached to a message or set as a picture.
    Used,
    /// Its file is being deleted.
    Discarded,
}

/// A file you upload.
pub struct UploadObject(Upload);

#[Object(name = "Upload")]
impl UploadObject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn purpose(&self) -> UploadPurpose {
        self.0.purpose.into()
    }

    async fn chat_id(&self) -> Option<ID> {
        self.0.chat.map(|c| ID(c.to_string()))
    }

    async fn state(&self) -> UploadState {
        self.0.state.into()
    }

    async fn content_type(&self) -> &str {
        &self.0.content_type
    }

    /// Bytes.
    async fn size(&self) -> i64 {
        self.0.size
    }

    async fn file_name(&self) -> &str {
        &self.0.file_name
    }

    /// Images: read from the file's header at completion.
    async fn width(&self) -> Option<i32> {
        self.0.width
    }

    async fn height(&self) -> Option<i32> {
        self.0.height
    }

    /// Until when the upload URL works. An upload not completed and used
    /// within a day (`UPLOAD_PENDING_TTL_SECONDS`) is deleted.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
}

/// One HTTP header to send with the file.
#[derive(SimpleObject)]
pub struct HttpHeader {
    name: String,
    value: String,
}

#[derive(SimpleObject)]
pub struct CreateUploadPayload {
    upload: UploadObject,
    /// Send the file here: a plain HTTP request with `method`, `headers`
    /// and the file's bytes as the body, no GraphQL and no token. Works
    /// until `upload.expiresAt`.
    url: String,
    /// `PUT`.
    method: String,
    /// Send exactly these (`Content-Type`: the declared type).
    headers: Vec<HttpHeader>,
}

#[derive(InputObject)]
pub struct CreateUploadInput {
    purpose: UploadPurpose,
    /// MESSAGE_MEDIA and CHAT_IMAGE: the chat (you must be a member; for
    /// CHAT_IMAGE allowed to edit the group). AVATAR: none.
    chat_id: Option<ID>,
    /// The file's MIME type, one of the allowed types of the purpose
    /// (`UPLOAD_MEDIA_TYPES`, `UPLOAD_IMAGE_TYPES`); checked against the
    /// file's first bytes at completion.
    content_type: String,
    /// The file's exact size in bytes: at most `UPLOAD_MAX_MEDIA_BYTES`
    /// (25 MiB) for MESSAGE_MEDIA, `UPLOAD_MAX_IMAGE_BYTES` (5 MiB) for
    /// pictures.
    size: i64,
    /// Shown to others (1–255 characters, no path).
    file_name: String,
}

#[derive(InputObject)]
pub struct CompleteUploadInput {
    upload_id: ID,
}

#[derive(Default)]
pub struct UploadMutation;

#[Object]
impl UploadMutation {
    /// Starts an upload: returns where to send the file. At most
    /// `UPLOAD_MAX_PENDING` (20) uploads of yours may wait unused.
    #[graphql(guard = "Authenticated")]
    async fn create_upload(
        &self,
        ctx: &Context<'_>,
        input: CreateUploadInput,
    ) -> async_graphql::Result<CreateUploadPayload> {
        let me = ctx.current_user()?;
        let chat = input
            .chat_id
            .as_deref()
            .map(|id| ChatId::parse("chatId", id))
            .transpose()?;
        let purpose: Purpose = input.purpose.into();
        let (upload, request) = ctx
            .services()?
            .uploads
            .create(
                me.id,
                NewUpload {
                    purpose,
                    chat,
                    content_type: input.content_type,
                    size: input.size,
                    file_name: input.file_name,
                },
            )
            .await?;
        Ok(CreateUploadPayload {
            upload: UploadObject(upload),
            url: request.url,
            method: request.method.into(),
            headers: request
                .headers
                .into_iter()
                .map(|(name, value)| HttpHeader { name, value })
                .collect(),
        })
    }

    /// Checks the file sent for an upload: it is there, of the declared
    /// size, and of the declared type by its first bytes. Then it can be
    /// used once. Completing again returns the upload as it is.
    #[graphql(guard = "Authenticated")]
    async fn complete_upload(
        &self,
        ctx: &Context<'_>,
        input: CompleteUploadInput,
    ) -> async_graphql::Result<UploadObject> {
        let me = ctx.current_user()?;
        let id = UploadId::parse("uploadId", &input.upload_id)?;
        let upload = ctx.services()?.uploads.complete(me.id, id).await?;
        Ok(UploadObject(upload))
    }
}

/// Parses the ids of uploads to use.
pub fn parse_upload_ids(field: &'static str, ids: &[ID]) -> async_graphql::Result<Vec<UploadId>> {
    Ok(ids
        .iter()
        .map(|id| UploadId::parse(field, id))
        .collect::<Result<_, _>>()?)
}

/// A signed URL for a stored picture or attachment reference (external
/// URLs are returned as they are).
pub async fn signed_url(
    ctx: &Context<'_>,
    stored: Option<&str>,
) -> async_graphql::Result<Option<String>> {
    match stored {
        Some(stored) => Ok(Some(ctx.services()?.uploads.download_url(stored).await?)),
        None => Ok(None),
    }
}

/// A picture upload taken for a profile or group change (see [`take_image`]).
pub struct TakenImage {
    /// What to store in place of an image URL.
    pub reference: String,
    id: UploadId,
    tag: String,
}

/// Takes the upload `id` (when given) as the new picture for `purpose`;
/// `has_url`: the input also gave an image URL, which is refused.
pub async fn take_image(
    ctx: &Context<'_>,
    has_url: bool,
    id: Option<&ID>,
    purpose: Purpose,
    chat: Option<ChatId>,
) -> async_graphql::Result<Option<TakenImage>> {
    let Some(id) = id else {
        return Ok(None);
    };
    if has_url {
        return Err(
            AppError::bad_input("imageUploadId", "give image or imageUploadId, not both").into(),
        );
    }
    let id = UploadId::parse("imageUploadId", id)?;
    let me = ctx.current_user()?;
    let tag = uuid::Uuid::new_v4().to_string();
    let reference = ctx
        .services()?
        .uploads
        .take_image(me.id, purpose, chat, id, &tag)
        .await?;
    Ok(Some(TakenImage { reference, id, tag }))
}

/// A picture change as asked: whether it touches the picture at all
/// (`image` or `imageUploadId` given), and the upload taken for it.
pub struct ImageChange {
    pub purpose: Purpose,
    pub chat: Option<ChatId>,
    pub touched: bool,
    pub taken: Option<TakenImage>,
}

/// The outcome of a change: a failed one gives the upload back, so a
/// refused call uses nothing; one that changed the picture lets the
/// pictures it replaced go.
pub async fn settle<T>(
    ctx: &Context<'_>,
    change: ImageChange,
    outcome: Result<T, AppError>,
) -> async_graphql::Result<T> {
    let uploads = &ctx.services()?.uploads;
    match (&outcome, change.taken) {
        (Err(_), Some(taken)) => uploads.release(&[taken.id], &taken.tag).await,
        (Ok(_), taken) if change.touched => {
            let me = ctx.current_user()?;
            let keep = taken.map(|t| t.id);
            uploads
                .discard_replaced(me.id, change.purpose, change.chat, keep)
                .await;
        }
        _ => {}
    }
    Ok(outcome?)
}
