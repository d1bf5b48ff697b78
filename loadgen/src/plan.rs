//! The command line and the [`Plan`] it resolves to: which scenarios run, at
//! what sizes, against which server.
//!
//! Every size has a default (the published figures) and a `--quick` value
//! (a smoke run in well under a minute); any flag given explicitly wins over
//! both. Every loop the tool runs is bounded by these counts and durations,
//! and the whole run by `--time-limit-secs`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Parser, ValueEnum};

/// The scenarios, in the order they appear in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Scenario {
    /// End-to-end latency: one chat, N subscribers, a fixed send rate.
    Latency,
    /// Fan-out throughput: the send rate is raised until p99 passes the bound.
    Fanout,
    /// Server memory per idle subscribed socket.
    Idle,
    /// sendMessage requests per second over HTTP.
    Mutations,
    /// messages(first: 50) with senders, replies and reactions.
    History,
    /// Every socket dropped at once and resubscribed with `after`.
    Storm,
    /// `sync(after:)` after many messages missed across many chats.
    Sync,
}

/// Measure chat-server: latency, fan-out, idle cost, mutations, history
/// pages and reconnect storms. Prints one table.
#[derive(Debug, Parser)]
#[command(name = "loadgen", version)]
pub struct Args {
    /// Target a running server (http://127.0.0.1:PORT) instead of starting
    /// one. It must allow the load: see loadgen/PERFORMANCE.md.
    #[arg(long)]
    pub url: Option<String>,
    /// The pid of the server at --url, for the memory figures.
    #[arg(long, requires = "url")]
    pub server_pid: Option<u32>,
    /// The server binary to start (it is not built here).
    #[arg(long, default_value = "target/release/chat-server")]
    pub server_bin: PathBuf,
    /// The MongoDB the started server uses; a fresh database is created on it
    /// and dropped afterwards.
    #[arg(long, env = "MONGODB_URI", default_value = "mongodb://127.0.0.1:27017")]
    pub mongodb_uri: String,
    /// Keep the database after the run (for inspection).
    #[arg(long)]
    pub keep_database: bool,
    /// Where the started server's log goes (default: a file in the temp dir).
    #[arg(long)]
    pub server_log: Option<PathBuf>,
    /// Small sizes: a smoke run in well under a minute.
    #[arg(long)]
    pub quick: bool,
    /// Scenarios to run (default: all).
    #[arg(long, value_delimiter = ',')]
    pub scenarios: Vec<Scenario>,
    /// Latency: subscriber counts, one chat each.
    #[arg(long, value_delimiter = ',')]
    pub subscribers: Vec<usize>,
    /// Latency: messages per second (open loop), for every subscriber
    /// count. Default: 100, lowered for large chats so that no step asks
    /// for more than 100,000 deliveries per second (the fan-out target).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Latency: seconds of sending per subscriber count.
    #[arg(long)]
    pub latency_secs: Option<f64>,
    /// Fan-out: members subscribed to the chat the rate is raised on.
    #[arg(long)]
    pub fanout_subscribers: Option<usize>,
    /// Fan-out: seconds per rate step.
    #[arg(long)]
    pub fanout_step_secs: Option<f64>,
    /// Idle: socket counts measured in turn (cumulative).
    #[arg(long, value_delimiter = ',')]
    pub idle: Vec<usize>,
    /// Mutations: concurrent HTTP clients (closed loop).
    #[arg(long)]
    pub mutation_clients: Option<usize>,
    /// Mutations: seconds measured.
    #[arg(long)]
    pub mutation_secs: Option<f64>,
    /// History: page requests measured.
    #[arg(long)]
    pub history_requests: Option<usize>,
    /// Storm: sockets dropped and resubscribed.
    #[arg(long)]
    pub storm_sockets: Option<usize>,
    /// Tokio worker threads of the load generator.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// The whole run stops after this long, whatever it is doing.
    #[arg(long, default_value_t = 900)]
    pub time_limit_secs: u64,
}

/// What to run, resolved from [`Args`].
#[derive(Clone, Debug)]
pub struct Plan {
    pub scenarios: Vec<Scenario>,
    pub target: Target,
    pub quick: bool,
    pub latency_subscribers: Vec<usize>,
    /// The rate given with `--rate`, if any (see [`Plan::latency_rate`]).
    pub latency_rate: Option<f64>,
    pub latency_duration: Duration,
    pub fanout_subscribers: usize,
    pub fanout_step: Duration,
    /// The first rate tried; each step multiplies it by [`FANOUT_GROWTH`].
    pub fanout_start_rate: f64,
    pub fanout_max_steps: usize,
    pub idle_levels: Vec<usize>,
    pub mutation_clients: usize,
    pub mutation_duration: Duration,
    pub history_requests: usize,
    /// Messages seeded into the history chat (more than one page).
    pub history_messages: usize,
    pub storm_sockets: usize,
    /// Messages sent while the storm's sockets are away.
    pub storm_messages: usize,
    pub storm_rate: f64,
    /// Sync: chats the away client is in.
    pub sync_chats: usize,
    /// Sync: messages sent while it is away, spread over the chats.
    pub sync_messages: usize,
    /// Sync: calls timed.
    pub sync_requests: usize,
    pub time_limit: Duration,
}

/// Each fan-out step sends this much faster than the one before.
pub const FANOUT_GROWTH: f64 = 1.5;
/// The fan-out bound: the step whose p99 passes it ends the ramp.
pub const FANOUT_P99_BOUND: Duration = Duration::from_millis(250);

#[derive(Clone, Debug)]
pub enum Target {
    /// Start the server binary against a fresh database.
    Start {
        server_bin: PathBuf,
        mongodb_uri: String,
        keep_database: bool,
        server_log: Option<PathBuf>,
    },
    /// A server someone else started.
    Running { url: String, pid: Option<u32> },
}

impl Plan {
    pub fn from_args(args: &Args) -> anyhow::Result<Self> {
        let q = args.quick;
        let pick = |given: &[usize], quick: &[usize], full: &[usize]| -> Vec<usize> {
            match (given.is_empty(), q) {
                (false, _) => given.to_vec(),
                (true, true) => quick.to_vec(),
                (true, false) => full.to_vec(),
            }
        };
        let secs = |given: Option<f64>, quick: f64, full: f64| {
            Duration::from_secs_f64(given.unwrap_or(if q { quick } else { full }))
        };
        let mut scenarios = if args.scenarios.is_empty() {
            Scenario::value_variants().to_vec()
        } else {
            args.scenarios.clone()
        };
        scenarios.sort();
        scenarios.dedup();
        let target = match &args.url {
            Some(url) => Target::Running {
                url: loopback_url(url)?,
                pid: args.server_pid,
            },
            None => {
                loopback_mongodb(&args.mongodb_uri)?;
                Target::Start {
                    server_bin: args.server_bin.clone(),
                    mongodb_uri: args.mongodb_uri.clone(),
                    keep_database: args.keep_database,
                    server_log: args.server_log.clone(),
                }
            }
        };
        let plan = Plan {
            scenarios,
            target,
            quick: q,
            latency_subscribers: pick(&args.subscribers, &[20, 100], &[100, 1_000, 5_000]),
            latency_rate: args.rate,
            latency_duration: secs(args.latency_secs, 2.0, 6.0),
            fanout_subscribers: args
                .fanout_subscribers
                .unwrap_or(if q { 100 } else { 1_000 }),
            fanout_step: secs(args.fanout_step_secs, 1.0, 3.0),
            fanout_start_rate: if q { 20.0 } else { 10.0 },
            fanout_max_steps: if q { 3 } else { 12 },
            idle_levels: pick(&args.idle, &[200, 500], &[1_000, 5_000, 10_000]),
            mutation_clients: args.mutation_clients.unwrap_or(16),
            mutation_duration: secs(args.mutation_secs, 2.0, 6.0),
            history_requests: args.history_requests.unwrap_or(if q { 20 } else { 200 }),
            history_messages: 120,
            storm_sockets: args.storm_sockets.unwrap_or(if q { 100 } else { 1_000 }),
            storm_messages: if q { 20 } else { 100 },
            storm_rate: 100.0,
            sync_chats: if q { 20 } else { 100 },
            sync_messages: if q { 200 } else { 1_000 },
            sync_requests: if q { 10 } else { 50 },
            time_limit: Duration::from_secs(args.time_limit_secs),
        };
        plan.check()?;
        Ok(plan)
    }

    fn check(&self) -> anyhow::Result<()> {
        if self.latency_subscribers.contains(&0) || self.idle_levels.contains(&0) {
            bail!("subscriber and socket counts must be at least 1");
        }
        if !self.idle_levels.is_sorted() {
            bail!("--idle levels are cumulative: give them in increasing order");
        }
        if self.latency_rate.is_some_and(|r| r <= 0.0)
            || self.fanout_subscribers == 0
            || self.storm_sockets == 0
        {
            bail!("rates and sizes must be positive");
        }
        if self.mutation_clients == 0 || self.history_requests == 0 {
            bail!("--mutation-clients and --history-requests must be at least 1");
        }
        Ok(())
    }

    /// The latency scenario's send rate into a chat of `subscribers`.
    pub fn latency_rate(&self, subscribers: usize) -> f64 {
        if let Some(rate) = self.latency_rate {
            return rate;
        }
        let rate: f64 = if self.quick { 50.0 } else { 100.0 };
        rate.min(LATENCY_MAX_DELIVERIES / subscribers as f64)
    }

    pub fn runs(&self, scenario: Scenario) -> bool {
        self.scenarios.contains(&scenario)
    }

    /// The largest chat any scenario needs (members of one group). The
    /// fixture always makes the history group, whichever scenarios run.
    pub fn largest_chat(&self) -> usize {
        let mut sizes = vec![HISTORY_MEMBERS];
        if self.runs(Scenario::Latency) {
            sizes.extend(&self.latency_subscribers);
        }
        if self.runs(Scenario::Fanout) {
            sizes.push(self.fanout_subscribers);
        }
        if self.runs(Scenario::Storm) {
            sizes.push(self.storm_sockets);
        }
        if self.runs(Scenario::Idle) {
            sizes.push(self.idle_chat_members());
        }
        sizes.into_iter().max().unwrap_or(1)
    }

    /// Idle sockets subscribe to one chat of this many members, several
    /// sockets per member (devices) when there are more sockets than that.
    pub fn idle_chat_members(&self) -> usize {
        let most = self.idle_levels.iter().copied().max().unwrap_or(0);
        most.clamp(1, IDLE_CHAT_MEMBERS)
    }

    /// How many accounts the run signs up.
    pub fn users_needed(&self) -> usize {
        let mut users = self.largest_chat();
        if self.runs(Scenario::Mutations) {
            // Each client sends into its own chat, shared with user 0.
            users = users.max(self.mutation_clients + 1);
        }
        users.max(HISTORY_MEMBERS)
    }
}

/// Deliveries per second the latency scenario asks for at most by default.
pub const LATENCY_MAX_DELIVERIES: f64 = 100_000.0;

/// Members of the idle scenario's chat: 1,000, so 10,000 sockets are ten
/// devices per member, and each subscribe reads a chat of ordinary size.
pub const IDLE_CHAT_MEMBERS: usize = 1_000;
/// Members of the history chat (senders and reactors).
pub const HISTORY_MEMBERS: usize = 5;

/// Refuses any address but 127.0.0.1: this tool floods what it points at.
pub fn loopback_url(url: &str) -> anyhow::Result<String> {
    let rest = url
        .strip_prefix("http://")
        .context("--url must be http://127.0.0.1:PORT")?;
    let host_port = rest.split('/').next().unwrap_or_default();
    let (host, port) = host_port
        .rsplit_once(':')
        .context("--url must name a port: http://127.0.0.1:PORT")?;
    if host != "127.0.0.1" {
        bail!("--url must point at 127.0.0.1 (got {host}); this tool only loads the local machine");
    }
    let port: u16 = port.parse().context("--url has an invalid port")?;
    Ok(format!("http://127.0.0.1:{port}"))
}

/// The started server gets a throwaway database on a local MongoDB only.
fn loopback_mongodb(uri: &str) -> anyhow::Result<()> {
    let hosts = uri
        .strip_prefix("mongodb://")
        .context("MONGODB_URI must be mongodb://127.0.0.1:PORT")?;
    let hosts = hosts.rsplit('@').next().unwrap_or_default();
    let hosts = hosts.split(['/', '?']).next().unwrap_or_default();
    for host in hosts.split(',') {
        let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
        if name != "127.0.0.1" && name != "localhost" {
            bail!("MONGODB_URI must point at 127.0.0.1 (got {name})");
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    fn plan(args: &[&str]) -> Plan {
        let args = Args::try_parse_from(std::iter::once("loadgen").chain(args.iter().copied()))
            .expect("valid arguments");
        Plan::from_args(&args).expect("a valid plan")
    }

    #[test]
    fn quick__is_small_and_explicit_flags_win() {
        let quick = plan(&["--quick", "--mongodb-uri", "mongodb://127.0.0.1:1"]);
        assert_eq!(quick.latency_subscribers, vec![20, 100]);
        assert!(quick.latency_duration <= Duration::from_secs(2));
        let full = plan(&["--mongodb-uri", "mongodb://127.0.0.1:1"]);
        assert_eq!(full.latency_subscribers, vec![100, 1_000, 5_000]);
        assert_eq!(full.idle_levels, vec![1_000, 5_000, 10_000]);
        assert_eq!(full.largest_chat(), 5_000);
        assert_eq!(full.latency_rate(1_000), 100.0);
        assert_eq!(full.latency_rate(5_000), 20.0);
        let custom = plan(&[
            "--quick",
            "--subscribers",
            "7,9",
            "--mongodb-uri",
            "mongodb://127.0.0.1:1",
        ]);
        assert_eq!(custom.latency_subscribers, vec![7, 9]);
        let fixed = plan(&["--rate", "7", "--mongodb-uri", "mongodb://127.0.0.1:1"]);
        assert_eq!(fixed.latency_rate(5_000), 7.0);
    }

    #[test]
    fn targets__other_than_loopback_are_refused() {
        assert_eq!(
            loopback_url("http://127.0.0.1:8080/graphql").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(loopback_url("http://example.com:80").is_err());
        assert!(loopback_url("http://10.0.0.1:80").is_err());
        assert!(loopback_url("https://127.0.0.1:80").is_err());
        assert!(loopback_mongodb("mongodb://127.0.0.1:27017/?x=1").is_ok());
        assert!(loopback_mongodb("mongodb://u:p@localhost:27017").is_ok());
        assert!(loopback_mongodb("mongodb://db.internal:27017").is_err());
    }
}
