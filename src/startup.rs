//! Builds the application (database, indexes, event bus, schema, router) and
//! runs it until a shutdown signal. `main` and the tests both go through
//! [`Application::build`], so tests exercise exactly what production runs.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Settings;
use crate::domain::UserId;
use crate::events::{EventBus, LocalBus};
use crate::graphql::build_schema;
use crate::http::{AppState, router, ws::WsShared};
use crate::limits::LocalSlots;
use crate::services::Services;
use crate::storage::Database;

/// How long startup waits for MongoDB before giving up with a clear error.
const STARTUP_DB_TIMEOUT: Duration = Duration::from_secs(30);
/// How often rate-limit state of callers gone quiet is forgotten.
const RATE_LIMIT_SWEEP: Duration = Duration::from_secs(60);

pub struct Application {
    listener: TcpListener,
    port: u16,
    state: AppState,
    shutdown: CancellationToken,
    drain: Duration,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = Database::connect(&settings)
            .await
            .map_err(|e| anyhow::anyhow!("connecting to MongoDB: {e:?}"))?;
        tokio::time::timeout(STARTUP_DB_TIMEOUT, db.ensure_indexes())
            .await
            .map_err(|_| {
                anyhow::anyhow!(
                    "MongoDB did not answer within {STARTUP_DB_TIMEOUT:?}; is MONGODB_URI right?"
                )
            })?
            .map_err(|e| anyhow::anyhow!("creating indexes: {e:?}"))?;
        let bus: Arc<dyn EventBus> = Arc::new(LocalBus::new());
        let services = Services::new(&settings, db, bus)
            .map_err(|e| anyhow::anyhow!("building services: {e:?}"))?;
        let schema = build_schema(services.clone(), &settings);
        let shutdown = CancellationToken::new();
        let ws = Arc::new(WsShared {
            schema: schema.clone(),
            services: services.clone(),
            init_timeout: settings.ws_init_timeout(),
            shutdown: shutdown.clone(),
            max_operations: settings.ws_max_operations,
            user_sockets: Arc::new(LocalSlots::<UserId>::new(settings.ws_max_sockets_per_user)),
            pending: LocalSlots::new(settings.ws_max_pending_sockets_per_ip),
        });
        let address = format!("{}:{}", settings.app_host, settings.app_port);
        let listener = TcpListener::bind(&address)
            .await
            .with_context(|| format!("binding {address}"))?;
        let port = listener.local_addr()?.port();
        let drain = settings.shutdown_drain();
        let state = AppState {
            schema,
            services,
            settings: Arc::new(settings),
            ws,
            sockets: TaskTracker::new(),
        };
        Ok(Self {
            listener,
            port,
            state,
            shutdown,
            drain,
        })
    }

    /// The bound port (useful when configured as 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn services(&self) -> &Services {
        &self.state.services
    }

    /// Serves until `signal` resolves, then shuts down gracefully: stops
    /// accepting, closes every WebSocket with 1001, lets in-flight requests
    /// finish, and gives up after the drain timeout.
    pub async fn run_until_stopped(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            signal.await;
            tracing::info!("shutdown requested");
            shutdown.cancel();
        });
        let sweep = self.state.services.rate_limits.clone();
        tokio::spawn(sweep.sweep_until(RATE_LIMIT_SWEEP, self.shutdown.clone()));
        let sockets = self.state.sockets.clone();
        let stopping = self.shutdown.clone();
        let app = router(self.state).into_make_service_with_connect_info::<SocketAddr>();
        let server = axum::serve(self.listener, app)
            .with_graceful_shutdown(async move { stopping.cancelled().await });
        let drain = self.drain;
        let shutdown = self.shutdown.clone();
        let deadline = async move {
            shutdown.cancelled().await;
            tokio::time::sleep(drain).await;
        };
        tokio::select! {
            served = server => served.context("serving HTTP")?,
            _ = deadline => {
                tracing::warn!(?drain, "drain timeout: dropping requests still in flight");
                return Ok(());
            }
        }
        sockets.close();
        if tokio::time::timeout(drain, sockets.wait()).await.is_err() {
            tracing::warn!(?drain, "drain timeout: dropping sockets still open");
        }
        tracing::info!("stopped");
        Ok(())
    }
}
