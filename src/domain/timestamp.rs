//! A moment a client gives us (a kickoff), refused unless the store and every answer can hold it.
//!
//! RFC 3339 writes years 0000 to 9999, in the offset the client chose. Stored and sent, a moment is
//! in UTC, where `9999-12-31T23:59:59-00:01` is already in year 10000 and `0000-01-01T00:00:00+00:01`
//! before year 0: neither can be read back or written as RFC 3339 again. Taking the years 0001 to
//! 9998 as written keeps every offset (less than a day) inside 0000-9999 once in UTC, and is a rule
//! a client can check from the text alone, as the OpenAPI pattern does.

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, RefOr};
use utoipa::{PartialSchema, ToSchema};

/// The first and last year a timestamp may be written with: one year inside what UTC can hold
/// as RFC 3339, so that no offset takes it out.
const YEARS: std::ops::RangeInclusive<i32> = 1..=9998;
/// The years 0001 to 9998 at the start of an RFC 3339 timestamp, for the OpenAPI schema.
const YEAR_PATTERN: &str =
    "^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-";

/// An RFC 3339 timestamp in the years 0001 to 9998 as written, kept in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    pub fn get(self) -> OffsetDateTime {
        self.0
    }
}

impl TryFrom<String> for Timestamp {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let at = OffsetDateTime::parse(&raw, &Rfc3339)
            .map_err(|e| format!("must be an RFC 3339 timestamp ({e}), got {raw:?}"))?;
        if !YEARS.contains(&at.year()) {
            return Err(format!(
                "must be in the years {:04} to {:04} (so that it is a valid timestamp in UTC \
                 too), got {raw:?}",
                YEARS.start(),
                YEARS.end()
            ));
        }
        // Inside those years every offset stays inside what UTC can hold.
        Ok(Self(at.to_offset(UtcOffset::UTC)))
    }
}

impl From<Timestamp> for String {
    fn from(at: Timestamp) -> Self {
        at.0.format(&Rfc3339).expect("a timestamp of years 0000-9999 formats as RFC 3339")
    }
}

impl PartialSchema for Timestamp {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .pattern(Some(YEAR_PATTERN))
            .description(Some(
                "An RFC 3339 timestamp written with a year from 0001 to 9998 (so that it is \
                 inside 0000-9999 in UTC whatever its offset)",
            ))
            .examples(["2026-11-21T19:00:00Z"])
            .into()
    }
}

impl ToSchema for Timestamp {}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<Timestamp, String> {
        Timestamp::try_from(raw.to_owned())
    }

    #[test]
    fn timestamps_that_leave_the_years_utc_can_hold_are_refused() {
        for raw in ["9999-12-31T23:59:59-00:01", "0000-01-01T00:00:00+00:01"] {
            let err = parse(raw).unwrap_err();
            assert!(err.contains("0001 to 9998"), "{raw}: {err}");
        }
        assert!(parse("2026-11-21T19:00:00").unwrap_err().contains("RFC 3339"));
    }

    #[test]
    fn the_extreme_years_hold_with_any_offset_and_come_back_in_utc() {
        let late = parse("9998-12-31T23:59:59.999-23:59").unwrap();
        assert_eq!(late.get().year(), 9999);
        assert_eq!(String::from(late), "9999-01-01T23:58:59.999Z");
        assert_eq!(parse("0001-01-01T00:00:00+23:59").unwrap().get().year(), 0);
        assert_eq!(
            String::from(parse("2026-11-21T20:00:00+01:00").unwrap()),
            "2026-11-21T19:00:00Z"
        );
    }

    #[test]
    fn the_schema_pattern_takes_exactly_the_years_the_parser_takes() {
        let pattern = regex::Regex::new(YEAR_PATTERN).unwrap();
        for year in 0..=9999 {
            let raw = format!("{year:04}-06-01T12:00:00Z");
            assert_eq!(pattern.is_match(&raw), parse(&raw).is_ok(), "{raw}");
        }
    }
}
