//! Match and event types. Input is parsed into these types once, at the edge; everything behind the
//! parsers can rely on them being valid.

pub mod basketball;
mod clocked;
mod correction;
mod countdown;
mod event;
mod fields;
pub mod football;
mod game;
pub mod ice_hockey;
mod ids;
pub mod lifecycle;
mod period_name;
mod play_keys;
mod rally;
mod rules;
mod shootout;
mod sport;
mod state;
pub mod tennis;
#[cfg(test)]
pub(crate) mod testing;
mod timestamp;
mod view;
pub mod volleyball;

pub use correction::{correct, corrections_of, fates, fold, with_fate, Fate, Logged};
pub use countdown::{ClockSet, Countdown, RemainingMs};
pub use event::{
    AddedTime, Amend, Bare, Card, CardColor, EventKind, EventState, Goal, GoalMethod, Kick, Moment,
    PeriodChange, ScoreSet, StartBody, StoredEvent, Substitution, Void, KINDS,
};
pub use fields::{Goals, Minute, Name, Side};
pub use football::Period;
pub use game::{Conflict, MatchMeta, MatchPatch, NewMatch, Score};
pub use ids::{parse_position, IdError, MatchId, Seq};
use lifecycle::require;
pub use lifecycle::{Reason, Status, StatusChange};
pub use period_name::{PeriodName, Timed, SETS};
pub use play_keys::{GamePoint, PlayKeys, Short};
pub use rally::Point;
pub use rules::Rules;
pub use shootout::{Kicks, Shootout, ShootoutBody};
pub use sport::{Play, Sport, SPORTS};
pub use state::{Award, LinePeriod, LiveState};
pub use timestamp::Timestamp;
pub use view::{serialize_view, LiveView};

/// Milliseconds since the unix epoch: how timestamps are stored, and sent in compact messages.
pub fn unix_millis(at: time::OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Input that does not parse: which field (a path like `score.home`; none for the whole body) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct FieldError {
    pub field: Option<String>,
    pub detail: String,
}

impl FieldError {
    pub fn at(field: &str, detail: impl Into<String>) -> Self {
        Self { field: Some(field.to_owned()), detail: format!("{field}: {}", detail.into()) }
    }

    pub fn whole(detail: impl Into<String>) -> Self {
        Self { field: None, detail: detail.into() }
    }
}

/// Deserializes `value` into `T`, naming the field that failed.
pub fn parse_json<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let detail = e.into_inner().to_string();
        if path == "." {
            // serde reports a missing field at the level above it; name it all the same.
            match missing_field(&detail) {
                Some(field) => FieldError { field: Some(field.to_owned()), detail },
                None => FieldError::whole(detail),
            }
        } else {
            FieldError::at(&path, detail)
        }
    })
}

fn missing_field(detail: &str) -> Option<&str> {
    detail.strip_prefix("missing field `")?.split('`').next()
}
