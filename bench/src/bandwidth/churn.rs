//! Churn: subscribers leaving and others joining while the match is followed, as two independent
//! streams at the same rate, so that the audience wanders around its size as a real one does and
//! the count the server tells it changes. The schedule is drawn from the run's seed (its own
//! stream, so that the events stay those of a run without churn).

use std::time::Duration;

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Mixed into the seed: the churn's random stream is not the events'.
const STREAM: u64 = 0x6368_7572_6e00;

/// One subscriber's part in the run (simulated times from the start).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// When it joins; `None`: before the start, with the others.
    pub join_at: Option<Duration>,
    /// When it leaves; `None`: it stays to the end.
    pub leave_at: Option<Duration>,
}

/// `subscribers` present at the start, of which `percent_per_min` % per simulated minute of
/// `duration` leave (distinct ones, at uniformly random times), and as many newcomers joining at
/// uniformly random times of their own: the slots of the first, then those of the newcomers.
pub fn schedule(
    subscribers: usize,
    percent_per_min: f64,
    duration: Duration,
    seed: u64,
) -> Vec<Slot> {
    let mut slots = vec![Slot::default(); subscribers];
    let moves = total(subscribers, percent_per_min, duration).min(subscribers as u64) as usize;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ STREAM);
    for leaver in rand::seq::index::sample(&mut rng, subscribers, moves) {
        slots[leaver].leave_at = Some(duration.mul_f64(rng.random::<f64>()));
    }
    for _ in 0..moves {
        slots.push(Slot { join_at: Some(duration.mul_f64(rng.random::<f64>())), leave_at: None });
    }
    slots
}

/// How many leave (and as many join) over the run.
pub fn total(subscribers: usize, percent_per_min: f64, duration: Duration) -> u64 {
    let minutes = duration.as_secs_f64() / 60.0;
    (subscribers as f64 * percent_per_min / 100.0 * minutes).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_percent_a_minute_of_18000_over_600_s_is_1800_leaving_and_1800_joining() {
        let duration = Duration::from_secs(600);
        let slots = schedule(18_000, 1.0, duration, 1);
        assert_eq!(slots.len(), 19_800);
        let leaving = slots.iter().filter_map(|s| s.leave_at);
        let joining: Vec<Duration> = slots.iter().filter_map(|s| s.join_at).collect();
        assert_eq!((leaving.clone().count(), joining.len()), (1_800, 1_800));
        assert!(leaving.chain(joining).all(|at| at < duration));
        assert!(slots[..18_000].iter().all(|s| s.join_at.is_none()), "the first are there at once");
        assert!(slots[18_000..].iter().all(|s| s.leave_at.is_none()), "newcomers stay");
        assert_eq!(slots, schedule(18_000, 1.0, duration, 1), "the seed decides");
        assert_eq!(schedule(300, 0.0, duration, 1), vec![Slot::default(); 300], "no churn");
    }
}
