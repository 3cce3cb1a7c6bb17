//! A match's live state: the lifecycle every sport shares around the sport's own state. The state
//! is a fold of the events that count: [`LiveState::decide`] says whether an event may happen now,
//! [`LiveState::evolve`] applies it and never fails, so events stored under older rules always load.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::lifecycle::{check_transition, AwardMethod, Reason, Status, StatusChange};
use super::sport::{Play, Sport};
use super::{Conflict, EventKind, EventState, Minute, Score, Seq, Shootout, Side};

/// The version of the state's stored JSON; a row with another version is rebuilt from its events.
pub const STATE_VERSION: u32 = 1;

/// An `awarded` result's winner and how it was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Award {
    pub winner: Side,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<AwardMethod>,
}

/// Where play stopped: what the match returns to when it resumes, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Stopped {
    resumes_as: Status,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
}

/// One period of the line score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LinePeriod {
    pub period: String,
    pub score: Score,
    /// Tennis: the set's tiebreak points, where one was played.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiebreak: Option<Score>,
}

/// A match's live state, derived from its events; stored and sent between nodes as one versioned
/// JSON value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveState {
    v: u32,
    pub status: Status,
    #[serde(default)]
    pub confirmed: bool,
    /// Sequence number of the last event; 0 before the first.
    pub seq: Seq,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub award: Option<Award>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stopped: Option<Stopped>,
    play: Play,
}

impl LiveState {
    /// The state of a match of `sport` that has just been created.
    pub fn initial(sport: Sport, format: &serde_json::Value) -> Self {
        Self {
            v: STATE_VERSION,
            status: Status::Scheduled,
            confirmed: false,
            seq: Seq::ZERO,
            reason: None,
            award: None,
            stopped: None,
            play: sport.initial(format),
        }
    }

    /// Reads a stored state; `None` when it was written by another version (rebuild it instead).
    pub fn from_stored(json: &str) -> Option<Self> {
        let state: Self = serde_json::from_str(json).ok()?;
        (state.v == STATE_VERSION).then_some(state)
    }

    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).expect("states always serialize")
    }

    pub fn sport(&self) -> Sport {
        self.play.sport()
    }

    /// The sport's own state, for what only that sport shows.
    pub fn play(&self) -> &Play {
        &self.play
    }

    /// The headline result: goals in football.
    pub fn score(&self) -> Score {
        self.play.rules().score()
    }

    pub fn periods(&self) -> Vec<super::LinePeriod> {
        self.play.rules().periods()
    }

    pub fn period(&self) -> Option<&'static str> {
        self.play.rules().period()
    }

    pub fn minute(&self) -> Option<Minute> {
        self.play.rules().minute()
    }

    pub fn period_started_at(&self) -> Option<OffsetDateTime> {
        self.play.rules().period_started_at()
    }

    pub fn shootout(&self) -> Option<Shootout> {
        self.play.rules().shootout()
    }

    pub fn added_time(&self) -> Option<u8> {
        self.play.rules().added_time()
    }

    /// What a lifecycle or correction event's stored body and compact update carry.
    pub fn event_state(&self) -> EventState {
        EventState {
            status: self.status,
            period: self.period().map(str::to_owned),
            period_started_at: self.period_started_at(),
            added_time: self.added_time().map(i64::from),
            confirmed: self.confirmed,
            play: self.play.rules().keys(),
            clock: self.clock(),
        }
    }

    /// The countdown clock as it shows (basketball, ice hockey): stopped where it stood while
    /// play is stopped, so that a page runs it only while the match is live and it runs.
    pub fn clock(&self) -> Option<super::Countdown> {
        let clock = self.play.rules().clock()?;
        Some(match self.stopped {
            Some(stopped) if clock.running => clock.stopped_at(stopped.at),
            _ => clock,
        })
    }

    /// Whether `event` may happen now; if not, why (a 409). Corrections are checked by
    /// [`super::correct`], which refolds the match.
    pub fn decide(&self, event: &EventKind) -> Result<(), Conflict> {
        use Status::*;
        let allowed_when_confirmed = match event {
            EventKind::Status(change) => change.status == Awarded,
            EventKind::Match(patch) => !patch.changes_sport(),
            _ => false,
        };
        if self.confirmed && !allowed_when_confirmed {
            return Err(Conflict(format!(
                "the result is confirmed: only `status` awarded and PATCH are accepted (the match is {})",
                self.status.as_str()
            )));
        }
        match event {
            EventKind::Start(_) | EventKind::Kickoff(_) => {
                if !matches!(self.status, Scheduled | Delayed) {
                    return Err(Conflict(format!(
                        "{} event starts a match that is scheduled or delayed; this one is {}",
                        if matches!(event, EventKind::Start(_)) { "a start" } else { "a kickoff" },
                        self.status.as_str()
                    )));
                }
                Ok(())
            }
            EventKind::Status(change) => check_transition(self.status, change.status),
            EventKind::Confirm(_) => {
                if matches!(self.status, Finished | Awarded | Abandoned) {
                    Ok(())
                } else {
                    Err(Conflict(format!(
                        "only a finished, awarded or abandoned result can be confirmed; the match is {}",
                        self.status.as_str()
                    )))
                }
            }
            EventKind::Void(_) | EventKind::Amend(_) => Ok(()),
            EventKind::Match(patch) => {
                if patch.changes_sport() && !matches!(self.status, Scheduled | Delayed | Postponed)
                {
                    return Err(Conflict(format!(
                        "a match's sport and format cannot change once it has started (it is {})",
                        self.status.as_str()
                    )));
                }
                Ok(())
            }
            _ => self.play.rules().decide(self.status, event),
        }
    }

    /// The event as it is stored (a second yellow card becomes `yellow_red`).
    pub fn normalize(&self, event: EventKind) -> EventKind {
        self.play.rules().normalize(event)
    }

    /// The state after `event`, recorded `at`. Never fails; corrections only take a number here.
    pub fn evolve(&mut self, event: &EventKind, at: OffsetDateTime) {
        self.seq = self.seq.next();
        // Kept to the millisecond it is stored and sent with, so memory and a restart agree.
        let at = at.replace_nanosecond(at.nanosecond() / 1_000_000 * 1_000_000).unwrap_or(at);
        match event {
            EventKind::Status(change) => self.change_status(change, at),
            EventKind::Confirm(_) => self.confirmed = true,
            EventKind::Void(_) | EventKind::Amend(_) => {}
            EventKind::Match(patch) => {
                if patch.changes_sport() {
                    let sport = patch.sport.unwrap_or(self.sport());
                    let format = patch.format.clone().unwrap_or_else(|| serde_json::json!({}));
                    self.play = sport.initial(&format);
                }
            }
            _ => {
                if matches!(event, EventKind::Start(_) | EventKind::Kickoff(_)) {
                    self.reason = None;
                }
                if let Some(status) = self.play.rules_mut().evolve(event, at) {
                    self.status = status;
                }
            }
        }
    }

    fn change_status(&mut self, change: &StatusChange, at: OffsetDateTime) {
        use Status::*;
        self.reason = change.reason.clone();
        match change.status {
            Interrupted | Suspended => {
                let resumes_as = self.stopped.map_or(self.status, |s| s.resumes_as);
                let since = self.stopped.map_or(at, |s| s.at);
                self.stopped = Some(Stopped { resumes_as, at: since });
                self.status = change.status;
            }
            Live => {
                if let Some(stopped) = self.stopped.take() {
                    self.status = stopped.resumes_as;
                    if stopped.resumes_as == Live {
                        self.play.rules_mut().resume_clock(at - stopped.at);
                    }
                } else {
                    self.status = Live;
                }
            }
            Awarded => {
                self.stop_clock(at);
                self.stopped = None;
                self.status = Awarded;
                self.confirmed = false;
                if let Some(winner) = change.winner {
                    self.award = Some(Award { winner, method: change.method });
                }
                if let (Some(home), Some(away)) = (change.home, change.away) {
                    self.play.rules_mut().set_score(Score { home, away });
                }
            }
            other => {
                if matches!(other, Abandoned | Cancelled) {
                    self.stop_clock(at);
                }
                self.stopped = None;
                self.status = other;
            }
        }
    }

    /// The clock stops for good: where it stood when play stopped, if it had.
    fn stop_clock(&mut self, at: OffsetDateTime) {
        let at = self.stopped.map_or(at, |s| s.at);
        self.play.rules_mut().stop_clock(at);
    }

    /// `decide`, then `evolve`: the state after a new event, or why it is refused.
    pub fn apply(&self, event: &EventKind, at: OffsetDateTime) -> Result<Self, Conflict> {
        self.decide(event)?;
        let mut next = self.clone();
        next.evolve(event, at);
        Ok(next)
    }
}

#[cfg(test)]
mod tests;
