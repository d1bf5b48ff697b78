use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Forwards TCP connections to `upstream` until stopped; stopping drops every
/// forwarded connection, like a server that went away. Pausing holds the
/// bytes in both directions (a stalled network) until resumed.
pub struct TcpProxy {
    pub port: u16,
    accept: JoinHandle<()>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
    paused: watch::Sender<bool>,
}

impl TcpProxy {
    pub async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(Mutex::new(Vec::new()));
        let tracked = connections.clone();
        let (paused, gate) = watch::channel(false);
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let gate = gate.clone();
                let task = tokio::spawn(async move {
                    if let Ok(outbound) = TcpStream::connect(upstream).await {
                        let (in_read, in_write) = inbound.into_split();
                        let (out_read, out_write) = outbound.into_split();
                        tokio::select! {
                            _ = forward(in_read, out_write, gate.clone()) => {}
                            _ = forward(out_read, in_write, gate) => {}
                        }
                    }
                });
                tracked.lock().unwrap().push(task);
            }
        });
        Self {
            port,
            accept,
            connections,
            paused,
        }
    }

    pub fn stop(&self) {
        self.accept.abort();
        for connection in self.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }

    /// Holds every byte from now on (reads continue, writes wait).
    pub fn pause(&self) {
        self.paused.send_replace(true);
    }

    pub fn resume(&self) {
        self.paused.send_replace(false);
    }
}

async fn forward(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, mut gate: watch::Receiver<bool>) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        if gate.wait_for(|paused| !paused).await.is_err() {
            return;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `host:port` of the MongoDB the tests use.
pub fn mongodb_address() -> String {
    let uri = std::env::var("MONGODB_URI").unwrap_or_else(|_| "mongodb://127.0.0.1:27017".into());
    let rest = uri.trim_start_matches("mongodb://");
    let hosts = rest.split(['/', '?']).next().unwrap_or(rest);
    let host = hosts.rsplit('@').next().unwrap_or(hosts);
    host.split(',').next().unwrap_or(host).to_owned()
}
