//! What one soak client checks of every message, per match: a snapshot first (or a resume answer),
//! then updates numbered `last + 1`. A later snapshot may replace updates (conflation), which is
//! counted apart from loss; an update that skips numbers is loss, one at or below `last` a
//! duplicate.

use serde::{Deserialize, Serialize};

use crate::ws::message::Message;

/// What the clients of a worker saw, summed over their connections.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Updates received in order (`s = last + 1`).
    pub delivered: u64,
    /// Updates at or below the last number already held.
    pub duplicates: u64,
    /// Numbers skipped between two updates, or missing at the end: lost.
    pub lost: u64,
    /// Updates replaced by a later snapshot (a slow reader's conflation): not lost.
    pub conflated: u64,
    /// Snapshots that replaced updates (after the first one of a connection).
    pub resync_snapshots: u64,
    /// Snapshots or updates whose `s` went below what the client held (never allowed).
    pub regressions: u64,
    /// Resume markers `"rec":true` that answered a resume.
    pub resumes_recovered: u64,
    /// Snapshots `"rec":false` that answered a resume (the missed updates could not be replayed).
    pub resumes_not_recovered: u64,
    /// Resume markers whose `s` was not the `since` sent, or that no resume asked for.
    pub bad_markers: u64,
    /// Messages for a match the client did not subscribe to.
    pub unexpected: u64,
}

impl Counts {
    pub fn add(&mut self, other: &Counts) {
        self.delivered += other.delivered;
        self.duplicates += other.duplicates;
        self.lost += other.lost;
        self.conflated += other.conflated;
        self.resync_snapshots += other.resync_snapshots;
        self.regressions += other.regressions;
        self.resumes_recovered += other.resumes_recovered;
        self.resumes_not_recovered += other.resumes_not_recovered;
        self.bad_markers += other.bad_markers;
        self.unexpected += other.unexpected;
    }

    /// Nothing lost, doubled, reordered or answered wrongly.
    pub fn clean(&self) -> bool {
        self.duplicates == 0 && self.lost == 0 && self.regressions == 0 && self.bad_markers == 0
    }
}

/// Per subscribed match, the last number the client holds; `None` before its first snapshot.
#[derive(Debug, Clone)]
pub struct Cursor {
    matches: Vec<i64>,
    last: Vec<Option<i64>>,
    /// A resume was asked for: the marker (or `rec:false` snapshot) is due for these matches.
    resuming: Vec<bool>,
}

impl Cursor {
    /// A new client of `matches`: it holds nothing yet.
    pub fn new(matches: &[i64]) -> Self {
        Self {
            matches: matches.to_vec(),
            last: vec![None; matches.len()],
            resuming: vec![false; matches.len()],
        }
    }

    /// `since=m:s,...` for a resume of every match the client holds; `None` when it holds none.
    pub fn since(&mut self) -> Option<String> {
        let parts: Vec<String> = self
            .matches
            .iter()
            .zip(&self.last)
            .filter_map(|(m, last)| last.map(|s| format!("{m}:{s}")))
            .collect();
        for (resuming, last) in self.resuming.iter_mut().zip(&self.last) {
            *resuming = last.is_some();
        }
        (!parts.is_empty()).then(|| parts.join(","))
    }

    /// Whether the client holds every match at or beyond `finals` (the same order as `matches`).
    pub fn caught_up(&self, finals: &[i64]) -> bool {
        self.last.iter().zip(finals).all(|(last, f)| last.is_some_and(|l| l >= *f))
    }

    /// Updates the client lacks to reach `finals`: counted as lost when the run ends.
    pub fn behind(&self, finals: &[i64]) -> u64 {
        self.last.iter().zip(finals).map(|(last, f)| (f - last.unwrap_or(*f)).max(0) as u64).sum()
    }

    /// Checks one message against what the client holds.
    pub fn on_message(&mut self, msg: &Message, counts: &mut Counts) {
        let Some(i) = self.matches.iter().position(|m| *m == msg.match_id) else {
            counts.unexpected += 1;
            return;
        };
        let last = self.last[i];
        if let Some(_replayed) = msg.resume {
            if !self.resuming[i] || last != Some(msg.seq) {
                counts.bad_markers += 1;
            }
            self.resuming[i] = false;
            counts.resumes_recovered += 1;
            return;
        }
        if msg.snapshot {
            if msg.not_recovered {
                counts.resumes_not_recovered += 1;
            }
            self.resuming[i] = false;
            match last {
                None => {}
                Some(l) if msg.seq < l => counts.regressions += 1,
                Some(l) => {
                    counts.conflated += (msg.seq - l) as u64;
                    counts.resync_snapshots += 1;
                }
            }
            self.last[i] = Some(last.map_or(msg.seq, |l| l.max(msg.seq)));
            return;
        }
        match last {
            // An update before any snapshot: the server skipped the subscription's start.
            None => counts.regressions += 1,
            Some(l) if msg.seq <= l => counts.duplicates += 1,
            Some(l) => {
                counts.lost += (msg.seq - l - 1) as u64;
                counts.delivered += 1;
                self.last[i] = Some(msg.seq);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(m: i64, seq: i64) -> Message {
        Message { match_id: m, seq, ..Default::default() }
    }

    fn snapshot(m: i64, seq: i64) -> Message {
        Message { match_id: m, seq, snapshot: true, ..Default::default() }
    }

    #[test]
    fn in_order_updates_after_a_snapshot_are_delivered_and_gaps_are_lost() {
        let (mut cursor, mut counts) = (Cursor::new(&[7, 8]), Counts::default());
        cursor.on_message(&snapshot(7, 1), &mut counts);
        cursor.on_message(&snapshot(8, 4), &mut counts);
        for seq in [2, 3, 3, 5] {
            cursor.on_message(&update(7, seq), &mut counts);
        }
        cursor.on_message(&update(9, 1), &mut counts);
        assert_eq!((counts.delivered, counts.duplicates, counts.lost), (3, 1, 1));
        assert_eq!(counts.unexpected, 1);
        assert!(!counts.clean());
        assert_eq!(cursor.behind(&[6, 4]), 1);
        assert!(cursor.caught_up(&[5, 4]));
    }

    #[test]
    fn a_later_snapshot_is_conflation_not_loss() {
        let (mut cursor, mut counts) = (Cursor::new(&[7]), Counts::default());
        cursor.on_message(&snapshot(7, 1), &mut counts);
        cursor.on_message(&update(7, 2), &mut counts);
        cursor.on_message(&snapshot(7, 6), &mut counts);
        cursor.on_message(&update(7, 7), &mut counts);
        assert_eq!((counts.delivered, counts.conflated, counts.resync_snapshots), (2, 4, 1));
        assert!(counts.clean());
        cursor.on_message(&snapshot(7, 3), &mut counts);
        assert_eq!(counts.regressions, 1, "a snapshot older than what the client holds");
    }

    #[test]
    fn a_resume_is_answered_by_a_marker_for_the_since_sent() {
        let (mut cursor, mut counts) = (Cursor::new(&[7, 8]), Counts::default());
        assert_eq!(cursor.since(), None, "nothing held, nothing to resume");
        cursor.on_message(&snapshot(7, 3), &mut counts);
        assert_eq!(cursor.since().as_deref(), Some("7:3"));
        let marker = Message { match_id: 7, seq: 3, resume: Some(1), ..Default::default() };
        cursor.on_message(&marker, &mut counts);
        cursor.on_message(&update(7, 4), &mut counts);
        assert_eq!((counts.resumes_recovered, counts.delivered, counts.bad_markers), (1, 1, 0));
        cursor.on_message(&marker, &mut counts);
        assert_eq!(counts.bad_markers, 1, "a marker nobody asked for");
    }
}
