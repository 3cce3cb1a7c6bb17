//! Unit tests of the timing wheel alone: when it brings a key back, and which. That it brings
//! exactly the connections a look at all of them would find is `conn/liveness/sweep_tests.rs`.

use std::time::Duration;

use tokio::time::Instant;

use super::*;

/// Sweeps once a second from `start` (plus `jitter`) until `secs`: the seconds at which each key
/// was taken, arming nothing again.
fn sweeps(wheel: &mut Wheel, start: Instant, secs: u64, jitter: Duration) -> Vec<(u64, Key)> {
    let mut taken = Vec::new();
    let mut out = Vec::new();
    for s in 0..=secs {
        wheel.take_due(start + Duration::from_secs(s) + jitter, &mut out);
        taken.extend(out.drain(..).map(|key| (s, key)));
    }
    taken
}

#[test]
fn an_idle_connection_is_looked_at_once_at_its_heartbeat_not_every_second() {
    let start = Instant::now();
    let mut wheel = Wheel::new(start);
    wheel.arm(3, Some(start + Duration::from_secs(45)));
    let taken = sweeps(&mut wheel, start, 200, Duration::from_millis(2));
    assert_eq!(taken, vec![(45, 3)], "one look in 200 sweeps");
}

#[test]
fn a_verdict_within_a_second_waits_for_the_first_tick_after_it() {
    let start = Instant::now();
    let mut wheel = Wheel::new(start);
    // Due at 10.5 s: the tick at 10.2 s is too early, the one at 11.2 s finds it; the wheel
    // brings it at 10.2 s already (its second), and the sweep arms it again for 11.2 s.
    wheel.arm(1, Some(start + Duration::from_millis(10_500)));
    let mut out = Vec::new();
    wheel.take_due(start + Duration::from_millis(9_200), &mut out);
    assert!(out.is_empty());
    wheel.take_due(start + Duration::from_millis(10_200), &mut out);
    assert_eq!(out, vec![1]);
    wheel.arm(1, Some(start + Duration::from_millis(10_500)));
    out.clear();
    wheel.take_due(start + Duration::from_millis(11_200), &mut out);
    assert_eq!(out, vec![1], "armed again in the current second: taken by the next sweep");
}

#[test]
fn arming_sooner_moves_a_connection_and_arming_later_leaves_it() {
    let start = Instant::now();
    let mut wheel = Wheel::new(start);
    wheel.arm(7, Some(start + Duration::from_secs(45)));
    wheel.arm(7, Some(start + Duration::from_secs(25)));
    wheel.arm(7, Some(start + Duration::from_secs(30)));
    let taken = sweeps(&mut wheel, start, 100, Duration::ZERO);
    assert_eq!(taken, vec![(25, 7)], "the stale entry at 45 s is dropped unseen");
    assert_eq!(wheel.entries(), 0);
}

#[test]
fn a_verdict_beyond_a_lap_is_looked_at_once_a_lap() {
    let start = Instant::now();
    let mut wheel = Wheel::new(start);
    wheel.arm(2, Some(start + Duration::from_secs(1000)));
    let taken = sweeps(&mut wheel, start, 100, Duration::ZERO);
    assert_eq!(taken, vec![(u64::from(SLOTS) - 1, 2)]);
}

#[test]
fn a_past_verdict_is_taken_by_the_next_sweep() {
    let start = Instant::now();
    let mut wheel = Wheel::new(start);
    let mut out = Vec::new();
    wheel.take_due(start + Duration::from_secs(10), &mut out);
    // Due at 3 s, armed at 10.5 s (an answer waited unread at the last look).
    wheel.arm(4, Some(start + Duration::from_secs(3)));
    wheel.take_due(start + Duration::from_millis(10_500), &mut out);
    assert_eq!(out, vec![4], "a second sweep within the same second takes it");
}

#[test]
fn a_late_sweep_takes_every_slot_that_came_once() {
    let start = Instant::now();
    let mut wheel = Wheel::new(start);
    for key in 0..100 {
        wheel.arm(key, Some(start + Duration::from_secs(key as u64)));
    }
    let mut out = Vec::new();
    wheel.take_due(start + Duration::from_secs(500), &mut out);
    out.sort_unstable();
    assert_eq!(out, (0..100).collect::<Vec<_>>(), "a clamped key (beyond a lap) comes too");
}

#[test]
fn a_forgotten_key_is_not_taken_and_a_reused_key_is_taken_once() {
    let start = Instant::now();
    let mut wheel = Wheel::new(start);
    wheel.arm(5, Some(start + Duration::from_secs(20)));
    wheel.forget(5);
    assert!(sweeps(&mut wheel, start, 30, Duration::ZERO).is_empty());
    let start = start + Duration::from_secs(31);
    // The key goes to a new connection while its old one's entry waits in the same slot.
    wheel.arm(6, Some(start + Duration::from_secs(20)));
    wheel.forget(6);
    wheel.arm(6, Some(start + Duration::from_secs(20)));
    let taken = sweeps(&mut wheel, start, 30, Duration::ZERO);
    assert_eq!(taken, vec![(20, 6)]);
}

#[test]
fn a_never_due_connection_is_not_armed() {
    let start = Instant::now();
    let mut wheel = Wheel::new(start);
    wheel.arm(9, None);
    assert_eq!(wheel.entries(), 0);
    assert!(wheel.holds(9, None));
    assert!(!wheel.holds(9, Some(start)));
}
