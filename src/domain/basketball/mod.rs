//! Basketball on the sport-neutral core: four quarters and as many overtimes as it takes, points of
//! 1, 2 or 3, a countdown clock the operator starts and stops, fouls and timeouts counted and shown.
//! The rules (`decide`) stay apart from what each event does to the state (`evolve`).

pub(super) mod events;
mod format;
mod fouls;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use events::{Foul, PointValue, Points, Timeout};
pub use format::{Format, RULES};
pub use fouls::{FoulsView, PerSide};

use super::clocked::{clocked_rules, Clocked};
use super::countdown::RemainingMs;
use super::lifecycle::Status;
use super::period_name::{PeriodName, Timed, MAX_OVERTIMES};
use super::rules::Rules;
use super::{require, Conflict, EventKind, LinePeriod, PeriodChange, Score};
use fouls::Fouls;

/// Basketball's own kinds (besides the core's).
pub const KINDS: &[&str] = &["points", "foul", "timeout", "clock", "period", "score", "end"];

/// A basketball match's own state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Basketball {
    format: Format,
    #[serde(flatten)]
    play: Clocked,
    #[serde(default)]
    fouls: Fouls,
    #[serde(default)]
    timeouts: PerSide,
}

impl Basketball {
    pub fn new(format: Format) -> Self {
        Self {
            format,
            play: Clocked::default(),
            fouls: Fouls::default(),
            timeouts: PerSide::default(),
        }
    }

    fn length(&self, period: Timed) -> RemainingMs {
        match period {
            Timed::Overtime(_) => RemainingMs::minutes(self.format.overtime_minutes),
            _ => RemainingMs::minutes(self.format.quarter_minutes),
        }
    }

    /// The period that may follow the current one; `None` when none may (the game is over).
    fn next_period(&self) -> Option<Timed> {
        match self.play.period? {
            Timed::Quarter(n) if n < 4 => Some(Timed::Quarter(n + 1)),
            Timed::Quarter(_) if self.play.tied() => Some(Timed::Overtime(1)),
            Timed::Overtime(n) if n < MAX_OVERTIMES && self.play.tied() => {
                Some(Timed::Overtime(n + 1))
            }
            _ => None,
        }
    }
}

impl Rules for Basketball {
    /// Whether `event` may happen to a basketball match that is `status`, with this state.
    fn decide(&self, status: Status, event: &EventKind) -> Result<(), Conflict> {
        use Status::*;
        match event {
            EventKind::Points(_) | EventKind::Foul(_) | EventKind::Timeout(_) => {
                require(status, &[Live], event)
            }
            EventKind::Score(set) => {
                require(status, &[Live, HalfTime, Interrupted, Suspended, Finished], event)?;
                if status == Finished && set.home == set.away {
                    return Err(Conflict(format!(
                        "a finished basketball game cannot be tied ({}-{}): correct it to its result",
                        i64::from(set.home),
                        i64::from(set.away)
                    )));
                }
                Ok(())
            }
            EventKind::End(_) => {
                require(status, &[Live], event)?;
                if matches!(self.play.period, Some(Timed::Quarter(n)) if n < 4) {
                    return Err(Conflict(format!(
                        "a basketball game ends after the fourth quarter at the earliest (this is {})",
                        self.play.period.map_or("q1", Timed::as_str)
                    )));
                }
                if self.play.tied() {
                    return Err(Conflict(format!(
                        "a basketball game never ends tied ({}-{}): an overtime period follows",
                        i64::from(self.play.score.home),
                        i64::from(self.play.score.away)
                    )));
                }
                Ok(())
            }
            _ => self.play.decide(status, event, self.next_period()),
        }
    }

    /// The state after `event`, recorded `at`; the status it moves the match to, if any. Never
    /// fails: events that were accepted once always apply.
    fn evolve(&mut self, event: &EventKind, at: OffsetDateTime) -> Option<Status> {
        let rules = self.format.rules();
        match event {
            EventKind::Start(_) => {
                self.enter(Timed::Quarter(1), at);
                return Some(Status::Live);
            }
            EventKind::Points(points) => self.play.score_for(points.team, points.value.get()),
            EventKind::Foul(foul) => {
                self.fouls.add(foul.team, foul.player.as_ref().map(AsRef::as_ref), &rules)
            }
            EventKind::Timeout(timeout) => self.timeouts.add_one(timeout.team),
            EventKind::Period(PeriodChange { period: PeriodName::Timed(period), .. }) => {
                self.enter(*period, at)
            }
            _ => return self.play.evolve(event, at),
        }
        None
    }

    /// A period is stored with its clock's length, which its compact update carries.
    fn normalize(&self, event: EventKind) -> EventKind {
        match event {
            EventKind::Period(change @ PeriodChange { period: PeriodName::Timed(period), .. }) => {
                let clock_ms = Some(self.length(period));
                EventKind::Period(PeriodChange { clock_ms, ..change })
            }
            other => other,
        }
    }

    fn score(&self) -> Score {
        self.play.score
    }

    fn periods(&self) -> Vec<LinePeriod> {
        self.play.periods()
    }

    clocked_rules!();
}

impl Basketball {
    fn enter(&mut self, period: Timed, at: OffsetDateTime) {
        let length = self.length(period);
        self.play.enter(period, Some(length), at);
        self.fouls.new_period(matches!(period, Timed::Overtime(_)), &self.format.rules());
    }

    pub fn fouls(&self) -> FoulsView {
        self.fouls.view(&self.format.rules())
    }

    pub fn timeouts(&self) -> PerSide {
        self.timeouts
    }
}

/// Refuses what other sports' events carry and basketball's do not: another sport's periods.
pub fn check_fields(event: &EventKind) -> Result<(), super::FieldError> {
    match event {
        EventKind::Period(PeriodChange { period, .. })
            if !matches!(period, PeriodName::Timed(Timed::Quarter(_) | Timed::Overtime(_))) =>
        {
            Err(super::FieldError::at(
                "period",
                format!(
                    "{} is not a basketball period; basketball's are q1-q4, ot1, ot2...",
                    period.as_str()
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// `format`'s basketball keys, for the OpenAPI document.
pub fn format_properties(
    object: utoipa::openapi::schema::ObjectBuilder,
) -> utoipa::openapi::schema::ObjectBuilder {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    object
        .property(
            "quarter_minutes",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .enum_values(Some(RULES.map(|r| i64::from(r.quarter_minutes))))
                .description(Some("Basketball: 10 (FIBA rules, the default) or 12 (NBA rules)")),
        )
        .property(
            "overtime_minutes",
            super::fields::integer_schema(
                1,
                Some(format::MAX_OVERTIME_MINUTES),
                "Basketball: each overtime period's length, minutes (5 by default)",
            ),
        )
}

#[cfg(test)]
mod tests;
