//! The compact keys of the sports played against a countdown clock (basketball, ice hockey): the
//! side and value of a basket, fouls, timeouts, penalties, shoot-out attempts, and the clock.

use serde::ser::{Serialize, SerializeSeq, Serializer};

use super::{side, Update};
use crate::domain::{unix_millis, Countdown, EventKind, LiveState, StoredEvent};

/// `ck`, the countdown clock: `[0, remaining_ms]` while it stands, `[1, remaining_ms, at]` while
/// it runs (it showed `remaining_ms` at `at`, unix milliseconds, and counts down from there).
#[derive(Debug, Clone, Copy)]
pub(super) struct ClockKey(Countdown);

impl Serialize for ClockKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let clock = self.0;
        let mut seq = s.serialize_seq(Some(if clock.running { 3 } else { 2 }))?;
        seq.serialize_element(&u8::from(clock.running))?;
        seq.serialize_element(&clock.remaining_ms.get())?;
        if clock.running {
            seq.serialize_element(&unix_millis(clock.at))?;
        }
        seq.end()
    }
}

/// The keys that describe a basketball or ice hockey event.
pub(super) fn describe_clocked<'a>(update: &mut Update<'a>, kind: &'a EventKind) {
    match kind {
        EventKind::Points(points) => {
            update.t = side(points.team);
            update.v = Some(points.value.get());
            update.p = points.player.as_ref().map(|p| p.as_ref());
        }
        EventKind::Foul(foul) => {
            update.t = side(foul.team);
            update.p = foul.player.as_ref().map(|p| p.as_ref());
        }
        EventKind::Timeout(timeout) => update.t = side(timeout.team),
        EventKind::Penalty(penalty) => {
            update.t = side(penalty.team);
            update.p = penalty.player.as_ref().map(|p| p.as_ref());
            update.pm = Some(penalty.minutes.get());
            // Left out to keep the update within 100 bytes with a 25-character player; the
            // REST API has it.
            update.mn = None;
        }
        EventKind::Shot(shot) => {
            // The shooter is left out to keep the update within 100 bytes with the tally (`pn`);
            // the REST API has it.
            update.t = side(shot.team);
            update.ok = Some(shot.scored);
        }
        _ => {}
    }
}

/// The clock an event leaves: set by a `clock` event when it was recorded, full and stopped at
/// the start of a period that has one, and as the state says on events that carry it (the start,
/// status changes, corrections).
pub(super) fn clock_after(event: &StoredEvent) -> Option<ClockKey> {
    if let Some(state) = &event.state {
        return state.clock.map(ClockKey);
    }
    match &event.kind {
        EventKind::Clock(set) => Some(Countdown::set(set, event.recorded_at)),
        EventKind::Period(change) => {
            change.clock_ms.map(|length| Countdown::full(length, event.recorded_at))
        }
        _ => None,
    }
    .map(ClockKey)
}

/// A snapshot's clock (`ck`).
pub(super) fn clock_now(live: &LiveState) -> Option<ClockKey> {
    live.clock().map(ClockKey)
}

/// A snapshot's team fouls in the current period (`tf`), for basketball.
pub(super) fn team_fouls(live: &LiveState) -> Option<[u16; 2]> {
    live.play().basketball().map(|b| {
        let fouls = b.fouls().team;
        [fouls.home, fouls.away]
    })
}

#[cfg(test)]
mod tests;
