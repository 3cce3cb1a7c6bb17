//! A match's descriptive data: what creates it, what changes it, and what is kept of it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{MatchId, Name, Sport};

/// The score of both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Score {
    pub home: super::Goals,
    pub away: super::Goals,
}

/// What an operator sends to create a match.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMatch {
    /// `football` when left out.
    #[serde(default)]
    pub sport: Sport,
    /// The sport's options (`{}` for football); validated by the sport.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub format: Option<serde_json::Value>,
    pub home: Name,
    pub away: Name,
    pub competition: Name,
    #[serde(with = "time::serde::rfc3339")]
    pub kickoff_at: OffsetDateTime,
}

/// Metadata changes; every field is optional but at least one must be present.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchPatch {
    pub home: Option<Name>,
    pub away: Option<Name>,
    pub competition: Option<Name>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub kickoff_at: Option<OffsetDateTime>,
}

impl MatchPatch {
    pub fn is_empty(&self) -> bool {
        self.home.is_none()
            && self.away.is_none()
            && self.competition.is_none()
            && self.kickoff_at.is_none()
    }
}

/// A match's descriptive data, changed only by `PATCH`.
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
