//! [`StorageSettings`]: where uploaded files live, how long their signed
//! URLs last, and what may be uploaded (see [`crate::files`]).

use secrecy::SecretString;
use serde::Deserialize;

use super::{ConfigError, RateQuota};

#[derive(Clone, Debug, Deserialize)]
pub struct StorageSettings {
    /// `STORAGE_URL`: `s3://bucket/prefix` stores files in an S3-compatible
    /// bucket (credentials, region and endpoint from the usual `AWS_*`
    /// variables: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_REGION`, `AWS_ENDPOINT` for MinIO or R2, `AWS_ALLOW_HTTP=true`
    /// for a plain-HTTP endpoint); clients then upload and download with
    /// the bucket's own presigned URLs. Unset: the local directory
    /// `STORAGE_DIR`, served by this server.
    #[serde(default)]
    pub storage_url: Option<String>,
    /// `AWS_ENDPOINT`: an S3-compatible service's address (MinIO, R2);
    /// unset: AWS. Read here too (besides by the S3 client from the
    /// environment) so the settings alone say where files go.
    #[serde(default)]
    pub aws_endpoint: Option<String>,
    /// `AWS_REGION`. Default: the S3 client's (`us-east-1`).
    #[serde(default)]
    pub aws_region: Option<String>,
    /// `AWS_ACCESS_KEY_ID`.
    #[serde(default)]
    pub aws_access_key_id: Option<String>,
    /// `AWS_SECRET_ACCESS_KEY`.
    #[serde(default)]
    pub aws_secret_access_key: Option<SecretString>,
    /// `AWS_ALLOW_HTTP`: `true` lets `AWS_ENDPOINT` be plain HTTP.
    #[serde(default)]
    pub aws_allow_http: bool,
    /// `STORAGE_DIR`: the local directory of uploads when `STORAGE_URL` is
    /// unset. Default `.data/uploads`.
    #[serde(default = "defaults::storage_dir")]
    pub storage_dir: String,
    /// `STORAGE_PUBLIC_URL`: the address clients reach this server at, for
    /// the signed URLs of the local store (e.g. `https://chat.example.com`).
    /// Default: `http://<APP_HOST>:<port>` (`127.0.0.1` for `0.0.0.0`).
    #[serde(default)]
    pub storage_public_url: Option<String>,
    /// `STORAGE_SIGNING_SECRET`: the HMAC key of the local store's signed
    /// URLs. Set the same value on every instance. Default: a random key
    /// per process (URLs then stop working across a restart).
    #[serde(default)]
    pub storage_signing_secret: Option<SecretString>,
    /// `UPLOAD_URL_TTL_SECONDS`: how long an upload URL works. Default `900`.
    #[serde(default = "defaults::upload_url_ttl_seconds")]
    pub upload_url_ttl_seconds: u64,
    /// `DOWNLOAD_URL_TTL_SECONDS`: how long a download URL (`Media.url`,
    /// avatars, chat images) works. Default `3600`.
    #[serde(default = "defaults::download_url_ttl_seconds")]
    pub download_url_ttl_seconds: u64,
    /// `UPLOAD_PENDING_TTL_SECONDS`: when an upload not completed and used
    /// is purged (row and file). Default `86400` (a day).
    #[serde(default = "defaults::upload_pending_ttl_seconds")]
    pub upload_pending_ttl_seconds: u64,
    /// `UPLOAD_SWEEP_SECONDS`: how often unfinished uploads and the files
    /// of deleted messages and accounts are looked for and deleted.
    /// Default `300`.
    #[serde(default = "defaults::upload_sweep_seconds")]
    pub upload_sweep_seconds: u64,
    /// `UPLOAD_MAX_PENDING`: uploads one user may have created and not yet
    /// used. Default `20`.
    #[serde(default = "defaults::upload_max_pending")]
    pub upload_max_pending: u64,
    /// `UPLOAD_MAX_MEDIA_BYTES`: the largest message attachment. Default
    /// `26214400` (25 MiB).
    #[serde(default = "defaults::upload_max_media_bytes")]
    pub upload_max_media_bytes: u64,
    /// `UPLOAD_MAX_IMAGE_BYTES`: the largest avatar or chat image. Default
    /// `5242880` (5 MiB).
    #[serde(default = "defaults::upload_max_image_bytes")]
    pub upload_max_image_bytes: u64,
    /// `UPLOAD_MEDIA_TYPES`: the content types a message attachment may
    /// have, comma-separated; each must be one the server recognizes by its
    /// first bytes.
    #[serde(default = "defaults::upload_media_types")]
    pub upload_media_types: String,
    /// `UPLOAD_IMAGE_TYPES`: the content types of avatars and chat images.
    #[serde(default = "defaults::upload_image_types")]
    pub upload_image_types: String,
    /// `RATE_LIMIT_UPLOADS`: `createUpload` calls per user. Default `60/1h`.
    #[serde(default = "defaults::rate_limit_uploads")]
    pub rate_limit_uploads: RateQuota,
    /// `ALLOW_UNVERIFIED_MEDIA`: `true` keeps the old `sendMessage(input:
    /// {media: [{url, mimeType, size}]})`, whose URLs and sizes the client
    /// claims and the server never checks. Default `false`.
    #[serde(default)]
    pub allow_unverified_media: bool,
}

impl StorageSettings {
    /// The allowed attachment types.
    pub fn media_types(&self) -> Vec<String> {
        list(&self.upload_media_types)
    }

    /// The allowed avatar and chat image types.
    pub fn image_types(&self) -> Vec<String> {
        list(&self.upload_image_types)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let positive = [
            ("UPLOAD_URL_TTL_SECONDS", self.upload_url_ttl_seconds),
            ("DOWNLOAD_URL_TTL_SECONDS", self.download_url_ttl_seconds),
            (
                "UPLOAD_PENDING_TTL_SECONDS",
                self.upload_pending_ttl_seconds,
            ),
            ("UPLOAD_MAX_PENDING", self.upload_max_pending),
            ("UPLOAD_SWEEP_SECONDS", self.upload_sweep_seconds),
            ("UPLOAD_MAX_MEDIA_BYTES", self.upload_max_media_bytes),
            ("UPLOAD_MAX_IMAGE_BYTES", self.upload_max_image_bytes),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(ConfigError(format!("{name} must be at least 1")));
        }
        // A presigned S3 URL lasts at most a week.
        if self.upload_url_ttl_seconds > 604_800 || self.download_url_ttl_seconds > 604_800 {
            return Err(ConfigError(
                "UPLOAD_URL_TTL_SECONDS and DOWNLOAD_URL_TTL_SECONDS must be at most 604800".into(),
            ));
        }
        if self.upload_pending_ttl_seconds <= self.upload_url_ttl_seconds {
            return Err(ConfigError(
                "UPLOAD_PENDING_TTL_SECONDS must be longer than UPLOAD_URL_TTL_SECONDS".into(),
            ));
        }
        for (name, types) in [
            ("UPLOAD_MEDIA_TYPES", self.media_types()),
            ("UPLOAD_IMAGE_TYPES", self.image_types()),
        ] {
            if types.is_empty() {
                return Err(ConfigError(format!("{name} must name at least one type")));
            }
            if let Some(unknown) = types.iter().find(|t| !crate::files::sniff::recognizes(t)) {
                return Err(ConfigError(format!(
                    "{name}: {unknown} is not a type recognized by its first bytes"
                )));
            }
        }
        if let Some(url) = &self.storage_url
            && !url.starts_with("s3://")
        {
            return Err(ConfigError(
                "STORAGE_URL must be s3://bucket[/prefix] (unset: the local STORAGE_DIR)".into(),
            ));
        }
        Ok(())
    }
}

fn list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

mod defaults {
    use std::time::Duration;

    use super::RateQuota;

    pub fn storage_dir() -> String {
        ".data/uploads".into()
    }
    pub fn upload_url_ttl_seconds() -> u64 {
        900
    }
    pub fn download_url_ttl_seconds() -> u64 {
        3_600
    }
    pub fn upload_pending_ttl_seconds() -> u64 {
        86_400
    }
    pub fn upload_sweep_seconds() -> u64 {
        300
    }
    pub fn upload_max_pending() -> u64 {
        20
    }
    pub fn upload_max_media_bytes() -> u64 {
        25 * 1024 * 1024
    }
    pub fn upload_max_image_bytes() -> u64 {
        5 * 1024 * 1024
    }
    pub fn upload_media_types() -> String {
        "image/png,image/jpeg,image/gif,image/webp,video/mp4,video/webm,video/quicktime,\
         audio/mpeg,audio/ogg,application/pdf,application/zip"
            .into()
    }
    pub fn upload_image_types() -> String {
        "image/png,image/jpeg,image/gif,image/webp".into()
    }
    pub fn rate_limit_uploads() -> RateQuota {
        RateQuota::new(60, Duration::from_secs(60 * 60))
    }
}
