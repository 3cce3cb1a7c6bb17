//! `soak` flags.

use std::time::Duration;

use anyhow::Context;
use clap::Args;

use super::{Outcome, OutputArgs, ServerArgs};
use crate::common::duration::parse_duration;
use crate::fanout::Placement;
use crate::soak::{run_soak, SoakConfig};

#[derive(Debug, Args)]
pub struct SoakArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(flatten)]
    pub load: SoakLoad,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Load")]
pub struct SoakLoad {
    /// How long events are posted (e.g. 30m, 90s).
    #[arg(long, default_value = "30m", value_parser = parse_duration)]
    pub duration: Duration,
    /// Subscribers (WebSocket clients) kept connected; each subscribes to every match.
    #[arg(short = 'n', long, default_value_t = 3_000)]
    pub subscribers: usize,
    /// Matches the events go to, in turn.
    #[arg(long, default_value_t = 4)]
    pub matches: usize,
    /// Time between two events, over all matches.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub event_interval: Duration,
    /// Churn actions per second over all subscribers: a leave (back as a new user), a drop
    /// resumed with `since`, or a slow-reader pause, in equal shares; 0 for none.
    #[arg(long, default_value_t = 10.0)]
    pub churn_per_sec: f64,
    /// Shortest pause of a slow reader (it stops reading, then reads everything that waited).
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub slow_pause_min: Duration,
    /// Longest pause of a slow reader; past --ws-slow-consumer-secs (30 by default) the server
    /// closes it as too slow, and it resumes with `since`.
    #[arg(long, default_value = "45s", value_parser = parse_duration)]
    pub slow_pause_max: Duration,
    /// Longest random wait of a client before it reconnects.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub reconnect_jitter: Duration,
    /// Receive buffer of each client socket in bytes (0: the kernel's default), so that a
    /// paused reader's socket fills soon.
    #[arg(long, default_value_t = 4096)]
    pub recv_buffer_bytes: usize,
    /// Memory before this is not judged (caches and pools filling).
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Time between two samples of the server's memory.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub sample_interval: Duration,
    /// Largest change of the server's memory after warm-up that still counts as flat, in %.
    #[arg(long, default_value_t = 5.0)]
    pub memory_tolerance_pct: f64,
    /// Time after the last event for every subscriber to catch up.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub drain_timeout: Duration,
    /// WebSocket upgrades in flight at once while the subscribers first connect.
    #[arg(long, default_value_t = 200)]
    pub connect_concurrency: usize,
    /// Time a client has to connect and upgrade.
    #[arg(long, default_value = "15s", value_parser = parse_duration)]
    pub connect_timeout: Duration,
    /// Worker processes holding the subscribers.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Seed of the churn's random choices.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

pub async fn run(args: SoakArgs) -> anyhow::Result<Outcome> {
    let l = &args.load;
    let exe = std::env::current_exe().context("finding this executable to start workers")?;
    let placement = Placement::Processes { exe };
    let mut cfg = SoakConfig::new(args.server.to_config(), l.duration, l.subscribers, placement);
    cfg.matches = l.matches;
    cfg.event_interval = l.event_interval;
    cfg.churn_per_sec = l.churn_per_sec;
    cfg.slow_pause = (l.slow_pause_min, l.slow_pause_max);
    cfg.reconnect_jitter = l.reconnect_jitter;
    cfg.recv_buffer_bytes = l.recv_buffer_bytes;
    cfg.warmup = l.warmup;
    cfg.sample_interval = l.sample_interval;
    cfg.memory_tolerance_pct = l.memory_tolerance_pct;
    cfg.drain_timeout = l.drain_timeout;
    cfg.connect_concurrency = l.connect_concurrency;
    cfg.connect_timeout = l.connect_timeout;
    cfg.workers = l.workers;
    cfg.seed = l.seed;
    args.output.publish(&mut run_soak(cfg).await?)
}
