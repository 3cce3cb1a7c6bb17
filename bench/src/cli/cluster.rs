//! `cluster` flags: the binary and node count, the subscriber counts and rounds, the gap-repair
//! and failover scenarios, and the fan-out's load and output groups.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::bail;
use clap::Args;

use super::{LoadArgs, Outcome, OutputArgs};
use crate::cluster::{run_cluster, ClusterConfig, FailoverConfig, GapConfig};
use crate::common::duration::parse_duration;

/// Most events the gap-repair run may post during the outage.
const MAX_GAP_EVENTS: usize = 100_000;

#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// The scorecast binary every node runs (a release build).
    #[arg(long, value_name = "PATH", help_heading = "Cluster")]
    pub binary: PathBuf,
    /// Nodes in the cluster.
    #[arg(long, default_value_t = 3, help_heading = "Cluster")]
    pub nodes: usize,
    /// Extra flag for every spawned node, e.g. --server-arg=--workers=2 (repeatable).
    #[arg(long = "server-arg", value_name = "FLAG", allow_hyphen_values = true)]
    #[arg(help_heading = "Cluster")]
    pub server_args: Vec<String>,
    /// Subscriber counts, comma-separated; each is measured every round for both deployments
    /// (none: only the scenarios).
    #[arg(short = 'n', long, value_delimiter = ',', default_value = "5000,18000")]
    #[arg(help_heading = "Load")]
    pub subscribers: Vec<usize>,
    /// Rounds per subscriber count; the order of single node and cluster alternates.
    #[arg(long, default_value_t = 3, help_heading = "Load")]
    pub rounds: usize,
    /// Do not measure the floor.
    #[arg(long, help_heading = "Load")]
    pub no_floor: bool,
    /// Longest one fan-out or scenario may take; beyond it, it is stopped and fails.
    #[arg(long, default_value = "10m", value_parser = parse_duration, help_heading = "Load")]
    pub run_timeout: Duration,
    /// Skip the gap repair after a NATS outage.
    #[arg(long, help_heading = "Gap repair")]
    pub no_gap: bool,
    /// Subscribers (spread over the nodes) during the gap repair.
    #[arg(long, default_value_t = 300, help_heading = "Gap repair")]
    pub gap_subscribers: usize,
    /// Events posted while nats-server is down.
    #[arg(long, default_value_t = 1_000, help_heading = "Gap repair")]
    pub gap_events: usize,
    /// --nats-check-secs of the nodes (scorecast's default).
    #[arg(long, default_value_t = 5, help_heading = "Gap repair")]
    pub gap_check_secs: u64,
    /// Longest wait after nats-server is back for nodes and subscribers to catch up.
    #[arg(long, default_value = "60s", value_parser = parse_duration, help_heading = "Gap repair")]
    pub gap_timeout: Duration,
    /// Skip the SIGTERM failover.
    #[arg(long, help_heading = "Failover")]
    pub no_failover: bool,
    /// Subscribers (spread over the nodes) during the failover.
    #[arg(long, default_value_t = 18_000, help_heading = "Failover")]
    pub failover_subscribers: usize,
    /// Events posted on the first node during the failover.
    #[arg(long, default_value_t = 40, help_heading = "Failover")]
    pub failover_events: usize,
    /// Time between two of those events.
    #[arg(long, default_value = "250ms", value_parser = parse_duration, help_heading = "Failover")]
    pub failover_interval: Duration,
    /// The last node gets SIGTERM before this event.
    #[arg(long, default_value_t = 8, help_heading = "Failover")]
    pub failover_stop_after: usize,
    /// A closed client waits a random time up to this long before it reconnects.
    #[arg(long, default_value = "500ms", value_parser = parse_duration, help_heading = "Failover")]
    pub reconnect_jitter: Duration,
    /// Longest wait after the last event for every client to resume and have every update.
    #[arg(long, default_value = "60s", value_parser = parse_duration, help_heading = "Failover")]
    pub failover_timeout: Duration,
    #[command(flatten)]
    pub load: LoadArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub async fn run(args: ClusterArgs) -> anyhow::Result<Outcome> {
    if !(1..=MAX_GAP_EVENTS).contains(&args.gap_events) {
        bail!("--gap-events must be between 1 and {MAX_GAP_EVENTS}");
    }
    if args.failover_stop_after >= args.failover_events {
        bail!("--failover-stop-after must be below --failover-events");
    }
    let largest = [args.failover_subscribers, args.gap_subscribers]
        .into_iter()
        .chain(args.subscribers.iter().copied())
        .max()
        .unwrap_or(1);
    // Checked at the largest count; each run replaces the count.
    let load = args.load.to_config(largest)?;
    let cfg = ClusterConfig {
        binary: args.binary,
        nodes: args.nodes,
        subscribers: args.subscribers,
        rounds: args.rounds,
        with_floor: !args.no_floor,
        server_args: args.server_args,
        load,
        run_timeout: args.run_timeout,
        gap: (!args.no_gap).then_some(GapConfig {
            subscribers: args.gap_subscribers,
            events: args.gap_events,
            check_secs: args.gap_check_secs,
            timeout: args.gap_timeout,
        }),
        failover: (!args.no_failover).then_some(FailoverConfig {
            subscribers: args.failover_subscribers,
            events: args.failover_events,
            interval: args.failover_interval,
            stop_after: args.failover_stop_after,
            jitter: args.reconnect_jitter,
            timeout: args.failover_timeout,
        }),
    };
    args.output.publish(&mut run_cluster(cfg).await?)
}
