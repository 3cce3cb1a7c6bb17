//! A basketball match's format and the rules that follow from it, as one table.

use serde::{Deserialize, Serialize};

/// `format` of a basketball match: `{"quarter_minutes":10,"overtime_minutes":5}` (the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Format {
    #[serde(default = "fiba_quarter", deserialize_with = "quarter_minutes")]
    pub quarter_minutes: u8,
    #[serde(default = "five", deserialize_with = "overtime_minutes")]
    pub overtime_minutes: u8,
}

impl Default for Format {
    fn default() -> Self {
        Self { quarter_minutes: fiba_quarter(), overtime_minutes: five() }
    }
}

fn fiba_quarter() -> u8 {
    10
}

fn five() -> u8 {
    5
}

/// Longest overtime period a format may set: as long as the longest quarter.
pub const MAX_OVERTIME_MINUTES: i64 = 12;

fn quarter_minutes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    let raw = i64::deserialize(d)?;
    RULES
        .iter()
        .find(|r| i64::from(r.quarter_minutes) == raw)
        .map(|r| r.quarter_minutes)
        .ok_or_else(|| {
            serde::de::Error::custom(format!("must be 10 (FIBA) or 12 (NBA), got {raw}"))
        })
}

fn overtime_minutes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    let raw = i64::deserialize(d)?;
    if (1..=MAX_OVERTIME_MINUTES).contains(&raw) {
        Ok(raw as u8)
    } else {
        Err(serde::de::Error::custom(format!(
            "must be between 1 and {MAX_OVERTIME_MINUTES}, got {raw}"
        )))
    }
}

/// The rules a quarter length stands for: FIBA's 10-minute quarters, the NBA's 12-minute ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub quarter_minutes: u8,
    /// Whose rules these are, for docs and messages.
    pub body: &'static str,
    /// A player's personal foul that sends them out of the game.
    pub foul_out: u8,
    /// A team's foul in a quarter from which the other side shoots free throws (the bonus).
    pub bonus_from: u8,
    /// The same in an overtime period.
    pub overtime_bonus_from: u8,
    /// Whether an overtime's team fouls go on counting from the fourth quarter's (FIBA) or start
    /// again (NBA).
    pub overtime_continues_fourth: bool,
}

/// One row per quarter length; docs/api.md's basketball table says the same.
pub const RULES: [Rules; 2] = [
    Rules {
        quarter_minutes: 10,
        body: "FIBA",
        foul_out: 5,
        bonus_from: 5,
        overtime_bonus_from: 5,
        overtime_continues_fourth: true,
    },
    Rules {
        quarter_minutes: 12,
        body: "NBA",
        foul_out: 6,
        bonus_from: 5,
        overtime_bonus_from: 4,
        overtime_continues_fourth: false,
    },
];

impl Format {
    pub fn rules(&self) -> Rules {
        RULES.into_iter().find(|r| r.quarter_minutes == self.quarter_minutes).unwrap_or(RULES[0])
    }
}
