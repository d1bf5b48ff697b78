//! Builds the application (database, indexes, event bus, schema, router) and
//! runs it until a shutdown signal. `main` and the tests both go through
//! [`Application::build`], so tests exercise exactly what production runs.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::cluster::Cluster;
use crate::config::Settings;
use crate::events::{EventBus, LocalBus, RedisBus, RedisOptions};
use crate::graphql::persisted_queries::PersistedQueries;
use crate::graphql::shared_events::SharedEvents;
use crate::graphql::{QueryLimits, build_schema};
use crate::http::origins::{self, Origins};
use crate::http::serve::{self, Admission, Budget, Timeouts};
use crate::http::{AppState, router, ws::WsShared};
use crate::limits::LocalSlots;
use crate::services::Services;
use crate::storage::Database;

/// How long startup waits for MongoDB before giving up with a clear error.
const STARTUP_DB_TIMEOUT: Duration = Duration::from_secs(30);
/// How often rate-limit state of callers gone quiet is forgotten.
const RATE_LIMIT_SWEEP: Duration = Duration::from_secs(60);
/// How long startup waits for the first Redis connection attempts before
/// serving without it (see [`event_bus`]).
const STARTUP_REDIS_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Application {
    /// What the services run on, kept for [`Application::database`] and
    /// [`Application::event_bus`].
    db: Database,
    bus: Arc<dyn EventBus>,
    listener: TcpListener,
    port: u16,
    state: AppState,
    shutdown: CancellationToken,
    drain: Duration,
    admission: Admission,
    timeouts: Timeouts,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        crate::metrics::install();
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
        db.migrate()
            .await
            .map_err(|e| anyhow::anyhow!("migrating data: {e:?}"))?;
        let cluster = Cluster::from_settings(&settings)?;
        let bus = event_bus(&settings, &cluster).await?;
        let services = Services::new(&settings, &cluster, db.clone(), bus.clone())
            .map_err(|e| anyhow::anyhow!("building services: {e:?}"))?;
        let origins = Origins::from_settings(&settings).map_err(|e| anyhow::anyhow!("{}", e.0))?;
        tracing::info!(
            origins = %origins.describe(),
            websockets_checked = origins::checks_websockets(&settings),
            "browser origins allowed"
        );
        let schema = build_schema(services.clone(), &settings);
        let shutdown = CancellationToken::new();
        let persisted = Arc::new(PersistedQueries::new(
            settings.queries.apq_cache_entries,
            settings.queries.apq_cache_bytes,
        ));
        let ws = Arc::new(WsShared {
            schema: schema.clone(),
            persisted,
            events: Arc::new(SharedEvents::new(services.clone())),
            services: services.clone(),
            init_timeout: settings.connections.ws_init_timeout(),
            shutdown: shutdown.clone(),
            max_operations: settings.connections.ws_max_operations,
            query_limits: QueryLimits::from_settings(&settings),
            user_sockets: services.user_sockets.clone(),
            pending: LocalSlots::new(settings.connections.ws_max_pending_sockets_per_ip),
        });
        let address = format!("{}:{}", settings.server.app_host, settings.server.app_port);
        let listener = TcpListener::bind(&address)
            .await
            .with_context(|| format!("binding {address}"))?;
        let port = listener.local_addr()?.port();
        if let Some(signer) = services.uploads.files().local() {
            // `STORAGE_PUBLIC_URL` when set; else where this server listens.
            let host = match settings.server.app_host.as_str() {
                "0.0.0.0" | "::" | "[::]" => "127.0.0.1",
                host => host,
            };
            signer.serve_at(format!("http://{host}:{port}"));
        }
        let drain = settings.server.shutdown_drain();
        let budget = Budget::from_open_file_limit(
            settings.database.mongodb_pool_size,
            settings.connections.max_connections,
        );
        tracing::info!(
            open_files = budget.open_files,
            max_connections = budget.connections,
            max_connections_per_ip = settings.connections.max_connections_per_ip,
            "connection budget"
        );
        let admission = Admission::new(
            settings.connections.max_connections_per_ip,
            budget.connections,
        );
        let timeouts = Timeouts {
            header_read: Duration::from_millis(settings.connections.http_header_read_timeout_ms),
            keepalive_idle: Duration::from_millis(settings.connections.http_keepalive_idle_ms),
        };
        let state = AppState {
            schema,
            services,
            settings: Arc::new(settings),
            ws,
            origins: Arc::new(origins),
            sockets: TaskTracker::new(),
        };
        Ok(Self {
            db,
            bus,
            listener,
            port,
            state,
            shutdown,
            drain,
            admission,
            timeouts,
        })
    }

    /// The bound port (useful when configured as 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn services(&self) -> &Services {
        &self.state.services
    }

    /// The database underneath the services, for tests that stage or
    /// inspect what the API cannot (a writer that died holding a sequence
    /// number, what a refused call stored). Requests never reach it except
    /// through [`Services`].
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The event bus underneath the services, for tests that publish or
    /// count subscribers directly (see [`Application::database`]).
    pub fn event_bus(&self) -> &Arc<dyn EventBus> {
        &self.bus
    }

    /// Serves until `signal` resolves (see [`serve`] for what connections are
    /// admitted and how they are timed), then shuts down gracefully: stops
    /// accepting (the listener is closed), closes every WebSocket with 1001
    /// once its running queries and mutations have answered, ends every
    /// Server-Sent Events subscription at once, lets in-flight
    /// HTTP requests finish, and gives up when the drain timeout, counted
    /// from the signal, runs out.
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
        let webhooks = self.state.services.webhooks.clone();
        tokio::spawn(webhooks.deliver_until(self.shutdown.clone()));
        let sweep = self.state.services.rate_limits.clone();
        tokio::spawn(sweep.sweep_until(RATE_LIMIT_SWEEP, self.shutdown.clone()));
        let uploads = self.state.services.uploads.clone();
        let every = Duration::from_secs(self.state.settings.storage.upload_sweep_seconds);
        tokio::spawn(uploads.sweep_until(every, self.shutdown.clone()));
        // Account deletions a stopped server left half-way (in the
        // background: nothing waits for them).
        let accounts = self.state.services.accounts.clone();
        tokio::spawn(async move {
            if let Err(e) = accounts.finish_deletions().await {
                tracing::warn!(error = ?e, "finishing account deletions failed");
            }
        });
        let sockets = self.state.sockets.clone();
        let server = serve::serve(
            self.listener,
            router(self.state),
            self.admission,
            self.timeouts,
            self.shutdown.clone(),
        );
        // Ends only after the signal.
        let serve_and_drain = async move {
            server.await;
            sockets.close();
            sockets.wait().await;
            anyhow::Ok(())
        };
        tokio::pin!(serve_and_drain);
        let drain = self.drain;
        tokio::select! {
            served = &mut serve_and_drain => served?,
            _ = self.shutdown.cancelled() => {
                match tokio::time::timeout(drain, &mut serve_and_drain).await {
                    Ok(drained) => drained?,
                    Err(_) => {
                        tracing::warn!(?drain, "drain timeout: dropping requests and sockets still open");
                        return Ok(());
                    }
                }
            }
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// The in-process bus, or the Redis bus when the cluster has a link. Startup
/// waits briefly for Redis but does not fail without it: the instance then
/// serves its local subscribers, `/ready` says Redis is down (so a balancer
/// sends no traffic yet), and the link comes up when Redis does.
async fn event_bus(settings: &Settings, cluster: &Cluster) -> anyhow::Result<Arc<dyn EventBus>> {
    let Some(link) = cluster.link() else {
        return Ok(Arc::new(LocalBus::new()));
    };
    let bus = RedisBus::start(
        link,
        RedisOptions {
            publish_queue: settings.cluster.redis_publish_queue,
            reconnect_max: settings.cluster.redis_reconnect_max(),
        },
    );
    if !bus.first_attempt(STARTUP_REDIS_TIMEOUT).await {
        tracing::error!(
            "Redis is not reachable; serving local subscribers only until it is \
             (/ready reports redis down)"
        );
    }
    Ok(Arc::new(bus))
}
