//! The `million` results, as written to JSON: the full run's figures at the top level (the names
//! the issue asks for), each phase's fan-out report beside its peaks, the aims and the samples.
//! Times in milliseconds unless named otherwise, memory in KiB.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ingest::IngestReport;
use super::sampler::{Peak, Sample};
use super::side::SideReport;
use crate::common::meta::Meta;
use crate::compare::model::Binary;
use crate::fanout::model::{Ratios, RunReport};
use crate::procfs::PRESSURE_COUNTERS;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MillionReport {
    pub meta: Meta,
    pub binary: Binary,
    pub postgres: Option<String>,
    pub nats: Option<String>,
    /// Flags every node got (beyond the database, NATS, listen address and token).
    pub server_args: Vec<String>,
    /// Nice levels the client workers ran above the servers.
    pub client_priority: i32,
    /// New connections per second asked for, over all clients.
    pub connect_rate: Option<u32>,
    /// Of the full run (the last phase): subscribers asked for and connected, and its nodes.
    pub subscribers: usize,
    pub subscribers_connected: usize,
    pub nodes: usize,
    pub events: usize,
    pub deliveries_expected: u64,
    pub deliveries_received: u64,
    pub lost: u64,
    pub duplicated: u64,
    /// Snapshots received in place of an update (the server conflated a slow reader): not a
    /// delivery, counted apart.
    pub conflated: u64,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    /// The largest of the events' own p99.
    pub worst_event_p99_ms: Option<f64>,
    /// From the first connect until the last client had its snapshot, in seconds.
    pub connect_s: f64,
    /// The nodes' summed RSS growth while connecting, divided by connections.
    pub server_rss_kb_per_conn: Option<f64>,
    /// The nodes' summed RSS with everyone connected, and before anyone was.
    pub server_rss_total_kib: Option<u64>,
    pub server_rss_idle_kib: Option<u64>,
    pub client_rss_kb_per_conn: Option<f64>,
    /// The nodes' CPU time from the first post until every update arrived, per delivery.
    pub cpu_per_delivery_us: Option<f64>,
    /// The same over each event's busy window only.
    pub cpu_per_delivery_busy_us: Option<f64>,
    /// The nodes' CPU with everyone connected and nothing posted, in cores.
    pub idle_cores: Option<f64>,
    /// The nodes' CPU over the event phase per update delivered in it: the goals' and the side
    /// match's (`cpu_per_delivery_us` divides by the goals' only).
    #[serde(default)]
    pub cpu_us_per_delivery: Option<f64>,
    /// Each goal's p99, in the order posted (`null`: none arrived).
    #[serde(default)]
    pub goal_p99_ms: Vec<Option<f64>>,
    /// The floor's subscribers (0: no floor), its p99 of all deliveries and its CPU per delivery.
    #[serde(default)]
    pub floor_subscribers: usize,
    #[serde(default)]
    pub floor_p99_ms: Option<f64>,
    #[serde(default)]
    pub floor_cpu_us_per_delivery: Option<f64>,
    /// The side match's POSTs during the fan-out, from just before each was sent to its answer.
    #[serde(default)]
    pub post_p50_ms: Option<f64>,
    #[serde(default)]
    pub post_p99_ms: Option<f64>,
    #[serde(default)]
    pub post_max_ms: Option<f64>,
    /// The side match's subscribers (counted in `subscribers`), POSTs, and its updates lost or
    /// duplicated (`phases[].side` has the rest).
    #[serde(default)]
    pub side_subscribers: usize,
    #[serde(default)]
    pub side_posts: usize,
    #[serde(default)]
    pub side_lost: u64,
    #[serde(default)]
    pub side_duplicated: u64,
    /// Time to start every node, in seconds.
    pub nodes_start_s: f64,
    /// Buckets of the TCP hash table the run's connections lived in (`--own-netns` sizes it).
    pub tcp_ehash_buckets: Option<u64>,
    /// The full run's peaks (sockstat, memory).
    pub peak: Peak,
    /// Change of the kernel's memory-pressure counters over the whole run (must stay 0).
    pub kernel_pressure: BTreeMap<String, i64>,
    /// The floor and scorecast at the same subscriber count, in this run.
    pub floor_comparison: Option<FloorComparison>,
    pub aims: Vec<Aim>,
    pub phases: Vec<Phase>,
    pub samples: Vec<Sample>,
    pub problems: Vec<String>,
    pub passed: bool,
}

/// One measured fan-out of the run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Phase {
    /// `floor`, or `scorecast`.
    pub name: String,
    pub subscribers: usize,
    /// scorecast nodes, or floor processes.
    pub servers: usize,
    pub servers_start_s: f64,
    /// Seconds since the start of the run.
    pub started_at_s: f64,
    pub peak: Peak,
    /// Change of the kernel's memory-pressure counters over the phase.
    pub kernel_pressure: BTreeMap<String, i64>,
    /// `None` when the phase failed before it measured anything (`error` says why).
    pub run: Option<RunReport>,
    /// The side match beside the main one (scorecast phases with `--side-match-share`).
    #[serde(default)]
    pub side: Option<SideReport>,
    /// The ingest node's share of the work (scorecast phases with `--ingest-priority`).
    #[serde(default)]
    pub ingest: Option<IngestReport>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FloorComparison {
    pub subscribers: usize,
    pub floor_processes: usize,
    pub scorecast_nodes: usize,
    /// scorecast ÷ floor.
    pub ratios: Ratios,
    pub floor_p99_ms: Option<f64>,
    pub scorecast_p99_ms: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Aim {
    pub what: String,
    pub aim: String,
    pub measured: String,
    pub met: bool,
}

impl Phase {
    pub fn p99(&self) -> Option<f64> {
        self.run.as_ref()?.latency_ms.as_ref().map(|p| p.p99)
    }

    /// The servers' CPU over the event phase per update delivered in it, the side match's too.
    pub fn cpu_us_per_delivery(&self) -> Option<f64> {
        let run = self.run.as_ref()?;
        let side =
            self.side.as_ref().and_then(|s| s.run.as_ref()).map_or(0, |r| r.delivery.delivered);
        let delivered = run.delivery.delivered + side;
        let cpu = run.server.as_ref()?.cpu_event_phase_us;
        (delivered > 0).then(|| cpu as f64 / delivered as f64)
    }
}

/// The pressure counters' changes that are not zero.
pub fn moved(pressure: &BTreeMap<String, i64>) -> Vec<String> {
    PRESSURE_COUNTERS
        .iter()
        .filter_map(|&name| {
            let delta = pressure.get(name).copied().unwrap_or(0);
            (delta != 0).then(|| format!("{name} +{delta}"))
        })
        .collect()
}
