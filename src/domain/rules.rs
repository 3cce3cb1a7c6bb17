//! What every sport's own state answers, apart from the sports themselves, so that a sport's module
//! and the code that hands calls to it do not import each other.

use time::OffsetDateTime;

use super::{Conflict, EventKind, LinePeriod, Minute, Score, Shootout, Status};

/// What every sport's own state answers: its rules (`decide`), what an event does (`evolve`), and
/// what the core shows of it. [`Play`] hands each call to the match's sport.
pub trait Rules {
    /// Whether `event` may happen to a match that is `status`, with this state.
    fn decide(&self, status: Status, event: &EventKind) -> Result<(), Conflict>;
    /// The state after `event`, recorded `at`; the status it moves the match to, if any. Never
    /// fails: events that were accepted once always apply.
    fn evolve(&mut self, event: &EventKind, at: OffsetDateTime) -> Option<Status>;
    /// The event as it is stored (football: a second yellow card becomes `yellow_red`).
    fn normalize(&self, event: EventKind) -> EventKind {
        event
    }
    /// The headline result (goals, points, sets won).
    fn score(&self) -> Score;
    /// Sets the headline result outright (an awarded result, a `score` correction).
    fn set_score(&mut self, score: Score);
    /// The line score, each period in order.
    fn periods(&self) -> Vec<LinePeriod>;
    /// The current period's name.
    fn period(&self) -> Option<&'static str>;
    fn minute(&self) -> Option<Minute> {
        None
    }
    /// When the current period's clock started, for sports with a running clock.
    fn period_started_at(&self) -> Option<OffsetDateTime> {
        None
    }
    fn shootout(&self) -> Option<Shootout> {
        None
    }
    fn added_time(&self) -> Option<u8> {
        None
    }
    /// Moves the clock's start by `by`, the time play was stopped.
    fn resume_clock(&mut self, _by: time::Duration) {}
    /// The countdown clock, for sports that have one.
    fn clock(&self) -> Option<super::Countdown> {
        None
    }
    /// The sport's own keys in compact messages (a tennis game's points, the server...).
    fn keys(&self) -> Option<super::PlayKeys> {
        None
    }
    /// The countdown clock stops `at` for good (the match was abandoned or awarded).
    fn stop_clock(&mut self, _at: OffsetDateTime) {}
}
