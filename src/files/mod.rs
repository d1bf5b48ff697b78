//! Uploaded files, through the `object_store` crate: a local directory by
//! default, any S3-compatible bucket (AWS, MinIO, R2) with `STORAGE_URL`.
//!
//! Clients never send file bytes through GraphQL: `createUpload` hands out a
//! signed URL to PUT the file to, and downloads are signed URLs too. With a
//! bucket those are the bucket's own presigned URLs (object_store's
//! [`Signer`]), so the bytes never pass through this server; with the local
//! directory this server serves them itself at `/files/…` ([`local`]).
//!
//! Stored records (a message's media, a user's or chat's image) refer to a
//! file as `object:<key>` ([`reference`]); the signed URL is made when the
//! field is read, for the one who reads it.

pub mod local;
pub mod sniff;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::signer::Signer;
use object_store::{ObjectStore, PutPayload};
use secrecy::ExposeSecret;

use crate::config::StorageSettings;
use crate::error::{AppError, AppResult};

/// The deadline of one call to the store.
const STORE_TIMEOUT: Duration = Duration::from_secs(20);
/// How stored records name a file.
const REFERENCE_SCHEME: &str = "object:";

/// `object:<key>`: how a record refers to a stored file.
pub fn reference(key: &str) -> String {
    format!("{REFERENCE_SCHEME}{key}")
}

/// The key of a stored file's reference (`None` for anything else, such
/// as an external URL set before uploads existed).
pub fn key_of(stored: &str) -> Option<&str> {
    stored.strip_prefix(REFERENCE_SCHEME)
}

/// How to send a file: a request the client makes as it is.
#[derive(Clone, Debug)]
pub struct SignedRequest {
    pub url: String,
    pub method: &'static str,
    pub headers: Vec<(String, String)>,
}

#[derive(Clone)]
pub struct FileStore(Arc<Inner>);

struct Inner {
    store: Arc<dyn ObjectStore>,
    backend: Backend,
    /// Prepended to every key (a bucket's `STORAGE_URL` path).
    prefix: String,
}

enum Backend {
    Local(Box<local::UrlSigner>),
    S3(AmazonS3),
}

impl FileStore {
    pub fn from_settings(settings: &StorageSettings) -> anyhow::Result<Self> {
        match &settings.storage_url {
            Some(url) => {
                let rest = url.strip_prefix("s3://").unwrap_or(url);
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                // The AWS_* environment (session tokens, instance roles...),
                // then what the settings name explicitly.
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_allow_http(settings.aws_allow_http);
                if let Some(endpoint) = &settings.aws_endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                if let Some(region) = &settings.aws_region {
                    builder = builder.with_region(region);
                }
                if let Some(key) = &settings.aws_access_key_id {
                    builder = builder.with_access_key_id(key);
                }
                if let Some(secret) = &settings.aws_secret_access_key {
                    builder = builder.with_secret_access_key(secret.expose_secret());
                }
                let s3 = builder
                    .build()
                    .map_err(|e| anyhow::anyhow!("STORAGE_URL {url}: {e}"))?;
                let prefix = prefix.trim_matches('/');
                Ok(Self(Arc::new(Inner {
                    store: Arc::new(s3.clone()),
                    backend: Backend::S3(s3),
                    prefix: if prefix.is_empty() {
                        String::new()
                    } else {
                        format!("{prefix}/")
                    },
                })))
            }
            None => {
                let dir = &settings.storage_dir;
                std::fs::create_dir_all(dir)
                    .map_err(|e| anyhow::anyhow!("creating STORAGE_DIR {dir}: {e}"))?;
                let store = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| anyhow::anyhow!("STORAGE_DIR {dir}: {e}"))?;
                let secret = match &settings.storage_signing_secret {
                    Some(secret) => secret.expose_secret().as_bytes().to_vec(),
                    None => crate::auth::secrets::random_hex(32).into_bytes(),
                };
                let signer = local::UrlSigner::new(&secret, settings.storage_public_url.clone());
                Ok(Self(Arc::new(Inner {
                    store: Arc::new(store),
                    backend: Backend::Local(Box::new(signer)),
                    prefix: String::new(),
                })))
            }
        }
    }

    /// The local store's signer (`None` with a bucket): the `/files/` routes
    /// exist only then.
    pub fn local(&self) -> Option<&local::UrlSigner> {
        match &self.0.backend {
            Backend::Local(signer) => Some(signer),
            Backend::S3(_) => None,
        }
    }

    fn path(&self, key: &str) -> Path {
        Path::from(format!("{}{key}", self.0.prefix))
    }

    /// Where and how to PUT `size` bytes of `content_type` as `key`.
    pub async fn upload_url(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        ttl: Duration,
    ) -> AppResult<SignedRequest> {
        let url = match &self.0.backend {
            Backend::Local(signer) => signer.upload_url(key, content_type, size, ttl),
            Backend::S3(s3) => self.presign(s3, reqwest::Method::PUT, key, ttl).await?,
        };
        Ok(SignedRequest {
            url,
            method: "PUT",
            headers: vec![("Content-Type".into(), content_type.into())],
        })
    }

    /// A URL that reads `key` until `ttl` has passed.
    pub async fn download_url(&self, key: &str, ttl: Duration) -> AppResult<String> {
        match &self.0.backend {
            Backend::Local(signer) => Ok(signer.download_url(key, ttl)),
            Backend::S3(s3) => self.presign(s3, reqwest::Method::GET, key, ttl).await,
        }
    }

    async fn presign(
        &self,
        s3: &AmazonS3,
        method: reqwest::Method,
        key: &str,
        ttl: Duration,
    ) -> AppResult<String> {
        // Signing is local, but may first fetch credentials (instance
        // metadata, web identity).
        let url = deadline(s3.signed_url(method, &self.path(key), ttl)).await?;
        Ok(url.to_string())
    }

    /// The stored size of `key`, `None` if nothing is stored there.
    pub async fn size(&self, key: &str) -> AppResult<Option<u64>> {
        match deadline(self.0.store.head(&self.path(key))).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The first `len` bytes of `key` (fewer if it is shorter).
    pub async fn head_bytes(&self, key: &str, len: u64) -> AppResult<Bytes> {
        Ok(deadline(self.0.store.get_range(&self.path(key), 0..len)).await?)
    }

    /// Stores `bytes` as `key` (the local store's upload route).
    pub async fn put(&self, key: &str, bytes: Bytes) -> AppResult<()> {
        deadline(self.0.store.put(&self.path(key), PutPayload::from(bytes))).await?;
        Ok(())
    }

    /// `key`'s bytes as a stream (the local store's download route);
    /// `None` if nothing is stored there.
    pub async fn read(
        &self,
        key: &str,
    ) -> AppResult<Option<futures_util::stream::BoxStream<'static, std::io::Result<Bytes>>>> {
        match deadline(self.0.store.get(&self.path(key))).await {
            Ok(result) => Ok(Some(
                result
                    .into_stream()
                    .map(|chunk| chunk.map_err(std::io::Error::other))
                    .boxed(),
            )),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Copies `from` to `to` (within the store: a bucket copies it itself).
    pub async fn copy(&self, from: &str, to: &str) -> AppResult<()> {
        deadline(self.0.store.copy(&self.path(from), &self.path(to))).await?;
        Ok(())
    }

    /// Deletes `key`; deleting what is not there succeeds.
    pub async fn delete(&self, key: &str) -> AppResult<()> {
        match deadline(self.0.store.delete(&self.path(key))).await {
            Ok(()) | Err(StoreError::NotFound) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes every file whose key starts with `folder/`.
    pub async fn delete_folder(&self, folder: &str) -> AppResult<()> {
        let prefix = self.path(folder);
        let listed: Vec<_> = tokio::time::timeout(
            STORE_TIMEOUT,
            self.0.store.list(Some(&prefix)).collect::<Vec<_>>(),
        )
        .await
        .map_err(|_| AppError::unavailable())?;
        for meta in listed {
            let meta = meta.map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
            match deadline(self.0.store.delete(&meta.location)).await {
                Ok(()) | Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

/// A failed call to the store.
enum StoreError {
    NotFound,
    Failed(anyhow::Error),
    TimedOut,
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => AppError::NotFound("the file does not exist".into()),
            StoreError::Failed(e) => AppError::internal(e),
            StoreError::TimedOut => AppError::unavailable(),
        }
    }
}

async fn deadline<T>(call: impl Future<Output = object_store::Result<T>>) -> Result<T, StoreError> {
    match tokio::time::timeout(STORE_TIMEOUT, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(object_store::Error::NotFound { .. })) => Err(StoreError::NotFound),
        Ok(Err(e)) => Err(StoreError::Failed(anyhow::anyhow!(e))),
        Err(_) => Err(StoreError::TimedOut),
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    fn bucket_settings() -> StorageSettings {
        let mut settings = crate::config::Settings::from_vars(Vec::new())
            .unwrap()
            .storage;
        settings.storage_url = Some("s3://pictures/chat".into());
        settings.aws_endpoint = Some("http://s3.test:9000".into());
        settings.aws_region = Some("eu-west-1".into());
        settings.aws_access_key_id = Some("AKIDEXAMPLE".into());
        settings.aws_secret_access_key = Some("wJalrXUtnFEMI/K7MDENG".to_owned().into());
        settings.aws_allow_http = true;
        settings
    }

    #[tokio::test]
    async fn a_bucket__presigns_urls_for_the_key_under_its_prefix() {
        let files = FileStore::from_settings(&bucket_settings()).unwrap();
        assert!(files.local().is_none(), "a bucket serves its own URLs");
        let upload = files
            .upload_url("u1/incoming/a", "image/png", 42, Duration::from_secs(900))
            .await
            .unwrap();
        assert_eq!(upload.method, "PUT");
        let url = url::Url::parse(&upload.url).unwrap();
        assert_eq!(url.host_str(), Some("s3.test"));
        assert_eq!(url.path(), "/pictures/chat/u1/incoming/a");
        let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(query["X-Amz-Algorithm"], "AWS4-HMAC-SHA256");
        assert_eq!(query["X-Amz-Expires"], "900");
        assert!(query["X-Amz-Credential"].starts_with("AKIDEXAMPLE/"));
        assert!(query["X-Amz-Credential"].contains("/eu-west-1/s3/aws4_request"));
        assert_eq!(query["X-Amz-Signature"].len(), 64);

        let download = files
            .download_url("u1/a", Duration::from_secs(3600))
            .await
            .unwrap();
        let url = url::Url::parse(&download).unwrap();
        assert_eq!(url.path(), "/pictures/chat/u1/a");
        assert!(download.contains("X-Amz-Expires=3600"));
    }

    #[test]
    fn references__name_keys_and_leave_other_urls_alone() {
        assert_eq!(key_of(&reference("u1/a")), Some("u1/a"));
        assert_eq!(key_of("https://cdn.example/cat.png"), None);
    }
}
