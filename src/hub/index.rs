//! Who follows what on one worker: the connections of each match, the `*` subscribers, the
//! subscribers of each competition, and the subscriptions gauge. The only code that changes them.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::domain::MatchId;

/// A connection's key on its worker (its slab index, reused after the connection is gone).
pub(super) type Key = usize;

pub(super) struct Index {
    by_match: HashMap<MatchId, HashSet<Key>>,
    wildcard: HashSet<Key>,
    by_competition: HashMap<Arc<str>, HashSet<Key>>,
    /// The competitions each connection follows (only connections that follow some).
    competitions_of: HashMap<Key, Vec<Arc<str>>>,
    /// Counts one per followed match, one per `*` subscription and one per followed competition.
    gauge: prometheus::IntGauge,
}

impl Index {
    pub(super) fn new(gauge: prometheus::IntGauge) -> Self {
        Self {
            by_match: HashMap::new(),
            wildcard: HashSet::new(),
            by_competition: HashMap::new(),
            competitions_of: HashMap::new(),
            gauge,
        }
    }

    pub(super) fn follow(&mut self, key: Key, id: MatchId) {
        if self.by_match.entry(id).or_default().insert(key) {
            self.gauge.inc();
        }
    }

    /// Whether `key` follows `id` by its id (not only through `*` or a competition).
    pub(super) fn follows(&self, key: Key, id: MatchId) -> bool {
        self.by_match.get(&id).is_some_and(|followers| followers.contains(&key))
    }

    /// Returns false if `key` already followed every match.
    pub(super) fn follow_all(&mut self, key: Key) -> bool {
        let added = self.wildcard.insert(key);
        if added {
            self.gauge.inc();
        }
        added
    }

    pub(super) fn is_wildcard(&self, key: Key) -> bool {
        self.wildcard.contains(&key)
    }

    /// Returns false if `key` already followed `competition`.
    pub(super) fn follow_competition(&mut self, key: Key, competition: &Arc<str>) -> bool {
        let followed = self.competitions_of.entry(key).or_default();
        if followed.contains(competition) {
            return false;
        }
        followed.push(competition.clone());
        self.by_competition.entry(competition.clone()).or_default().insert(key);
        self.gauge.inc();
        true
    }

    /// Returns false if `key` did not follow `competition`.
    pub(super) fn unfollow_competition(&mut self, key: Key, competition: &str) -> bool {
        let Some(followed) = self.competitions_of.get_mut(&key) else { return false };
        let before = followed.len();
        followed.retain(|c| &**c != competition);
        if followed.len() == before {
            return false;
        }
        if followed.is_empty() {
            self.competitions_of.remove(&key);
        }
        if let Some(subscribers) = self.by_competition.get_mut(competition) {
            subscribers.remove(&key);
            if subscribers.is_empty() {
                self.by_competition.remove(competition);
            }
        }
        self.gauge.dec();
        true
    }

    /// The connections that follow `competition`.
    pub(super) fn subscribers(&self, competition: &str) -> Vec<Key> {
        self.by_competition.get(competition).map_or_else(Vec::new, |s| s.iter().copied().collect())
    }

    /// The competitions `key` follows.
    pub(super) fn competitions(&self, key: Key) -> &[Arc<str>] {
        self.competitions_of.get(&key).map_or(&[], Vec::as_slice)
    }

    /// Whether `key` is brought matches of `competition` it does not follow: through `*`, or as
    /// a subscriber of that competition.
    pub(super) fn brings(&self, key: Key, competition: Option<&str>) -> bool {
        self.wildcard.contains(&key)
            || competition.is_some_and(|c| self.competitions(key).iter().any(|f| &**f == c))
    }

    pub(super) fn unfollow(&mut self, key: Key, id: MatchId) {
        let Some(followers) = self.by_match.get_mut(&id) else { return };
        if followers.remove(&key) {
            self.gauge.dec();
        }
        if followers.is_empty() {
            self.by_match.remove(&id);
        }
    }

    /// Forgets a connection that is gone; `followed` are the matches it followed.
    pub(super) fn forget(&mut self, key: Key, followed: impl Iterator<Item = MatchId>) {
        for id in followed {
            self.unfollow(key, id);
        }
        if self.wildcard.remove(&key) {
            self.gauge.dec();
        }
        for competition in self.competitions(key).to_vec() {
            self.unfollow_competition(key, &competition);
        }
    }

    /// The connections that watch `id` (of `competition`): its followers by id and the
    /// competition's subscribers (who may not follow it: they skip it), each once; not `*`
    /// subscribers.
    pub(super) fn watchers(&self, id: MatchId, competition: &str, into: &mut Vec<Key>) {
        into.clear();
        into.extend(self.by_match.get(&id).into_iter().flatten().copied());
        into.extend(self.by_competition.get(competition).into_iter().flatten().copied());
        into.sort_unstable();
        into.dedup();
    }

    /// The connections that may want an update of `id` (of `competition`): its followers, then
    /// `*` subscribers and the competition's subscribers (marked `true`: they may follow it
    /// without being its followers). A connection may be listed twice; it skips what it already
    /// has.
    pub(super) fn targets(
        &self,
        id: MatchId,
        competition: Option<&str>,
        into: &mut Vec<(Key, bool)>,
    ) {
        into.clear();
        into.extend(self.by_match.get(&id).into_iter().flatten().map(|k| (*k, false)));
        into.extend(self.wildcard.iter().map(|k| (*k, true)));
        let subscribers = competition.and_then(|c| self.by_competition.get(c));
        into.extend(subscribers.into_iter().flatten().map(|k| (*k, true)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_competitions_subscribers_are_targets_of_its_matches_until_they_leave_it() {
        let gauge = prometheus::IntGauge::new("subscriptions", "test").unwrap();
        let mut index = Index::new(gauge.clone());
        let (id, eredivisie) = (MatchId::try_from(7).unwrap(), Arc::<str>::from("Eredivisie"));
        assert!(index.follow_competition(1, &eredivisie));
        assert!(!index.follow_competition(1, &eredivisie), "once");
        index.follow(2, id);
        let mut targets = Vec::new();
        index.targets(id, Some("Eredivisie"), &mut targets);
        assert_eq!(targets, vec![(2, false), (1, true)]);
        index.targets(id, Some("Serie A"), &mut targets);
        assert_eq!(targets, vec![(2, false)], "another competition's match");
        assert!(index.brings(1, Some("Eredivisie")) && !index.brings(1, Some("Serie A")));
        assert_eq!(gauge.get(), 2);
        index.forget(1, std::iter::empty());
        index.targets(id, Some("Eredivisie"), &mut targets);
        assert_eq!(targets, vec![(2, false)], "a connection gone is no target");
        assert!(!index.brings(1, Some("Eredivisie")), "nor is its key, once reused");
        assert_eq!(gauge.get(), 1);
    }
}
