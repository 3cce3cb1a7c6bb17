//! The other nodes' shares of the audience: what each last reported, and when. A node reports
//! every interval (the counts that changed, and now and then all of them); a share not heard of
//! for `expiry` no longer counts (the node stopped, or lost its link), and is forgotten.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use crate::domain::MatchId;

/// A report from another node, as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heard {
    pub node: String,
    /// The report's number: each node numbers its reports 1, 2, ...
    pub number: u64,
    /// Every match the node counts (else only those that changed; 0 for a match it no longer
    /// counts).
    pub full: bool,
    pub counts: Vec<(MatchId, u32)>,
    /// The node asks this one for all its counts (it missed a report of this node's).
    pub asks_me: bool,
}

struct Share {
    counts: HashMap<MatchId, u32>,
    heard: Instant,
    number: u64,
    /// A report was missed: until a full one arrives, this share may be off, and a full one is
    /// asked for.
    wants_full: bool,
}

impl Share {
    /// Heard of within `expiry`: it counts.
    fn current(&self, now: Instant, expiry: Duration) -> bool {
        now.saturating_duration_since(self.heard) < expiry
    }
}

pub(super) struct Shares {
    nodes: HashMap<String, Share>,
    expiry: Duration,
    max_nodes: usize,
    max_matches: usize,
}

impl Shares {
    pub(super) fn new(expiry: Duration, max_nodes: usize, max_matches: usize) -> Self {
        Self { nodes: HashMap::new(), expiry, max_nodes, max_matches }
    }

    /// Takes a node's report; true when this node should send all its counts next (the sender is
    /// new here, or asked for them).
    pub(super) fn heard(&mut self, report: Heard, now: Instant) -> bool {
        let known = self.nodes.contains_key(&report.node);
        if !known && self.nodes.len() >= self.max_nodes {
            self.expire(now);
            if self.nodes.len() >= self.max_nodes {
                return false;
            }
        }
        let share = self.nodes.entry(report.node).or_insert_with(|| Share {
            counts: HashMap::new(),
            heard: now,
            number: 0,
            wants_full: true,
        });
        let in_order = known && report.number == share.number.wrapping_add(1);
        if report.full {
            share.counts.clear();
            share.wants_full = false;
        } else if !in_order {
            share.wants_full = true;
        }
        for (id, count) in report.counts {
            if count == 0 {
                share.counts.remove(&id);
            } else if share.counts.len() < self.max_matches || share.counts.contains_key(&id) {
                share.counts.insert(id, count);
            }
        }
        share.number = report.number;
        share.heard = now;
        !known || report.asks_me
    }

    /// Forgets the shares of nodes not heard of for `expiry`.
    pub(super) fn expire(&mut self, now: Instant) {
        let expiry = self.expiry;
        self.nodes.retain(|_, share| share.current(now, expiry));
    }

    /// The shares heard of within `expiry`: those that count.
    fn counting(&self, now: Instant) -> impl Iterator<Item = &Share> {
        self.nodes.values().filter(move |share| share.current(now, self.expiry))
    }

    /// The other nodes' watchers of `id`, counting only shares heard of within `expiry`.
    pub(super) fn sum(&self, id: MatchId, now: Instant) -> u64 {
        self.counting(now)
            .filter_map(|share| share.counts.get(&id))
            .map(|count| u64::from(*count))
            .sum()
    }

    /// The other nodes' watchers of every match they count, summed, counting only shares heard
    /// of within `expiry`.
    pub(super) fn totals(&self, now: Instant) -> HashMap<MatchId, u64> {
        let mut totals = HashMap::new();
        for share in self.counting(now) {
            for (id, count) in &share.counts {
                *totals.entry(*id).or_default() += u64::from(*count);
            }
        }
        totals
    }

    /// The nodes whose share may be off, of which this node asks all counts.
    pub(super) fn wanting_full(&self) -> Vec<String> {
        let mut nodes: Vec<String> =
            self.nodes.iter().filter(|(_, s)| s.wants_full).map(|(n, _)| n.clone()).collect();
        nodes.sort_unstable();
        nodes
    }

    /// How many other nodes report.
    #[cfg(test)]
    pub(super) fn nodes(&self) -> usize {
        self.nodes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(raw: i64) -> MatchId {
        MatchId::try_from(raw).unwrap()
    }

    fn report(node: &str, number: u64, full: bool, counts: &[(i64, u32)]) -> Heard {
        let counts = counts.iter().map(|(m, c)| (id(*m), *c)).collect();
        Heard { node: node.into(), number, full, counts, asks_me: false }
    }

    #[tokio::test(start_paused = true)]
    async fn shares_add_up_and_one_not_heard_of_expires() {
        let mut shares = Shares::new(Duration::from_secs(30), 8, 100);
        let now = Instant::now();
        assert!(shares.heard(report("a", 1, true, &[(1, 5), (2, 1)]), now), "new: send it all");
        assert!(shares.heard(report("b", 7, false, &[(1, 3)]), now), "new too");
        assert_eq!(shares.sum(id(1), now), 8);
        let later = now + Duration::from_secs(20);
        assert!(!shares.heard(report("a", 2, false, &[(1, 6), (2, 0)]), later));
        assert_eq!(shares.sum(id(1), later), 9);
        assert_eq!(shares.sum(id(2), later), 0, "0: no longer counted");
        let b_gone = now + Duration::from_secs(30);
        assert_eq!(shares.sum(id(1), b_gone), 6, "b was not heard of for 30 s");
        shares.expire(b_gone);
        assert_eq!(shares.nodes(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_missed_report_asks_for_a_full_one_which_replaces_the_share() {
        let mut shares = Shares::new(Duration::from_secs(30), 8, 100);
        let now = Instant::now();
        shares.heard(report("a", 1, true, &[(1, 5)]), now);
        assert!(shares.wanting_full().is_empty());
        shares.heard(report("a", 3, false, &[(2, 4)]), now);
        assert_eq!(shares.wanting_full(), vec!["a".to_owned()], "report 2 went missing");
        shares.heard(report("a", 4, true, &[(2, 4)]), now);
        assert!(shares.wanting_full().is_empty());
        assert_eq!((shares.sum(id(1), now), shares.sum(id(2), now)), (0, 4), "replaced");
    }

    #[tokio::test(start_paused = true)]
    async fn nodes_and_matches_are_bounded() {
        let mut shares = Shares::new(Duration::from_secs(30), 1, 2);
        let now = Instant::now();
        shares.heard(report("a", 1, true, &[(1, 1), (2, 1), (3, 1)]), now);
        assert_eq!(shares.sum(id(3), now), 0, "beyond the most matches per node");
        assert!(!shares.heard(report("b", 1, true, &[(1, 1)]), now), "beyond the most nodes");
        assert_eq!(shares.sum(id(1), now), 1);
        let later = now + Duration::from_secs(31);
        shares.heard(report("b", 1, true, &[(1, 1)]), later);
        assert_eq!((shares.nodes(), shares.sum(id(1), later)), (1, 1), "a took b's place");
    }
}
