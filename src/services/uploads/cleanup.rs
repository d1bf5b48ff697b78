//! What goes when what used an upload goes: the files of messages
//! deleted for everyone, of deleted accounts, of replaced pictures, and of
//! uploads never finished (the sweep, which also retries what failed).

use std::time::Duration;

use chrono::Utc;

use super::{DISCARD_ATTEMPTS, SWEEP_BATCH, SWEEP_DEADLINE, UploadService};
use crate::domain::upload::{self, Upload, UploadPurpose};
use crate::domain::{ChatId, Media, UploadId, UserId};
use crate::error::{AppError, AppResult};
use crate::files;

impl UploadService {
    /// After an avatar or group picture changed (to `keep`, an upload, or
    /// to a URL or nothing): the pictures it replaced are to be deleted (by
    /// the sweep). Never fails the change that happened.
    pub async fn discard_replaced(
        &self,
        me: UserId,
        purpose: UploadPurpose,
        chat: Option<ChatId>,
        keep: Option<UploadId>,
    ) {
        let discarded = self
            .db
            .uploads()
            .discard_replaced(me, purpose, chat, keep)
            .await;
        if let Err(error) = discarded {
            tracing::warn!(?error, "discarding replaced pictures failed");
        }
    }

    /// After a message's tombstone is stored: its files are to be deleted.
    /// Never fails the caller; a failed delete is retried by the sweep.
    pub fn discard_media(&self, media: &[Media]) {
        let ids: Vec<UploadId> = media
            .iter()
            .filter_map(|m| files::key_of(&m.url))
            .filter_map(upload::id_of_key)
            .collect();
        if ids.is_empty() {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            // Marked first, so the sweep retries whatever fails below.
            let mut wait = Duration::from_millis(200);
            for attempt in 1..=DISCARD_ATTEMPTS {
                match this.db.uploads().discard(&ids).await {
                    Ok(()) => break,
                    Err(error) if attempt == DISCARD_ATTEMPTS => {
                        tracing::error!(?error, ?ids, "discarding a message's uploads failed");
                        return;
                    }
                    Err(_) => tokio::time::sleep(wait).await,
                }
                wait *= 4;
            }
            for id in ids {
                if let Ok(Some(upload)) = this.db.uploads().find(id).await {
                    this.delete_file(&upload).await;
                }
            }
        });
    }

    /// An account is being deleted: every file of theirs goes.
    pub async fn forget(&self, user: UserId) -> AppResult<()> {
        self.db.uploads().discard_all_of(user).await?;
        let files = self.files.clone();
        tokio::spawn(async move {
            // Also files whose record is gone; what fails is retried per
            // record by the sweep.
            if let Err(error) = files.delete_folder(&user.to_string()).await {
                tracing::warn!(?error, %user, "deleting an account's files failed");
            }
        });
        Ok(())
    }

    async fn delete_file(&self, upload: &Upload) -> bool {
        let deleted = match self.files.delete(&upload.incoming_key()).await {
            Ok(()) => self.files.delete(&upload.key()).await,
            Err(error) => Err(error),
        };
        let (key, id) = (upload.key(), upload.id);
        match deleted {
            Ok(()) => self.db.uploads().remove(id).await.is_ok(),
            Err(error) => {
                tracing::warn!(?error, key, "deleting a file failed; retried later");
                false
            }
        }
    }

    /// Deletes the files due (see the module docs); returns how many.
    pub async fn sweep(&self) -> AppResult<usize> {
        let round = async {
            let before = Utc::now() - self.rules.pending_ttl;
            let due = self.db.uploads().due(before, SWEEP_BATCH).await?;
            let mut deleted = 0;
            for upload in due {
                if self.delete_file(&upload).await {
                    deleted += 1;
                }
            }
            Ok(deleted)
        };
        tokio::time::timeout(SWEEP_DEADLINE, round)
            .await
            .map_err(|_| AppError::unavailable())?
    }

    /// Sweeps every `every` until `stop`.
    pub async fn sweep_until(self, every: Duration, stop: tokio_util::sync::CancellationToken) {
        let mut ticks = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = ticks.tick() => {
                    match self.sweep().await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(deleted = n, "upload sweep"),
                        Err(error) => tracing::warn!(?error, "upload sweep failed"),
                    }
                }
            }
        }
    }
}
