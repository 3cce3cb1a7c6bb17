//! Corrections: `void` and `amend` change which events count, and the state is the fold of the
//! events that still count, amended ones in place. Nothing is undone by hand.

use std::collections::HashMap;

use time::OffsetDateTime;

use super::{Conflict, EventKind, LiveState, Seq};

/// A stored event, as the fold needs it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub seq: Seq,
    pub kind: EventKind,
    pub at: OffsetDateTime,
}

/// What became of one event through the corrections after it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fate {
    /// The `void` (still counting) that took it out.
    pub voided_by: Option<Seq>,
    /// The latest `amend` (still counting) that replaced it.
    pub amended_by: Option<Seq>,
}

/// Each event's fate, by its sequence number (only events some counting correction targets).
/// Walks from the newest event back: a correction counts unless a counting void targets it.
pub fn fates(events: &[Logged]) -> HashMap<Seq, Fate> {
    let mut fates: HashMap<Seq, Fate> = HashMap::new();
    for event in events.iter().rev() {
        if fates.get(&event.seq).is_some_and(|f| f.voided_by.is_some()) {
            continue;
        }
        match &event.kind {
            EventKind::Void(void) => {
                let fate = fates.entry(void.target).or_default();
                fate.voided_by.get_or_insert(event.seq);
            }
            EventKind::Amend(amend) => {
                let fate = fates.entry(amend.target).or_default();
                fate.amended_by.get_or_insert(event.seq);
            }
            _ => {}
        }
    }
    fates
}

/// `body`, a stored event's JSON, showing its `fate` (`voided_by`, `amended_by`), or `None` when
/// it already does. Stored bodies are never rewritten; this is how they are served.
pub fn with_fate(body: &str, fate: Fate) -> Option<String> {
    let serde_json::Value::Object(mut fields) = serde_json::from_str(body).ok()? else {
        return None;
    };
    let mut changed = false;
    for (key, value) in [("voided_by", fate.voided_by), ("amended_by", fate.amended_by)] {
        let new = value.map(|seq| serde_json::Value::from(seq.get()));
        if fields.get(key) != new.as_ref() {
            changed = true;
            match new {
                Some(v) => fields.insert(key.to_owned(), v),
                None => fields.remove(key),
            };
        }
    }
    changed.then(|| serde_json::Value::Object(fields).to_string())
}

/// The corrections among stored bodies: what [`fates`] needs of them.
pub fn corrections_of<'a>(bodies: impl IntoIterator<Item = &'a str>) -> Vec<Logged> {
    bodies
        .into_iter()
        .filter_map(|body| serde_json::from_str::<super::StoredEvent>(body).ok())
        .filter(|e| e.kind.is_correction())
        .map(|e| Logged { seq: e.seq, kind: e.kind, at: e.recorded_at })
        .collect()
}

/// The state of `events` folded from `initial`: voided events left out, amended ones in place.
/// Events from `recheck` on are decided again (their rules may no longer hold); the first that
/// fails is the error.
pub fn fold(
    initial: LiveState,
    events: &[Logged],
    recheck: Option<Seq>,
) -> Result<LiveState, Conflict> {
    let fates = fates(events);
    let amended: HashMap<Seq, &EventKind> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Amend(a) if fates.get(&e.seq).is_none_or(|f| f.voided_by.is_none()) => {
                Some((e.seq, a.event.as_ref()))
            }
            _ => None,
        })
        .collect();
    let mut state = initial;
    for event in events {
        let fate = fates.get(&event.seq).copied().unwrap_or_default();
        let kind = match fate.amended_by.and_then(|by| amended.get(&by)) {
            Some(amended) => amended,
            None => &event.kind,
        };
        if fate.voided_by.is_some() || event.kind.is_correction() {
            state.seq = event.seq;
            continue;
        }
        if recheck.is_some_and(|from| event.seq >= from) {
            state.decide(kind).map_err(|why| {
                Conflict(format!(
                    "after this correction, event {} ({}) would no longer be allowed: {}",
                    event.seq,
                    kind.name(),
                    why.0
                ))
            })?;
        }
        state.evolve(kind, event.at);
        state.seq = event.seq;
    }
    Ok(state)
}

/// Kinds that open or move a match's lifecycle: only the latest may be voided, and only while no
/// event but corrections follows it.
fn is_lifecycle(kind: &EventKind) -> bool {
    matches!(kind, EventKind::Status(_) | EventKind::End(_) | EventKind::Confirm(_))
}

/// The state after `correction`, posted as event `history.len() + 1` of a match whose events are
/// `history` (every one, in order); or why it is refused. Targets older than the last
/// `max_depth` events are refused.
pub fn correct(
    initial: LiveState,
    history: &[Logged],
    correction: &EventKind,
    at: OffsetDateTime,
    max_depth: usize,
) -> Result<LiveState, Conflict> {
    let target = correction.target().expect("corrections have a target");
    let last = history.last().map_or(Seq::ZERO, |e| e.seq);
    let Some(index) = history.iter().position(|e| e.seq == target) else {
        return Err(Conflict(format!(
            "there is no event {target} to correct (the last is {last})"
        )));
    };
    if last.since(target) >= max_depth as i64 {
        return Err(Conflict(format!(
            "event {target} is too old to correct: only the last {max_depth} events of a match \
             may be corrected"
        )));
    }
    let aimed = &history[index].kind;
    let fates = fates(history);
    if let Some(by) = fates.get(&target).and_then(|f| f.voided_by) {
        return Err(Conflict(format!("event {target} was already voided by event {by}")));
    }
    match (correction, aimed) {
        (_, EventKind::Start(_) | EventKind::Kickoff(_) | EventKind::Period(_)) => {
            return Err(Conflict(format!(
                "a {} event cannot be corrected: the match's periods follow from it",
                aimed.name()
            )));
        }
        (EventKind::Amend(amend), aimed) => {
            if aimed.is_correction() || is_lifecycle(aimed) {
                return Err(Conflict(format!(
                    "a {} event cannot be amended; void it instead",
                    aimed.name()
                )));
            }
            if amend.event.name() != aimed.name() {
                return Err(Conflict(format!(
                    "event {target} is a {} event: an amend replaces it with a corrected {} event, \
                     not a {} event",
                    aimed.name(),
                    aimed.name(),
                    amend.event.name()
                )));
            }
        }
        (EventKind::Void(_), aimed) if is_lifecycle(aimed) => {
            let later = &history[index + 1..];
            if let Some(after) = later.iter().find(|e| !e.kind.is_correction()) {
                return Err(Conflict(format!(
                    "only the latest lifecycle event may be voided, while nothing but corrections \
                     follows it: event {} ({}) came after it",
                    after.seq,
                    after.kind.name()
                )));
            }
        }
        _ => {}
    }
    let mut events = history.to_vec();
    events.push(Logged { seq: last.next(), kind: correction.clone(), at });
    // The corrected event's own rules are checked again, and everything after it; voiding a
    // correction brings its own target back, so the check starts there.
    let recheck = aimed.target().map_or(target, |t| t.min(target));
    let state = fold(initial, &events, Some(recheck))?;
    Ok(state)
}

#[cfg(test)]
mod tests;
