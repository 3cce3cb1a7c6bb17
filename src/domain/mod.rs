//! Match and event types. Input is parsed into these types once, at the edge; everything behind the
//! parsers can rely on them being valid.

mod event;
mod fields;
mod game;

pub use event::{CardColor, EventKind, NewEvent, Period, StoredEvent};
pub use fields::{Goals, Minute, Name, Side};
pub use game::{Conflict, LiveState, MatchMeta, MatchPatch, NewMatch, Score, Status};

/// Database identifier of a match.
pub type MatchId = i64;
