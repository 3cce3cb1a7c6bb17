//! `bandwidth` flags.

use std::time::Duration;

use clap::Args;

use super::{Outcome, OutputArgs, ServerArgs};
use crate::bandwidth::{run_bandwidth, svg, BandwidthConfig};
use crate::common::duration::parse_duration;

#[derive(Debug, Args)]
pub struct BandwidthArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(flatten)]
    pub load: BandwidthLoad,
    #[command(flatten)]
    pub output: OutputArgs,
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
    let mut result = run_bandwidth(cfg).await?;
    let outcome = args.output.publish(&mut result)?;
    std::fs::write(outcome.2 .1.with_extension("svg"), svg::render(&result))?;
    Ok(outcome)
}
