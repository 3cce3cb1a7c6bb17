//! Basketball's own event bodies: a basket, a foul, a timeout.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{Name, Side};

/// `{"kind":"points","team":"home","value":3,"player":"..."}`: a made basket or free throw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Points {
    pub team: Side,
    pub value: PointValue,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub player: Option<Name>,
}

/// What a basket is worth: 1 (a free throw), 2 or 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct PointValue(u8);

impl PointValue {
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for PointValue {
    type Error = String;

    fn try_from(raw: i64) -> Result<Self, Self::Error> {
        if (1..=3).contains(&raw) {
            Ok(Self(raw as u8))
        } else {
            Err(format!("must be 1, 2 or 3, got {raw}"))
        }
    }
}

impl From<PointValue> for i64 {
    fn from(v: PointValue) -> Self {
        v.0.into()
    }
}

impl utoipa::PartialSchema for PointValue {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::domain::fields::integer_schema(1, Some(3), "Points scored: 1 (a free throw), 2 or 3")
    }
}

impl ToSchema for PointValue {}

/// `{"kind":"foul","team":"away","player":"..."}`: a personal foul; it counts for the team in the
/// period and for the player (without `player`, a team foul only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Foul {
    pub team: Side,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub player: Option<Name>,
}

/// `{"kind":"timeout","team":"home"}`: a team's timeout; counted and shown, never refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Timeout {
    pub team: Side,
}
