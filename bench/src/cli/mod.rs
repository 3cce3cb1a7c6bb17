//! Command-line interface. Every subcommand that loads a server shares the same groups of flags
//! (`ServerArgs`, `LoadArgs` or its own load group, `OutputArgs`); `compare`, `bandwidth`,
//! `ingest`, `history`, `poll`, `soak` and `summary` live in their own files here.

mod bandwidth;
mod cluster;
mod compare;
mod corrections;
mod history;
mod ingest;
mod million;
mod poll;
mod soak;
mod summary;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use reqwest::Url;

use crate::common::duration::parse_duration;
use crate::common::results::{self, Report, DEFAULT_RESULTS_DIR};
use crate::common::scorecast::ServerConfig;
use crate::common::sport::Sport;
use crate::fanout::tls::{run_fanout_tls, StormConfig};
use crate::fanout::{
    run_fanout, run_floor, FanoutConfig, FloorConfig, LoadConfig, Placement, DEFAULT_PER_SOURCE,
    DEFAULT_PER_WORKER,
};

/// Most subscribers one run may ask for: 60 source addresses' worth, far beyond one server here.
const MAX_SUBSCRIBERS: usize = 1_000_000;
/// Most events one run may post.
const MAX_EVENTS: usize = 10_000;

/// Load benchmarks for scorecast, against servers on this machine (loopback only).
///
/// Each run writes a JSON result and a Markdown report to the results folder, named after the
/// subcommand and the UTC time.
#[derive(Debug, Parser)]
#[command(name = "scorecast-bench", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// WebSocket fan-out: N subscribers on one match, K goals; delivery latency, loss, connect time,
    /// server memory per connection and CPU per delivery.
    Fanout(FanoutArgs),
    /// The same fan-out against the floor, a trivial broadcaster: the best this machine can do.
    Floor(FloorArgs),
    /// Fan-out of a baseline and a candidate scorecast binary, interleaved over rounds at each
    /// subscriber count: medians, candidate ÷ baseline ratios and a verdict against the aims.
    Compare(compare::CompareArgs),
    /// scorecast nodes sharing one audience over NATS (its own Postgres and nats-server): the
    /// fan-out against one node and against K nodes, interleaved over rounds, with the floor; the
    /// gap repair after a NATS outage; a SIGTERM failover with resumes.
    Cluster(cluster::ClusterArgs),
    /// One match followed by up to 1,000,000 subscribers on this machine: as many scorecast
    /// nodes as the open-file limit needs, over NATS and one Postgres (all started here), with
    /// the floor at a smaller count beside it; delivery, memory per connection, kernel memory.
    Million(million::MillionArgs),
    /// Bytes per user of polling (plain and with If-None-Match) vs WebSocket, from the kernel's
    /// per-socket counters, scaled to 1,000,000 users beside the reference figures.
    Bandwidth(bandwidth::BandwidthArgs),
    /// Durable events per second through the admin API at several concurrency levels, POST latency
    /// and time to the first subscriber's delivery; SQLite or Postgres.
    Ingest(ingest::IngestArgs),
    /// What a `void` costs: its POST on a match of 2,000 events, and what it adds to the POSTs of
    /// other matches meanwhile (against the same POSTs alone, in the same run).
    Corrections(corrections::CorrectionsArgs),
    /// Years of matches: seeds N old matches and the hot ones straight into a fresh SQLite or
    /// Postgres database, then a node's start-up and RSS beyond an empty node's, the cluster
    /// check's rows and time, GETs of cold and hot matches and of lists; with --cluster K, the
    /// rows per second K idle nodes' checks cost Postgres.
    History(history::HistoryArgs),
    /// Requests per second and latency of the snapshot endpoint (200 and 304) under C keep-alive
    /// connections, as a ratio to nginx serving the same bytes.
    Poll(poll::PollArgs),
    /// Paced events to thousands of subscribers for a long time with churn (connects, leaves,
    /// resumes, slow readers): server memory flat after warm-up, no update lost or doubled.
    Soak(soak::SoakArgs),
    /// Writes the full report (REPORT.md) from the latest results of every subcommand.
    Summary(summary::SummaryArgs),
    /// (internal) Holds client connections for a coordinator; JSON lines on stdin/stdout.
    #[command(hide = true)]
    FanoutWorker,
    /// (internal) Holds soak subscribers for a coordinator; JSON lines on stdin/stdout.
    #[command(hide = true)]
    SoakWorker,
    /// (internal) Holds bandwidth subscribers for a coordinator; JSON lines on stdin/stdout.
    #[command(hide = true)]
    BandwidthWorker,
    /// (internal) Runs the floor broadcaster until stdin closes.
    #[command(hide = true)]
    FloorServer {
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
    },
}

#[derive(Debug, Args)]
pub struct FanoutArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Measure the floor first with the same load, and report scorecast's numbers as ratios to it.
    #[arg(long)]
    pub with_floor: bool,
    /// Measure the same load against a plain server and one serving TLS itself (wss://, with a
    /// certificate made for the run), then a reconnect storm against each: TLS ÷ plain.
    #[arg(long, requires = "spawn_server", conflicts_with = "with_floor")]
    pub tls: bool,
    /// Reconnects in each storm round of --tls.
    #[arg(long, default_value_t = 2_000, requires = "tls")]
    pub storm_clients: usize,
    /// Reconnects in flight at once in a storm round.
    #[arg(long, default_value_t = 200, requires = "tls")]
    pub storm_concurrency: usize,
    /// The sport of scorecast's match: its events are that sport's scoring events (tennis and
    /// volleyball: points, the sides alternating; football: home goals, as ever).
    #[arg(long, value_enum, default_value_t = Sport::Football, help_heading = "Load")]
    pub sport: Sport,
    #[command(flatten)]
    pub run: FloorArgs,
}

/// One fan-out's load and output (`fanout` adds the server to this).
#[derive(Debug, Args)]
pub struct FloorArgs {
    #[command(flatten)]
    pub clients: SubscriberArgs,
    #[command(flatten)]
    pub load: LoadArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

impl FloorArgs {
    pub fn to_config(&self) -> anyhow::Result<LoadConfig> {
        self.load.to_config(self.clients.subscribers)
    }
}

/// Which scorecast to load.
#[derive(Debug, Args)]
#[command(next_help_heading = "Server")]
pub struct ServerArgs {
    /// A running scorecast node, e.g. http://127.0.0.1:8080 (loopback only). Repeat for several
    /// nodes sharing one database: clients are spread round-robin, events are posted to the first.
    #[arg(long = "server", value_name = "URL")]
    pub servers: Vec<Url>,
    /// Admin bearer token of the running server(s).
    #[arg(long, env = "SCORECAST_BENCH_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Pid of the running server, to measure its memory and CPU from /proc.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Start this scorecast binary on a fresh SQLite file in a temp folder, with a generated admin
    /// token, and stop it at the end (it gets --ws-max-connections 19500 unless given below).
    #[arg(long, value_name = "PATH", conflicts_with_all = ["servers", "server_pid", "admin_token"])]
    pub spawn_server: Option<PathBuf>,
    /// Extra flag for the spawned server, e.g. --server-arg=--workers=2 (repeatable).
    #[arg(
        long = "server-arg",
        value_name = "FLAG",
        allow_hyphen_values = true,
        requires = "spawn_server"
    )]
    pub server_args: Vec<String>,
}

/// How many clients one fan-out connects (`compare` takes a list instead).
#[derive(Debug, Args)]
#[command(next_help_heading = "Load")]
pub struct SubscriberArgs {
    /// Subscribers (WebSocket clients) to connect.
    #[arg(short = 'n', long, default_value_t = 1_000)]
    pub subscribers: usize,
}

/// The shape of the load, but for the subscriber count.
#[derive(Debug, Args)]
#[command(next_help_heading = "Load")]
pub struct LoadArgs {
    /// Events (goals) to post once everyone is connected.
    #[arg(short = 'k', long, default_value_t = 10)]
    pub events: usize,
    /// Time between two events (e.g. 2s, 500ms).
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub interval: Duration,
    /// Pause after the last connection, before measuring memory and posting.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub settle: Duration,
    /// Time allowed after the last event for every update to arrive.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub drain_timeout: Duration,
    /// WebSocket upgrades in flight at once.
    #[arg(long, default_value_t = 500)]
    pub connect_concurrency: usize,
    /// Most new connections per second, over all workers [default: no limit but the concurrency].
    #[arg(long)]
    pub connect_rate: Option<u32>,
    /// Time a client has from its TCP connect to its first message.
    #[arg(long, default_value = "15s", value_parser = parse_duration)]
    pub connect_timeout: Duration,
    /// Worker processes holding the clients [default: enough for --per-worker, at least 2].
    #[arg(long)]
    pub workers: Option<usize>,
    /// Most connections per worker process (the open-file limit is per process).
    #[arg(long, default_value_t = DEFAULT_PER_WORKER)]
    pub per_worker: usize,
    /// Client source address (loopback), repeatable [default: 127.0.0.1, 127.0.0.2, ... as needed].
    #[arg(long = "source-ip", value_name = "IP")]
    pub source_ips: Vec<IpAddr>,
    /// Most connections from one source address to one server (ephemeral ports run out at ~28k).
    #[arg(long, default_value_t = DEFAULT_PER_SOURCE)]
    pub per_source: usize,
    /// Give each worker process a source address of its own (127.0.0.2, 127.0.0.3, ...) in place
    /// of --source-ip (connect() stays cheap with tens of thousands of connections per server).
    #[arg(long, conflicts_with = "source_ips")]
    pub source_per_worker: bool,
    /// Do not draw progress bars.
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Folder for the JSON result and the Markdown report.
    #[arg(long, default_value = DEFAULT_RESULTS_DIR)]
    pub results_dir: PathBuf,
    /// A note for the report, e.g. which scorecast commit is measured.
    #[arg(long)]
    pub note: Option<String>,
}

/// What a finished subcommand hands back: whether it passed, its Markdown, and the files written.
pub type Outcome = (bool, String, (PathBuf, PathBuf));

impl OutputArgs {
    /// Notes `--note` in `report`, and writes its JSON and Markdown into `--results-dir`.
    pub fn publish<R: Report>(&self, report: &mut R) -> anyhow::Result<Outcome> {
        report.meta_mut().note = self.note.clone();
        let text = report.markdown();
        let paths = results::write(&self.results_dir, R::NAME, report, &text)?;
        Ok((report.passed(), text, paths))
    }
}

impl ServerArgs {
    pub fn to_config(&self) -> ServerConfig {
        ServerConfig {
            servers: self.servers.clone(),
            admin_token: self.admin_token.clone(),
            server_pid: self.server_pid,
            spawn_server: self.spawn_server.clone(),
            server_args: self.server_args.clone(),
            spawn_nodes: 1,
        }
    }
}

impl LoadArgs {
    /// The load of `subscribers` clients, in worker processes of this executable.
    pub fn to_config(&self, subscribers: usize) -> anyhow::Result<LoadConfig> {
        if !(1..=MAX_SUBSCRIBERS).contains(&subscribers) {
            bail!("--subscribers must be between 1 and {MAX_SUBSCRIBERS}");
        }
        if !(1..=MAX_EVENTS).contains(&self.events) {
            bail!("--events must be between 1 and {MAX_EVENTS}");
        }
        if let Some(ip) = self.source_ips.iter().find(|ip| !ip.is_loopback()) {
            bail!("--source-ip {ip} is not a loopback address");
        }
        if self.per_worker == 0 || self.per_source == 0 || self.connect_concurrency == 0 {
            bail!("--per-worker, --per-source and --connect-concurrency must be at least 1");
        }
        let exe = std::env::current_exe().context("finding this executable to start workers")?;
        let mut load = LoadConfig::new(subscribers, self.events, Placement::Processes { exe });
        load.interval = self.interval;
        load.settle = self.settle;
        load.drain_timeout = self.drain_timeout;
        load.connect_concurrency = self.connect_concurrency;
        load.connect_rate = self.connect_rate.filter(|r| *r > 0);
        load.connect_timeout = self.connect_timeout;
        load.workers = self.workers;
        load.per_worker = self.per_worker;
        load.source_ips = self.source_ips.clone();
        load.per_source = self.per_source;
        load.source_per_worker = self.source_per_worker;
        load.progress = !self.no_progress;
        Ok(load)
    }
}

/// Runs a subcommand, writes the results, prints the report; returns whether the run passed.
pub async fn execute(command: Command) -> anyhow::Result<bool> {
    let (passed, text, paths) = match command {
        Command::Fanout(args) => {
            let mut load = args.run.to_config()?;
            load.sport = args.sport;
            let cfg =
                FanoutConfig { server: args.server.to_config(), with_floor: args.with_floor, load };
            if args.tls {
                let storm = StormConfig {
                    clients: args.storm_clients,
                    concurrency: args.storm_concurrency,
                    timeout: cfg.load.connect_timeout,
                };
                args.run.output.publish(&mut run_fanout_tls(cfg, storm).await?)?
            } else {
                args.run.output.publish(&mut run_fanout(cfg).await?)?
            }
        }
        Command::Floor(args) => {
            let cfg = FloorConfig { load: args.to_config()? };
            args.output.publish(&mut run_floor(cfg).await?)?
        }
        Command::Compare(args) => compare::run(args).await?,
        Command::Cluster(args) => cluster::run(args).await?,
        Command::Million(args) => million::run(args).await?,
        Command::Bandwidth(args) => bandwidth::run(args).await?,
        Command::Ingest(args) => ingest::run(args).await?,
        Command::Corrections(args) => corrections::run(args).await?,
        Command::History(args) => history::run(args).await?,
        Command::Poll(args) => poll::run(args).await?,
        Command::Soak(args) => soak::run(args).await?,
        Command::Summary(args) => return summary::run(args),
        Command::FanoutWorker
        | Command::SoakWorker
        | Command::BandwidthWorker
        | Command::FloorServer { .. } => {
            bail!("internal subcommands run from main")
        }
    };
    println!("{text}");
    println!("Results: {}\n         {}", paths.0.display(), paths.1.display());
    Ok(passed)
}
