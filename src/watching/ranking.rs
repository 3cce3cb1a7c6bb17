//! The most watched matches across every node, ranked once an interval (`Watching::tick`) so that
//! a request for them (`GET /api/v1/watching`) costs a copy of the first few, never a sort.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::domain::MatchId;

/// The `max` highest of `totals` with someone watching, most watched first (among equals, the
/// lower id first, so that the order holds from one interval to the next).
pub(super) fn top(totals: HashMap<MatchId, u64>, max: usize) -> Vec<(MatchId, u64)> {
    let mut ranked: Vec<(MatchId, u64)> = totals.into_iter().filter(|(_, n)| *n > 0).collect();
    let order =
        |a: &(MatchId, u64), b: &(MatchId, u64)| -> Ordering { b.1.cmp(&a.1).then(a.0.cmp(&b.0)) };
    if ranked.len() > max {
        // The first `max` in any order, in linear time; only they are sorted.
        ranked.select_nth_unstable_by(max, order);
        ranked.truncate(max);
    }
    ranked.sort_unstable_by(order);
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(raw: i64) -> MatchId {
        MatchId::try_from(raw).unwrap()
    }

    #[test]
    fn the_most_watched_come_first_and_equals_by_id() {
        let totals: HashMap<MatchId, u64> =
            [(1, 5), (2, 40), (3, 0), (4, 5), (5, 7), (6, 1)].map(|(m, n)| (id(m), n)).into();
        let all = top(totals.clone(), 10);
        assert_eq!(all, [(2, 40), (5, 7), (1, 5), (4, 5), (6, 1)].map(|(m, n)| (id(m), n)));
        assert_eq!(top(totals.clone(), 3), all[..3], "only the first three");
        assert_eq!(top(totals, 4), all[..4], "5 and 5: the lower id stays in");
    }
}
