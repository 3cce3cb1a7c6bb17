//! Identifiers and positions: a match id and a per-match sequence number, each parsed once (from a
//! path, a query, a header, JSON or a database row) and trusted everywhere behind that.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::openapi::{schema::Schema, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::fields::integer_schema;

/// Database identifier of a match: a positive integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct MatchId(i64);

/// A match's sequence number: how many events it has. `0` is "before any event"; event `n` is the
/// `n`th event committed for its match.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Seq(i64);

/// A value that is not a match id or a sequence number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct IdError(&'static str);

impl MatchId {
    pub fn get(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for MatchId {
    type Error = IdError;

    fn try_from(raw: i64) -> Result<Self, IdError> {
        if raw > 0 {
            Ok(Self(raw))
        } else {
            Err(IdError("a match id is a positive integer"))
        }
    }
}

impl Seq {
    /// Before the first event.
    pub const ZERO: Seq = Seq(0);

    pub fn get(self) -> i64 {
        self.0
    }

    /// The number of the event after this one.
    pub fn next(self) -> Self {
        Self(self.0 + 1)
    }

    /// How many events lie after `earlier` up to this one (0 when `earlier` is not earlier).
    pub fn since(self, earlier: Seq) -> i64 {
        (self.0 - earlier.0).max(0)
    }
}

impl TryFrom<i64> for Seq {
    type Error = IdError;

    fn try_from(raw: i64) -> Result<Self, IdError> {
        if raw >= 0 {
            Ok(Self(raw))
        } else {
            Err(IdError("a sequence number is an integer of 0 or more"))
        }
    }
}

fn parse_int<T: TryFrom<i64, Error = IdError>>(
    raw: &str,
    what: &'static str,
) -> Result<T, IdError> {
    raw.parse::<i64>().map_err(|_| IdError(what)).and_then(T::try_from)
}

impl FromStr for MatchId {
    type Err = IdError;

    fn from_str(raw: &str) -> Result<Self, IdError> {
        parse_int(raw, "a match id is a positive integer")
    }
}

impl FromStr for Seq {
    type Err = IdError;

    fn from_str(raw: &str) -> Result<Self, IdError> {
        parse_int(raw, "a sequence number is an integer of 0 or more")
    }
}

impl<'de> Deserialize<'de> for MatchId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::try_from(i64::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Seq {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::try_from(i64::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for MatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialSchema for MatchId {
    fn schema() -> RefOr<Schema> {
        integer_schema(1, None, "A match id: a positive integer")
    }
}

impl ToSchema for MatchId {}

impl PartialSchema for Seq {
    fn schema() -> RefOr<Schema> {
        integer_schema(0, None, "A match's sequence number: `n` is its `n`th event, 0 before any")
    }
}

impl ToSchema for Seq {}

/// `42:17`: match 42, as of its sequence number 17 (SSE ids, `since`, `Last-Event-ID`).
pub fn parse_position(raw: &str) -> Option<(MatchId, Seq)> {
    let (id, seq) = raw.split_once(':')?;
    Some((id.trim().parse().ok()?, seq.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn ids_are_positive_and_positions_are_not_negative() {
        assert_eq!("42".parse::<MatchId>().unwrap().get(), 42);
        assert!("0".parse::<MatchId>().is_err());
        assert!("-3".parse::<MatchId>().is_err());
        assert!("x".parse::<MatchId>().is_err());
        assert!(" 42".parse::<MatchId>().is_err(), "ids are exact; positions may be spaced");
        assert_eq!("0".parse::<Seq>().unwrap(), Seq::ZERO);
        assert!("-1".parse::<Seq>().is_err());
        assert_eq!(parse_position(" 7 : 3 ").map(|(m, s)| (m.get(), s.get())), Some((7, 3)));
        assert_eq!(parse_position("7"), None);
    }

    #[test]
    fn json_keys_parse_as_match_ids_and_zero_is_refused() {
        let since: HashMap<MatchId, Seq> = serde_json::from_str(r#"{"42":17}"#).unwrap();
        assert_eq!(since[&MatchId(42)], Seq(17));
        assert!(serde_json::from_str::<HashMap<MatchId, Seq>>(r#"{"0":1}"#).is_err());
        assert!(serde_json::from_str::<HashMap<MatchId, Seq>>(r#"{"4":-1}"#).is_err());
        assert!(serde_json::from_str::<Vec<MatchId>>("[1,0]").is_err());
    }
}
