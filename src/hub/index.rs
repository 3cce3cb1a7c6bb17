//! Who follows what on one worker: the connections of each match, the `*` subscribers, and the
//! subscriptions gauge. The only code that changes either.

use std::collections::{HashMap, HashSet};

use crate::domain::MatchId;

/// A connection's key on its worker (its slab index, reused after the connection is gone).
pub(super) type Key = usize;

pub(super) struct Index {
    by_match: HashMap<MatchId, HashSet<Key>>,
    wildcard: HashSet<Key>,
    /// Counts one per followed match and one per `*` subscription.
    gauge: prometheus::IntGauge,
}

impl Index {
    pub(super) fn new(gauge: prometheus::IntGauge) -> Self {
        Self { by_match: HashMap::new(), wildcard: HashSet::new(), gauge }
    }

    pub(super) fn follow(&mut self, key: Key, id: MatchId) {
        if self.by_match.entry(id).or_default().insert(key) {
            self.gauge.inc();
        }
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
    }

    /// The connections that may want an update of `id`: its followers, then `*` subscribers
    /// (marked `true`). A connection may be listed twice; it skips what it already has.
    pub(super) fn targets(&self, id: MatchId, into: &mut Vec<(Key, bool)>) {
        into.clear();
        into.extend(self.by_match.get(&id).into_iter().flatten().map(|k| (*k, false)));
        into.extend(self.wildcard.iter().map(|k| (*k, true)));
    }
}
