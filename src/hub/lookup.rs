//! Subscriptions to match ids a node does not hold: an old match outside the hot set, or one
//! another node has just created, so they are looked up in the database before the client hears
//! `unknown_match`.

use std::sync::Arc;

use crate::catalog::Catalog;
use crate::domain::MatchId;
use crate::protocol;
use crate::snapshots::Snapshot;

pub(super) fn unknown_match(id: MatchId) -> protocol::Encoded {
    protocol::error("unknown_match", "there is no such match", Some(id))
}

/// Which of `ids` exist, looked up in the database: the found ones (with their snapshots, which
/// a small cache of cold matches may already have let go again), then the missing ones (a lookup
/// that fails counts as missing, logged).
pub(super) async fn resolve(
    catalog: Arc<Catalog>,
    ids: Vec<MatchId>,
) -> (Vec<Arc<Snapshot>>, Vec<MatchId>) {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for id in ids {
        match catalog.find(id).await {
            Ok(Some(snapshot)) => found.push(snapshot),
            Ok(None) => missing.push(id),
            Err(e) => {
                tracing::warn!(match_id = %id, error = %e, "could not look a match up");
                missing.push(id);
            }
        }
    }
    (found, missing)
}
