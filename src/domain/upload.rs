//! Uploaded files: what they are for, where they stand, and the checked
//! request to create one.

use chrono::{DateTime, Utc};

use super::{ChatId, UploadId, UserId, text};
use crate::error::{AppError, AppResult};

const FILE_NAME_MAX: usize = 255;
const CONTENT_TYPE_MAX: usize = 127;

/// What an upload may be used for, once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadPurpose {
    /// An attachment of a message in one chat.
    MessageMedia,
    /// The uploader's profile picture.
    Avatar,
    /// A group's picture.
    ChatImage,
}

impl UploadPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MessageMedia => "messageMedia",
            Self::Avatar => "avatar",
            Self::ChatImage => "chatImage",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::MessageMedia, Self::Avatar, Self::ChatImage]
            .into_iter()
            .find(|p| p.as_str() == raw)
    }

    /// Whether the upload belongs to one chat.
    pub fn needs_chat(self) -> bool {
        !matches!(self, Self::Avatar)
    }
}

/// Where an upload stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadState {
    /// Created: the file may be sent to its URL.
    Pending,
    /// The file was checked (`completeUpload`) and may be used once.
    Complete,
    /// Attached to a message or set as an image.
    Used,
    /// Its file is being deleted (its message or account is gone).
    Discarded,
}

impl UploadState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Complete => "complete",
            Self::Used => "used",
            Self::Discarded => "discarded",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Pending, Self::Complete, Self::Used, Self::Discarded]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

#[derive(Clone, Debug)]
pub struct Upload {
    pub id: UploadId,
    pub owner: UserId,
    pub purpose: UploadPurpose,
    pub chat: Option<ChatId>,
    pub content_type: String,
    /// Bytes, as declared (and checked at completion).
    pub size: i64,
    pub file_name: String,
    pub state: UploadState,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub created_at: DateTime<Utc>,
    /// Until when the upload URL works.
    pub expires_at: DateTime<Utc>,
}

impl Upload {
    /// The file's key in the store: the owner's folder, so an account's
    /// files can be found (and deleted) together.
    pub fn key(&self) -> String {
        key(self.owner, self.id)
    }

    /// Where the client sends the file. Completion copies it to
    /// [`Upload::key`] once checked, so a file sent again to the upload URL
    /// afterwards (it works until it expires) changes nothing checked.
    pub fn incoming_key(&self) -> String {
        format!("{}/incoming/{}", self.owner, self.id)
    }
}

pub fn key(owner: UserId, id: UploadId) -> String {
    format!("{owner}/{id}")
}

/// The upload a key names (see [`key`]).
pub fn id_of_key(key: &str) -> Option<UploadId> {
    let (_, id) = key.rsplit_once('/')?;
    bson::oid::ObjectId::parse_str(id).ok().map(UploadId)
}

/// A file's name as shown to others: one line, 1–255 characters, no path.
pub fn parse_file_name(raw: &str) -> AppResult<String> {
    let name = text::single_line("fileName", raw, 1, FILE_NAME_MAX)?;
    if name.contains(['/', '\\']) {
        return Err(AppError::bad_input("fileName", "must not contain / or \\"));
    }
    Ok(name)
}

/// A MIME type in lower case, such as `image/png`.
pub fn parse_content_type(raw: &str) -> AppResult<String> {
    let value = raw.trim().to_ascii_lowercase();
    let ok = value.len() <= CONTENT_TYPE_MAX
        && value.split_once('/').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/.+-_".contains(c))
        });
    if ok {
        Ok(value)
    } else {
        Err(AppError::bad_input(
            "contentType",
            "is not a MIME type such as image/png",
        ))
    }
}
