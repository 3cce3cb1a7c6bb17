//! Tennis on the sport-neutral core: points, games, sets of six by two with a tiebreak at 6-6,
//! the deciding set as the format says, the server alternating by game. The point that decides
//! the match finishes it. The rules (`decide`) stay apart from what a point does (`evolve`).

mod format;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use format::{FinalSet, Format, SetRule, FINAL_SETS, REGULAR_SET, SET_GAMES};

use super::lifecycle::Status;
use super::play_keys::{GamePoint, PlayKeys};
use super::rally::{self, ix, other, Sets};
use super::rules::Rules;
use super::{Conflict, EventKind, Side};

/// Tennis's own kinds (besides the core's): no `end` (the deciding point ends the match), no
/// `period` (sets follow from the points), no `score` (a correction voids or amends points).
pub const KINDS: &[&str] = &["point"];

/// Points of a game as called, before deuce.
const CALLS: [&str; 4] = ["0", "15", "30", "40"];

/// A tennis match's own state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tennis {
    format: Format,
    #[serde(flatten)]
    sets: Sets,
    /// Points of the current game or tiebreak, `[home, away]` (from deuce on, kept at 3-3 or 4-3).
    #[serde(default)]
    points: [u16; 2],
    /// In a tiebreak: the side that served its first point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tiebreak_first: Option<Side>,
}

impl Tennis {
    pub fn new(format: Format) -> Self {
        Self { format, sets: Sets::default(), points: [0, 0], tiebreak_first: None }
    }

    fn rule(&self) -> SetRule {
        self.format.set_rule(self.sets.number())
    }

    /// A game point won by `team` (not in a tiebreak).
    fn game_point(&mut self, team: Side) {
        let (w, l) = (ix(team), ix(other(team)));
        self.points[w] += 1;
        let (won, lost) = (self.points[w], self.points[l]);
        let game = if self.format.no_ad { won >= 4 } else { won >= 4 && won >= lost + 2 };
        if !game {
            if won == lost && won > 3 {
                // Deuce again: only the difference counts from here.
                self.points = [3, 3];
            }
            return;
        }
        self.points = [0, 0];
        self.sets.server = self.sets.server.map(other);
        let games = {
            let set = self.sets.current_mut();
            set.score[w] += 1;
            set.score
        };
        if games[w] >= SET_GAMES && games[w] >= games[l] + 2 {
            self.win_set(team);
        } else if games[w] == games[l] && self.rule().tiebreak_at == Some(games[w]) {
            self.begin_tiebreak();
        }
    }

    /// A tiebreak point won by `team`.
    fn tiebreak_point(&mut self, team: Side, first: Side) {
        let (w, l) = (ix(team), ix(other(team)));
        self.points[w] += 1;
        self.sets.current_mut().tiebreak = Some(self.points);
        let (won, lost) = (self.points[w], self.points[l]);
        if won >= self.rule().tiebreak_to && won >= lost + 2 {
            self.sets.current_mut().score[w] += 1;
            self.points = [0, 0];
            self.tiebreak_first = None;
            // The tiebreak's first receiver serves the next set's first game.
            self.sets.server = Some(other(first));
            self.win_set(team);
        } else {
            // The first server serves one point, then each serves two in turn.
            let played = self.points[0] + self.points[1];
            let first_serves = played.div_ceil(2).is_multiple_of(2);
            self.sets.server = Some(if first_serves { first } else { other(first) });
        }
    }

    fn win_set(&mut self, team: Side) {
        self.sets.win_set(team, self.format.to_win());
        if !self.sets.over && self.rule().tiebreak_at == Some(0) {
            self.begin_tiebreak();
        }
    }

    /// The side due to serve serves the tiebreak's first point.
    fn begin_tiebreak(&mut self) {
        self.tiebreak_first = self.sets.server;
        self.sets.current_mut().tiebreak = Some([0, 0]);
    }

    /// The current game's points as called, or a tiebreak's count; none before the start and
    /// once the match is over.
    pub fn game(&self) -> Option<[GamePoint; 2]> {
        (!self.sets.line.is_empty() && !self.sets.over).then(|| self.called())
    }

    fn called(&self) -> [GamePoint; 2] {
        if self.tiebreak_first.is_some() {
            return self.points.map(GamePoint::Count);
        }
        let [h, a] = self.points;
        let call = |mine: u16, theirs: u16| -> GamePoint {
            let text = if mine >= 3 && theirs >= 3 {
                if mine > theirs {
                    "A"
                } else {
                    "40"
                }
            } else {
                CALLS[usize::from(mine.min(3))]
            };
            GamePoint::Call(text.to_owned())
        };
        [call(h, a), call(a, h)]
    }

    /// The side serving the next point.
    pub fn server(&self) -> Option<Side> {
        self.sets.server.filter(|_| !self.sets.over)
    }

    /// Whether a tiebreak is being played.
    pub fn in_tiebreak(&self) -> bool {
        self.tiebreak_first.is_some()
    }
}

impl Rules for Tennis {
    /// Points are played while the match is live and not yet decided.
    fn decide(&self, status: Status, event: &EventKind) -> Result<(), Conflict> {
        self.sets.decide("tennis", status, event)
    }

    fn evolve(&mut self, event: &EventKind, _at: OffsetDateTime) -> Option<Status> {
        match event {
            EventKind::Start(start) => {
                self.sets.start(start.server.unwrap_or(Side::Home));
                if self.rule().tiebreak_at == Some(0) {
                    self.begin_tiebreak();
                }
                Some(Status::Live)
            }
            EventKind::Point(point) if !self.sets.over => {
                match self.tiebreak_first {
                    Some(first) => self.tiebreak_point(point.team, first),
                    None => self.game_point(point.team),
                }
                self.sets.over.then_some(Status::Finished)
            }
            _ => None,
        }
    }

    rally::rally_rules!();

    fn keys(&self) -> Option<PlayKeys> {
        let mut keys = self.sets.keys();
        // A game at love-all (a new game, a new tiebreak) leaves `gp` out: the start and the
        // update of the point that won the previous game stay within 100 bytes.
        keys.gp = self.game().filter(|_| self.points != [0, 0]);
        Some(keys).filter(|k| !k.is_empty())
    }
}

/// Tennis refuses a start without its first server and a posted `after`.
pub fn check_fields(event: &EventKind) -> Result<(), super::FieldError> {
    rally::check_fields(event, "tennis", true)
}

/// `format`'s tennis keys, for the OpenAPI document.
pub fn format_properties(
    object: utoipa::openapi::schema::ObjectBuilder,
) -> utoipa::openapi::schema::ObjectBuilder {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    object
        .property(
            "best_of",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .enum_values(Some([3, 5]))
                .description(Some("Tennis: 3 (the default) or 5 sets")),
        )
        .property(
            "final_set",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(FINAL_SETS.map(|(_, name, _)| name)))
                .description(Some(
                    "Tennis: how the deciding set is played (tiebreak_7 by default)",
                )),
        )
        .property(
            "no_ad",
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .description(Some("Tennis: a deciding point at deuce (false by default)")),
        )
}

#[cfg(test)]
mod properties;
#[cfg(test)]
mod replays;
#[cfg(test)]
mod tests;
