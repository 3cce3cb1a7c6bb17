//! An ice hockey match's format: `{"period_minutes":20,"overtime":"regular_season",
//! "shootout_rounds":3}` (the defaults).

use serde::{Deserialize, Serialize};

/// How a game tied after regulation is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overtime {
    /// One sudden-death overtime of 5 minutes (3-on-3), then a shoot-out.
    #[default]
    RegularSeason,
    /// Sudden-death periods as long as regulation's, until a goal.
    Playoff,
}

/// Regular-season overtime, minutes.
pub const REGULAR_SEASON_OVERTIME_MINUTES: u8 = 5;
/// Longest period a format may set (the NHL's and IIHF's).
const MAX_PERIOD_MINUTES: i64 = 20;
/// Most rounds a shoot-out may be set to before sudden death (football's penalties have five).
const MAX_SHOOTOUT_ROUNDS: i64 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Format {
    #[serde(default = "twenty", deserialize_with = "period_minutes")]
    pub period_minutes: u8,
    #[serde(default)]
    pub overtime: Overtime,
    #[serde(default = "three", deserialize_with = "shootout_rounds")]
    pub shootout_rounds: u8,
}

impl Default for Format {
    fn default() -> Self {
        Self { period_minutes: twenty(), overtime: Overtime::default(), shootout_rounds: three() }
    }
}

fn twenty() -> u8 {
    20
}

fn three() -> u8 {
    3
}

fn bounded<'de, D: serde::Deserializer<'de>>(d: D, max: i64) -> Result<u8, D::Error> {
    let raw = i64::deserialize(d)?;
    if (1..=max).contains(&raw) {
        Ok(raw as u8)
    } else {
        Err(serde::de::Error::custom(format!("must be between 1 and {max}, got {raw}")))
    }
}

fn period_minutes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    bounded(d, MAX_PERIOD_MINUTES)
}

fn shootout_rounds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    bounded(d, MAX_SHOOTOUT_ROUNDS)
}

/// The keys and bounds, for the OpenAPI document.
pub const BOUNDS: [(&str, i64); 2] =
    [("period_minutes", MAX_PERIOD_MINUTES), ("shootout_rounds", MAX_SHOOTOUT_ROUNDS)];
