//! Subscriptions to match ids a clustered node does not hold (yet): another node may have just
//! created them, so they are looked up in the database before the client hears `unknown_match`.

use std::sync::Arc;

use crate::catalog::Catalog;
use crate::domain::MatchId;
use crate::protocol;

pub(super) fn unknown_match(id: MatchId) -> protocol::Encoded {
    protocol::error("unknown_match", "there is no such match", Some(id))
}

/// Which of `ids` exist, looked up in the database: the found ones, then the missing ones (a
/// lookup that fails counts as missing, logged).
pub(super) async fn resolve(
    catalog: Arc<Catalog>,
    ids: Vec<MatchId>,
) -> (Vec<MatchId>, Vec<MatchId>) {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for id in ids {
        match catalog.find(id).await {
            Ok(Some(_)) => found.push(id),
            Ok(None) => missing.push(id),
            Err(e) => {
                tracing::warn!(match_id = %id, error = %e, "could not look a match up");
                missing.push(id);
            }
        }
    }
    (found, missing)
}
