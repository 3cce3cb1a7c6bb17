//! Football on the sport-neutral core: its periods and clock, goals, cards, the penalty shoot-out,
//! and the rules (`decide`) apart from what each event does to the state (`evolve`).

pub(super) mod periods;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use periods::Period;

use super::shootout::Shootout;

use super::lifecycle::{require, Status};
use super::period_name::PeriodName;
use super::rules::Rules;
use super::{
    Card, CardColor, Conflict, EventKind, Goal, Kick, LinePeriod, Minute, PeriodChange, Score,
    ScoreSet, Side,
};

/// Football's own kinds (besides the core's).
pub const KINDS: &[&str] =
    &["kickoff", "goal", "card", "substitution", "period", "score", "kick", "added_time", "end"];

/// A football match's own state: period, clock, score, line score, shoot-out and cautions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Football {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// The latest minute any event carried: the clock never runs backwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minute: Option<Minute>,
    /// When the current period began; shifted by the time play was stopped, so the clock goes
    /// on from where it stopped.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub period_started_at: Option<OffsetDateTime>,
    pub score: Score,
    /// The penalty shoot-out, kept apart from `score`: present from the `penalties` period on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shootout: Option<Shootout>,
    /// The added time announced for the current period, in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_time: Option<u8>,
    /// Goals per playing period, in match order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub line: Vec<(Period, Score)>,
    /// Players with one yellow card: a second one is a red (`yellow_red`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cautioned: Vec<(Side, String)>,
}

fn goal_for(score: &mut Score, team: Side) {
    match team {
        Side::Home => score.home = score.home.incremented(),
        Side::Away => score.away = score.away.incremented(),
    }
}

impl Rules for Football {
    /// Whether `event` may happen to a football match that is `status`, with this state.
    fn decide(&self, status: Status, event: &EventKind) -> Result<(), Conflict> {
        use Status::*;
        match event {
            EventKind::Goal(_) => {
                require(status, &[Live], event)?;
                Shootout::refuse_goals(self.shootout, "kick")?;
            }
            EventKind::Kick(_) => {
                require(status, &[Live], event)?;
                let Some(shootout) = self.shootout else {
                    return Err(Conflict(
                        "a kick event is only allowed during the penalty shoot-out: post the \
                         `penalties` period first"
                            .into(),
                    ));
                };
                let EventKind::Kick(Kick { team, scored, .. }) = event else { unreachable!() };
                shootout.kick(*team, *scored)?;
            }
            EventKind::Card(_) | EventKind::Substitution(_) => {
                require(status, &[Live, HalfTime, Interrupted, Suspended, Delayed], event)?;
            }
            EventKind::Score(_) => {
                require(status, &[Live, HalfTime, Interrupted, Suspended, Finished], event)?;
            }
            EventKind::AddedTime(_) => {
                require(status, &[Live], event)?;
                if self.period.is_some_and(|p| p == Period::Penalties) {
                    return Err(Conflict("the shoot-out has no added time".into()));
                }
            }
            EventKind::Period(PeriodChange { period, .. }) => {
                let PeriodName::Football(period) = period else {
                    return Err(Conflict(format!("{} is not a football period", period.as_str())));
                };
                if *period == Period::FirstHalf {
                    return Err(Conflict("the first half starts with a kickoff event".into()));
                }
                require(status, &[Live, HalfTime], event)?;
                if self.shootout.is_some() {
                    return Err(Conflict(
                        "the penalty shoot-out is the last period: post its kicks, then `end`"
                            .into(),
                    ));
                }
                let current = self.period.unwrap_or(Period::FirstHalf);
                if !period.may_follow(current) {
                    return Err(Conflict(format!(
                        "the {} period cannot follow {} (allowed next: {})",
                        period.as_str(),
                        current.as_str(),
                        current.successors().join(", ")
                    )));
                }
            }
            EventKind::End(_) => {
                require(status, &[Live, HalfTime], event)?;
                if let Some(shootout) = &self.shootout {
                    shootout.check_decided()?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The event as it is stored: a second yellow card to a player is a `yellow_red` card.
    fn normalize(&self, event: EventKind) -> EventKind {
        match event {
            EventKind::Card(card) if card.color == CardColor::Yellow && self.cautioned(&card) => {
                EventKind::Card(Card { color: CardColor::YellowRed, ..card })
            }
            other => other,
        }
    }

    /// The state after `event`, recorded `at`; the status it moves the match to, if any. Never
    /// fails: events that were accepted once always apply.
    fn evolve(&mut self, event: &EventKind, at: OffsetDateTime) -> Option<Status> {
        if let Some(minute) = event.minute() {
            self.minute = Some(self.minute.map_or(minute, |m| m.max(minute)));
        }
        match event {
            EventKind::Start(_) | EventKind::Kickoff(_) => {
                self.enter(Period::FirstHalf, at);
                self.minute = self.minute.or(Some(Minute::try_from(0).expect("0 is a minute")));
                Some(Status::Live)
            }
            EventKind::Goal(Goal { team, .. }) => {
                goal_for(&mut self.score, *team);
                if let Some((_, line)) = self.line.last_mut() {
                    goal_for(line, *team);
                }
                None
            }
            EventKind::Card(card) => {
                if card.color == CardColor::Yellow && !self.cautioned(card) {
                    self.cautioned.push((card.team, card.player.as_ref().to_owned()));
                }
                None
            }
            EventKind::Score(ScoreSet { home, away, .. }) => {
                self.set_score(Score { home: *home, away: *away });
                None
            }
            EventKind::Kick(Kick { team, scored, .. }) => {
                if let Some(shootout) = self.shootout {
                    self.shootout = shootout.kick(*team, *scored).ok().or(Some(shootout));
                }
                None
            }
            EventKind::AddedTime(added) => {
                self.added_time = u8::try_from(i64::from(added.minutes)).ok();
                None
            }
            EventKind::Period(PeriodChange { period: PeriodName::Football(period), .. }) => {
                self.enter(*period, at);
                if *period == Period::Penalties {
                    self.shootout = Some(Shootout::default());
                }
                Some(if period.is_break() { Status::HalfTime } else { Status::Live })
            }
            EventKind::End(_) => Some(Status::Finished),
            _ => None,
        }
    }

    /// Sets the score outright (a `score` correction, an awarded result). The current period's
    /// line takes the difference, as far as it can.
    fn set_score(&mut self, score: Score) {
        if let Some((_, line)) = self.line.last_mut() {
            let shift = |line: i64, old: i64, new: i64| (line + new - old).max(0);
            let home = shift(line.home.into(), self.score.home.into(), score.home.into());
            let away = shift(line.away.into(), self.score.away.into(), score.away.into());
            line.home = home.try_into().unwrap_or(score.home);
            line.away = away.try_into().unwrap_or(score.away);
        }
        self.score = score;
    }

    /// Moves the clock's start by `by`, the time play was stopped.
    fn resume_clock(&mut self, by: time::Duration) {
        self.period_started_at = self.period_started_at.map(|at| at + by);
    }

    /// The line score: each playing period's goals, then the shoot-out's tally.
    fn periods(&self) -> Vec<LinePeriod> {
        let mut line: Vec<LinePeriod> = self
            .line
            .iter()
            .map(|(period, score)| LinePeriod {
                period: period.as_str().to_owned(),
                score: *score,
                tiebreak: None,
            })
            .collect();
        if let Some(shootout) = &self.shootout {
            line.push(LinePeriod {
                period: "penalties".into(),
                score: shootout.tally(),
                tiebreak: None,
            });
        }
        line
    }

    fn score(&self) -> Score {
        self.score
    }

    fn period(&self) -> Option<&'static str> {
        self.period.map(Period::as_str)
    }

    fn minute(&self) -> Option<Minute> {
        self.minute
    }

    fn period_started_at(&self) -> Option<OffsetDateTime> {
        self.period_started_at
    }

    fn shootout(&self) -> Option<Shootout> {
        self.shootout
    }

    fn added_time(&self) -> Option<u8> {
        self.added_time
    }
}

impl Football {
    fn cautioned(&self, card: &Card) -> bool {
        self.cautioned
            .iter()
            .any(|(side, player)| *side == card.team && player == card.player.as_ref())
    }

    fn enter(&mut self, period: Period, at: OffsetDateTime) {
        self.period = Some(period);
        self.period_started_at = Some(at);
        self.added_time = None;
        if !period.is_break() && period != Period::Penalties {
            self.line.push((period, Score::default()));
        }
    }
}

/// Refuses what other sports' events carry and football's do not: an ice hockey goal's fields,
/// another sport's periods (422, naming the field).
pub fn check_fields(event: &EventKind) -> Result<(), super::FieldError> {
    match event {
        EventKind::Goal(goal) => {
            for (field, present) in [
                ("strength", goal.strength.is_some()),
                ("empty_net", goal.empty_net.is_some()),
                ("assists", goal.assists.is_some()),
            ] {
                if present {
                    return Err(super::FieldError::at(
                        field,
                        "an ice hockey goal's field: a football goal has `method` and `assist`",
                    ));
                }
            }
            Ok(())
        }
        EventKind::Period(PeriodChange { period: PeriodName::Timed(p), .. }) => {
            Err(super::FieldError::at(
                "period",
                format!(
                    "{} is not a football period; football's are {}",
                    p.as_str(),
                    Period::ALL.map(Period::as_str).join(", ")
                ),
            ))
        }
        _ => Ok(()),
    }
}
