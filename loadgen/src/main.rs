//! `loadgen`: benchmarks of chat-server, printed as one table.
//!
//! It starts the release server binary against a fresh database (or loads
//! a server at `--url`), signs up the accounts and chats it needs through
//! the public API, and runs the scenarios of [`scenarios`]: end-to-end
//! latency, fan-out throughput, idle cost per socket, mutation throughput,
//! history pages and a reconnect storm. It speaks graphql-ws itself
//! ([`ws`]) and holds many sockets per task ([`fleet`]), so ten thousand
//! sockets cost it little on the machine it shares with the server.
//!
//! Layout:
//!
//! - [`plan`]: the command line and the sizes it resolves to
//! - [`server`]: starting and stopping the server, its memory
//! - [`machine`]: cores, memory, CPU model, process RSS and CPU time
//! - [`api`]: GraphQL over HTTP; [`ws`]: graphql-ws; [`fleet`]: many sockets
//! - [`setup`]: accounts and chats; [`send`]: open-loop sending
//! - [`scenarios`]: the measurements; [`stats`], [`report`]: figures, table

mod api;
mod fleet;
mod machine;
mod plan;
mod report;
mod scenarios;
mod send;
mod server;
mod setup;
mod stats;
mod ws;

use std::process::ExitCode;

use clap::Parser;

use crate::api::Api;
use crate::machine::Machine;
use crate::plan::{Args, Plan, Target};
use crate::report::Row;
use crate::server::Server;

fn main() -> ExitCode {
    let args = Args::parse();
    let mut plan = match Plan::from_args(&args) {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("loadgen: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    if let Target::Start { server_bin, .. } = &mut plan.target {
        *server_bin = server::resolve_bin(server_bin);
    }
    // Ten thousand sockets need as many descriptors, here and in the server
    // (which inherits this limit): raise the soft limit to the hard one.
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) if limit < 2 * plan_sockets(&plan) as u64 => eprintln!(
            "loadgen: warning: the open-file limit is {limit}; raise `ulimit -Hn` for this many sockets"
        ),
        Ok(_) => {}
        Err(error) => eprintln!("loadgen: warning: could not raise the open-file limit: {error}"),
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("loadgen: starting the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let time_limit = plan.time_limit;
    let outcome = runtime.block_on(async {
        tokio::select! {
            outcome = run(&plan) => outcome,
            _ = tokio::time::sleep(time_limit) => {
                Err(anyhow::anyhow!("the run passed --time-limit-secs ({time_limit:?}); stopped"))
            }
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        }
    });
    // Sockets still open are dropped with the runtime.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("loadgen: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The most sockets open at once in this plan.
fn plan_sockets(plan: &Plan) -> usize {
    let most_idle = plan.idle_levels.iter().copied().max().unwrap_or(0);
    most_idle.max(plan.largest_chat())
}

async fn run(plan: &Plan) -> anyhow::Result<()> {
    let machine = Machine::detect();
    let mut server = Server::start(&plan.target, plan.largest_chat()).await?;
    let outcome = measure(plan, &machine, &server).await;
    // The server is stopped (and its database dropped) whatever happened.
    server.stop().await;
    let rows = outcome?;
    println!("{}", report::table(&rows));
    Ok(())
}

async fn measure(plan: &Plan, machine: &Machine, server: &Server) -> anyhow::Result<Vec<Row>> {
    let api = Api::new(server.graphql_url());
    let endpoint = ws::Endpoint::new(&server.ws_url())?;
    let fixture = setup::prepare(&api, plan).await?;
    let ctx = scenarios::Ctx::new(api, endpoint, server, fixture, plan);
    let mut rows = vec![
        Row::info("machine", "", machine.to_string()),
        Row::info("settings", settings(plan, server), ""),
    ];
    rows.extend(scenarios::run(&ctx).await);
    Ok(rows)
}

/// What the table says about how the figures were taken.
fn settings(plan: &Plan, server: &Server) -> String {
    let target = match &plan.target {
        Target::Start { server_bin, .. } => format!(
            "{} started by loadgen on a fresh database (LOG_LEVEL=warn, limits raised for load, \
             other settings default)",
            server_bin.display()
        ),
        Target::Running { url, .. } => format!("the server at {url}"),
    };
    let size = if plan.quick {
        "--quick sizes"
    } else {
        "default sizes"
    };
    let log = server
        .log
        .as_ref()
        .map(|log| format!("; server log {}", log.display()))
        .unwrap_or_default();
    format!("{target}; load generator on the same machine; {size}{log}")
}
