//! How many subscriber connections follow each match, on this node, whatever brought it to them
//! (its id, `*` or a competition). A followed match stays in memory (`catalog::HotSet`): its
//! subscribers may need its snapshot at any moment (a slow client's conflated updates, a worker
//! that fell behind), and that must not wait for the database.
//!
//! Each connection's cursors (`hub/conn/cursors.rs`) count themselves in and out here, so the
//! count changes only when a connection starts or stops following a match, never per update.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::domain::MatchId;

#[derive(Debug, Default)]
pub struct Followers {
    counts: Mutex<HashMap<MatchId, u32>>,
}

impl Followers {
    pub fn add(&self, id: MatchId) {
        *self.lock().entry(id).or_insert(0) += 1;
    }

    pub fn remove(&self, id: MatchId) {
        let mut counts = self.lock();
        if let Some(count) = counts.get_mut(&id) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&id);
            }
        }
    }

    /// Whether any connection on this node follows `id`.
    pub fn follows(&self, id: MatchId) -> bool {
        self.lock().contains_key(&id)
    }

    /// How many connections on this node follow `id`.
    pub fn count(&self, id: MatchId) -> u32 {
        self.lock().get(&id).copied().unwrap_or(0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<MatchId, u32>> {
        // Every change is one map operation: a panic cannot leave it half-written.
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_match_is_followed_until_its_last_follower_leaves() {
        let followers = Followers::default();
        let id = MatchId::try_from(3).unwrap();
        followers.add(id);
        followers.add(id);
        followers.remove(id);
        assert!(followers.follows(id));
        assert_eq!(followers.count(id), 1);
        followers.remove(id);
        assert!(!followers.follows(id));
        followers.remove(id);
        assert_eq!(followers.count(id), 0, "never below zero");
    }
}
