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

/// A team, competition or player name: 1..=100 characters after trimming surrounding white space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl TryFrom<String> for Name {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        bounded_text(&raw, MAX_NAME_CHARS).map(Self)
    }
}

/// `raw` trimmed of surrounding white space, when that is 1..=`max_chars` characters without
/// control characters; otherwise why not.
pub(crate) fn bounded_text(raw: &str, max_chars: usize) -> Result<String, String> {
    let trimmed = raw.trim();
    let chars = trimmed.chars().count();
    if chars == 0 {
        return Err("must not be empty".into());
    }
    if chars > max_chars {
        return Err(format!("must be at most {max_chars} characters, got {chars}"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(trimmed.to_owned())
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
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(MAX_NAME_CHARS))
            .description(Some(
                "A name: 1 to 100 characters after surrounding white space is trimmed (the \
                 trimmed value is stored), no control characters",
            ))
            .examples(["Ajax"])
            .into()
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
        assert!(Name::try_from("x".repeat(101)).is_err());
        assert!(Name::try_from("é".repeat(100)).is_ok());
        assert!(Name::try_from("a\nb".to_owned()).is_err());
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
