//! An S3-compatible server for the tests of the bucket path (`s3s-fs`, a
//! crate's S3 server over a directory): the one `scripts/test.sh` starts
//! and names in `CHAT_TEST_S3_ENDPOINT` (its directory in
//! `CHAT_TEST_S3_ROOT`), or else a private one started here. Each test gets
//! a bucket of its own (a directory of the root).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use chat_server::config::Settings;

use super::eventually;

pub const S3_ACCESS_KEY: &str = "chat-test-access";
pub const S3_SECRET_KEY: &str = "chat-test-secret-0123456789";

pub struct TestBucket {
    pub endpoint: String,
    pub bucket: String,
    /// The server's data directory: the bucket is `root/bucket`.
    pub root: PathBuf,
    process: Option<Child>,
}

impl TestBucket {
    pub async fn start() -> Self {
        let bucket = format!("chat-{}", uuid::Uuid::new_v4().simple());
        let named = (
            std::env::var("CHAT_TEST_S3_ENDPOINT"),
            std::env::var("CHAT_TEST_S3_ROOT"),
        );
        let (endpoint, root, process) = match named {
            (Ok(endpoint), Ok(root)) if !endpoint.is_empty() => {
                (endpoint, PathBuf::from(root), None)
            }
            _ => {
                let port = std::net::TcpListener::bind("127.0.0.1:0")
                    .and_then(|l| l.local_addr())
                    .expect("a free port")
                    .port();
                let root = std::env::temp_dir().join(format!("chat-s3-{bucket}"));
                std::fs::create_dir_all(&root).expect("a directory for s3s-fs");
                let process = Command::new(binary())
                    .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                    .args(["--access-key", S3_ACCESS_KEY, "--secret-key", S3_SECRET_KEY])
                    .arg(&root)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect(
                        "s3s-fs runs (./scripts/test.sh installs it; or \
                         cargo install s3s-fs --version 0.14.1 --features binary --locked)",
                    );
                (format!("http://127.0.0.1:{port}"), root, Some(process))
            }
        };
        std::fs::create_dir_all(root.join(&bucket)).expect("the bucket's directory");
        let address = endpoint.trim_start_matches("http://").to_owned();
        eventually("the S3 server answers", || {
            let address = address.clone();
            async move { tokio::net::TcpStream::connect(address).await.is_ok() }
        })
        .await;
        Self {
            endpoint,
            bucket,
            root,
            process,
        }
    }

    /// Points `settings` at this bucket, under `prefix`.
    pub fn configure(&self, settings: &mut Settings, prefix: &str) {
        let storage = &mut settings.storage;
        storage.storage_url = Some(format!("s3://{}/{prefix}", self.bucket));
        storage.aws_endpoint = Some(self.endpoint.clone());
        storage.aws_region = Some("us-east-1".into());
        storage.aws_access_key_id = Some(S3_ACCESS_KEY.into());
        storage.aws_secret_access_key = Some(S3_SECRET_KEY.to_owned().into());
        storage.aws_allow_http = true;
    }
}

impl Drop for TestBucket {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
            let _ = std::fs::remove_dir_all(&self.root);
        } else {
            let _ = std::fs::remove_dir_all(self.root.join(&self.bucket));
        }
    }
}

/// `CHAT_TEST_S3S_FS`, else `s3s-fs` on the PATH or in cargo's bin directory.
fn binary() -> PathBuf {
    if let Ok(path) = std::env::var("CHAT_TEST_S3S_FS") {
        return path.into();
    }
    let cargo_bin = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|_| std::env::var("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin").join("s3s-fs"));
    match cargo_bin {
        Ok(path) if path.exists() => path,
        _ => "s3s-fs".into(),
    }
}
