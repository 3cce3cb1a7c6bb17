//! Small validated value types shared by matches and events.

use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// Longest team, competition or player name we accept, in characters.
const MAX_NAME_CHARS: usize = 100;
/// Highest match minute we accept: 120 plus stoppage time and penalties fit well below it.
const MAX_MINUTE: i64 = 200;
/// Highest score we accept for one side; far above any football or hockey score, below any overflow.
const MAX_GOALS: i64 = 999;

/// A team, competition or player name: at most 100 characters as sent, no control characters, not
/// only white space; stored without its surrounding white space. Every rule is one the OpenAPI
/// schema states (`Name::schema`), so a request that fits the schema is never refused for its names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

/// The white space `str::trim` removes (Unicode `White_Space`), spelled out for the schema's
/// patterns: a pattern's `\s` differs between regex dialects (ECMA-262 counts U+FEFF, Rust does not).
const WHITE_SPACE: &str = r"\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// Control characters (Unicode `Cc`, what `char::is_control` finds), spelled out likewise.
const CONTROL: &str = r"\x00-\x1f\x7f-\x9f";

impl TryFrom<String> for Name {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        bounded_text(&raw, MAX_NAME_CHARS).map(Self)
    }
}

/// Free text as names and reasons take it: at most `max` characters as sent, no control
/// characters, not only white space; trimmed of surrounding white space.
pub(crate) fn bounded_text(raw: &str, max: usize) -> Result<String, String> {
    let chars = raw.chars().count();
    if chars > max {
        return Err(format!("must be at most {max} characters, got {chars}"));
    }
    if raw.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("must not be empty or only white space".into());
    }
    Ok(trimmed.to_owned())
}

/// The schema of `bounded_text(_, max)`, with `description`.
pub(crate) fn bounded_text_schema(max: usize, description: &str, example: &str) -> RefOr<Schema> {
    // One character that is neither white space nor control, and no control character.
    let pattern = format!("^[^{CONTROL}]*[^{WHITE_SPACE}{CONTROL}][^{CONTROL}]*$");
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some(pattern))
        .description(Some(description))
        .examples([example])
        .into()
}

impl From<Name> for String {
    fn from(name: Name) -> Self {
        name.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A match minute, 0..=200.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Minute(u8);

impl TryFrom<i64> for Minute {
    type Error = String;

    fn try_from(raw: i64) -> Result<Self, Self::Error> {
        if (0..=MAX_MINUTE).contains(&raw) {
            Ok(Self(raw as u8))
        } else {
            Err(format!("must be between 0 and {MAX_MINUTE}, got {raw}"))
        }
    }
}

impl From<Minute> for i64 {
    fn from(minute: Minute) -> Self {
        i64::from(minute.0)
    }
}

/// Goals of one side, 0..=999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Goals(u16);

impl Goals {
    /// One more goal; saturates at the maximum instead of overflowing.
    pub fn incremented(self) -> Self {
        Self((self.0 + 1).min(MAX_GOALS as u16))
    }
}

impl TryFrom<i64> for Goals {
    type Error = String;

    fn try_from(raw: i64) -> Result<Self, Self::Error> {
        if (0..=MAX_GOALS).contains(&raw) {
            Ok(Self(raw as u16))
        } else {
            Err(format!("must be between 0 and {MAX_GOALS}, got {raw}"))
        }
    }
}

impl From<Goals> for i64 {
    fn from(goals: Goals) -> Self {
        i64::from(goals.0)
    }
}

/// Which team an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Home,
    Away,
}

/// The schema of an integer within `min..=max` (no upper bound when `max` is `None`).
pub(crate) fn integer_schema(min: i64, max: Option<i64>, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Int64,
        )))
        .minimum(Some(min))
        .maximum(max)
        .description(Some(description))
        .into()
}

impl PartialSchema for Name {
    fn schema() -> RefOr<Schema> {
        bounded_text_schema(
            MAX_NAME_CHARS,
            "A name: at most 100 characters, no control characters, not only white space. \
             Surrounding white space is trimmed; the trimmed value is stored",
            "Ajax",
        )
    }
}

impl ToSchema for Name {}

impl PartialSchema for Minute {
    fn schema() -> RefOr<Schema> {
        integer_schema(0, Some(MAX_MINUTE), "A match minute")
    }
}

impl ToSchema for Minute {}

impl PartialSchema for Goals {
    fn schema() -> RefOr<Schema> {
        integer_schema(0, Some(MAX_GOALS), "Goals of one side")
    }
}

impl ToSchema for Goals {}

impl Side {
    /// The side's name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Home => "home",
            Self::Away => "away",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Home, Self::Away].into_iter().find(|s| s.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(Name::try_from("  Ajax ".to_owned()).unwrap().as_ref(), "Ajax");
        assert!(Name::try_from("   ".to_owned()).is_err());
        assert!(Name::try_from("\u{3000}\u{a0}".to_owned()).is_err());
        assert!(Name::try_from("x".repeat(101)).is_err());
        assert!(Name::try_from(format!(" {}", "x".repeat(100))).is_err(), "counted as sent");
        assert!(Name::try_from("é".repeat(100)).is_ok());
        assert!(Name::try_from("a\nb".to_owned()).is_err());
        assert!(Name::try_from("Ajax\n".to_owned()).is_err(), "control characters anywhere");
        assert!(Name::try_from("\u{feff}".to_owned()).is_ok(), "not white space to Rust");
    }

    #[test]
    fn the_schema_patterns_name_exactly_the_characters_the_parser_trims_and_refuses() {
        let white = regex::Regex::new(&format!("^[{WHITE_SPACE}]$")).unwrap();
        let control = regex::Regex::new(&format!("^[{CONTROL}]$")).unwrap();
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let text = c.to_string();
            assert_eq!(white.is_match(&text), c.is_whitespace(), "{c:?}");
            assert_eq!(control.is_match(&text), c.is_control(), "{c:?}");
        }
    }

    #[test]
    fn minutes_and_goals_are_bounded() {
        assert!(Minute::try_from(200).is_ok());
        assert!(Minute::try_from(201).is_err());
        assert!(Minute::try_from(-1).is_err());
        assert!(Goals::try_from(1000).is_err());
        assert_eq!(i64::from(Goals::try_from(998).unwrap().incremented()), 999);
    }
}
