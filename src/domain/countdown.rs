//! A game clock that counts down and that the operator starts and stops (basketball, ice hockey):
//! `{"kind":"clock","running":true,"remaining_ms":431000}`. Between clock events a page runs it
//! from `remaining_ms` at `at` while `running`, and holds it while stopped.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// Longest period a countdown clock runs: ice hockey's 20 minutes.
pub const MAX_PERIOD_MS: i64 = 20 * 60 * 1000;

/// Milliseconds left on a countdown clock, 0..=[`MAX_PERIOD_MS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct RemainingMs(u32);

impl RemainingMs {
    pub fn get(self) -> i64 {
        self.0.into()
    }

    /// A period's full length, `minutes` long (bounded by the formats that give it).
    pub fn minutes(minutes: u8) -> Self {
        Self((u32::from(minutes) * 60_000).min(MAX_PERIOD_MS as u32))
    }
}

impl TryFrom<i64> for RemainingMs {
    type Error = String;

    fn try_from(raw: i64) -> Result<Self, Self::Error> {
        if (0..=MAX_PERIOD_MS).contains(&raw) {
            Ok(Self(raw as u32))
        } else {
            Err(format!("must be between 0 and {MAX_PERIOD_MS} (20 minutes), got {raw}"))
        }
    }
}

impl From<RemainingMs> for i64 {
    fn from(r: RemainingMs) -> Self {
        r.get()
    }
}

impl utoipa::PartialSchema for RemainingMs {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        super::fields::integer_schema(
            0,
            Some(MAX_PERIOD_MS),
            "Milliseconds left on the game clock; at most the period's length",
        )
    }
}

impl ToSchema for RemainingMs {}

/// `{"kind":"clock","running":bool,"remaining_ms":n}`: the game clock as the operator sets it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockSet {
    /// Whether the clock runs from now on.
    pub running: bool,
    /// What the clock shows now.
    pub remaining_ms: RemainingMs,
}

/// A countdown clock's state: what it showed `at`, and whether it has run since.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Countdown {
    pub running: bool,
    #[schema(value_type = i64, minimum = 0, maximum = 1_200_000)]
    pub remaining_ms: RemainingMs,
    /// When it showed `remaining_ms` (the clock event, the period's start, or a resumption).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl Countdown {
    /// A period's clock at its start: full and stopped.
    pub fn full(length: RemainingMs, at: OffsetDateTime) -> Self {
        Self { running: false, remaining_ms: length, at }
    }

    /// What the clock shows at `now` (never below zero).
    pub fn remaining_at(&self, now: OffsetDateTime) -> i64 {
        if !self.running {
            return self.remaining_ms.get();
        }
        let ran = (now - self.at).whole_milliseconds().max(0);
        (i128::from(self.remaining_ms.get()) - ran).max(0) as i64
    }

    /// The clock after the operator set it `at`.
    pub fn set(set: &ClockSet, at: OffsetDateTime) -> Self {
        Self { running: set.running, remaining_ms: set.remaining_ms, at }
    }

    /// The clock stopped `at`, showing what it showed then.
    pub fn stopped_at(self, at: OffsetDateTime) -> Self {
        let remaining = RemainingMs::try_from(self.remaining_at(at)).unwrap_or(self.remaining_ms);
        Self { running: false, remaining_ms: remaining, at }
    }

    /// Play stopped for `by` (an interruption): a running clock did not run meanwhile.
    pub fn shifted(self, by: time::Duration) -> Self {
        Self { at: self.at + by, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_clock_counts_down_to_zero_and_a_stopped_one_holds() {
        let at = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let set = ClockSet { running: true, remaining_ms: RemainingMs::try_from(5_000).unwrap() };
        let clock = Countdown::set(&set, at);
        assert_eq!(clock.remaining_at(at + time::Duration::milliseconds(1_500)), 3_500);
        assert_eq!(clock.remaining_at(at + time::Duration::seconds(9)), 0);
        let stopped = Countdown { running: false, ..clock };
        assert_eq!(stopped.remaining_at(at + time::Duration::seconds(9)), 5_000);
        assert_eq!(
            clock.shifted(time::Duration::seconds(2)).remaining_at(at + time::Duration::seconds(3)),
            4_000
        );
        assert!(RemainingMs::try_from(MAX_PERIOD_MS + 1).is_err());
    }
}
