//! How many subscriber connections follow each match, on this node: all of them, whatever brought
//! the match to them (its id, `*` or a competition), and those that count as watching it (by id or
//! by competition; a `*` subscriber is a board of everything and says nothing about one match). A
//! followed match stays in memory (`catalog::HotSet`): its subscribers may need its snapshot at any
//! moment (a slow client's conflated updates, a worker that fell behind), and that must not wait
//! for the database.
//!
//! Each connection's cursors (`hub/conn/cursors.rs`) count themselves in and out here, so the
//! counts change only when a connection starts or stops following a match, never per update.
//! The matches whose watching count changed are remembered until `take_changed` (the audience's
//! next report, `watching/`).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use crate::domain::MatchId;

#[derive(Debug, Default)]
pub struct Followers {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    counts: HashMap<MatchId, Count>,
    /// Matches whose watching count changed since the last `take_changed` (at most one per match
    /// followed, or left since).
    changed: HashSet<MatchId>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Count {
    all: u32,
    watching: u32,
}

impl Followers {
    /// One more connection follows `id`; `watching` when it counts (not a `*` subscriber).
    pub fn add(&self, id: MatchId, watching: bool) {
        let mut guard = self.lock();
        let State { counts, changed } = &mut *guard;
        let count = counts.entry(id).or_default();
        count.all += 1;
        if watching {
            count.watching += 1;
            changed.insert(id);
        }
    }

    pub fn remove(&self, id: MatchId, watching: bool) {
        let mut guard = self.lock();
        let State { counts, changed } = &mut *guard;
        let Some(count) = counts.get_mut(&id) else { return };
        count.all = count.all.saturating_sub(1);
        if watching && count.watching > 0 {
            count.watching -= 1;
            changed.insert(id);
        }
        if count.all == 0 {
            counts.remove(&id);
        }
    }

    /// Whether any connection on this node follows `id`.
    pub fn follows(&self, id: MatchId) -> bool {
        self.lock().counts.contains_key(&id)
    }

    /// How many connections on this node follow `id`.
    pub fn count(&self, id: MatchId) -> u32 {
        self.lock().counts.get(&id).map_or(0, |c| c.all)
    }

    /// How many connections on this node watch `id` (follow it by id or by competition).
    pub fn watching(&self, id: MatchId) -> u32 {
        self.lock().counts.get(&id).map_or(0, |c| c.watching)
    }

    /// The matches watched on this node with their counts, at most `max` of them (lowest ids
    /// first, so that the same ones are counted from one report to the next).
    pub fn all_watched(&self, max: usize) -> Vec<(MatchId, u32)> {
        let mut watched: Vec<(MatchId, u32)> = {
            let state = self.lock();
            let counts = state.counts.iter().filter(|(_, c)| c.watching > 0);
            counts.map(|(id, c)| (*id, c.watching)).collect()
        };
        // Sorted once the lock is released: subscribes on every worker wait for it.
        watched.sort_unstable_by_key(|(id, _)| *id);
        watched.truncate(max);
        watched
    }

    /// The matches whose watching count changed since the last call, with their counts now (0:
    /// nobody on this node watches it any more); forgets them.
    pub fn take_changed(&self) -> Vec<(MatchId, u32)> {
        let mut changed: Vec<(MatchId, u32)> = {
            let mut state = self.lock();
            let ids = std::mem::take(&mut state.changed);
            ids.into_iter()
                .map(|id| (id, state.counts.get(&id).map_or(0, |c| c.watching)))
                .collect()
        };
        changed.sort_unstable_by_key(|(id, _)| *id);
        changed
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Every change is a few map operations on plain counts: a panic cannot leave a count
        // half-written.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_match_is_followed_until_its_last_follower_leaves() {
        let followers = Followers::default();
        let id = MatchId::try_from(3).unwrap();
        followers.add(id, true);
        followers.add(id, false);
        followers.remove(id, true);
        assert!(followers.follows(id));
        assert_eq!(followers.count(id), 1);
        followers.remove(id, false);
        assert!(!followers.follows(id));
        followers.remove(id, false);
        assert_eq!(followers.count(id), 0, "never below zero");
    }

    #[test]
    fn a_wildcard_follower_keeps_a_match_hot_but_is_not_watching_it() {
        let followers = Followers::default();
        let id = MatchId::try_from(5).unwrap();
        followers.add(id, false);
        followers.add(id, true);
        followers.add(id, true);
        assert_eq!((followers.count(id), followers.watching(id)), (3, 2));
        assert_eq!(followers.all_watched(10), vec![(id, 2)]);
        followers.remove(id, true);
        followers.remove(id, true);
        assert_eq!((followers.count(id), followers.watching(id)), (1, 0));
        assert!(followers.all_watched(10).is_empty(), "a `*` follower alone is not watching");
    }

    #[test]
    fn changes_are_taken_once_with_the_count_they_left() {
        let followers = Followers::default();
        let (one, two) = (MatchId::try_from(1).unwrap(), MatchId::try_from(2).unwrap());
        followers.add(two, true);
        followers.add(one, true);
        followers.add(one, false);
        followers.remove(two, true);
        assert_eq!(followers.take_changed(), vec![(one, 1), (two, 0)]);
        assert!(followers.take_changed().is_empty(), "taken");
        followers.add(one, false);
        assert!(followers.take_changed().is_empty(), "a `*` follower changes no watching count");
    }

    #[test]
    fn all_watched_keeps_the_lowest_ids_within_its_bound() {
        let followers = Followers::default();
        for raw in [9, 4, 7] {
            followers.add(MatchId::try_from(raw).unwrap(), true);
        }
        let ids: Vec<i64> = followers.all_watched(2).iter().map(|(id, _)| id.get()).collect();
        assert_eq!(ids, vec![4, 7]);
    }
}
