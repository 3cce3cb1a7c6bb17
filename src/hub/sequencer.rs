//! The per-match sequencer: every committed update, this node's own or another node's, passes it
//! before snapshots and subscribers see it, so that each match moves forward one sequence number
//! at a time, gapless and once, whichever node committed what.
//!
//! An update that is not the next one is held. Its successors may be held with it; they are let
//! through as soon as the missing update arrives. If it does not arrive within the reorder window,
//! the hub reads the gap from the database (`repair.rs`) and offers what it read here, like any
//! other update.

use std::collections::{BTreeMap, HashMap};

use tokio::time::Instant;

use super::Committed;
use crate::domain::{MatchId, Seq};

/// What to do with an offered update.
pub(super) enum Verdict {
    /// Already applied (a duplicate, or one that a repair delivered first): dropped.
    Stale,
    /// Not the next one: held. `opened` when it opened the match's gap, which the caller must
    /// repair if the missing updates do not arrive in time.
    Held { opened: bool },
    /// Apply these in this order: the offered update and the held ones it unblocked.
    Ready(Vec<Committed>),
}

/// The updates held per match, waiting for the ones before them.
pub(super) struct Sequencer {
    held: HashMap<MatchId, Gap>,
    /// Most updates held per match; later ones are dropped, and the repair reads them back.
    max_held: usize,
}

struct Gap {
    opened_at: Instant,
    updates: BTreeMap<Seq, Committed>,
}

impl Sequencer {
    pub(super) fn new(max_held: usize) -> Self {
        Self { held: HashMap::new(), max_held: max_held.max(1) }
    }

    /// Decides about `update` for a match whose snapshot is at `applied`.
    pub(super) fn offer(&mut self, applied: Seq, update: Committed) -> Verdict {
        let id = update.match_id;
        let seq = update.recent.seq;
        if seq <= applied {
            return Verdict::Stale;
        }
        if seq != applied.next() {
            let opened = !self.held.contains_key(&id);
            let gap = self
                .held
                .entry(id)
                .or_insert_with(|| Gap { opened_at: Instant::now(), updates: BTreeMap::new() });
            if gap.updates.len() < self.max_held || gap.updates.contains_key(&seq) {
                gap.updates.insert(seq, update);
            }
            return Verdict::Held { opened };
        }
        let mut ready = vec![update];
        if let Some(gap) = self.held.get_mut(&id) {
            let mut next = seq.next();
            gap.updates.retain(|s, _| *s > seq);
            while let Some(unblocked) = gap.updates.remove(&next) {
                ready.push(unblocked);
                next = next.next();
            }
            if gap.updates.is_empty() {
                self.held.remove(&id);
            }
        }
        Verdict::Ready(ready)
    }

    /// Whether `id` still waits for missing updates, and since when.
    pub(super) fn gap_since(&self, id: MatchId) -> Option<Instant> {
        self.held.get(&id).map(|gap| gap.opened_at)
    }

    /// Forgets what is held for `id` up to `applied` (a repair applied it).
    pub(super) fn settle(&mut self, id: MatchId, applied: Seq) {
        if let Some(gap) = self.held.get_mut(&id) {
            gap.updates.retain(|s, _| *s > applied);
            if gap.updates.is_empty() {
                self.held.remove(&id);
            }
        }
    }

    /// Updates held now, over every match.
    pub(super) fn held(&self) -> usize {
        self.held.values().map(|gap| gap.updates.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::stored_card;
    use crate::domain::LiveState;
    use crate::snapshots::Recent;

    fn update(seq: i64) -> Committed {
        let event = stored_card(1, seq);
        let body = serde_json::to_string(&event).unwrap();
        let mut live = LiveState::initial(crate::domain::Sport::Football, &serde_json::json!({}));
        live.seq = event.seq;
        let match_id = event.match_id;
        Committed {
            match_id,
            live,
            recent: Recent::new(&event, body).unwrap(),
            committed_at: Instant::now(),
        }
    }

    fn seqs(verdict: Verdict) -> Vec<i64> {
        match verdict {
            Verdict::Ready(ready) => ready.iter().map(|c| c.recent.seq.get()).collect(),
            Verdict::Stale => vec![-1],
            Verdict::Held { .. } => vec![],
        }
    }

    #[test]
    fn an_early_update_waits_for_the_one_before_it_and_then_both_go_in_order() {
        let mut sequencer = Sequencer::new(16);
        let applied = Seq::try_from(4).unwrap();
        assert!(matches!(sequencer.offer(applied, update(6)), Verdict::Held { opened: true }));
        assert!(matches!(sequencer.offer(applied, update(7)), Verdict::Held { opened: false }));
        assert!(sequencer.gap_since(MatchId::try_from(1).unwrap()).is_some());
        assert_eq!(seqs(sequencer.offer(applied, update(5))), vec![5, 6, 7]);
        assert_eq!(sequencer.held(), 0);
        assert!(sequencer.gap_since(MatchId::try_from(1).unwrap()).is_none());
    }

    #[test]
    fn duplicates_and_old_updates_are_dropped() {
        let mut sequencer = Sequencer::new(16);
        let applied = Seq::try_from(4).unwrap();
        assert_eq!(seqs(sequencer.offer(applied, update(4))), vec![-1]);
        assert_eq!(seqs(sequencer.offer(applied, update(2))), vec![-1]);
        assert_eq!(seqs(sequencer.offer(applied, update(5))), vec![5]);
    }

    #[test]
    fn a_repair_settles_what_it_applied_and_keeps_what_is_later() {
        let mut sequencer = Sequencer::new(16);
        let id = MatchId::try_from(1).unwrap();
        let applied = Seq::try_from(1).unwrap();
        for s in [3, 4, 9] {
            sequencer.offer(applied, update(s));
        }
        sequencer.settle(id, Seq::try_from(4).unwrap());
        assert_eq!(sequencer.held(), 1);
        sequencer.settle(id, Seq::try_from(9).unwrap());
        assert!(sequencer.gap_since(id).is_none());
    }

    #[test]
    fn holding_is_bounded_per_match() {
        let mut sequencer = Sequencer::new(2);
        let applied = Seq::ZERO;
        for s in 2..10 {
            sequencer.offer(applied, update(s));
        }
        assert_eq!(sequencer.held(), 2);
    }
}
