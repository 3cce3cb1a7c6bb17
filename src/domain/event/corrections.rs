//! The bodies of the correction events: `void` and `amend` (whose corrected event is any kind
//! but a correction, its fields named `event.<field>` when refused).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{EventKind, KINDS};
use crate::domain::lifecycle::Reason;
use crate::domain::{parse_json, FieldError, Seq};

/// `{"kind":"void","target":N}`: event `N` no longer counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Void {
    pub target: Seq,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
}

/// `{"kind":"amend","target":N,"event":{...}}`: event `N` is replaced by `event`, of its kind.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Amend {
    pub target: Seq,
    #[schema(schema_with = amended_event_schema)]
    pub event: Box<EventKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AmendBody {
    target: Seq,
    event: Value,
    #[serde(default)]
    reason: Option<Reason>,
}

impl<'de> Deserialize<'de> for Amend {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let body = AmendBody::deserialize(d)?;
        let event = EventKind::from_json(body.event).map_err(serde::de::Error::custom)?;
        if event.is_correction() {
            return Err(serde::de::Error::custom(
                "a correction cannot be amended into another one",
            ));
        }
        Ok(Self { target: body.target, event: Box::new(event), reason: body.reason })
    }
}

/// The schema of an amend's `event`: any kind but a correction. Each kind's schema is the one the
/// OpenAPI generator names `EventKind{Kind}` (`crate::openapi`, `tagged.rs`).
fn amended_event_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::{schema::OneOfBuilder, Ref};
    let pascal = |kind: &str| -> String {
        kind.split('_').map(|w| w[..1].to_uppercase() + &w[1..]).collect()
    };
    KINDS
        .iter()
        .filter(|kind| !["void", "amend"].contains(kind))
        .fold(OneOfBuilder::new(), |one_of, kind| {
            one_of.item(Ref::from_schema_name(format!("EventKind{}", pascal(kind))))
        })
        .description(Some("The corrected event, of the target's kind; not a correction"))
        .into()
}

/// Parses an amend's body, naming a field of the corrected event as `event.<field>`.
pub(super) fn parse_amend(rest: Value) -> Result<EventKind, FieldError> {
    let body: AmendBody = parse_json(rest)?;
    let event = EventKind::from_json(body.event).map_err(|e| {
        let field = format!("event.{}", e.field.as_deref().unwrap_or("kind"));
        FieldError { detail: format!("event: {}", e.detail), field: Some(field) }
    })?;
    if event.is_correction() {
        return Err(FieldError::at(
            "event.kind",
            "a correction cannot be amended into another one",
        ));
    }
    Ok(EventKind::Amend(Amend { target: body.target, event: Box::new(event), reason: body.reason }))
}
