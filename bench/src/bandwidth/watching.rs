//! Whether the followers were told the cluster's count: the server sums every node's followers
//! over NATS, so the count each subscriber there at the end was last told should be the number of
//! subscribers connected to all the nodes together, as far as the count's two significant figures
//! and the server's rules for telling a change go.

use serde::{Deserialize, Serialize};

use super::clients::Outcome;

/// The server tells a rise only once the count less 1/50 of it shows higher (`RISE_MARGIN` in
/// scorecast's `watching/shown.rs`): a told count may lag that far below the true one.
const RISE_MARGIN: u64 = 50;

/// The count told to the subscribers there at the end, against the cluster's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchingCheck {
    /// Subscribers connected at the end, over every node: the count the cluster should tell.
    pub cluster: u64,
    /// Subscribers there at the end that had been told a count (newcomers are told only when the
    /// shown value changes), and of them those whose last count agrees with `cluster`.
    pub told: u64,
    pub agreeing: u64,
    /// The lowest and highest last count told.
    pub told_min: u64,
    pub told_max: u64,
    /// Most a told count may differ from `cluster`: one step of its second significant figure,
    /// plus the rise margin.
    pub tolerance: u64,
    pub passed: bool,
}

impl WatchingCheck {
    /// The check over every subscriber's outcome; `None` when none there at the end was told a
    /// count (counting off, or a run shorter than the interval).
    pub fn of(subscribers: &[Outcome]) -> Option<Self> {
        let present = subscribers.iter().filter(|o| o.connected && !o.left && o.error.is_none());
        let cluster = present.clone().count() as u64;
        let told: Vec<u64> = present.filter_map(|o| o.told_last).collect();
        let tolerance = step(cluster) + cluster / RISE_MARGIN;
        let agreeing = told.iter().filter(|&&w| w.abs_diff(cluster) <= tolerance).count() as u64;
        Some(Self {
            cluster,
            told: told.len() as u64,
            agreeing,
            told_min: *told.iter().min()?,
            told_max: *told.iter().max()?,
            tolerance,
            passed: agreeing == told.len() as u64,
        })
    }
}

/// The step of `n`'s second significant figure (1 below 100, 10 up to 999, 1,000 from 10,000 to
/// 99,999, 10,000 from 100,000).
pub fn step(n: u64) -> u64 {
    let mut unit = 1;
    while n / unit >= 100 {
        unit *= 10;
    }
    unit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn there(told: Option<u64>) -> Outcome {
        Outcome { connected: true, told_last: told, ..Default::default() }
    }

    #[test]
    fn the_step_is_that_of_the_second_significant_figure() {
        let steps = [step(0), step(99), step(300), step(18_000), step(99_999), step(100_000)];
        assert_eq!(steps, [1, 1, 10, 1_000, 1_000, 10_000]);
    }

    #[test]
    fn a_count_told_is_checked_against_the_subscribers_there_at_the_end_of_every_node() {
        let mut outcomes: Vec<Outcome> = (0..300).map(|_| there(Some(296))).collect();
        outcomes.push(Outcome {
            connected: true,
            left: true,
            told_last: Some(1),
            ..Default::default()
        });
        outcomes.push(there(None));
        let check = WatchingCheck::of(&outcomes).unwrap();
        assert_eq!((check.cluster, check.told, check.agreeing), (301, 300, 300));
        assert_eq!(
            (check.told_min, check.told_max, check.tolerance, check.passed),
            (296, 296, 16, true)
        );
        // One node's share (half of two nodes') is not the cluster's count.
        outcomes[0].told_last = Some(150);
        let check = WatchingCheck::of(&outcomes).unwrap();
        assert_eq!((check.agreeing, check.told_min, check.passed), (299, 150, false));
        assert_eq!(WatchingCheck::of(&[there(None)]), None, "no count told");
    }
}
