//! The server under test: started from its binary with a fresh database and
//! limits raised for load, or one already running at `--url`.
//!
//! The started server keeps every default that shapes performance (pool
//! size, buffers, query limits); what changes is only what would refuse the
//! load itself: rate limits, socket counts per user and per address, the
//! group size, and the password hashing cost (sign-up of thousands of
//! accounts is setup, not the thing measured). Logging is at `warn` so the
//! log is not what is measured either.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::machine::rss_kib;
use crate::plan::Target;

/// How long a started server may take to answer `/health`.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a stopping server may take before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// A rate no scenario reaches: the limits are not what is measured.
const UNLIMITED_RATE: &str = "1000000000/1s";
/// Sockets per user and per address: above any scenario's count.
const SOCKET_ALLOWANCE: usize = 1_000_000;

pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    pub pid: Option<u32>,
    child: Option<Child>,
    /// The database to drop when done (only for a server started here).
    database: Option<(String, String)>,
    pub log: Option<PathBuf>,
}

impl Server {
    /// Starts the binary (or adopts a running server) and waits until it
    /// answers `/health`. `max_members` is the largest group the run makes.
    pub async fn start(target: &Target, max_members: usize) -> anyhow::Result<Self> {
        let (server_bin, mongodb_uri, keep_database, server_log) = match target {
            Target::Running { url, pid } => {
                let server = Self {
                    base: url.clone(),
                    pid: *pid,
                    child: None,
                    database: None,
                    log: None,
                };
                server.wait_healthy(None).await?;
                return Ok(server);
            }
            Target::Start {
                server_bin,
                mongodb_uri,
                keep_database,
                server_log,
            } => (server_bin, mongodb_uri, *keep_database, server_log),
        };
        if !server_bin.is_file() {
            bail!(
                "{} does not exist: build it first (cargo build --release --bin chat-server) \
                 or pass --server-bin; ./scripts/bench.sh does both",
                server_bin.display()
            );
        }
        let database = format!("loadgen_{}_{}", unix_secs(), std::process::id());
        let port = free_port()?;
        let log = server_log
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join(format!("{database}.log")));
        let log_file = std::fs::File::create(&log)
            .with_context(|| format!("creating the server log {}", log.display()))?;
        let mut command = Command::new(server_bin);
        command
            .envs(server_env(mongodb_uri, &database, port, max_members))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", server_bin.display()))?;
        let mut server = Self {
            base: format!("http://127.0.0.1:{port}"),
            pid: Some(child.id()),
            child: Some(child),
            database: (!keep_database).then(|| (mongodb_uri.clone(), database)),
            log: Some(log),
        };
        if let Err(error) = server.wait_healthy(Some(START_TIMEOUT)).await {
            let tail = server.log_tail();
            server.stop().await;
            return Err(error.context(format!("the server did not start; its log ends:\n{tail}")));
        }
        Ok(server)
    }

    /// The server's resident memory in KiB, when its pid is known.
    pub fn rss_kib(&self) -> Option<u64> {
        self.pid.and_then(rss_kib)
    }

    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.base)
    }

    pub fn ws_url(&self) -> String {
        format!("{}/graphql", self.base.replacen("http://", "ws://", 1))
    }

    async fn wait_healthy(&self, timeout: Option<Duration>) -> anyhow::Result<()> {
        let http = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + timeout.unwrap_or(Duration::from_secs(5));
        let url = format!("{}/health", self.base);
        loop {
            if let Ok(response) = http.get(&url).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                bail!("{url} did not answer 200");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops a server started here (SIGTERM, then SIGKILL) and drops its
    /// database. A server at `--url` is left alone.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Graceful first: the server closes its sockets and exits.
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = tokio::time::Instant::now() + STOP_TIMEOUT;
            while matches!(child.try_wait(), Ok(None)) && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some((uri, name)) = self.database.take()
            && let Err(error) = drop_database(&uri, &name).await
        {
            eprintln!("loadgen: could not drop the database {name}: {error:#}");
        }
    }

    fn log_tail(&self) -> String {
        let Some(log) = &self.log else {
            return String::new();
        };
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

/// The environment of a started server (see the module docs for why each
/// setting differs from the default).
impl Drop for Server {
    /// A load generator that fails must not leave a server behind.
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn server_env(
    mongodb_uri: &str,
    database: &str,
    port: u16,
    max_members: usize,
) -> Vec<(&'static str, String)> {
    vec![
        ("APP_HOST", "127.0.0.1".into()),
        ("APP_PORT", port.to_string()),
        ("MONGODB_URI", mongodb_uri.into()),
        ("MONGODB_DATABASE", database.into()),
        ("LOG_LEVEL", "warn".into()),
        ("PASSWORD_HASH_MEMORY_KIB", "64".into()),
        ("PASSWORD_HASH_ITERATIONS", "1".into()),
        ("RATE_LIMIT_MESSAGES", UNLIMITED_RATE.into()),
        ("RATE_LIMIT_MUTATIONS", UNLIMITED_RATE.into()),
        ("RATE_LIMIT_SIGN_UP", UNLIMITED_RATE.into()),
        ("RATE_LIMIT_SIGN_IN", UNLIMITED_RATE.into()),
        ("RATE_LIMIT_CREATE_CHAT", UNLIMITED_RATE.into()),
        // Every simulated account is new and fills large groups at once.
        ("RATE_LIMIT_MEMBER_ADDS", UNLIMITED_RATE.into()),
        ("RATE_LIMIT_NEW_ACCOUNT_GROUPS", UNLIMITED_RATE.into()),
        ("RATE_LIMIT_NEW_ACCOUNT_MEMBER_ADDS", UNLIMITED_RATE.into()),
        // Every simulated client connects from this one address.
        ("MAX_CONNECTIONS_PER_IP", "1000000".into()),
        ("WS_MAX_SOCKETS_PER_USER", SOCKET_ALLOWANCE.to_string()),
        (
            "WS_MAX_PENDING_SOCKETS_PER_IP",
            SOCKET_ALLOWANCE.to_string(),
        ),
        ("MAX_GROUP_MEMBERS", max_members.max(2).to_string()),
        ("SHUTDOWN_DRAIN_MS", "2000".into()),
    ]
}

async fn drop_database(uri: &str, name: &str) -> anyhow::Result<()> {
    let client = mongodb::Client::with_uri_str(uri).await?;
    client.database(name).drop().await?;
    Ok(())
}

/// A port free on 127.0.0.1 right now (the kernel picks it).
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn unix_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The server binary to use by default: `$CARGO_TARGET_DIR/release/...` when
/// that is set and the given path is the default one.
pub fn resolve_bin(given: &Path) -> PathBuf {
    if given == Path::new("target/release/chat-server")
        && let Some(dir) = std::env::var_os("CARGO_TARGET_DIR")
    {
        return PathBuf::from(dir).join("release/chat-server");
    }
    given.to_path_buf()
}
