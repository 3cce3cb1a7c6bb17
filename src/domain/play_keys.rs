//! A sport's own keys in compact messages: what a client needs to show the sport's state beyond
//! the score (`sc`), status and period. A sport gives them through [`super::Rules::keys`]; they
//! travel in the stored event (a point's `after`, a lifecycle or correction event's state) so that
//! replays from storage send them as they were sent live, and the protocol never asks the sport.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Side;

/// The sport's state keys of a compact update or snapshot; each is left out where the sport has
/// none (football, basketball, ice hockey have none of these).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct PlayKeys {
    /// The current set's score `[home, away]`: games in tennis, points in volleyball (the last
    /// set's once the match is over).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gs: Option<[u16; 2]>,
    /// Tennis: the current game's points, `"0"`, `"15"`, `"30"`, `"40"`, `"A"` (advantage); in a
    /// tiebreak, numbers. Absent while the game (or tiebreak) stands at love-all, and once the
    /// match is over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<serde_json::Value>>)]
    pub gp: Option<[GamePoint; 2]>,
    /// Tennis and volleyball: the side serving the next point, `h` or `a`; absent once the
    /// match is over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sv: Option<Short>,
    /// The match is over: the point that decided it (its update says `st` `finished`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub over: bool,
}

impl PlayKeys {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// A tennis game's points as called (`"40"`, `"A"`), or a tiebreak's count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum GamePoint {
    Count(u16),
    Call(String),
}

/// A side as compact messages name it: `h` or `a`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Short {
    #[serde(rename = "h")]
    Home,
    #[serde(rename = "a")]
    Away,
}

impl From<Side> for Short {
    fn from(side: Side) -> Self {
        match side {
            Side::Home => Self::Home,
            Side::Away => Self::Away,
        }
    }
}
