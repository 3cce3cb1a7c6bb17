//! What tennis and volleyball share: a match scored point by point into sets, the `point` event,
//! the line of sets, the sets won, the server, and an awarded result that keeps the line.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::lifecycle::{require, Status};
use super::period_name::set_name;
use super::play_keys::PlayKeys;
use super::rules::Rules;
use super::{Conflict, EventKind, FieldError, Goals, LinePeriod, Score, Side};

/// `{"kind":"point","team":"home"}`: the side that won the point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Point {
    pub team: Side,
    /// Derived, never posted: the state the point left the match in, as compact messages carry
    /// it (`gs`, `gp`, `sv`), so that a stored point replays as it was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(read_only)]
    pub after: Option<PlayKeys>,
}

/// Index of `side` in `[home, away]` pairs.
pub fn ix(side: Side) -> usize {
    match side {
        Side::Home => 0,
        Side::Away => 1,
    }
}

pub fn other(side: Side) -> Side {
    match side {
        Side::Home => Side::Away,
        Side::Away => Side::Home,
    }
}

/// A `[home, away]` pair as a score (saturating at 999, the most a score holds).
pub fn score_of(pair: [u16; 2]) -> Score {
    let goals = |n: u16| Goals::try_from(i64::from(n.min(999))).unwrap_or_default();
    Score { home: goals(pair[0]), away: goals(pair[1]) }
}

/// One set of the line: its games (tennis) or points (volleyball), and a tiebreak's points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SetLine {
    pub score: [u16; 2],
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiebreak: Option<[u16; 2]>,
}

/// The sets of a match: each set's line (the last one is being played, or was the last played
/// once the match is over), the sets won, who serves next.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Sets {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub line: Vec<SetLine>,
    pub won: [u16; 2],
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<Side>,
    #[serde(default)]
    pub over: bool,
    /// An awarded result's sets, shown instead of those won on court; the line stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    awarded: Option<Score>,
}

impl Sets {
    /// Points are played while the match is live and not yet decided; a match of `sport` has no
    /// other kinds of its own.
    pub fn decide(&self, sport: &str, status: Status, event: &EventKind) -> Result<(), Conflict> {
        match event {
            EventKind::Point(_) => {
                require(status, &[Status::Live], event)?;
                if self.over {
                    return Err(Conflict(
                        "the match is over: its deciding point was played".into(),
                    ));
                }
                Ok(())
            }
            other => Err(Conflict(format!("a {sport} match has no {} events", other.name()))),
        }
    }

    /// Play begins: the first set, `server` serving.
    pub fn start(&mut self, server: Side) {
        self.line = vec![SetLine::default()];
        self.server = Some(server);
    }

    pub fn current(&self) -> SetLine {
        self.line.last().copied().unwrap_or_default()
    }

    pub fn current_mut(&mut self) -> &mut SetLine {
        if self.line.is_empty() {
            self.line.push(SetLine::default());
        }
        let last = self.line.len() - 1;
        &mut self.line[last]
    }

    /// The set number being played, from 1.
    pub fn number(&self) -> usize {
        self.line.len().max(1)
    }

    /// `side` won the current set: the match is over once it has `to_win` sets, otherwise the
    /// next set begins.
    pub fn win_set(&mut self, side: Side, to_win: u16) {
        self.won[ix(side)] += 1;
        if self.won[ix(side)] >= to_win {
            self.over = true;
        } else {
            self.line.push(SetLine::default());
        }
    }

    pub fn score(&self) -> Score {
        self.awarded.unwrap_or_else(|| score_of(self.won))
    }

    pub fn set_score(&mut self, score: Score) {
        self.awarded = Some(score);
    }

    pub fn period(&self) -> Option<&'static str> {
        (!self.line.is_empty()).then(|| set_name(self.number()))
    }

    pub fn periods(&self) -> Vec<LinePeriod> {
        self.line
            .iter()
            .enumerate()
            .map(|(i, set)| LinePeriod {
                period: set_name(i + 1).to_owned(),
                score: score_of(set.score),
                tiebreak: set.tiebreak.map(score_of),
            })
            .collect()
    }

    /// The keys both sports show: the current set's score and the server while play goes on.
    pub fn keys(&self) -> PlayKeys {
        PlayKeys {
            gs: (!self.line.is_empty()).then(|| self.current().score),
            gp: None,
            sv: self.server.filter(|_| !self.over).map(Into::into),
            over: self.over,
        }
    }
}

/// A point as stored: with the state it leaves the match in (`after`), whatever was posted.
/// The [`Rules`] answers every sport played in sets of rallies (a `sets: Sets` field) gives
/// alike: the stored point with its `after`, the score of sets, the line and the current set.
macro_rules! rally_rules {
    () => {
        fn normalize(&self, event: $crate::domain::EventKind) -> $crate::domain::EventKind {
            $crate::domain::rally::with_after(self, event)
        }

        fn score(&self) -> $crate::domain::Score {
            self.sets.score()
        }

        fn set_score(&mut self, score: $crate::domain::Score) {
            self.sets.set_score(score);
        }

        fn periods(&self) -> Vec<$crate::domain::LinePeriod> {
            self.sets.periods()
        }

        fn period(&self) -> Option<&'static str> {
            self.sets.period()
        }
    };
}
pub(super) use rally_rules;

pub fn with_after<R: Rules + Clone>(state: &R, event: EventKind) -> EventKind {
    match event {
        EventKind::Point(point) => {
            let mut next = state.clone();
            let point = Point { after: None, ..point };
            // A point's effect does not depend on when it was played.
            next.evolve(&EventKind::Point(point.clone()), time::OffsetDateTime::UNIX_EPOCH);
            let keys = next.keys().filter(|k| !k.is_empty());
            EventKind::Point(Point { after: keys, ..point })
        }
        other => other,
    }
}

/// Refuses a posted `after` (the server derives it) and, where the sport needs one, a start
/// without `server`.
pub fn check_fields(
    event: &EventKind,
    sport: &str,
    server_required: bool,
) -> Result<(), FieldError> {
    match event {
        EventKind::Point(Point { after: Some(_), .. }) => {
            Err(FieldError::at("after", "derived by the server from the points before: not posted"))
        }
        EventKind::Start(start) if server_required && start.server.is_none() => {
            Err(FieldError::at(
                "server",
                format!("a {sport} match starts with the side serving first: \"home\" or \"away\""),
            ))
        }
        _ => Ok(()),
    }
}
