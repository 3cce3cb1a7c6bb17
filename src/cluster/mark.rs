//! How far the periodic check has read the change sequence. A place in the sequence is taken
//! when a transaction changes a match and becomes visible when that transaction commits, so two
//! writers may commit out of order: a place not seen yet (a hole) may still fill. The mark stops
//! before the first hole younger than the settle time, so the changes after it are read again
//! until it fills or is given up (a transaction that rolled back, or a match changed again, whose
//! earlier place is gone for good). With nothing changing, a check reads no row.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

/// Most holes remembered; beyond, the oldest places are given up at once.
const MAX_HOLES: usize = 100_000;

#[derive(Debug)]
pub(super) struct Mark {
    /// Every place up to here has been read or given up.
    floor: i64,
    /// Places not seen yet past the floor, and when each was first missed.
    holes: HashMap<i64, Instant>,
    settle: Duration,
}

impl Mark {
    pub(super) fn new(floor: i64, settle: Duration) -> Self {
        Self { floor, holes: HashMap::new(), settle }
    }

    /// The place after which the next check reads.
    pub(super) fn floor(&self) -> i64 {
        self.floor
    }

    /// Takes the places a check read (past the floor, in order): the floor moves past every one
    /// of them and every hole older than the settle time, up to the first younger hole.
    pub(super) fn advance(&mut self, read: &[i64], now: Instant) {
        let mut next = self.floor + 1;
        let mut stuck = false;
        for &place in read {
            if place < next {
                continue;
            }
            while next < place {
                if self.holes.len() >= MAX_HOLES && !self.holes.contains_key(&next) {
                    next += 1;
                    continue;
                }
                let first = *self.holes.entry(next).or_insert(now);
                if !stuck && now.duration_since(first) >= self.settle {
                    self.holes.remove(&next);
                } else {
                    stuck = true;
                }
                next += 1;
            }
            if !stuck {
                self.floor = place;
            }
            next = place + 1;
        }
        let floor = self.floor;
        self.holes.retain(|place, _| *place > floor);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_waits_for_a_young_hole_and_goes_past_an_old_one() {
        let settle = Duration::from_secs(30);
        let start = Instant::now();
        let mut mark = Mark::new(10, settle);
        mark.advance(&[11, 12], start);
        assert_eq!(mark.floor(), 12, "no hole");
        mark.advance(&[14, 15], start);
        assert_eq!(mark.floor(), 12, "13 may still commit");
        mark.advance(&[13, 14, 15], start + Duration::from_secs(1));
        assert_eq!(mark.floor(), 15, "13 committed");
        mark.advance(&[17], start + Duration::from_secs(2));
        assert_eq!(mark.floor(), 15);
        mark.advance(&[17], start + Duration::from_secs(20));
        assert_eq!(mark.floor(), 15, "16 is still young");
        mark.advance(&[17], start + Duration::from_secs(33));
        assert_eq!(mark.floor(), 17, "16 given up after the settle time");
        mark.advance(&[], start + Duration::from_secs(40));
        assert_eq!(mark.floor(), 17, "nothing read, nothing moves");
    }
}
