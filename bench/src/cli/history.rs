//! `history` flags.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{Outcome, OutputArgs};
use crate::common::duration::parse_duration;
use crate::history::database::DatabaseChoice;
use crate::history::{run_history, HistoryConfig};

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The scorecast binary every node runs (a release build).
    #[arg(long, value_name = "PATH", help_heading = "Server")]
    pub binary: PathBuf,
    /// Extra flag for every spawned node, e.g. --server-arg=--cold-cache-matches=5000
    /// (repeatable).
    #[arg(long = "server-arg", value_name = "FLAG", allow_hyphen_values = true)]
    #[arg(help_heading = "Server")]
    pub server_args: Vec<String>,
    /// An empty Postgres database on this machine, e.g.
    /// postgres://postgres@127.0.0.1:54329/history (the first start migrates it)
    /// [default: a fresh SQLite file].
    #[arg(long, help_heading = "Server", conflicts_with = "own_postgres")]
    pub database_url: Option<String>,
    /// Start a throwaway Postgres in a temp folder (as `cluster` does) instead.
    #[arg(long, help_heading = "Server")]
    pub own_postgres: bool,
    /// Finished matches to seed (the history), up to 1,000,000.
    #[arg(long, default_value_t = 100_000, help_heading = "Load")]
    pub matches: u64,
    /// Matches in play (half) or kicking off today (half), seeded besides.
    #[arg(long, default_value_t = 200, help_heading = "Load")]
    pub hot: u64,
    /// GETs in each series (cold match, hot match, live list, today, a past day).
    #[arg(long, default_value_t = 1_000, help_heading = "Load")]
    pub requests: u64,
    /// Timed runs of the cluster check's query.
    #[arg(long, default_value_t = 200, help_heading = "Load")]
    pub check_runs: u64,
    /// Time after a node is ready before its RSS is read.
    #[arg(long, default_value = "3s", value_parser = parse_duration, help_heading = "Load")]
    pub settle: Duration,
    /// Longest one series may take; it stops there (and the run fails).
    #[arg(long, default_value = "2m", value_parser = parse_duration, help_heading = "Load")]
    pub series_limit: Duration,
    /// Longest the seeding may take.
    #[arg(long, default_value = "30m", value_parser = parse_duration, help_heading = "Load")]
    pub seed_timeout: Duration,
    /// Nodes started together on the seeded database with a nats-server (Postgres only), idle:
    /// the rows per second their checks cost Postgres. 0: no cluster phase.
    #[arg(long, default_value_t = 0, help_heading = "Cluster")]
    pub cluster: usize,
    /// --nats-check-secs of the cluster's nodes (scorecast's default).
    #[arg(long, default_value_t = 5, help_heading = "Cluster")]
    pub check_secs: u64,
    /// Time over which Postgres's reads are counted.
    #[arg(long, default_value = "60s", value_parser = parse_duration, help_heading = "Cluster")]
    pub window: Duration,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub async fn run(args: HistoryArgs) -> anyhow::Result<Outcome> {
    let mut cfg = HistoryConfig::new(args.binary, args.matches);
    cfg.server_args = args.server_args;
    cfg.database = match (args.database_url, args.own_postgres) {
        (Some(url), _) => DatabaseChoice::Url(url),
        (None, true) => DatabaseChoice::OwnPostgres,
        (None, false) => DatabaseChoice::Sqlite,
    };
    cfg.hot = args.hot;
    cfg.requests = args.requests;
    cfg.check_runs = args.check_runs;
    cfg.settle = args.settle;
    cfg.series_limit = args.series_limit;
    cfg.seed_timeout = args.seed_timeout;
    cfg.cluster = args.cluster;
    cfg.check_secs = args.check_secs;
    cfg.window = args.window;
    args.output.publish(&mut run_history(cfg).await?)
}
