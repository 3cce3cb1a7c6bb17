//! A match: its metadata, its live state, and the rules that move the state forward.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{
    EventKind, Goal, Kick, MatchId, Minute, Name, Period, PeriodChange, ScoreSet, Seq, Shootout,
    Side,
};

/// Where a match stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Scheduled,
    Live,
    HalfTime,
    Finished,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Live => "live",
            Self::HalfTime => "half_time",
            Self::Finished => "finished",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Scheduled, Self::Live, Self::HalfTime, Self::Finished]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }

    /// Whether the match is being played: live, or in the sport's break.
    pub fn in_play(self) -> bool {
        matches!(self, Self::Live | Self::HalfTime)
    }
}

/// The score of both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Score {
    pub home: super::Goals,
    pub away: super::Goals,
}

/// What an operator sends to create a match.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMatch {
    pub home: Name,
    pub away: Name,
    pub competition: Name,
    #[serde(with = "time::serde::rfc3339")]
    pub kickoff_at: OffsetDateTime,
}

/// Metadata changes; every field is optional but at least one must be present.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchPatch {
    pub home: Option<Name>,
    pub away: Option<Name>,
    pub competition: Option<Name>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub kickoff_at: Option<OffsetDateTime>,
}

impl MatchPatch {
    pub fn is_empty(&self) -> bool {
        self.home.is_none()
            && self.away.is_none()
            && self.competition.is_none()
            && self.kickoff_at.is_none()
    }
}

/// A match's descriptive data, changed only by `PATCH`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MatchMeta {
    pub id: MatchId,
    pub home: String,
    pub away: String,
    pub competition: String,
    #[serde(with = "time::serde::rfc3339")]
    pub kickoff_at: OffsetDateTime,
    /// Bumped by every metadata change, so the snapshot's ETag changes with it.
    #[serde(skip)]
    pub revision: i64,
}

/// A match's live state, derived from its events.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LiveState {
    pub status: Status,
    pub period: Option<Period>,
    pub minute: Option<Minute>,
    /// When the current period began (its kickoff or `period` event was recorded): with `period`,
    /// what a page needs to run a live clock between events.
    #[serde(with = "time::serde::rfc3339::option")]
    pub period_started_at: Option<OffsetDateTime>,
    pub score: Score,
    /// The penalty shoot-out, kept apart from `score`: present from the `penalties` period on.
    #[schema(value_type = Option<super::shootout::ShootoutBody>)]
    pub shootout: Option<Shootout>,
    /// Sequence number of the last event; 0 before the first.
    pub seq: Seq,
}

/// An event that the match's current state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Conflict(pub String);

impl LiveState {
    /// The state of a match that has just been created.
    pub fn initial() -> Self {
        Self {
            status: Status::Scheduled,
            period: None,
            minute: None,
            period_started_at: None,
            score: Score::default(),
            shootout: None,
            seq: Seq::ZERO,
        }
    }

    /// The state after `event`, recorded `at`, which becomes event number `seq + 1`; or why the
    /// event is not allowed now.
    pub fn apply(&self, event: &EventKind, at: OffsetDateTime) -> Result<Self, Conflict> {
        use Status::*;
        let mut next = *self;
        next.seq = self.seq.next();
        // Kept to the millisecond it is stored and sent with, so memory and a restart agree.
        let at = at.replace_nanosecond(at.nanosecond() / 1_000_000 * 1_000_000).unwrap_or(at);
        if let Some(minute) = event.minute() {
            // Events are often posted a little out of order; the clock never runs backwards.
            next.minute = Some(self.minute.map_or(minute, |m| m.max(minute)));
        }
        match event {
            EventKind::Kickoff(_) => {
                self.require(&[Scheduled], event)?;
                next.status = Live;
                next.period = Some(Period::FirstHalf);
                next.period_started_at = Some(at);
                next.minute = next.minute.or(Some(Minute::try_from(0).expect("0 is a minute")));
            }
            EventKind::Goal(Goal { team, .. }) => {
                self.require(&[Live], event)?;
                if self.shootout.is_some() {
                    return Err(Conflict(
                        "goals of the penalty shoot-out do not count in the score: post them as \
                         `kick` events (scored or missed)"
                            .into(),
                    ));
                }
                match team {
                    Side::Home => next.score.home = self.score.home.incremented(),
                    Side::Away => next.score.away = self.score.away.incremented(),
                }
            }
            EventKind::Card(_) | EventKind::Substitution(_) => {
                self.require(&[Live, HalfTime], event)?;
            }
            EventKind::Score(ScoreSet { home, away, .. }) => {
                self.require(&[Live, HalfTime], event)?;
                next.score = Score { home: *home, away: *away };
            }
            EventKind::Kick(Kick { team, scored, .. }) => {
                self.require(&[Live], event)?;
                let Some(shootout) = self.shootout else {
                    return Err(Conflict(
                        "a kick event is only allowed during the penalty shoot-out: post the \
                         `penalties` period first"
                            .into(),
                    ));
                };
                next.shootout = Some(shootout.kick(*team, *scored)?);
            }
            EventKind::Period(PeriodChange { period, .. }) => {
                let allowed: &[Status] = match period {
                    Period::FirstHalf => &[],
                    Period::HalfTime => &[Live],
                    Period::SecondHalf => &[HalfTime],
                    Period::ExtraTime | Period::Penalties => &[Live, HalfTime],
                };
                if *period == Period::FirstHalf {
                    return Err(Conflict("the first half starts with a kickoff event".into()));
                }
                self.require(allowed, event)?;
                if self.shootout.is_some() {
                    return Err(Conflict(
                        "the penalty shoot-out is the last period: post its kicks, then `end`"
                            .into(),
                    ));
                }
                if *period == Period::Penalties {
                    next.shootout = Some(Shootout::default());
                }
                next.status = if *period == Period::HalfTime { HalfTime } else { Live };
                next.period = Some(*period);
                next.period_started_at = Some(at);
            }
            EventKind::End(_) => {
                self.require(&[Live, HalfTime], event)?;
                if let Some(shootout) = &self.shootout {
                    shootout.check_decided()?;
                }
                next.status = Finished;
            }
        }
        Ok(next)
    }

    fn require(&self, allowed: &[Status], event: &EventKind) -> Result<(), Conflict> {
        if allowed.contains(&self.status) {
            return Ok(());
        }
        let why = match self.status {
            Status::Finished => "the match has ended; no event is accepted after `end`".to_owned(),
            status => {
                let article =
                    if event.name().starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
                format!(
                    "{article} {} event is not allowed while the match is {}",
                    event.name(),
                    status.as_str()
                )
            }
        };
        Err(Conflict(why))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
    }

    fn event(json: &str) -> EventKind {
        EventKind::from_json(serde_json::from_str(json).unwrap()).unwrap()
    }

    #[test]
    fn a_match_runs_from_kickoff_to_end() {
        let s = LiveState::initial();
        let s = s.apply(&event(r#"{"kind":"kickoff"}"#), at()).unwrap();
        assert_eq!((s.status, s.seq.get()), (Status::Live, 1));
        let s = s.apply(&event(r#"{"kind":"goal","team":"away","minute":12}"#), at()).unwrap();
        assert_eq!(i64::from(s.score.away), 1);
        let s =
            s.apply(&event(r#"{"kind":"period","period":"half_time","minute":45}"#), at()).unwrap();
        assert_eq!(s.status, Status::HalfTime);
        let err =
            s.apply(&event(r#"{"kind":"goal","team":"home","minute":46}"#), at()).unwrap_err();
        assert!(err.0.contains("half_time"), "{err}");
        let s = s.apply(&event(r#"{"kind":"period","period":"second_half"}"#), at()).unwrap();
        let s = s.apply(&event(r#"{"kind":"score","home":2,"away":1,"minute":80}"#), at()).unwrap();
        assert_eq!((i64::from(s.score.home), i64::from(s.score.away)), (2, 1));
        let s = s.apply(&event(r#"{"kind":"end","minute":94}"#), at()).unwrap();
        assert_eq!((s.status, s.seq.get()), (Status::Finished, 6));
        assert_eq!(s.minute.map(i64::from), Some(94));
        let err =
            s.apply(&event(r#"{"kind":"card","team":"home","player":"X","color":"red"}"#), at());
        assert!(err.unwrap_err().0.contains("ended"));
    }

    #[test]
    fn the_shootout_is_scored_apart_and_must_be_decided_before_the_end() {
        let mut s = LiveState::initial();
        for json in [
            r#"{"kind":"kickoff"}"#,
            r#"{"kind":"goal","team":"home","minute":10}"#,
            r#"{"kind":"goal","team":"away","minute":80}"#,
            r#"{"kind":"period","period":"extra_time","minute":90}"#,
        ] {
            s = s.apply(&event(json), at()).unwrap();
        }
        let kick = r#"{"kind":"kick","team":"home","scored":true}"#;
        assert!(s.apply(&event(kick), at()).unwrap_err().0.contains("`penalties` period first"));
        s = s
            .apply(&event(r#"{"kind":"period","period":"penalties","minute":120}"#), at())
            .unwrap();
        assert_eq!(s.shootout, Some(Shootout::default()));
        let goal = r#"{"kind":"goal","team":"home","minute":120}"#;
        assert!(s.apply(&event(goal), at()).unwrap_err().0.contains("`kick` events"));
        let back = r#"{"kind":"period","period":"extra_time"}"#;
        assert!(s.apply(&event(back), at()).unwrap_err().0.contains("last period"));
        assert!(s
            .apply(&event(r#"{"kind":"end"}"#), at())
            .unwrap_err()
            .0
            .contains("not decided (0-0"));
        for round in 0..3 {
            s = s.apply(&event(kick), at()).unwrap();
            let away_misses = r#"{"kind":"kick","team":"away","scored":false,"player":"X"}"#;
            s = s.apply(&event(away_misses), at()).unwrap_or_else(|e| panic!("round {round}: {e}"));
        }
        let score = |sc: Score| (i64::from(sc.home), i64::from(sc.away));
        assert_eq!(score(s.score), (1, 1), "the match score stays");
        assert_eq!(score(s.shootout.unwrap().tally()), (3, 0));
        let s = s.apply(&event(r#"{"kind":"end"}"#), at()).unwrap();
        assert_eq!((s.status, s.period), (Status::Finished, Some(Period::Penalties)));
    }

    #[test]
    fn kickoff_and_period_events_start_the_clock_of_their_period() {
        let at = |s: i64| OffsetDateTime::from_unix_timestamp(1_800_000_000 + s).unwrap();
        let s = LiveState::initial().apply(&event(r#"{"kind":"kickoff"}"#), at(0)).unwrap();
        assert_eq!(s.period_started_at, Some(at(0)));
        let s = s.apply(&event(r#"{"kind":"goal","team":"home","minute":9}"#), at(540)).unwrap();
        assert_eq!(s.period_started_at, Some(at(0)), "other events leave the clock running");
        let half = r#"{"kind":"period","period":"half_time"}"#;
        let s = s.apply(&event(half), at(2800)).unwrap();
        let s = s.apply(&event(r#"{"kind":"period","period":"second_half"}"#), at(3700)).unwrap();
        assert_eq!((s.period, s.period_started_at), (Some(Period::SecondHalf), Some(at(3700))));
    }

    #[test]
    fn goals_need_a_live_match_and_the_clock_never_runs_backwards() {
        let s = LiveState::initial();
        assert!(s.apply(&event(r#"{"kind":"goal","team":"home","minute":1}"#), at()).is_err());
        let s = s.apply(&event(r#"{"kind":"kickoff"}"#), at()).unwrap();
        let s = s.apply(&event(r#"{"kind":"goal","team":"home","minute":30}"#), at()).unwrap();
        let s = s.apply(&event(r#"{"kind":"goal","team":"home","minute":29}"#), at()).unwrap();
        assert_eq!(s.minute.map(i64::from), Some(30));
        assert!(s.apply(&event(r#"{"kind":"kickoff"}"#), at()).is_err());
    }
}
