//! A worker's record of what its clients saw: connect results, and every update's arrival time,
//! checked against the match's sequence numbers as it arrives.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use tokio::sync::Notify;

use super::protocol::{ConnectSummary, EventTally, ResumeTally, Status, WorkerReport};
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
    /// Per sequence number: its update's payload bytes, as the first client to get it saw them.
    update_bytes: HashMap<i64, u32>,
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
    /// Clients between a 1001 close and the end of their resume.
    resuming: HashMap<usize, Resuming>,
    resumes: ResumeTally,
}

/// A client closed with 1001 on its way to resume elsewhere.
struct Resuming {
    closed_at_ns: u64,
    /// Updates the resume marker announced that have not arrived yet (`None` before the marker).
    pending: Option<u64>,
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

    /// Client `client` was closed with 1001 and will reconnect and resume.
    pub fn going_away(&mut self, client: usize, at_ns: u64) {
        self.resumes.going_away += 1;
        self.resuming.insert(client, Resuming { closed_at_ns: at_ns, pending: None });
    }

    /// The sequence number client `client` has reached (what it resumes from).
    pub fn last_seq(&self, client: usize) -> i64 {
        self.last[client]
    }

    pub fn reconnect_failed(&mut self) {
        self.resumes.reconnect_failures += 1;
    }

    /// Client `client` could not reconnect anywhere: it is closed for good.
    pub fn abandoned(&mut self, client: usize, reason: String) {
        self.resumes.abandoned += 1;
        self.resuming.remove(&client);
        self.closed(reason);
    }

    /// Counts a resume marker, or one update of a resuming client; ends its resume when the
    /// marker and every update it announced have arrived.
    fn on_resume_progress(&mut self, client: usize, msg: &Message, at_ns: u64) {
        let Some(resuming) = self.resuming.get_mut(&client) else {
            if msg.resume.is_some() {
                self.resumes.unexpected_markers += 1;
            }
            return;
        };
        match (msg.resume, &mut resuming.pending) {
            (Some(n), pending @ None) => {
                self.resumes.recovered += 1;
                *pending = Some(n);
            }
            (Some(_), Some(_)) => self.resumes.unexpected_markers += 1,
            (None, Some(pending)) => *pending = pending.saturating_sub(1),
            (None, None) => return,
        }
        if resuming.pending == Some(0) {
            let took = at_ns.saturating_sub(resuming.closed_at_ns);
            self.resuming.remove(&client);
            self.resumes.completed += 1;
            self.resumes.resume_ns.record(took);
            let last = self.resumes.last_completed_at_ns.get_or_insert(at_ns);
            *last = (*last).max(at_ns);
        }
    }

    pub fn on_message(&mut self, client: usize, msg: Message, at_ns: u64) {
        if msg.resume.is_some() {
            return self.on_resume_progress(client, &msg, at_ns);
        }
        if msg.not_recovered {
            self.resumes.not_recovered += 1;
            self.resuming.remove(&client);
        }
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
        if !self.resuming.is_empty() {
            self.on_resume_progress(client, &msg, at_ns);
        }
        let arrivals = self.arrivals.entry(msg.seq).or_default();
        arrivals.push(at_ns);
        if arrivals.len() == self.connected.saturating_sub(self.closed) {
            self.newly_complete.push(msg.seq);
            self.completed.notify_one();
        }
    }

    /// Notes the payload size of an update (not a snapshot or a resume marker), once per number.
    pub fn update_size(&mut self, msg: &Message, bytes: usize) {
        if !msg.snapshot && msg.resume.is_none() {
            self.update_bytes.entry(msg.seq).or_insert(bytes.try_into().unwrap_or(u32::MAX));
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
        Status {
            delivered: self.delivered,
            closed: self.closed,
            resumed: self.resumes.completed,
            resuming: self.resuming.len(),
        }
    }

    /// Latencies per posted event; `starts` holds each event's sequence number and post time.
    pub fn report(&self, starts: &[(i64, u64)], rss_kib: u64) -> WorkerReport {
        let events = starts
            .iter()
            .map(|&(seq, start)| {
                let update_bytes = self.update_bytes.get(&seq).copied();
                let mut tally = EventTally { seq, update_bytes, ..Default::default() };
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
            resumes: self.resumes.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(seq: i64, snapshot: bool) -> Message {
        Message { seq, snapshot, ..Default::default() }
    }

    #[test]
    fn a_resume_ends_when_the_marker_and_every_announced_update_have_arrived() {
        let mut t = Tally::default();
        t.expect_clients(2);
        t.on_message(0, msg(1, true), 0);
        t.on_message(1, msg(1, true), 0);
        t.on_message(0, msg(2, false), 10);
        t.going_away(0, 100);
        assert_eq!(t.last_seq(0), 2);
        t.on_message(0, Message { seq: 2, resume: Some(2), ..Default::default() }, 200);
        t.on_message(0, msg(3, false), 300);
        assert_eq!(t.status().resuming, 1);
        t.on_message(0, msg(4, false), 400);
        let status = t.status();
        assert_eq!((status.resumed, status.resuming, status.delivered), (1, 0, 3));
        t.going_away(1, 500);
        let lost = Message { seq: 4, snapshot: true, not_recovered: true, ..Default::default() };
        t.on_message(1, lost, 600);
        let report = t.report(&[], 0);
        let r = &report.resumes;
        assert_eq!((r.going_away, r.recovered, r.not_recovered, r.completed), (2, 1, 1, 1));
        assert_eq!(r.resume_ns.max(), Some(300));
        assert_eq!(r.last_completed_at_ns, Some(400));
        assert_eq!((report.duplicates, report.gaps), (0, 0));
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
