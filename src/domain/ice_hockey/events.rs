//! Ice hockey's own event bodies and the fields its goals add: a penalty, a shoot-out attempt, a
//! goal's strength and assists.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{Minute, Name, Side};

/// The skaters on the ice when a goal was scored, as the scoring side saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    Even,
    PowerPlay,
    ShortHanded,
}

/// A goal's assists: at most two players.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Name>", into = "Vec<Name>")]
pub struct Assists(Vec<Name>);

/// Most assists a goal is credited with (the scorer's two last teammates on the puck).
const MAX_ASSISTS: usize = 2;

impl TryFrom<Vec<Name>> for Assists {
    type Error = String;

    fn try_from(names: Vec<Name>) -> Result<Self, Self::Error> {
        if names.len() > MAX_ASSISTS {
            return Err(format!("at most {MAX_ASSISTS} assists, got {}", names.len()));
        }
        Ok(Self(names))
    }
}

impl From<Assists> for Vec<Name> {
    fn from(a: Assists) -> Self {
        a.0
    }
}

impl Assists {
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(AsRef::as_ref)
    }
}

impl utoipa::PartialSchema for Assists {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(<Name as utoipa::PartialSchema>::schema())
            .max_items(Some(MAX_ASSISTS))
            .description(Some("Ice hockey: the players credited with an assist, at most two"))
            .into()
    }
}

impl ToSchema for Assists {}

/// `{"kind":"penalty","team":"home","minutes":2,"player":"..."}`: shown, not enforced as a power
/// play.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Penalty {
    /// The side penalized.
    pub team: Side,
    pub minutes: PenaltyMinutes,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub player: Option<Name>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minute: Option<Minute>,
}

/// A penalty's length: 2 (minor), 4 (double minor), 5 (major) or 10 (misconduct) minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct PenaltyMinutes(u8);

const PENALTY_MINUTES: [u8; 4] = [2, 4, 5, 10];

impl PenaltyMinutes {
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for PenaltyMinutes {
    type Error = String;

    fn try_from(raw: i64) -> Result<Self, Self::Error> {
        PENALTY_MINUTES
            .into_iter()
            .find(|m| i64::from(*m) == raw)
            .map(Self)
            .ok_or_else(|| format!("must be 2, 4, 5 or 10, got {raw}"))
    }
}

impl From<PenaltyMinutes> for i64 {
    fn from(m: PenaltyMinutes) -> Self {
        m.0.into()
    }
}

impl utoipa::PartialSchema for PenaltyMinutes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Integer)
            .enum_values(Some(PENALTY_MINUTES.map(i64::from)))
            .description(Some(
                "Penalty minutes: 2 (minor), 4 (double minor), 5 (major), 10 (misconduct)",
            ))
            .into()
    }
}

impl ToSchema for PenaltyMinutes {}

/// `{"kind":"shot","team":"away","scored":true,"player":"..."}`: an attempt of the shoot-out; it
/// counts in the shoot-out's tally, not in the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Shot {
    pub team: Side,
    pub scored: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub player: Option<Name>,
}
