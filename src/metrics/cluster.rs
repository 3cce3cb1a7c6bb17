//! Metrics of the per-match sequencer, gap repairs, and the NATS link between nodes.

use prometheus::{IntCounter, IntCounterVec, IntGauge, Opts, Registry};

use super::{counter, gauge};

pub struct ClusterMetrics {
    pub updates_stale: IntCounter,
    pub updates_held: IntGauge,
    pub gap_repairs: IntCounterVec,
    pub gap_reads: IntCounter,
    pub gap_events: IntCounter,
    pub matches_loaded: IntCounter,
    pub checks: IntCounterVec,
    pub check_rows: IntCounter,
    pub nats_connected: IntGauge,
    pub nats_connection_events: IntCounterVec,
    pub nats_published: IntCounterVec,
    pub nats_publish_dropped: IntCounter,
    pub nats_received: IntCounterVec,
    pub nats_ignored: IntCounterVec,
}

fn counter_vec(name: &str, help: &str, label: &str) -> IntCounterVec {
    IntCounterVec::new(Opts::new(name, help), &[label]).expect("valid metric")
}

impl ClusterMetrics {
    pub(super) fn new() -> Self {
        Self {
            updates_stale: counter(
                "updates_stale_total",
                "Committed updates dropped because this node had already applied them (duplicates, or delivered first by a gap read)",
            ),
            updates_held: gauge(
                "updates_held",
                "Updates waiting for an earlier update of their match (arrived out of order)",
            ),
            gap_repairs: counter_vec(
                "gap_repairs_total",
                "Database reads started to fill a match's gap, by reason: reorder_timeout, resume_ahead, check, commit_unknown, replayed_unseen",
                "reason",
            ),
            gap_reads: counter("gap_reads_total", "Database queries made to fill gaps"),
            gap_events: counter(
                "gap_events_total",
                "Events read back from the database by gap repairs (delivered unless already applied)",
            ),
            matches_loaded: counter(
                "matches_loaded_total",
                "Matches loaded from the database because another node created or changed them",
            ),
            checks: counter_vec(
                "cluster_checks_total",
                "Periodic comparisons of this node's matches with the database, by outcome: ok or failed",
                "outcome",
            ),
            check_rows: counter(
                "cluster_check_rows_total",
                "Rows the periodic checks read from the database (the matches changed since the check before, 0 when nothing changed)",
            ),
            nats_connected: gauge("nats_connected", "1 while the link to NATS is up, else 0"),
            nats_connection_events: counter_vec(
                "nats_connection_events_total",
                "Events of the NATS link: connected, disconnected, slow_consumer, error, other",
                "event",
            ),
            nats_published: counter_vec(
                "nats_published_total",
                "Messages published to other nodes, by kind: event or match",
                "kind",
            ),
            nats_publish_dropped: counter(
                "nats_publish_dropped_total",
                "Messages not published because the publish queue was full (the periodic check repairs them)",
            ),
            nats_received: counter_vec(
                "nats_received_total",
                "Messages received from other nodes and applied, by kind: event or match",
                "kind",
            ),
            nats_ignored: counter_vec(
                "nats_ignored_total",
                "Messages received and ignored, by reason: version (an unknown format version), malformed",
                "reason",
            ),
        }
    }

    pub(super) fn register(&self, registry: &Registry) {
        let collectors: Vec<Box<dyn prometheus::core::Collector>> = vec![
            Box::new(self.updates_stale.clone()),
            Box::new(self.updates_held.clone()),
            Box::new(self.gap_repairs.clone()),
            Box::new(self.gap_reads.clone()),
            Box::new(self.gap_events.clone()),
            Box::new(self.matches_loaded.clone()),
            Box::new(self.checks.clone()),
            Box::new(self.check_rows.clone()),
            Box::new(self.nats_connected.clone()),
            Box::new(self.nats_connection_events.clone()),
            Box::new(self.nats_published.clone()),
            Box::new(self.nats_publish_dropped.clone()),
            Box::new(self.nats_received.clone()),
            Box::new(self.nats_ignored.clone()),
        ];
        for collector in collectors {
            registry.register(collector).expect("each metric is registered once");
        }
    }
}
