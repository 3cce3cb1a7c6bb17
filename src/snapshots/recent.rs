//! A snapshot's latest events (`RECENT_EVENTS`), each in both of its encoded forms, and what
//! the corrections among them show on the events they correct.

use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::value::RawValue;
use time::OffsetDateTime;

use super::RECENT_EVENTS;
use crate::domain::{fates, with_fate, Logged, MatchPatch, Seq, StoredEvent};
use crate::protocol::{self, Encoded};

/// One of a snapshot's latest events, in both of its encoded forms: the stored JSON (for the
/// snapshot body) and the compact update (for resumes served from memory).
#[derive(Debug, Clone)]
pub struct Recent {
    pub seq: Seq,
    pub recorded_at: OffsetDateTime,
    pub body: Arc<RawValue>,
    pub update: Encoded,
    /// A correction (`void`, `amend`): what it does, for showing it on the events it corrects.
    pub correction: Option<Arc<Logged>>,
    /// What the event changes of the match's metadata (a `match` event, a new kickoff), and the
    /// revision it made.
    pub meta_change: Option<(Arc<MatchPatch>, i64)>,
}

impl Recent {
    /// A committed event, with `body`, its stored JSON.
    pub fn new(event: &StoredEvent, body: String) -> serde_json::Result<Self> {
        let update = protocol::update(event);
        Ok(Self::encoded(event, Arc::from(RawValue::from_string(body)?), update))
    }

    /// A committed event whose JSON and compact update are already encoded (by another node).
    pub fn encoded(event: &StoredEvent, body: Arc<RawValue>, update: Encoded) -> Self {
        let correction = event.kind.is_correction().then(|| {
            Arc::new(Logged { seq: event.seq, kind: event.kind.clone(), at: event.recorded_at })
        });
        Self {
            seq: event.seq,
            recorded_at: event.recorded_at,
            body,
            update,
            correction,
            meta_change: event
                .kind
                .meta_change()
                .zip(event.revision)
                .map(|(c, r)| (Arc::new(c), r)),
        }
    }

    /// An event read back from its stored JSON.
    pub fn from_stored(body: String) -> serde_json::Result<Self> {
        let event: StoredEvent = serde_json::from_str(&body)?;
        Self::new(&event, body)
    }
}

/// Shows on each of the latest events what the corrections among them did to it (`voided_by`,
/// `amended_by`). A correction always comes after what it corrects, so the window holds both.
pub(super) fn show_fates(recent: &mut VecDeque<Recent>) {
    let corrections: Vec<Logged> =
        recent.iter().filter_map(|e| e.correction.as_deref().cloned()).collect();
    if corrections.is_empty() {
        return;
    }
    let fates = fates(&corrections);
    for event in recent.iter_mut() {
        let fate = fates.get(&event.seq).copied().unwrap_or_default();
        if let Some(shown) = with_fate(event.body.get(), fate) {
            match RawValue::from_string(shown) {
                Ok(body) => event.body = Arc::from(body),
                Err(e) => {
                    tracing::error!(error = %e, "an event's JSON did not survive showing its corrections")
                }
            }
        }
    }
}

pub(super) fn push_bounded(recent: &mut VecDeque<Recent>, event: Recent) {
    if recent.len() == RECENT_EVENTS {
        recent.pop_front();
    }
    recent.push_back(event);
}
