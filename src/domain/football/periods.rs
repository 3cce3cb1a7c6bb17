//! Football's periods, in match order, as one table: which period may follow which, whether it is a
//! break, and where its clock starts.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A phase of a football match. The names are the API; compact messages (`pd`) send the first
/// release's names as they were and a short code for each period added since (see [`Period::code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    FirstHalf,
    HalfTime,
    SecondHalf,
    /// The break between normal time and extra time.
    BeforeExtraTime,
    /// The first half of extra time (the name stays `extra_time` for clients that know only it).
    ExtraTime,
    ExtraTimeHalfTime,
    ExtraTimeSecondHalf,
    /// The break before the penalty shoot-out.
    BeforePenalties,
    Penalties,
}

/// One period's rules: `(period, name, compact code, break?, clock's first minute, its length in
/// minutes)`; a length of 0 means no clock runs (breaks, the shoot-out).
/// A period may follow any earlier one except as [`Period::may_follow`] narrows it.
type Row = (Period, &'static str, &'static str, bool, u8, u8);
const TABLE: [Row; 9] = [
    (Period::FirstHalf, "first_half", "first_half", false, 0, 45),
    (Period::HalfTime, "half_time", "half_time", true, 45, 0),
    (Period::SecondHalf, "second_half", "second_half", false, 45, 45),
    (Period::BeforeExtraTime, "before_extra_time", "pre_et", true, 90, 0),
    (Period::ExtraTime, "extra_time", "extra_time", false, 90, 15),
    (Period::ExtraTimeHalfTime, "extra_time_half_time", "et_ht", true, 105, 0),
    (Period::ExtraTimeSecondHalf, "extra_time_second_half", "et2", false, 105, 15),
    (Period::BeforePenalties, "before_penalties", "pre_pen", true, 120, 0),
    (Period::Penalties, "penalties", "penalties", false, 120, 0),
];

impl Period {
    pub const ALL: [Period; 9] = [
        Self::FirstHalf,
        Self::HalfTime,
        Self::SecondHalf,
        Self::BeforeExtraTime,
        Self::ExtraTime,
        Self::ExtraTimeHalfTime,
        Self::ExtraTimeSecondHalf,
        Self::BeforePenalties,
        Self::Penalties,
    ];

    fn row(self) -> Row {
        TABLE[self as usize]
    }

    pub fn as_str(self) -> &'static str {
        self.row().1
    }

    /// The period's name in compact messages: the first release's periods keep their names, the
    /// others have short codes, so that a period update stays within 100 bytes.
    pub fn code(self) -> &'static str {
        self.row().2
    }

    /// The compact code of a period named `name`; a name football does not have, as it is.
    pub fn code_of(name: &str) -> &str {
        match Self::parse(name) {
            Some(period) => period.code(),
            None => name,
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }

    /// A break between periods: the match's status is `half_time` during it.
    pub fn is_break(self) -> bool {
        self.row().3
    }

    /// Whether a clock runs in this period (not in breaks, nor in the shoot-out).
    pub fn has_clock(self) -> bool {
        self.row().5 > 0
    }

    /// The minute the period's clock starts from (45 in the second half, 105 in the second half of
    /// extra time), and how long it lasts before added time.
    pub fn clock(self) -> (u8, u8) {
        (self.row().4, self.row().5)
    }

    /// Whether this period may come right after `current`. Halves follow their break; breaks follow
    /// the half before them; extra time and penalties may follow any earlier period, as
    /// competitions skip straight to them.
    pub fn may_follow(self, current: Period) -> bool {
        match self {
            Self::FirstHalf => false,
            Self::HalfTime => current == Self::FirstHalf,
            Self::SecondHalf => current == Self::HalfTime,
            Self::BeforeExtraTime => current == Self::SecondHalf,
            Self::ExtraTimeHalfTime => current == Self::ExtraTime,
            Self::ExtraTimeSecondHalf => current == Self::ExtraTimeHalfTime,
            Self::BeforePenalties => {
                matches!(current, Self::SecondHalf | Self::ExtraTime | Self::ExtraTimeSecondHalf)
            }
            Self::ExtraTime | Self::Penalties => current < self,
        }
    }

    /// The periods allowed after this one, for conflict messages.
    pub fn successors(self) -> Vec<&'static str> {
        Self::ALL.into_iter().filter(|p| p.may_follow(self)).map(Period::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_match_order_and_names_round_trip() {
        for (i, p) in Period::ALL.into_iter().enumerate() {
            assert_eq!(TABLE[i].0, p);
            assert_eq!(Period::parse(p.as_str()), Some(p));
            assert_eq!(Period::code_of(p.as_str()), p.code());
            assert!(p.code().len() <= "second_half".len(), "{}", p.code());
        }
    }

    /// docs/protocol.md lists the compact codes that differ from the names.
    #[test]
    fn the_period_codes_are_the_ones_docs_list() {
        let documented: Vec<(String, String)> = crate::doc_tables::rows(
            include_str!("../../../docs/protocol.md"),
            "<!-- period-codes -->",
        )
        .into_iter()
        .map(|cells| (cells[0].trim_matches('`').to_owned(), cells[1].trim_matches('`').to_owned()))
        .collect();
        let coded: Vec<(String, String)> = Period::ALL
            .into_iter()
            .filter(|p| p.code() != p.as_str())
            .map(|p| (p.code().to_owned(), p.as_str().to_owned()))
            .collect();
        assert_eq!(documented, coded);
    }

    #[test]
    fn extra_time_runs_in_two_halves_with_the_right_clock() {
        assert_eq!(Period::ExtraTime.clock(), (90, 15));
        assert_eq!(Period::ExtraTimeSecondHalf.clock(), (105, 15));
        assert!(Period::ExtraTimeSecondHalf.may_follow(Period::ExtraTimeHalfTime));
        assert!(!Period::ExtraTimeSecondHalf.may_follow(Period::ExtraTime));
        assert!(Period::Penalties.may_follow(Period::FirstHalf));
        assert!(!Period::ExtraTime.may_follow(Period::Penalties));
    }
}
