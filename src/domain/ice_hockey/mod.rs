//! Ice hockey on the sport-neutral core: three periods against a countdown clock, overtime by the
//! format (regular season: 5 minutes of sudden death, then a shoot-out; playoff: sudden-death periods
//! until a goal), goals with strength and assists, penalties shown, and the shoot-out, whose winner
//! is credited one goal in the final score as the leagues report it. The rules (`decide`) stay
//! apart from what each event does to the state (`evolve`).

pub(super) mod events;
mod format;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

pub use events::{Assists, Penalty, PenaltyMinutes, Shot, Strength};
pub use format::{Format, Overtime, BOUNDS};

use super::clocked::{add, clocked_rules, Clocked};
use super::countdown::RemainingMs;
use super::lifecycle::Status;
use super::period_name::{PeriodName, Timed, MAX_OVERTIMES};
use super::rules::Rules;
use super::{
    require, Conflict, EventKind, LinePeriod, Minute, PeriodChange, Score, Shootout, Side,
};
use format::REGULAR_SEASON_OVERTIME_MINUTES;

/// Ice hockey's own kinds (besides the core's).
pub const KINDS: &[&str] = &["goal", "penalty", "shot", "clock", "period", "score", "end"];

/// A penalty as the REST API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PenaltyRecord {
    /// The side penalized.
    pub team: Side,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub player: Option<String>,
    pub minutes: u8,
    /// The period it was called in.
    pub period: String,
}

/// An ice hockey match's own state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IceHockey {
    format: Format,
    #[serde(flatten)]
    play: Clocked,
    /// The latest minute any event carried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    minute: Option<Minute>,
    /// The shoot-out, kept apart from the goals: present from the `shootout` period on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shootout: Option<Shootout>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    penalties: Vec<PenaltyRecord>,
}

impl IceHockey {
    pub fn new(format: Format) -> Self {
        Self { format, play: Clocked::default(), minute: None, shootout: None, penalties: vec![] }
    }

    /// A period's clock: regulation's length, a regular-season overtime's five minutes, none in
    /// the shoot-out.
    fn length(&self, period: Timed) -> Option<RemainingMs> {
        match (period, self.format.overtime) {
            (Timed::Shootout, _) => None,
            (Timed::Overtime(_), Overtime::RegularSeason) => {
                Some(RemainingMs::minutes(REGULAR_SEASON_OVERTIME_MINUTES))
            }
            _ => Some(RemainingMs::minutes(self.format.period_minutes)),
        }
    }

    /// The period that may follow the current one; `None` when none may.
    fn next_period(&self) -> Option<Timed> {
        let tied = self.play.tied();
        match (self.play.period?, self.format.overtime) {
            (Timed::Third(n), _) if n < 3 => Some(Timed::Third(n + 1)),
            (Timed::Third(_), _) if tied => Some(Timed::Overtime(1)),
            (Timed::Overtime(_), Overtime::RegularSeason) if tied => Some(Timed::Shootout),
            (Timed::Overtime(n), Overtime::Playoff) if tied && n < MAX_OVERTIMES => {
                Some(Timed::Overtime(n + 1))
            }
            _ => None,
        }
    }

    fn in_overtime(&self) -> bool {
        matches!(self.play.period, Some(Timed::Overtime(_)))
    }
}

impl Rules for IceHockey {
    /// Whether `event` may happen to an ice hockey match that is `status`, with this state.
    fn decide(&self, status: Status, event: &EventKind) -> Result<(), Conflict> {
        use Status::*;
        match event {
            EventKind::Goal(_) => {
                require(status, &[Live], event)?;
                Shootout::refuse_goals(self.shootout, "shot")?;
                if self.in_overtime() && !self.play.tied() {
                    return Err(Conflict(
                        "overtime is sudden death and a goal has decided it: post `end`".into(),
                    ));
                }
                Ok(())
            }
            EventKind::Penalty(_) => require(status, &[Live, Interrupted, Suspended], event),
            EventKind::Shot(shot) => {
                require(status, &[Live], event)?;
                let Some(shootout) = self.shootout else {
                    return Err(Conflict(
                        "a shot event is only allowed during the shoot-out: post the `shootout` \
                         period first"
                            .into(),
                    ));
                };
                shootout.kick(shot.team, shot.scored).map(|_| ())
            }
            EventKind::Score(set) => {
                require(status, &[Live, HalfTime, Interrupted, Suspended, Finished], event)?;
                let level = set.home == set.away;
                if self.shootout.is_some() && !level {
                    return Err(Conflict(
                        "a game that went to a shoot-out was level in goals: the score's goals \
                         stay level (the shoot-out adds the winner's goal)"
                            .into(),
                    ));
                }
                if status == Finished && self.shootout.is_none() && level {
                    return Err(Conflict(
                        "a finished ice hockey game cannot be tied: correct it to its result"
                            .into(),
                    ));
                }
                Ok(())
            }
            EventKind::End(_) => {
                require(status, &[Live], event)?;
                self.check_end()
            }
            _ => self.play.decide(status, event, self.next_period()),
        }
    }

    /// The state after `event`, recorded `at`; the status it moves the match to, if any. Never
    /// fails: events that were accepted once always apply.
    fn evolve(&mut self, event: &EventKind, at: OffsetDateTime) -> Option<Status> {
        if let Some(minute) = event.minute() {
            self.minute = Some(self.minute.map_or(minute, |m| m.max(minute)));
        }
        match event {
            EventKind::Start(_) => {
                self.enter(Timed::Third(1), at);
                return Some(Status::Live);
            }
            EventKind::Goal(goal) => self.play.score_for(goal.team, 1),
            EventKind::Penalty(penalty) => self.penalties.push(PenaltyRecord {
                team: penalty.team,
                player: penalty.player.as_ref().map(|p| p.as_ref().to_owned()),
                minutes: penalty.minutes.get(),
                period: self.play.period.map_or("p1", Timed::as_str).to_owned(),
            }),
            EventKind::Shot(shot) => {
                if let Some(shootout) = self.shootout {
                    self.shootout = shootout.kick(shot.team, shot.scored).ok().or(Some(shootout));
                }
            }
            EventKind::Period(PeriodChange { period: PeriodName::Timed(period), .. }) => {
                self.enter(*period, at)
            }
            _ => return self.play.evolve(event, at),
        }
        None
    }

    /// A period is stored with its clock's length (none for the shoot-out), which its compact
    /// update carries.
    fn normalize(&self, event: EventKind) -> EventKind {
        match event {
            EventKind::Period(change @ PeriodChange { period: PeriodName::Timed(period), .. }) => {
                let clock_ms = self.length(period);
                EventKind::Period(PeriodChange { clock_ms, ..change })
            }
            other => other,
        }
    }

    /// The final score: the goals, and one more for the side that won the shoot-out.
    fn score(&self) -> Score {
        match self.shootout.and_then(|s| s.winner()) {
            Some(winner) => add(self.play.score, winner, 1),
            None => self.play.score,
        }
    }

    /// The line score: each period's goals; the shoot-out's line is the winner's one goal.
    fn periods(&self) -> Vec<LinePeriod> {
        let mut line = self.play.periods();
        if let (Some(last), Some(winner)) =
            (line.last_mut(), self.shootout.and_then(|s| s.winner()))
        {
            last.score = add(Score::default(), winner, 1);
        }
        line
    }

    fn minute(&self) -> Option<Minute> {
        self.minute
    }

    fn shootout(&self) -> Option<Shootout> {
        self.shootout
    }

    clocked_rules!();
}

impl IceHockey {
    fn enter(&mut self, period: Timed, at: OffsetDateTime) {
        self.play.enter(period, self.length(period), at);
        if period == Timed::Shootout {
            self.shootout = Some(Shootout::of_rounds(self.format.shootout_rounds.into()));
        }
    }

    /// Why the game cannot end now, if it cannot.
    fn check_end(&self) -> Result<(), Conflict> {
        if let Some(shootout) = &self.shootout {
            return shootout.check_decided();
        }
        let period = self.play.period.unwrap_or(Timed::Third(1));
        if period < Timed::Third(3) {
            return Err(Conflict(format!(
                "an ice hockey game ends after the third period at the earliest (this is {})",
                period.as_str()
            )));
        }
        if self.play.tied() {
            let then = match (period, self.format.overtime) {
                (Timed::Third(_), _) => "overtime follows",
                (_, Overtime::RegularSeason) => "the shoot-out follows",
                (_, Overtime::Playoff) => "playoff overtime goes on until a goal",
            };
            return Err(Conflict(format!(
                "the game is tied ({}-{}): {then}",
                i64::from(self.play.score.home),
                i64::from(self.play.score.away)
            )));
        }
        Ok(())
    }

    pub fn penalties(&self) -> &[PenaltyRecord] {
        &self.penalties
    }
}

/// Refuses what other sports' events carry and ice hockey's do not: a football goal's fields,
/// another sport's periods (422, naming the field).
pub fn check_fields(event: &EventKind) -> Result<(), super::FieldError> {
    match event {
        EventKind::Goal(goal) => {
            for (field, present) in
                [("method", goal.method.is_some()), ("assist", goal.assist.is_some())]
            {
                if present {
                    return Err(super::FieldError::at(
                        field,
                        "a football goal's field: an ice hockey goal has `strength`, `empty_net` \
                         and `assists`",
                    ));
                }
            }
            Ok(())
        }
        EventKind::Period(PeriodChange { period, .. })
            if !matches!(
                period,
                PeriodName::Timed(Timed::Third(_) | Timed::Overtime(_) | Timed::Shootout)
            ) =>
        {
            Err(super::FieldError::at(
                "period",
                format!(
                    "{} is not an ice hockey period; ice hockey's are p1-p3, ot1, ot2..., shootout",
                    period.as_str()
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// `format`'s ice hockey keys, for the OpenAPI document.
pub fn format_properties(
    object: utoipa::openapi::schema::ObjectBuilder,
) -> utoipa::openapi::schema::ObjectBuilder {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let [(period, max_period), (rounds, max_rounds)] = BOUNDS;
    object
        .property(
            period,
            super::fields::integer_schema(
                1,
                Some(max_period),
                "Ice hockey: period length, minutes (20)",
            ),
        )
        .property(
            "overtime",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["regular_season", "playoff"]))
                .description(Some(
                    "Ice hockey: `regular_season` (the default: 5 minutes of sudden death, then a \
                     shoot-out) or `playoff` (sudden-death periods until a goal)",
                )),
        )
        .property(
            rounds,
            super::fields::integer_schema(
                1,
                Some(max_rounds),
                "Ice hockey: shoot-out rounds before sudden death (3)",
            ),
        )
}

#[cfg(test)]
mod tests;
