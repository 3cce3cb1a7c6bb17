//! The fan-out results, as written to JSON. Times are in milliseconds, memory in KiB, CPU in
//! microseconds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::common::meta::Meta;
use crate::common::percentiles::{ratio, Percentiles};
use crate::common::sport::Sport;

/// One measured fan-out: a target, N subscribers, K events.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunReport {
    /// `scorecast` or `floor`.
    pub target: String,
    pub servers: Vec<String>,
    pub subscribers: usize,
    pub events: usize,
    pub interval_ms: f64,
    pub workers: usize,
    /// `processes` or `threads`.
    pub placement: String,
    pub source_ips: Vec<String>,
    pub match_id: i64,
    /// The match's sequence number in every client's first snapshot.
    pub first_seq: i64,
    pub connect: ConnectReport,
    /// Delivery latency over every update received: from just before the POST to arrival.
    pub latency_ms: Option<Percentiles>,
    /// The same latencies as 101 quantiles (0th, 1st, ..., 100th percentile), for charts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub latency_quantiles_ms: Vec<f64>,
    pub per_event: Vec<EventReport>,
    /// The sport of the match (football for the floor's goal).
    #[serde(default)]
    pub sport: Sport,
    /// Mean payload bytes of the events' updates, as received.
    #[serde(default)]
    pub update_bytes_mean: Option<f64>,
    pub delivery: DeliveryReport,
    pub server: Option<ServerUsage>,
    pub client: ClientUsage,
    /// Change of scorecast's `scorecast_ws_*` metrics over the run (empty for the floor).
    pub server_metrics: BTreeMap<String, f64>,
    /// Whether the server let go of the connections once the clients left (scorecast only).
    pub release: Option<Release>,
    /// Change of the kernel's TCP counters (machine-wide) while the clients connected, and during
    /// the event phase: accept-queue overflows and SYN retransmissions explain slow connects.
    pub kernel_tcp_connect: BTreeMap<String, i64>,
    pub kernel_tcp_events: BTreeMap<String, i64>,
    /// Everything that makes this run a failure; empty when it passed.
    pub problems: Vec<String>,
    pub passed: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConnectReport {
    pub connected: usize,
    pub failed: usize,
    pub failures: BTreeMap<String, usize>,
    /// From the first connect to the last client having its snapshot.
    pub phase_s: f64,
    /// Per client, from its TCP connect to its first message (the snapshot).
    pub time_ms: Option<Percentiles>,
    pub snapshot_seq: Option<(i64, i64)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventReport {
    pub index: usize,
    pub seq: Option<i64>,
    pub http_status: u16,
    /// POST round trip: until the server answered (for scorecast: stored durably).
    pub post_ms: f64,
    /// When the POST started, from the start of the event phase.
    pub at_s: f64,
    pub expected: u64,
    pub received: u64,
    pub latency_ms: Option<Percentiles>,
    /// From the POST until the coordinator heard that every client had the update.
    pub complete_ms: Option<f64>,
    /// The server's CPU time over that window (exact, from `schedstat`).
    pub server_cpu_ms: Option<f64>,
    /// The update's JSON payload in bytes, as the clients received it (the frame adds 2 to 4).
    #[serde(default)]
    pub update_bytes: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeliveryReport {
    /// Connected clients times events the server accepted.
    pub expected: u64,
    /// Updates received in sequence, each at most once per client.
    pub delivered: u64,
    pub lost: u64,
    pub duplicated: u64,
    /// Places where a client's sequence skipped numbers.
    pub gaps: u64,
    /// Snapshots received in place of skipped updates.
    pub resync_snapshots: u64,
    /// Updates whose sequence number matched no posted event.
    pub unexpected: u64,
    /// Clients whose connection ended during the run, and why.
    pub closed_early: usize,
    pub close_reasons: BTreeMap<String, usize>,
    pub pongs_sent: u64,
    /// From the last POST until every update arrived (or the drain timeout).
    pub drain_s: f64,
    /// Every expected update arrived before the drain timeout.
    pub complete: bool,
}

/// The server process's cost, when it runs on this machine and its pid is known.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServerUsage {
    pub pid: u32,
    /// Every process measured (their memory and CPU are summed): several for a cluster.
    #[serde(default)]
    pub pids: Vec<u32>,
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
    /// (after - before) / connected clients.
    pub rss_per_conn_kib: f64,
    /// utime + stime from just before the first POST until every update arrived.
    pub cpu_event_phase_us: u64,
    pub event_phase_s: f64,
    pub cpu_per_delivery_us: Option<f64>,
    /// The server's CPU time only over each event's busy window (POST until every client had it),
    /// summed, divided by those events' deliveries: the fan-out's own cost, without idle work.
    pub cpu_busy_us: Option<f64>,
    pub cpu_per_delivery_busy_us: Option<f64>,
    /// CPU time over the pause between the last connection and the first post, as cores busy
    /// (1.0 = one core): what holding the connected clients costs (heartbeats, timers).
    #[serde(default)]
    pub idle_cores: Option<f64>,
}

/// The benchmark clients' own memory, summed over workers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClientUsage {
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
    pub rss_per_conn_kib: Option<f64>,
    /// At the end of the run, arrival records included.
    pub rss_end_kib: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Release {
    /// Connections the server still counted (above its count before the run) when it stopped
    /// waiting; 0 when all were released.
    pub connections_left: f64,
    pub waited_s: f64,
}

/// scorecast divided by the floor: 1.0 is as good as the floor can be.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Ratios {
    pub p50: Option<f64>,
    pub p99: Option<f64>,
    pub rss_per_conn: Option<f64>,
    pub cpu_per_delivery: Option<f64>,
    pub cpu_per_delivery_busy: Option<f64>,
}

impl Ratios {
    pub fn of(product: &RunReport, floor: &RunReport) -> Self {
        let lat = |r: &RunReport, f: fn(&Percentiles) -> f64| r.latency_ms.as_ref().map(f);
        let rss = |r: &RunReport| r.server.as_ref().map(|s| s.rss_per_conn_kib);
        let cpu = |r: &RunReport| r.server.as_ref().and_then(|s| s.cpu_per_delivery_us);
        let busy = |r: &RunReport| r.server.as_ref().and_then(|s| s.cpu_per_delivery_busy_us);
        Self {
            p50: ratio(lat(product, |p| p.p50), lat(floor, |p| p.p50)),
            p99: ratio(lat(product, |p| p.p99), lat(floor, |p| p.p99)),
            rss_per_conn: ratio(rss(product), rss(floor)),
            cpu_per_delivery: ratio(cpu(product), cpu(floor)),
            cpu_per_delivery_busy: ratio(busy(product), busy(floor)),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FanoutReport {
    pub meta: Meta,
    pub scorecast: RunReport,
    pub floor: Option<RunReport>,
    pub ratios: Option<Ratios>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FloorReport {
    pub meta: Meta,
    pub floor: RunReport,
}
