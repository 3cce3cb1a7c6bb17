//! The lifecycle every sport shares: where a match stands, and which `status` event may move it
//! where. The transitions are one table ([`TRANSITIONS`]); docs/api.md shows the same table, and a
//! test holds the two together.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Conflict, EventKind, Goals, Side};

/// Where a match stands. `live` and `half_time` (the sport's break) are "in play".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Scheduled,
    Delayed,
    Postponed,
    Live,
    HalfTime,
    Interrupted,
    Suspended,
    Finished,
    Abandoned,
    Cancelled,
    Awarded,
}

/// Every status, in the order docs/api.md lists them.
pub const STATUSES: [Status; 11] = [
    Status::Scheduled,
    Status::Delayed,
    Status::Postponed,
    Status::Live,
    Status::HalfTime,
    Status::Interrupted,
    Status::Suspended,
    Status::Finished,
    Status::Abandoned,
    Status::Cancelled,
    Status::Awarded,
];

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Delayed => "delayed",
            Self::Postponed => "postponed",
            Self::Live => "live",
            Self::HalfTime => "half_time",
            Self::Interrupted => "interrupted",
            Self::Suspended => "suspended",
            Self::Finished => "finished",
            Self::Abandoned => "abandoned",
            Self::Cancelled => "cancelled",
            Self::Awarded => "awarded",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        STATUSES.into_iter().find(|s| s.as_str() == raw)
    }

    /// Live or in the sport's break: the ball (or puck, or shuttle) may be in play soon.
    pub fn in_play(self) -> bool {
        matches!(self, Self::Live | Self::HalfTime)
    }

    /// Play has stopped for now, and the match is expected to go on.
    pub fn stopped(self) -> bool {
        matches!(self, Self::Interrupted | Self::Suspended | Self::Delayed)
    }

    /// The match is over: a result stands (or none ever will).
    pub fn is_over(self) -> bool {
        matches!(self, Self::Finished | Self::Abandoned | Self::Cancelled | Self::Awarded)
    }
}

/// Which statuses a `status` event may move a match to, and from where. `live` here is the
/// resumption after a stop (a match starts with `start`); `awarded` is allowed from any status
/// but `cancelled`, confirmed results included.
pub const TRANSITIONS: &[(Status, &[Status])] = {
    use Status::*;
    &[
        (Delayed, &[Scheduled]),
        (Postponed, &[Scheduled, Delayed]),
        (Scheduled, &[Postponed]),
        (Interrupted, &[Live, HalfTime]),
        (Suspended, &[Live, HalfTime, Interrupted]),
        (Live, &[Interrupted, Suspended]),
        (Abandoned, &[Live, HalfTime, Interrupted, Suspended]),
        (Cancelled, &[Scheduled, Delayed, Postponed]),
        (
            Awarded,
            &[
                Scheduled,
                Delayed,
                Postponed,
                Live,
                HalfTime,
                Interrupted,
                Suspended,
                Finished,
                Abandoned,
                Awarded,
            ],
        ),
    ]
};

/// The statuses a `status` event may move a match to from `from`.
pub fn reachable_from(from: Status) -> Vec<Status> {
    TRANSITIONS.iter().filter(|(_, sources)| sources.contains(&from)).map(|(to, _)| *to).collect()
}

/// Whether a `status` event may move a match from `from` to `to`; if not, why, naming what is
/// allowed.
pub fn check_transition(from: Status, to: Status) -> Result<(), Conflict> {
    let allowed = TRANSITIONS.iter().find(|(target, _)| *target == to).map(|(_, s)| *s);
    if allowed.is_some_and(|sources| sources.contains(&from)) {
        return Ok(());
    }
    let reachable = reachable_from(from);
    let list = if reachable.is_empty() {
        "none".to_owned()
    } else {
        reachable.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
    };
    Err(Conflict(format!(
        "a match that is {} cannot become {} (statuses allowed from {}: {list})",
        from.as_str(),
        to.as_str(),
        from.as_str()
    )))
}

fn article(kind: &str) -> &'static str {
    if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// Refuses `event` unless the match is in one of `allowed`: a sport's rule for its kinds.
pub fn require(status: Status, allowed: &[Status], event: &EventKind) -> Result<(), Conflict> {
    if allowed.contains(&status) {
        return Ok(());
    }
    let list = allowed.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
    Err(Conflict(format!(
        "{} {} event is not allowed while the match is {} (allowed while {list})",
        article(event.name()),
        event.name(),
        status.as_str()
    )))
}

/// How an `awarded` result was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AwardMethod {
    Walkover,
    Retired,
    Default,
    Decision,
}

/// Longest `reason` of a `status` event, in characters.
pub const MAX_REASON_CHARS: usize = 200;

/// Why the status changed ("heavy rain"): as a name is (`fields::bounded_text`), up to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Reason(String);

impl TryFrom<String> for Reason {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        super::fields::bounded_text(&raw, MAX_REASON_CHARS).map(Self)
    }
}

impl From<Reason> for String {
    fn from(reason: Reason) -> Self {
        reason.0
    }
}

impl AsRef<str> for Reason {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl utoipa::PartialSchema for Reason {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        super::fields::bounded_text_schema(
            MAX_REASON_CHARS,
            "Why: at most 200 characters, no control characters, not only white space",
            "heavy rain",
        )
    }
}

impl ToSchema for Reason {}

/// A `status` event: `{"kind":"status","status":"postponed","reason":"frozen pitch"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// `postponed` only: the new kickoff, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kickoff_at: Option<super::Timestamp>,
    /// `awarded` only (required there): the side the result is awarded to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub winner: Option<Side>,
    /// `awarded` only: the awarded score, home side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<Goals>,
    /// `awarded` only: the awarded score, away side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub away: Option<Goals>,
    /// `awarded` only: how it was decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<AwardMethod>,
}

/// The fields of a `status` event that belong to one status, with whether that status requires
/// it; `check_fields` applies this table and the OpenAPI document gives one schema per status from
/// it (`crate::openapi`).
pub const STATUS_FIELDS: [(&str, Status, bool); 5] = [
    ("winner", Status::Awarded, true),
    ("home", Status::Awarded, false),
    ("away", Status::Awarded, false),
    ("method", Status::Awarded, false),
    ("kickoff_at", Status::Postponed, false),
];

/// Fields of a `status` event given together or not at all (an awarded score).
pub const STATUS_FIELD_PAIRS: [(&str, &str); 1] = [("home", "away")];

impl StatusChange {
    fn has(&self, field: &str) -> bool {
        match field {
            "winner" => self.winner.is_some(),
            "home" => self.home.is_some(),
            "away" => self.away.is_some(),
            "method" => self.method.is_some(),
            "kickoff_at" => self.kickoff_at.is_some(),
            _ => false,
        }
    }

    /// Field rules that do not depend on the match: which fields belong to which status
    /// ([`STATUS_FIELDS`]) and go together ([`STATUS_FIELD_PAIRS`]).
    pub fn check_fields(&self) -> Result<(), super::FieldError> {
        use super::FieldError;
        for (field, status, required) in STATUS_FIELDS {
            let name = status.as_str();
            if required && self.status == status && !self.has(field) {
                return Err(FieldError::at(field, format!("required when the status is {name}")));
            }
            if self.has(field) && self.status != status {
                return Err(FieldError::at(
                    field,
                    format!("allowed only when the status is {name}"),
                ));
            }
        }
        for (one, other) in STATUS_FIELD_PAIRS {
            if self.has(one) != self.has(other) {
                let missing = if self.has(one) { other } else { one };
                return Err(FieldError::at(
                    missing,
                    format!("{one} and {other} go together: give both or neither"),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_name() {
        for status in STATUSES {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
    }

    #[test]
    fn a_refused_transition_names_the_status_and_what_is_allowed() {
        let err = check_transition(Status::Finished, Status::Postponed).unwrap_err();
        assert!(err.0.contains("finished") && err.0.contains("awarded"), "{err}");
        assert!(check_transition(Status::Scheduled, Status::Postponed).is_ok());
        assert!(check_transition(Status::Cancelled, Status::Awarded).is_err());
    }

    /// docs/api.md has the lifecycle as a table: one row per target status and the statuses it
    /// may be reached from. It must say what the code does.
    #[test]
    fn the_lifecycle_table_in_the_api_docs_is_the_one_in_the_code() {
        let rows: Vec<(String, Vec<String>)> =
            crate::doc_tables::rows(include_str!("../../docs/api.md"), "<!-- lifecycle-table -->")
                .into_iter()
                .map(|cells| {
                    let from = cells[1].split(',').map(|s| s.trim().trim_matches('`').to_owned());
                    (cells[0].clone(), from.filter(|s| !s.is_empty()).collect())
                })
                .collect();
        let code: Vec<(String, Vec<String>)> = TRANSITIONS
            .iter()
            .map(|(to, from)| {
                (to.as_str().to_owned(), from.iter().map(|s| s.as_str().to_owned()).collect())
            })
            .collect();
        assert_eq!(rows, code);
    }

    #[test]
    fn awarded_needs_a_winner_and_its_fields_belong_to_it() {
        let parse = |json: &str| -> StatusChange { serde_json::from_str(json).unwrap() };
        assert_eq!(
            parse(r#"{"status":"awarded"}"#).check_fields().unwrap_err().field.as_deref(),
            Some("winner")
        );
        assert!(parse(r#"{"status":"awarded","winner":"home","home":3,"away":0}"#)
            .check_fields()
            .is_ok());
        assert_eq!(
            parse(r#"{"status":"abandoned","winner":"home"}"#)
                .check_fields()
                .unwrap_err()
                .field
                .as_deref(),
            Some("winner")
        );
        assert_eq!(
            parse(r#"{"status":"awarded","winner":"home","home":3}"#)
                .check_fields()
                .unwrap_err()
                .field
                .as_deref(),
            Some("away")
        );
    }
}
