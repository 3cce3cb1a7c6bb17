//! `bandwidth` flags.

use std::time::Duration;

use anyhow::Context;
use clap::Args;

use super::{Outcome, OutputArgs, ServerArgs};
use crate::bandwidth::{run_bandwidth, run_spread, svg, BandwidthConfig, Spread};
use crate::common::duration::parse_duration;
use crate::fanout::Placement;

#[derive(Debug, Args)]
pub struct BandwidthArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(flatten)]
    pub load: BandwidthLoad,
    #[command(flatten)]
    pub spread: SpreadArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// More subscribers than one process holds: several nodes and client processes.
#[derive(Debug, Args)]
#[command(next_help_heading = "Spread (more than ~19,000 subscribers)")]
pub struct SpreadArgs {
    /// Scorecast nodes to start from --spawn-server, sharing one Postgres and one nats-server this
    /// run starts (initdb, postgres and nats-server on the PATH); the subscribers are dealt
    /// round-robin to them. With more than one (or --client-processes), no pollers (-p 0).
    #[arg(long, default_value_t = 1, requires = "spawn_server")]
    pub nodes: usize,
    /// Client worker processes holding the subscribers, each from a source address of its own
    /// (127.0.0.2, ...) [default with --nodes over 1: enough for --per-process each].
    #[arg(long, requires = "spawn_server")]
    pub client_processes: Option<usize>,
    /// Most subscriber slots (those there at the start and the newcomers) per client process.
    #[arg(long, default_value_t = 18_000)]
    pub per_process: usize,
    /// Run in a network namespace of its own with a TCP hash table sized for a million sockets
    /// (as `million --own-netns`). Needs root and `ip` (iproute2).
    #[arg(long)]
    pub own_netns: bool,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Load")]
pub struct BandwidthLoad {
    /// Polling clients in each polling group (plain, and with If-None-Match).
    #[arg(short = 'p', long, default_value_t = 1_000)]
    pub pollers: usize,
    /// WebSocket subscribers.
    #[arg(short = 'w', long, default_value_t = 1_000)]
    pub subscribers: usize,
    /// Simulated match time to follow (e.g. 120s, 5m).
    #[arg(long, default_value = "120s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Simulated seconds per real second: every poll and event still happens, so bytes per
    /// request and per update stay exact (heartbeat pings and ACK timing do not scale).
    #[arg(long, default_value_t = 1.0)]
    pub speedup: f64,
    /// Time between two polls of one client (simulated).
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub poll_interval: Duration,
    /// Mean time between two events (simulated; exponential gaps).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub event_interval: Duration,
    /// Seed of the event schedule and kinds.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Percent of the subscribers who leave each simulated minute, each replaced at once by a new
    /// subscriber (seeded by --seed; the audience workload is 1).
    #[arg(long, default_value_t = 0.0)]
    pub churn_per_min: f64,
    /// Do not draw progress bars.
    #[arg(long)]
    pub no_progress: bool,
}

pub async fn run(args: BandwidthArgs) -> anyhow::Result<Outcome> {
    let l = &args.load;
    let mut cfg =
        BandwidthConfig::new(args.server.to_config(), l.pollers, l.subscribers, l.duration);
    cfg.speedup = l.speedup;
    cfg.poll_interval = l.poll_interval;
    cfg.mean_event_interval = l.event_interval;
    cfg.seed = l.seed;
    cfg.churn_per_min = l.churn_per_min;
    cfg.progress = !l.no_progress;
    let spread = &args.spread;
    let mut result = if spread.nodes > 1 || spread.client_processes.is_some() {
        let exe = std::env::current_exe().context("finding this executable to start workers")?;
        let layout = Spread {
            nodes: spread.nodes,
            client_processes: spread.client_processes,
            per_process: spread.per_process,
            workers: Placement::Processes { exe },
        };
        run_spread(cfg, layout).await?
    } else {
        run_bandwidth(cfg).await?
    };
    let outcome = args.output.publish(&mut result)?;
    std::fs::write(outcome.2 .1.with_extension("svg"), svg::render(&result))?;
    Ok(outcome)
}
