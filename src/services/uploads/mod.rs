//! Uploads: files that users send to the store with signed URLs, that the
//! server checks before anything may use them, and that go when what used
//! them goes.
//!
//! 1. `createUpload` ([`UploadService::create`]): the purpose's rules
//!    (a chat's member for message media, one who may edit the group for
//!    its image), the purpose's size limit and types, and a quota of uploads
//!    created and not used per user. Returns a URL that stores one file of
//!    that size and type until it expires.
//! 2. `completeUpload` ([`UploadService::complete`]): the file is there, of
//!    the declared size, and its first bytes are of the declared type
//!    (magic numbers: an `.exe` named `cat.png` is refused); images get
//!    their width and height from the header.
//! 3. A use ([`UploadService::take_media`], [`UploadService::take_image`])
//!    takes complete uploads of the user, for that purpose and chat, once.
//!    Records then refer to the file as `object:<key>`
//!    ([`crate::files::reference`]) and readers get short-lived signed URLs
//!    ([`UploadService::download_url`]).
//! 4. Deleting a message for everyone or an account discards its uploads;
//!    the sweep ([`UploadService::sweep`]) deletes discarded files and
//!    unfinished uploads older than `UPLOAD_PENDING_TTL_SECONDS`, retrying
//!    what failed on its next round.

use std::time::Duration;

use chrono::Utc;

mod cleanup;

use super::chats::{ChatService, permissions};
use crate::config::StorageSettings;
use crate::domain::upload::{self, Upload, UploadPurpose, UploadState};
use crate::domain::{ChatId, Media, UploadId, UserId};
use crate::error::{AppError, AppResult};
use crate::files::{self, FileStore, SignedRequest, sniff};
use crate::storage::Database;

/// Uploads one sweep round handles at most.
const SWEEP_BATCH: i64 = 200;
/// Tries at marking a deleted message's uploads.
const DISCARD_ATTEMPTS: u32 = 4;
/// The deadline of one sweep round.
const SWEEP_DEADLINE: Duration = Duration::from_secs(120);

/// What users may upload, from [`StorageSettings`].
#[derive(Clone)]
pub struct UploadRules {
    pub url_ttl: Duration,
    pub download_ttl: Duration,
    pub pending_ttl: Duration,
    pub max_unused: u64,
    pub max_media_bytes: u64,
    pub max_image_bytes: u64,
    pub media_types: Vec<String>,
    pub image_types: Vec<String>,
    /// `ALLOW_UNVERIFIED_MEDIA`.
    pub allow_unverified_media: bool,
}

impl UploadRules {
    pub fn from_settings(settings: &StorageSettings) -> Self {
        Self {
            url_ttl: Duration::from_secs(settings.upload_url_ttl_seconds),
            download_ttl: Duration::from_secs(settings.download_url_ttl_seconds),
            pending_ttl: Duration::from_secs(settings.upload_pending_ttl_seconds),
            max_unused: settings.upload_max_pending,
            max_media_bytes: settings.upload_max_media_bytes,
            max_image_bytes: settings.upload_max_image_bytes,
            media_types: settings.media_types(),
            image_types: settings.image_types(),
            allow_unverified_media: settings.allow_unverified_media,
        }
    }

    fn limits(&self, purpose: UploadPurpose) -> (u64, &[String]) {
        match purpose {
            UploadPurpose::MessageMedia => (self.max_media_bytes, &self.media_types),
            UploadPurpose::Avatar | UploadPurpose::ChatImage => {
                (self.max_image_bytes, &self.image_types)
            }
        }
    }
}

/// A `createUpload` request, unchecked.
pub struct NewUpload {
    pub purpose: UploadPurpose,
    pub chat: Option<ChatId>,
    pub content_type: String,
    pub size: i64,
    pub file_name: String,
}

#[derive(Clone)]
pub struct UploadService {
    db: Database,
    files: FileStore,
    chats: ChatService,
    rules: std::sync::Arc<UploadRules>,
}

impl UploadService {
    pub fn new(db: Database, files: FileStore, chats: ChatService, rules: UploadRules) -> Self {
        Self {
            db,
            files,
            chats,
            rules: std::sync::Arc::new(rules),
        }
    }

    pub fn files(&self) -> &FileStore {
        &self.files
    }

    /// Whether `sendMessage` still takes media URLs the client claims
    /// (`ALLOW_UNVERIFIED_MEDIA`).
    pub fn allows_unverified_media(&self) -> bool {
        self.rules.allow_unverified_media
    }

    /// Checks `new` and signs a URL to send its file to.
    #[tracing::instrument(skip(self, new), fields(user_id = %me))]
    pub async fn create(&self, me: UserId, new: NewUpload) -> AppResult<(Upload, SignedRequest)> {
        let file_name = upload::parse_file_name(&new.file_name)?;
        let content_type = upload::parse_content_type(&new.content_type)?;
        let (max_bytes, types) = self.rules.limits(new.purpose);
        if !types.contains(&content_type) {
            return Err(AppError::bad_input(
                "contentType",
                format!("must be one of {}", types.join(", ")),
            ));
        }
        let size = u64::try_from(new.size)
            .ok()
            .filter(|s| (1..=max_bytes).contains(s))
            .ok_or_else(|| {
                AppError::bad_input("size", format!("must be 1 to {max_bytes} bytes"))
            })?;
        let chat = match (new.purpose.needs_chat(), new.chat) {
            (false, Some(_)) => {
                return Err(AppError::bad_input(
                    "chatId",
                    "an AVATAR belongs to no chat",
                ));
            }
            (false, None) => None,
            (true, None) => {
                return Err(AppError::bad_input(
                    "chatId",
                    "is required for this purpose",
                ));
            }
            (true, Some(chat)) => {
                if new.purpose == UploadPurpose::ChatImage {
                    let found = self.chats.as_member(me, chat).await?;
                    permissions::ensure(&found, me, permissions::Action::EditInfo)?;
                } else {
                    self.chats.membership(me, chat).await?;
                }
                Some(chat)
            }
        };
        if self.db.uploads().count_unused(me).await? >= self.rules.max_unused {
            return Err(AppError::forbidden_because(
                "UPLOAD_QUOTA",
                format!(
                    "you have {} uploads not used yet; use or wait for them first",
                    self.rules.max_unused
                ),
            ));
        }
        let now = Utc::now();
        let upload = Upload {
            id: UploadId::new(),
            owner: me,
            purpose: new.purpose,
            chat,
            content_type,
            size: new.size,
            file_name,
            state: UploadState::Pending,
            width: None,
            height: None,
            created_at: now,
            expires_at: now + self.rules.url_ttl,
        };
        // The TTL index is a backstop well after the sweep's own deadline:
        // the sweep deletes the file first, then the document.
        let purge_at = now + self.rules.pending_ttl * 2;
        self.db.uploads().insert(&upload, purge_at).await?;
        let request = self
            .files
            .upload_url(
                &upload.incoming_key(),
                &upload.content_type,
                size,
                self.rules.url_ttl,
            )
            .await?;
        Ok((upload, request))
    }

    /// Checks the file of `me`'s pending upload `id` and marks it complete.
    /// A file that is missing, of another size or of another type is
    /// refused; the upload then stays pending (a corrected file may be sent
    /// again while the URL works).
    #[tracing::instrument(skip(self), fields(user_id = %me, upload_id = %id))]
    pub async fn complete(&self, me: UserId, id: UploadId) -> AppResult<Upload> {
        let mut upload = self.own(me, id).await?;
        match upload.state {
            UploadState::Pending => {}
            UploadState::Complete => return Ok(upload),
            UploadState::Used | UploadState::Discarded => {
                return Err(AppError::Conflict("this upload was already used".into()));
            }
        }
        let key = upload.incoming_key();
        let Some(stored) = self.files.size(&key).await? else {
            return Err(AppError::bad_input(
                "uploadId",
                "no file was sent to the upload URL yet",
            ));
        };
        if i64::try_from(stored).ok() != Some(upload.size) {
            return Err(AppError::bad_input(
                "uploadId",
                format!(
                    "the file has {stored} bytes, not the {} declared",
                    upload.size
                ),
            ));
        }
        let head = self
            .files
            .head_bytes(&key, sniff::HEAD_BYTES.min(stored))
            .await?;
        let facts = sniff::check(&upload.content_type, &head).map_err(|found| {
            AppError::bad_input(
                "uploadId",
                format!(
                    "the file is {}, not {}",
                    found.unwrap_or("of no recognized type"),
                    upload.content_type
                ),
            )
        })?;
        // What was checked is what is kept: later sends to the upload URL
        // land in `incoming` only.
        self.files.copy(&key, &upload.key()).await?;
        if let Err(error) = self.files.delete(&key).await {
            tracing::warn!(?error, "deleting a checked upload's incoming file failed");
        }
        if !self
            .db
            .uploads()
            .complete(id, facts.width, facts.height)
            .await?
        {
            // Completed (or purged) meanwhile.
            return self.own(me, id).await;
        }
        upload.state = UploadState::Complete;
        upload.width = facts.width;
        upload.height = facts.height;
        Ok(upload)
    }

    async fn own(&self, me: UserId, id: UploadId) -> AppResult<Upload> {
        self.db
            .uploads()
            .find(id)
            .await?
            .filter(|u| u.owner == me)
            .ok_or_else(|| AppError::NotFound("no such upload".into()))
    }

    /// Takes `me`'s complete uploads `ids` for a message in `chat`, once;
    /// `tag` names the use (the same tag takes them again, for a retried
    /// send). All or nothing.
    pub async fn take_media(
        &self,
        me: UserId,
        chat: ChatId,
        ids: &[UploadId],
        tag: &str,
    ) -> AppResult<Vec<Media>> {
        let mut unique = ids.to_vec();
        unique.sort();
        unique.dedup();
        if unique.len() != ids.len() {
            return Err(AppError::bad_input("mediaIds", "lists an upload twice"));
        }
        let taken = self
            .take(me, UploadPurpose::MessageMedia, Some(chat), ids, tag)
            .await?;
        // In the order asked for.
        Ok(ids
            .iter()
            .filter_map(|id| taken.iter().find(|u| u.id == *id))
            .map(|u| Media {
                url: files::reference(&u.key()),
                mime_type: u.content_type.clone(),
                size: u.size,
                name: Some(u.file_name.clone()),
                width: u.width,
                height: u.height,
                duration_ms: None,
            })
            .collect())
    }

    /// Takes `me`'s complete image upload `id` for `purpose` (and `chat`);
    /// returns the reference to store.
    pub async fn take_image(
        &self,
        me: UserId,
        purpose: UploadPurpose,
        chat: Option<ChatId>,
        id: UploadId,
        tag: &str,
    ) -> AppResult<String> {
        let taken = self.take(me, purpose, chat, &[id], tag).await?;
        Ok(files::reference(&taken[0].key()))
    }

    async fn take(
        &self,
        me: UserId,
        purpose: UploadPurpose,
        chat: Option<ChatId>,
        ids: &[UploadId],
        tag: &str,
    ) -> AppResult<Vec<Upload>> {
        let taken = self.db.uploads().take(me, purpose, chat, ids, tag).await?;
        if taken.len() == ids.len() {
            return Ok(taken);
        }
        self.db.uploads().release(ids, tag).await?;
        Err(AppError::bad_input(
            if purpose == UploadPurpose::MessageMedia {
                "mediaIds"
            } else {
                "imageUploadId"
            },
            "each upload must be yours, completed, for this purpose and chat, and not used yet",
        ))
    }

    /// Gives back uploads taken with `tag` by a use that failed.
    pub async fn release(&self, ids: &[UploadId], tag: &str) {
        if let Err(error) = self.db.uploads().release(ids, tag).await {
            tracing::warn!(?error, "giving back uploads failed");
        }
    }

    /// A signed URL for a stored reference (`object:<key>`); anything else
    /// (an external URL stored before uploads) is returned as it is.
    pub async fn download_url(&self, stored: &str) -> AppResult<String> {
        match files::key_of(stored) {
            Some(key) => self.files.download_url(key, self.rules.download_ttl).await,
            None => Ok(stored.to_owned()),
        }
    }
}
