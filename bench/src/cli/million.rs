//! `million` flags: the binary, the subscribers and how they spread over nodes and client
//! workers, the goals, the connect pacing, the floor beside it, the side match, and the run's
//! hard time limit.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;

use super::{Outcome, OutputArgs};
use crate::common::duration::parse_duration;
use crate::fanout::{LoadConfig, Placement, DEFAULT_PER_SOURCE};
use crate::million::side::SideConfig;
use crate::million::{run_million, svg, MillionConfig};

/// Most subscribers: the machine's kernel memory (~9.6 KB per loopback connection) allows ~2M.
const MAX_SUBSCRIBERS: usize = 1_000_000;
/// Most goals one run may post.
const MAX_EVENTS: usize = 100;
/// Largest share of the subscribers the side match may take: it is the smaller audience.
const MAX_SIDE_SHARE: f64 = 0.5;
/// Most POSTs per second on the side match: an operator's pace, not an ingest load.
const MAX_SIDE_RATE: f64 = 20.0;

#[derive(Debug, Args)]
pub struct MillionArgs {
    /// The scorecast binary every node runs (a release build).
    #[arg(long, value_name = "PATH")]
    pub binary: PathBuf,
    /// Subscribers, all following the same match.
    #[arg(short = 'n', long, default_value_t = 1_000_000)]
    pub subscribers: usize,
    /// Most subscribers per node (the open-file limit is 20,000 per process); the node count is
    /// --subscribers divided by this, rounded up.
    #[arg(long, default_value_t = 19_700)]
    pub per_node: usize,
    /// Nodes to start [default: --subscribers / --per-node, rounded up].
    #[arg(long)]
    pub nodes: Option<usize>,
    /// Extra flag for every node, e.g. --server-arg=--ws-heartbeat-secs=20 (repeatable).
    #[arg(long = "server-arg", value_name = "FLAG", allow_hyphen_values = true)]
    pub server_args: Vec<String>,
    /// Goals to post on the first node once everyone has a snapshot.
    #[arg(short = 'k', long, default_value_t = 5)]
    pub events: usize,
    /// Time between two goals; a goal is posted only once everyone has the one before.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub interval: Duration,
    /// New connections per second, over all client workers.
    #[arg(long, default_value_t = 8_000)]
    pub connect_rate: u32,
    /// WebSocket upgrades in flight at once, over all client workers.
    #[arg(long, default_value_t = 4_000)]
    pub connect_concurrency: usize,
    /// Time a client has from its TCP connect to its snapshot.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub connect_timeout: Duration,
    /// Pause with everyone connected before the first goal: the idle CPU is measured over it.
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub idle: Duration,
    /// Time allowed after the last goal for every update to arrive.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub drain_timeout: Duration,
    /// Nice levels the client workers run above the nodes and the floor (needs root): clients
    /// elsewhere never take the servers' CPU; here a client that reads late leaves a 4 KiB page
    /// of kernel memory per unread update (0: the same priority).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(i32).range(0..=19))]
    pub client_priority: i32,
    /// Most connections per client worker process.
    #[arg(long, default_value_t = 15_000)]
    pub per_worker: usize,
    /// Subscribers of the floor, and of a scorecast run at the same count beside it, measured
    /// first (0: no floor).
    #[arg(long, default_value_t = 100_000)]
    pub floor_subscribers: usize,
    /// Share of each scorecast phase's subscribers that follow a second match instead of the
    /// first; other events (cards, substitutions, goals) are posted on it while the goals are
    /// fanned out, and every POST's time to its answer is reported (issue 26: the operator is
    /// never kept waiting).
    #[arg(long, default_value_t = 0.01)]
    pub side_match_share: f64,
    /// POSTs per second on the side match, from the first goal until every goal has arrived.
    #[arg(long, default_value_t = 1.0)]
    pub side_match_rate: f64,
    /// No side match: every subscriber follows the one match.
    #[arg(long)]
    pub no_side_match: bool,
    /// Nice levels the ingest node (a node of its own that the events are posted to and no
    /// subscriber connects to, as a production deployment would put the admin API on a machine
    /// of its own) and Postgres run above the fan-out nodes (needs root).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(i32).range(0..=19))]
    pub ingest_priority: i32,
    /// No ingest node: events are posted to the first fan-out node, Postgres runs beside the
    /// nodes at their priority.
    #[arg(long)]
    pub no_ingest_node: bool,
    /// The whole run (every phase, start and stop) ends by then.
    #[arg(long, default_value = "15m", value_parser = parse_duration)]
    pub time_limit: Duration,
    /// Run in a network namespace of its own whose TCP hash table has a bucket per socket of a
    /// million connections (the machine's is sized at boot: 262,144 buckets here, chains of ~8 at
    /// a million). Needs root and `ip` (iproute2).
    #[arg(long)]
    pub own_netns: bool,
    /// Do not draw progress bars.
    #[arg(long)]
    pub no_progress: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

impl MillionArgs {
    fn to_config(&self) -> anyhow::Result<MillionConfig> {
        if !(1..=MAX_SUBSCRIBERS).contains(&self.subscribers) {
            bail!("--subscribers must be between 1 and {MAX_SUBSCRIBERS}");
        }
        if !(1..=MAX_EVENTS).contains(&self.events) {
            bail!("--events must be between 1 and {MAX_EVENTS}");
        }
        if self.per_worker == 0 || self.connect_concurrency == 0 || self.connect_rate == 0 {
            bail!("--per-worker, --connect-concurrency and --connect-rate must be at least 1");
        }
        if !(self.side_match_share > 0.0 && self.side_match_share <= MAX_SIDE_SHARE) {
            bail!("--side-match-share must be above 0 and at most {MAX_SIDE_SHARE}");
        }
        if !(self.side_match_rate > 0.0 && self.side_match_rate <= MAX_SIDE_RATE) {
            bail!("--side-match-rate must be above 0 and at most {MAX_SIDE_RATE}");
        }
        if !self.no_side_match && self.subscribers < 2 {
            bail!("a side match needs --subscribers of 2 or more (or --no-side-match)");
        }
        // --nodes asks for a count: the per-node share follows from it.
        let per_node = match self.nodes {
            Some(0) => bail!("--nodes must be at least 1"),
            Some(nodes) => self.subscribers.div_ceil(nodes),
            None => self.per_node,
        };
        let exe = std::env::current_exe().context("finding this executable to start workers")?;
        let mut load = LoadConfig::new(self.subscribers, self.events, Placement::Processes { exe });
        load.interval = self.interval;
        load.sequential = true;
        load.settle = self.idle;
        load.drain_timeout = self.drain_timeout;
        load.connect_concurrency = self.connect_concurrency;
        load.connect_rate = Some(self.connect_rate);
        load.connect_timeout = self.connect_timeout;
        load.per_worker = self.per_worker;
        load.per_source = DEFAULT_PER_SOURCE;
        load.source_per_worker = true;
        load.client_priority = self.client_priority;
        load.progress = !self.no_progress;
        let ingest_priority = (!self.no_ingest_node).then_some(self.ingest_priority);
        Ok(MillionConfig {
            binary: self.binary.clone(),
            per_node,
            server_args: self.server_args.clone(),
            load,
            floor_subscribers: self.floor_subscribers,
            side: (!self.no_side_match).then_some(SideConfig {
                share: self.side_match_share,
                rate: self.side_match_rate,
                priority: ingest_priority.unwrap_or(0),
            }),
            ingest_priority,
            time_limit: self.time_limit,
        })
    }
}

pub async fn run(args: MillionArgs) -> anyhow::Result<Outcome> {
    let mut report = run_million(args.to_config()?).await?;
    let outcome = args.output.publish(&mut report)?;
    std::fs::write(outcome.2 .1.with_extension("svg"), svg::render(&report))?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn config(flags: &[&str]) -> anyhow::Result<MillionConfig> {
        let args = ["scorecast-bench", "million", "--binary", "scorecast"].iter().chain(flags);
        match Cli::try_parse_from(args)?.command {
            Command::Million(args) => args.to_config(),
            _ => bail!("not the million subcommand"),
        }
    }

    #[test]
    fn every_run_has_a_side_match_of_one_percent_posted_on_once_a_second_unless_switched_off() {
        let side = config(&[]).unwrap().side;
        assert_eq!(side, Some(SideConfig { share: 0.01, rate: 1.0, priority: 10 }));
        let side = config(&["--side-match-share", "0.05", "--side-match-rate", "2"]).unwrap().side;
        assert_eq!(side, Some(SideConfig { share: 0.05, rate: 2.0, priority: 10 }));
        assert_eq!(config(&["--no-side-match"]).unwrap().side, None);
        assert!(config(&["--side-match-share", "0"]).is_err());
        assert!(config(&["--side-match-share", "0.6"]).is_err());
        assert!(config(&["--side-match-rate", "0"]).is_err());
        assert!(config(&["-n", "1"]).is_err(), "a side match needs two subscribers");
        assert!(config(&["-n", "1", "--no-side-match"]).unwrap().side.is_none());
    }

    #[test]
    fn events_go_to_an_ingest_node_ten_levels_above_the_fan_out_unless_switched_off() {
        assert_eq!(config(&[]).unwrap().ingest_priority, Some(10));
        assert_eq!(config(&["--ingest-priority", "3"]).unwrap().ingest_priority, Some(3));
        assert_eq!(config(&["--no-ingest-node"]).unwrap().ingest_priority, None);
        assert!(config(&["--ingest-priority", "20"]).is_err());
    }
}
