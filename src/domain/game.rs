//! A match's descriptive data: what creates it, what changes it, and what is kept of it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{FieldError, MatchId, Name, Sport, Timestamp};

/// The score of both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Score {
    pub home: super::Goals,
    pub away: super::Goals,
}

/// What an operator sends to create a match. `home` and `away` must differ once trimmed (`422`
/// otherwise: a rule no schema keyword can state).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMatch {
    /// `football` when left out.
    #[serde(default)]
    pub sport: Sport,
    /// The sport's options (`{}` for football); validated by the sport.
    #[serde(default)]
    #[schema(schema_with = Sport::format_schema)]
    pub format: Option<serde_json::Value>,
    pub home: Name,
    pub away: Name,
    pub competition: Name,
    pub kickoff_at: Timestamp,
}

/// Metadata changes: at least one field, none `null` (`extract` refuses both). The teams must
/// still differ afterwards (`422` otherwise: a rule no schema keyword can state). Stored as a
/// sequenced `match` event carrying the changed keys, so subscribers get it like any event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1)]
pub struct MatchPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub home: Option<Name>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub away: Option<Name>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub competition: Option<Name>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub kickoff_at: Option<Timestamp>,
    /// Only before the match has started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub sport: Option<Sport>,
    /// Only before the match has started; validated by the (new) sport.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = Sport::format_schema)]
    pub format: Option<serde_json::Value>,
}

impl MatchPatch {
    pub fn is_empty(&self) -> bool {
        self.home.is_none()
            && self.away.is_none()
            && self.competition.is_none()
            && self.kickoff_at.is_none()
            && self.sport.is_none()
            && self.format.is_none()
    }

    /// Whether it changes what a match is (its sport or format), which only a match that has not
    /// started may do.
    pub fn changes_sport(&self) -> bool {
        self.sport.is_some() || self.format.is_some()
    }

    /// Checks a change of sport or format: the format is parsed by the (new) sport, `current`
    /// when the patch names none, and kept as that sport reads it.
    pub fn check_format(&mut self, current: Sport) -> Result<(), FieldError> {
        if self.changes_sport() {
            let sport = self.sport.unwrap_or(current);
            self.format = Some(sport.parse_format(self.format.take())?);
        }
        Ok(())
    }
}

/// A match's descriptive data, changed only by `PATCH` (and a postponement's new kickoff).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MatchMeta {
    pub id: MatchId,
    pub sport: Sport,
    /// The sport's options, as validated when the match was created.
    #[schema(value_type = Object)]
    pub format: serde_json::Value,
    pub home: String,
    pub away: String,
    pub competition: String,
    #[serde(with = "time::serde::rfc3339")]
    pub kickoff_at: OffsetDateTime,
    /// Bumped by every metadata change, so the snapshot's ETag changes with it.
    #[serde(skip)]
    pub revision: i64,
}

/// An event that the match's current state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Conflict(pub String);

impl MatchMeta {
    /// The metadata after `patch`, at the next revision.
    pub fn patched(&self, patch: &MatchPatch) -> Self {
        let name = |new: &Option<Name>, old: &String| {
            new.as_ref().map_or_else(|| old.clone(), |n| n.as_ref().to_owned())
        };
        Self {
            id: self.id,
            sport: patch.sport.unwrap_or(self.sport),
            format: match (&patch.format, patch.sport) {
                (Some(format), _) => format.clone(),
                (None, Some(_)) => serde_json::json!({}),
                (None, None) => self.format.clone(),
            },
            home: name(&patch.home, &self.home),
            away: name(&patch.away, &self.away),
            competition: name(&patch.competition, &self.competition),
            kickoff_at: patch.kickoff_at.map_or(self.kickoff_at, Timestamp::get),
            revision: self.revision + 1,
        }
    }
}
