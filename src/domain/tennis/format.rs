//! A tennis match's format and the set rules that follow from it, as one table.

use serde::{Deserialize, Serialize};

/// `format` of a tennis match: `{"best_of":3,"final_set":"tiebreak_7","no_ad":false}` (the
/// defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Format {
    #[serde(default = "three", deserialize_with = "best_of")]
    pub best_of: u8,
    #[serde(default)]
    pub final_set: FinalSet,
    /// A deciding point at deuce instead of advantage.
    #[serde(default)]
    pub no_ad: bool,
}

impl Default for Format {
    fn default() -> Self {
        Self { best_of: three(), final_set: FinalSet::default(), no_ad: false }
    }
}

fn three() -> u8 {
    3
}

fn best_of<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    let raw = i64::deserialize(d)?;
    match raw {
        3 | 5 => Ok(raw as u8),
        _ => Err(serde::de::Error::custom(format!("must be 3 or 5, got {raw}"))),
    }
}

/// How the deciding set is played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinalSet {
    /// No tiebreak: played on until one side leads by two games.
    Advantage,
    /// A tiebreak to 7 at 6-6, as in every other set.
    #[default]
    #[serde(rename = "tiebreak_7")]
    Tiebreak7,
    /// A tiebreak to 7 at 12-12 (Wimbledon 2019-2021).
    #[serde(rename = "tiebreak_7_at_12")]
    Tiebreak7At12,
    /// A tiebreak to 10 at 6-6 (the four majors since 2022).
    #[serde(rename = "tiebreak_10")]
    Tiebreak10,
    /// A tiebreak to 10 instead of the deciding set (doubles on tour).
    #[serde(rename = "match_tiebreak_10")]
    MatchTiebreak10,
}

/// How a set is won: by two games from six, with a tiebreak (when it has one) at `tiebreak_at`
/// games all, to `tiebreak_to` points by two. A set whose tiebreak is at 0-0 is only the
/// tiebreak; its winner takes it 1-0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetRule {
    pub tiebreak_at: Option<u16>,
    pub tiebreak_to: u16,
}

/// Games that win a set (by two clear).
pub const SET_GAMES: u16 = 6;

/// Every set but the deciding one.
pub const REGULAR_SET: SetRule = SetRule { tiebreak_at: Some(6), tiebreak_to: 7 };

/// The deciding set of each `final_set`, as docs/api.md's tennis table says.
pub const FINAL_SETS: [(FinalSet, &str, SetRule); 5] = [
    (FinalSet::Advantage, "advantage", SetRule { tiebreak_at: None, tiebreak_to: 7 }),
    (FinalSet::Tiebreak7, "tiebreak_7", REGULAR_SET),
    (
        FinalSet::Tiebreak7At12,
        "tiebreak_7_at_12",
        SetRule { tiebreak_at: Some(12), tiebreak_to: 7 },
    ),
    (FinalSet::Tiebreak10, "tiebreak_10", SetRule { tiebreak_at: Some(6), tiebreak_to: 10 }),
    (
        FinalSet::MatchTiebreak10,
        "match_tiebreak_10",
        SetRule { tiebreak_at: Some(0), tiebreak_to: 10 },
    ),
];

impl Format {
    /// Sets that win the match.
    pub fn to_win(&self) -> u16 {
        u16::from(self.best_of / 2 + 1)
    }

    /// The rule of set `number` (from 1).
    pub fn set_rule(&self, number: usize) -> SetRule {
        if number < usize::from(self.best_of) {
            return REGULAR_SET;
        }
        FINAL_SETS.iter().find(|(f, ..)| *f == self.final_set).map_or(REGULAR_SET, |(_, _, r)| *r)
    }
}
