//! What basketball and ice hockey share: periods played against a countdown clock the operator
//! starts and stops, a score, and a line score with each period's points or goals.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::countdown::{ClockSet, Countdown, RemainingMs};
use super::lifecycle::{require, Status};
use super::period_name::{PeriodName, Timed};
use super::{Conflict, EventKind, Goals, LinePeriod, PeriodChange, Score, ScoreSet, Side};

/// The current period, its clock and the score, period by period.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Clocked {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Timed>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub period_started_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<Countdown>,
    /// The current period's length: what its clock starts from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    length: Option<RemainingMs>,
    pub score: Score,
    /// Points or goals per period, in match order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    line: Vec<(Timed, Score)>,
}

/// `score` with `points` more for `team` (saturating at the most a score holds).
pub fn add(score: Score, team: Side, points: u8) -> Score {
    let more = |g: Goals| (0..points).fold(g, |g, _| g.incremented());
    match team {
        Side::Home => Score { home: more(score.home), ..score },
        Side::Away => Score { away: more(score.away), ..score },
    }
}

/// The [`super::Rules`] answers every sport with a [`Clocked`] `play` gives alike.
macro_rules! clocked_rules {
    () => {
        fn set_score(&mut self, score: $crate::domain::Score) {
            self.play.set_score(score);
        }

        fn period(&self) -> Option<&'static str> {
            self.play.period.map($crate::domain::Timed::as_str)
        }

        fn period_started_at(&self) -> Option<time::OffsetDateTime> {
            self.play.period_started_at
        }

        fn resume_clock(&mut self, by: time::Duration) {
            self.play.resume_clock(by);
        }

        fn clock(&self) -> Option<$crate::domain::Countdown> {
            self.play.clock
        }

        fn stop_clock(&mut self, at: time::OffsetDateTime) {
            self.play.stop_clock(at);
        }
    };
}
pub(super) use clocked_rules;

impl Clocked {
    /// The rules these sports share, for the kinds the sport leaves to them: the clock is set
    /// while live, within the period's length; a period is entered while live, and only the one
    /// the sport says comes `next` (`None`: the game must end).
    pub fn decide(
        &self,
        status: Status,
        event: &EventKind,
        next: Option<Timed>,
    ) -> Result<(), Conflict> {
        match event {
            EventKind::Clock(set) => {
                require(status, &[Status::Live], event)?;
                self.check_clock(set)
            }
            EventKind::Period(PeriodChange { period, .. }) => {
                require(status, &[Status::Live], event)?;
                if next.map(PeriodName::Timed) == Some(*period) {
                    return Ok(());
                }
                let current = self.period.map_or("none", Timed::as_str);
                Err(Conflict(match next {
                    Some(next) => format!(
                        "the {} period cannot follow {current}: the next period is {}",
                        period.as_str(),
                        next.as_str()
                    ),
                    None => format!(
                        "no period follows {current} at {}-{}: post `end`",
                        i64::from(self.score.home),
                        i64::from(self.score.away)
                    ),
                }))
            }
            _ => Ok(()),
        }
    }

    /// What the kinds these sports share do: the clock, a score set outright, the end.
    pub fn evolve(&mut self, event: &EventKind, at: OffsetDateTime) -> Option<Status> {
        match event {
            EventKind::Clock(set) => self.set_clock(set, at),
            EventKind::Score(ScoreSet { home, away, .. }) => {
                self.set_score(Score { home: *home, away: *away })
            }
            EventKind::End(_) => {
                self.stop_clock(at);
                return Some(Status::Finished);
            }
            _ => {}
        }
        None
    }

    /// Enters `period`, its clock full (`length`, none for a period without a clock) and stopped.
    pub fn enter(&mut self, period: Timed, length: Option<RemainingMs>, at: OffsetDateTime) {
        self.period = Some(period);
        self.period_started_at = Some(at);
        self.length = length;
        self.clock = length.map(|l| Countdown::full(l, at));
        self.line.push((period, Score::default()));
    }

    /// `points` for `team`, in the score and the current period's line.
    pub fn score_for(&mut self, team: Side, points: u8) {
        self.score = add(self.score, team, points);
        if let Some((_, line)) = self.line.last_mut() {
            *line = add(*line, team, points);
        }
    }

    /// Whether the clock may be set so; a clock beyond the period's length is refused.
    pub fn check_clock(&self, set: &ClockSet) -> Result<(), Conflict> {
        let Some(length) = self.length else {
            return Err(Conflict(format!(
                "the {} period has no game clock",
                self.period.map_or("current", Timed::as_str)
            )));
        };
        if set.remaining_ms > length {
            return Err(Conflict(format!(
                "the clock of {} runs from {} ms: it cannot show {} ms",
                self.period.map_or("this period", Timed::as_str),
                length.get(),
                set.remaining_ms.get()
            )));
        }
        Ok(())
    }

    pub fn set_clock(&mut self, set: &ClockSet, at: OffsetDateTime) {
        if self.length.is_some() {
            self.clock = Some(Countdown::set(set, at));
        }
    }

    /// The clock stops (the match ended).
    pub fn stop_clock(&mut self, at: OffsetDateTime) {
        self.clock = self.clock.map(|c| c.stopped_at(at));
    }

    /// Sets the score outright (a `score` correction, an awarded result). The current period's
    /// line takes the difference; a score lowered by more than the current period holds takes the
    /// rest from the periods before, latest first, so the line always adds up to the score.
    pub fn set_score(&mut self, score: Score) {
        for side in [Side::Home, Side::Away] {
            fn pick(s: &mut Score, side: Side) -> &mut Goals {
                match side {
                    Side::Home => &mut s.home,
                    Side::Away => &mut s.away,
                }
            }
            let old = i64::from(*pick(&mut self.score, side));
            let mut delta = i64::from(*pick(&mut score.clone(), side)) - old;
            for (_, line) in self.line.iter_mut().rev() {
                let goals = pick(line, side);
                let moved = (i64::from(*goals) + delta).max(0);
                delta -= moved - i64::from(*goals);
                *goals = Goals::try_from(moved).unwrap_or(*goals);
                if delta == 0 {
                    break;
                }
            }
        }
        self.score = score;
    }

    /// Play stopped for `by`: the period's start and a running clock move on by as much.
    pub fn resume_clock(&mut self, by: time::Duration) {
        self.period_started_at = self.period_started_at.map(|at| at + by);
        self.clock = self.clock.map(|c| c.shifted(by));
    }

    pub fn tied(&self) -> bool {
        self.score.home == self.score.away
    }

    /// The line score, period by period.
    pub fn periods(&self) -> Vec<LinePeriod> {
        self.line
            .iter()
            .map(|(period, score)| LinePeriod {
                period: period.as_str().to_owned(),
                score: *score,
                tiebreak: None,
            })
            .collect()
    }
}

#[cfg(test)]
mod properties;
