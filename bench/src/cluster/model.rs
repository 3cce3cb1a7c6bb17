//! The cluster run's results, as written to JSON: at each subscriber count the single node and the
//! cluster interleaved over rounds (with the floor), their medians and ratios against the aims;
//! then the gap repair after a NATS outage and the SIGTERM failover.

use serde::{Deserialize, Serialize};

use super::metrics::Sample;
use crate::common::meta::Meta;
use crate::common::percentiles::{ratio, Percentiles};
use crate::compare::model::{Binary, Round, Side};
use crate::fanout::worker::protocol::ResumeTally;

/// Aim: the cluster's p99 at most this multiple of one node's at the same N.
pub const MAX_P99_RATIO: f64 = 1.15;
/// Aim: the cluster's server CPU per delivery (all nodes summed) at most this multiple.
pub const MAX_CPU_RATIO: f64 = 1.1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClusterReport {
    pub meta: Meta,
    pub binary: Binary,
    pub nodes: usize,
    /// What the single-node runs are (same Postgres, no NATS).
    pub single: String,
    pub rounds: usize,
    pub events: usize,
    pub interval_ms: f64,
    pub server_args: Vec<String>,
    pub postgres: Option<String>,
    pub nats: Option<String>,
    pub sizes: Vec<ClusterSize>,
    pub gap_repair: Option<GapRepair>,
    pub failover: Option<Failover>,
    pub problems: Vec<String>,
    pub passed: bool,
}

/// Every round of both deployments at one subscriber count.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClusterSize {
    pub subscribers: usize,
    /// The floor with the same load (once per size).
    pub floor: Option<Round>,
    pub single: Side,
    pub cluster: Side,
    /// Cluster median ÷ single-node median.
    pub ratio_p99: Option<f64>,
    pub ratio_cpu_per_delivery: Option<f64>,
    /// Each deployment's median p99 ÷ the floor's.
    pub single_p99_to_floor: Option<f64>,
    pub cluster_p99_to_floor: Option<f64>,
    /// Over every round of both deployments.
    pub lost: u64,
    pub duplicated: u64,
    pub p99_met: bool,
    pub cpu_met: bool,
    /// The aims are met and every run passed (nothing lost or duplicated).
    pub passed: bool,
}

impl ClusterSize {
    pub fn judge(subscribers: usize, floor: Option<Round>, single: Side, cluster: Side) -> Self {
        let (s, c) = (&single.median, &cluster.median);
        let ratio_p99 = ratio(c.p99_ms, s.p99_ms);
        let ratio_cpu_per_delivery = ratio(c.cpu_per_delivery_us, s.cpu_per_delivery_us);
        let floor_p99 = floor.as_ref().and_then(|f| f.p99_ms);
        let rounds = || single.rounds.iter().chain(&cluster.rounds);
        let p99_met = ratio_p99.is_some_and(|r| r <= MAX_P99_RATIO);
        let cpu_met = ratio_cpu_per_delivery.is_some_and(|r| r <= MAX_CPU_RATIO);
        let all_ran = rounds().all(|r| r.passed);
        Self {
            subscribers,
            single_p99_to_floor: ratio(s.p99_ms, floor_p99),
            cluster_p99_to_floor: ratio(c.p99_ms, floor_p99),
            lost: rounds().map(|r| r.lost).sum(),
            duplicated: rounds().map(|r| r.duplicated).sum(),
            ratio_p99,
            ratio_cpu_per_delivery,
            p99_met,
            cpu_met,
            passed: p99_met && cpu_met && all_ran,
            floor,
            single,
            cluster,
        }
    }
}

/// What the subscribers of a scenario received, checked against what was posted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Delivery {
    pub expected: u64,
    pub delivered: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub gaps: u64,
    pub resync_snapshots: u64,
    pub unexpected: u64,
    pub closed: usize,
}

impl Delivery {
    pub fn gapless(&self) -> bool {
        self.lost == 0
            && self.duplicated == 0
            && self.gaps == 0
            && self.resync_snapshots == 0
            && self.unexpected == 0
    }
}

/// NATS killed, events posted on one node, NATS started again: how the nodes caught up.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GapRepair {
    pub subscribers: usize,
    pub connected: usize,
    pub events: usize,
    pub accepted: usize,
    pub check_secs: u64,
    pub first_seq: i64,
    pub last_seq: i64,
    /// From the kill to the last post's answer (NATS was down throughout).
    pub outage_posting_s: f64,
    /// From the restart until every node's snapshot had the last seq.
    pub all_nodes_s: Option<f64>,
    /// From the restart until every subscriber had every update.
    pub subscribers_s: Option<f64>,
    pub nodes: Vec<NodeCatchUp>,
    pub delivery: Delivery,
    pub problems: Vec<String>,
    pub passed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeCatchUp {
    pub node: usize,
    pub url: String,
    /// Whether events were posted on this node.
    pub posting: bool,
    /// `seq` of its snapshot when NATS came back.
    pub seq_at_restart: Option<i64>,
    /// From the restart (negative: before it, through the periodic check) until its snapshot had
    /// the last seq; `None` if it never did in time.
    pub caught_up_s: Option<f64>,
    pub gap_reads: f64,
    pub gap_events: f64,
    /// Every followed counter that moved over the scenario.
    pub metrics: Sample,
}

/// One node stopped with SIGTERM under load: how its subscribers resumed on the others.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failover {
    pub subscribers: usize,
    pub connected: usize,
    pub nodes: usize,
    pub stopped_node: usize,
    pub posting_node: usize,
    pub events: usize,
    pub accepted: usize,
    pub interval_ms: f64,
    pub jitter_ms: u64,
    /// SIGTERM, in seconds after the first post.
    pub sigterm_at_s: f64,
    /// From SIGTERM until the stopped process exited.
    pub stop_s: Option<f64>,
    /// From SIGTERM until the last closed client had its marker and every replayed update.
    pub all_resumed_s: Option<f64>,
    /// Per resumed client: from its 1001 close to its last replayed update.
    pub resume_ms: Option<Percentiles>,
    pub resumes: ResumeTally,
    pub delivery: Delivery,
    /// Over the surviving nodes.
    pub replay_queries: f64,
    pub gap_reads: f64,
    pub resumes_recovered: f64,
    pub resumes_not_recovered: f64,
    /// Per node, every followed counter that moved (the stopped node's is empty).
    pub metrics: Vec<Sample>,
    pub problems: Vec<String>,
    pub passed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(p99: f64, cpu: f64) -> Round {
        Round {
            p99_ms: Some(p99),
            cpu_per_delivery_us: Some(cpu),
            passed: true,
            ..Default::default()
        }
    }

    #[test]
    fn the_cluster_passes_within_the_aims_and_fails_beyond_them_or_on_a_loss() {
        let single = || Side::of(vec![round(10.0, 2.0), round(12.0, 2.0), round(11.0, 2.0)]);
        let close = Side::of(vec![round(12.0, 2.1), round(12.5, 2.2), round(13.0, 2.1)]);
        let size = ClusterSize::judge(5000, Some(round(5.0, 1.0)), single(), close);
        assert!(size.passed, "{size:?}");
        assert_eq!(size.cluster_p99_to_floor, Some(2.5));
        let slow = Side::of(vec![round(13.0, 2.1), round(14.0, 2.1), round(13.5, 2.1)]);
        assert!(!ClusterSize::judge(5000, None, single(), slow).p99_met);
        let mut lossy = round(11.0, 2.0);
        lossy.lost = 3;
        lossy.passed = false;
        let size = ClusterSize::judge(5000, None, single(), Side::of(vec![lossy]));
        assert!(size.p99_met && size.cpu_met && !size.passed && size.lost == 3);
    }
}
