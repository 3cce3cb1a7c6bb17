//! The name in a `period` event: one of football's periods, or a period of a sport played against a
//! countdown clock (basketball's quarters, ice hockey's periods, overtimes, the shoot-out). Which
//! names a match takes is its sport's rule (`Sport::check_fields`); this type only knows the names.

use serde::{Deserialize, Serialize};

use super::football::periods::Period;

/// Most overtime periods a match may have: the longest games on record went to six (NBA 1951, NHL
/// 1936), college basketball to seven.
pub const MAX_OVERTIMES: u8 = 20;

const QUARTERS: [&str; 4] = ["q1", "q2", "q3", "q4"];
const THIRDS: [&str; 3] = ["p1", "p2", "p3"];
const OVERTIMES: [&str; MAX_OVERTIMES as usize] = [
    "ot1", "ot2", "ot3", "ot4", "ot5", "ot6", "ot7", "ot8", "ot9", "ot10", "ot11", "ot12", "ot13",
    "ot14", "ot15", "ot16", "ot17", "ot18", "ot19", "ot20",
];

/// Tennis's and volleyball's sets, as their line score names them: derived from the points, never
/// posted in a `period` event. Five at most (best of five).
pub const SETS: [&str; 5] = ["s1", "s2", "s3", "s4", "s5"];

/// The name of set `n` (from 1); the last name for any later one.
pub fn set_name(n: usize) -> &'static str {
    SETS[n.clamp(1, SETS.len()) - 1]
}

/// A period of a sport with a countdown clock, in match order within its sport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Timed {
    /// Basketball's quarters, 1..=4.
    Quarter(u8),
    /// Ice hockey's periods, 1..=3.
    Third(u8),
    /// Overtime periods, 1..=[`MAX_OVERTIMES`].
    Overtime(u8),
    /// Ice hockey's shoot-out.
    Shootout,
}

impl Timed {
    pub fn as_str(self) -> &'static str {
        let at = |names: &'static [&'static str], n: u8| names[usize::from(n.max(1)) - 1];
        match self {
            Self::Quarter(n) => at(&QUARTERS, n.min(4)),
            Self::Third(n) => at(&THIRDS, n.min(3)),
            Self::Overtime(n) => at(&OVERTIMES, n.min(MAX_OVERTIMES)),
            Self::Shootout => "shootout",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let find = |names: &[&str]| names.iter().position(|n| *n == raw).map(|i| i as u8 + 1);
        find(&QUARTERS)
            .map(Self::Quarter)
            .or_else(|| find(&THIRDS).map(Self::Third))
            .or_else(|| find(&OVERTIMES).map(Self::Overtime))
            .or_else(|| (raw == "shootout").then_some(Self::Shootout))
    }

    /// Every name, in order: quarters, periods, overtimes, the shoot-out.
    pub fn names() -> impl Iterator<Item = &'static str> {
        QUARTERS.into_iter().chain(THIRDS).chain(OVERTIMES).chain(["shootout"])
    }
}

impl TryFrom<String> for Timed {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw).ok_or_else(|| format!("unknown period {raw:?}"))
    }
}

impl From<Timed> for String {
    fn from(t: Timed) -> Self {
        t.as_str().to_owned()
    }
}

/// The period a `period` event enters, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum PeriodName {
    Football(Period),
    Timed(Timed),
}

impl PeriodName {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Football(p) => p.as_str(),
            Self::Timed(t) => t.as_str(),
        }
    }

    /// Its name in compact messages: football's short codes for the periods added after the
    /// first release; every other name as it is.
    pub fn code(self) -> &'static str {
        match self {
            Self::Football(p) => p.code(),
            Self::Timed(t) => t.as_str(),
        }
    }

    /// Whether a clock runs in it (not in breaks nor shoot-outs).
    pub fn has_clock(self) -> bool {
        match self {
            Self::Football(p) => p.has_clock(),
            Self::Timed(t) => t != Timed::Shootout,
        }
    }

    /// A break between periods (football's half time and the breaks before extra time and
    /// penalties): the match is `half_time` during it.
    pub fn is_break(self) -> bool {
        matches!(self, Self::Football(p) if p.is_break())
    }

    /// Every name a `period` event may carry, in any sport.
    pub fn names() -> Vec<&'static str> {
        Period::ALL.into_iter().map(Period::as_str).chain(Timed::names()).collect()
    }
}

impl From<Period> for PeriodName {
    fn from(p: Period) -> Self {
        Self::Football(p)
    }
}

impl TryFrom<String> for PeriodName {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Period::parse(&raw)
            .map(Self::Football)
            .or_else(|| Timed::parse(&raw).map(Self::Timed))
            .ok_or_else(|| {
                format!(
                    "unknown period {raw:?}: football's {}; basketball's q1-q4, ice hockey's \
                     p1-p3 and shootout; overtimes ot1-ot{MAX_OVERTIMES}",
                    Period::ALL.map(Period::as_str).join(", ")
                )
            })
    }
}

impl From<PeriodName> for String {
    fn from(p: PeriodName) -> Self {
        p.as_str().to_owned()
    }
}

impl utoipa::PartialSchema for PeriodName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(Self::names()))
            .description(Some(
                "The period entered, by its sport's names (football: first_half...; basketball: \
                 q1-q4, ot1...; ice hockey: p1-p3, ot1..., shootout)",
            ))
            .into()
    }
}

impl utoipa::ToSchema for PeriodName {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips() {
        for name in PeriodName::names() {
            let parsed = PeriodName::try_from(name.to_owned()).unwrap();
            assert_eq!(parsed.as_str(), name);
        }
        assert!(PeriodName::try_from("ot21".to_owned()).is_err());
        assert!(PeriodName::try_from("q5".to_owned()).is_err());
        assert_eq!(Timed::Overtime(3).as_str(), "ot3");
        assert!(Timed::Quarter(4) < Timed::Overtime(1) && Timed::Overtime(9) < Timed::Shootout);
    }

    #[test]
    fn sets_are_named_in_order_and_are_no_period_an_event_may_enter() {
        assert_eq!((1..=5).map(set_name).collect::<Vec<_>>(), SETS);
        for set in SETS {
            assert!(PeriodName::try_from(set.to_owned()).is_err(), "{set}");
        }
    }
}
