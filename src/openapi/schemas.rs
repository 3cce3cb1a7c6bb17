//! Schemas of the bodies a handler writes by hand rather than serializes from a type.

use utoipa::ToSchema;

use crate::domain::{MatchId, Seq, StoredEvent};

/// A page of a match's stored events: `GET /api/v1/matches/{id}/events` splices the stored JSON of
/// each event into this shape instead of decoding and encoding it again.
#[derive(ToSchema)]
pub struct EventHistory {
    pub match_id: MatchId,
    /// The `since` asked for: every event here has a greater `seq`.
    pub since: Seq,
    /// In `seq` order; fewer than `limit` means the client is caught up.
    pub events: Vec<StoredEvent>,
}
