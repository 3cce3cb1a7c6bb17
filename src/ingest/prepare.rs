//! A correction folded before it reaches the committer. Refolding a long match (reading and
//! parsing its events) inside the group commit would hold up every other match's commit; folded
//! here, on the request's own task, the committer only checks that the match has not moved on.

use time::OffsetDateTime;

use crate::domain::{correct, EventKind, LiveState, MatchMeta, Seq};
use crate::store::Store;

/// A correction's state, folded over the match's events up to `after`.
#[derive(Debug)]
pub struct Prepared {
    pub after: Seq,
    pub live: LiveState,
}

/// Folds `event`, a correction, over the stored events of the match whose snapshot holds `meta`
/// and `live`. `None` when it is not a correction, when the fold refuses it (the committer then
/// decides, on the match as stored, and says why), or when the database cannot be read now.
pub async fn prepare(
    store: &Store,
    meta: &MatchMeta,
    live: &LiveState,
    event: &EventKind,
    max_depth: usize,
) -> Option<Prepared> {
    if !event.is_correction() || live.decide(event).is_err() {
        return None;
    }
    let log = store.event_log(meta.id, live.seq).await.ok()?;
    if log.last().map(|e| e.seq) != Some(live.seq) {
        return None;
    }
    let initial = LiveState::initial(meta.sport, &meta.format);
    let folded = correct(initial, &log, event, OffsetDateTime::now_utc(), max_depth).ok()?;
    Some(Prepared { after: live.seq, live: folded })
}
