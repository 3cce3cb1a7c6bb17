//! An event as stored: the posted event with its number, the score it left, and the state a
//! lifecycle or correction event left the match in.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::EventKind;
use crate::domain::lifecycle::Status;
use crate::domain::{MatchId, Score, Seq};

/// An event as stored, returned by the API and replayed to clients.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StoredEvent {
    pub match_id: MatchId,
    pub seq: Seq,
    #[serde(flatten)]
    pub kind: EventKind,
    /// The score after this event.
    pub score: Score,
    /// The penalty shoot-out's score after this event, from the `penalties` period on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shootout: Option<Score>,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// Lifecycle and correction events: where the match stands after this event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<EventState>,
    /// Events that change the match's metadata (`match`, a postponement's new kickoff): the
    /// metadata revision they made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<i64>,
    /// Derived, never stored: the `void` that made this event no longer count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voided_by: Option<Seq>,
    /// Derived, never stored: the latest `amend` that replaced this event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amended_by: Option<Seq>,
}

/// The state a lifecycle or correction event left the match in: what its compact update carries
/// besides the score, so that it can be replayed from storage as it was sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventState {
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub period_started_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_time: Option<i64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub confirmed: bool,
    /// The sport's own state keys (tennis: the game's points, the set's games, the server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub play: Option<crate::domain::PlayKeys>,
    /// Basketball and ice hockey: the countdown clock as it shows (stopped while play is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<crate::domain::Countdown>,
}
