//! The server binary: configuration, logging, then the application until
//! SIGINT or SIGTERM.

use std::process::ExitCode;

use chat_server::config::Settings;
use chat_server::startup::Application;
use chat_server::telemetry;

/// See Cargo.toml: memory freed after a burst goes back to the system.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    telemetry::init(
        settings.logging.log_format,
        &settings.logging.log_level,
        std::io::stdout,
    );
    if settings.auth.uses_development_jwt_secret() {
        tracing::warn!(
            "JWT_SECRET is not set: using the built-in DEVELOPMENT key. Anyone can forge tokens \
             for this server. Set JWT_SECRET (APP_ENV=production refuses to start without it)."
        );
    }
    let application = match Application::build(settings).await {
        Ok(application) => application,
        Err(error) => {
            tracing::error!("startup failed: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        port = application.port(),
        "listening: GraphQL at /graphql, GraphiQL at /playground"
    );
    match application.run_until_stopped(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("server failed: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
}
