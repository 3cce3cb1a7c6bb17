//! A worker's record of what its clients saw: connect results, and every update's arrival time,
//! checked against the match's sequence numbers as it arrives.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use tokio::sync::Notify;

use super::protocol::{ConnectSummary, EventTally, Status, WorkerReport};
use crate::histogram::Histogram;
use crate::ws::message::Message;

/// A client's last sequence number before its first snapshot.
const NONE: i64 = i64::MIN;

#[derive(Default)]
pub(super) struct Tally {
    pub connected: usize,
    pub failed: usize,
    failures: BTreeMap<String, usize>,
    connect_ns: Histogram,
    snapshot_seq: Option<(i64, i64)>,
    /// Per client of this worker: the sequence number it has reached.
    last: Vec<i64>,
    /// Per sequence number: when each client received it, in ns.
    arrivals: HashMap<i64, Vec<u64>>,
    delivered: u64,
    duplicates: u64,
    gaps: u64,
    resync_snapshots: u64,
    early_updates: u64,
    closed: usize,
    close_reasons: BTreeMap<String, usize>,
    pub pongs_sent: u64,
    /// Sequence numbers every open client now has, not yet told to the coordinator.
    newly_complete: Vec<i64>,
    /// Wakes the worker's command loop when `newly_complete` has something.
    pub completed: Rc<Notify>,
}

impl Tally {
    pub fn expect_clients(&mut self, count: usize) {
        self.last = vec![NONE; count];
    }

    pub fn failed(&mut self, reason: String) {
        self.failed += 1;
        *self.failures.entry(reason).or_default() += 1;
    }

    /// Whether client `client` has had its first snapshot.
    pub fn has_snapshot(&self, client: usize) -> bool {
        self.last[client] != NONE
    }

    pub fn connected(&mut self, connect_ns: u64) {
        self.connected += 1;
        self.connect_ns.record(connect_ns);
    }

    /// A connected client's connection ended before the run did.
    pub fn closed(&mut self, reason: String) {
        self.closed += 1;
        *self.close_reasons.entry(reason).or_default() += 1;
    }

    pub fn on_message(&mut self, client: usize, msg: Message, at_ns: u64) {
        let last = &mut self.last[client];
        if *last == NONE {
            if msg.snapshot {
                *last = msg.seq;
                let (lo, hi) = self.snapshot_seq.unwrap_or((msg.seq, msg.seq));
                self.snapshot_seq = Some((lo.min(msg.seq), hi.max(msg.seq)));
            } else {
                self.early_updates += 1;
            }
            return;
        }
        if msg.snapshot {
            // The server skipped this client's updates and sent the latest state instead.
            self.resync_snapshots += 1;
            *last = (*last).max(msg.seq);
            return;
        }
        if msg.seq <= *last {
            self.duplicates += 1;
            return;
        }
        if msg.seq > *last + 1 {
            self.gaps += 1;
        }
        *last = msg.seq;
        self.delivered += 1;
        let arrivals = self.arrivals.entry(msg.seq).or_default();
        arrivals.push(at_ns);
        if arrivals.len() == self.connected.saturating_sub(self.closed) {
            self.newly_complete.push(msg.seq);
            self.completed.notify_one();
        }
    }

    pub fn take_completed(&mut self) -> Vec<i64> {
        std::mem::take(&mut self.newly_complete)
    }

    pub fn connect_summary(&self, rss_before_kib: u64, rss_after_kib: u64) -> ConnectSummary {
        ConnectSummary {
            connected: self.connected,
            failed: self.failed,
            failures: self.failures.clone(),
            connect_ns: self.connect_ns.clone(),
            snapshot_seq: self.snapshot_seq,
            rss_before_kib,
            rss_after_kib,
        }
    }

    pub fn status(&self) -> Status {
        Status { delivered: self.delivered, closed: self.closed }
    }

    /// Latencies per posted event; `starts` holds each event's sequence number and post time.
    pub fn report(&self, starts: &[(i64, u64)], rss_kib: u64) -> WorkerReport {
        let events = starts
            .iter()
            .map(|&(seq, start)| {
                let mut tally = EventTally { seq, ..Default::default() };
                for &at in self.arrivals.get(&seq).map(Vec::as_slice).unwrap_or_default() {
                    tally.received += 1;
                    tally.latency_ns.record(at.saturating_sub(start));
                }
                tally
            })
            .collect();
        let posted: Vec<i64> = starts.iter().map(|(seq, _)| *seq).collect();
        let unexpected = self
            .arrivals
            .iter()
            .filter(|(seq, _)| !posted.contains(seq))
            .map(|(_, at)| at.len() as u64)
            .sum::<u64>()
            + self.early_updates;
        WorkerReport {
            events,
            duplicates: self.duplicates,
            gaps: self.gaps,
            resync_snapshots: self.resync_snapshots,
            unexpected,
            closed: self.closed,
            close_reasons: self.close_reasons.clone(),
            pongs_sent: self.pongs_sent,
            rss_kib,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(seq: i64, snapshot: bool) -> Message {
        Message { seq, snapshot }
    }

    #[test]
    fn duplicates_gaps_and_resyncs_are_counted_and_latency_is_from_the_post() {
        let mut t = Tally::default();
        t.expect_clients(2);
        t.on_message(0, msg(1, true), 0);
        t.on_message(1, msg(1, true), 0);
        t.on_message(0, msg(2, false), 1_500);
        t.on_message(0, msg(2, false), 1_600); // again
        t.on_message(1, msg(3, false), 3_000); // 2 never came
        t.on_message(0, msg(4, true), 4_000); // snapshot instead of 3 and 4
        let report = t.report(&[(2, 1_000), (3, 2_000), (4, 3_500)], 0);
        let received: Vec<u64> = report.events.iter().map(|e| e.received).collect();
        assert_eq!(received, vec![1, 1, 0]);
        assert_eq!(report.events[0].latency_ns.max(), Some(500));
        assert_eq!(report.events[1].latency_ns.max(), Some(1_000));
        assert_eq!((report.duplicates, report.gaps, report.resync_snapshots), (1, 1, 1));
        assert_eq!(t.status().delivered, 2);
    }
}
