//! Volleyball on the sport-neutral core: sets to 25 by two, the deciding set to 15 by two, no
//! cap; the side that won the last point serves; the point that decides the match finishes it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::lifecycle::Status;
use super::play_keys::PlayKeys;
use super::rally::{self, ix, other, Sets};
use super::rules::Rules;
use super::{Conflict, EventKind, Side};

/// Volleyball's own kinds (besides the core's), as tennis's.
pub const KINDS: &[&str] = &["point"];

/// Points that win a set, and the deciding set (both by two clear, with no cap).
pub const SET_POINTS: u16 = 25;
pub const DECIDING_SET_POINTS: u16 = 15;

/// `format` of a volleyball match: `{"best_of":5}` (the default) or 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Format {
    #[serde(default = "five", deserialize_with = "best_of")]
    pub best_of: u8,
}

impl Default for Format {
    fn default() -> Self {
        Self { best_of: five() }
    }
}

fn five() -> u8 {
    5
}

fn best_of<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    let raw = i64::deserialize(d)?;
    match raw {
        3 | 5 => Ok(raw as u8),
        _ => Err(serde::de::Error::custom(format!("must be 5 or 3, got {raw}"))),
    }
}

/// A volleyball match's own state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Volleyball {
    format: Format,
    #[serde(flatten)]
    sets: Sets,
}

impl Volleyball {
    pub fn new(format: Format) -> Self {
        Self { format, sets: Sets::default() }
    }

    /// Points that win set `number` (from 1).
    pub fn set_points(&self, number: usize) -> u16 {
        if number >= usize::from(self.format.best_of) {
            DECIDING_SET_POINTS
        } else {
            SET_POINTS
        }
    }

    /// The side serving the next point.
    pub fn server(&self) -> Option<Side> {
        self.sets.server.filter(|_| !self.sets.over)
    }
}

impl Rules for Volleyball {
    fn decide(&self, status: Status, event: &EventKind) -> Result<(), Conflict> {
        self.sets.decide("volleyball", status, event)
    }

    fn evolve(&mut self, event: &EventKind, _at: OffsetDateTime) -> Option<Status> {
        match event {
            EventKind::Start(start) => {
                self.sets.start(start.server.unwrap_or(Side::Home));
                Some(Status::Live)
            }
            EventKind::Point(point) if !self.sets.over => {
                let (w, l) = (ix(point.team), ix(other(point.team)));
                let target = self.set_points(self.sets.number());
                let score = {
                    let set = self.sets.current_mut();
                    set.score[w] += 1;
                    set.score
                };
                // The side that won the rally serves the next one.
                self.sets.server = Some(point.team);
                if score[w] >= target && score[w] >= score[l] + 2 {
                    self.sets.win_set(point.team, u16::from(self.format.best_of / 2 + 1));
                }
                self.sets.over.then_some(Status::Finished)
            }
            _ => None,
        }
    }

    rally::rally_rules!();

    fn keys(&self) -> Option<PlayKeys> {
        Some(self.sets.keys()).filter(|k| !k.is_empty())
    }
}

/// Volleyball takes a start with or without `server` (home by default) and refuses a posted
/// `after`.
pub fn check_fields(event: &EventKind) -> Result<(), super::FieldError> {
    rally::check_fields(event, "volleyball", false)
}

/// `format`'s volleyball key, for the OpenAPI document.
pub fn format_properties(
    object: utoipa::openapi::schema::ObjectBuilder,
) -> utoipa::openapi::schema::ObjectBuilder {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    object.property(
        "best_of",
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .enum_values(Some([5, 3]))
            .description(Some("Volleyball: 5 (the default) or 3 sets")),
    )
}

#[cfg(test)]
mod tests;
