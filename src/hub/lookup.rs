//! Subscriptions to match ids a clustered node does not hold (yet): another node may have just
//! created them, so they are looked up in the database before the client hears `unknown_match`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Weak;

use super::index::Key;
use super::worker::WorkerState;
use crate::domain::{MatchId, Seq};
use crate::protocol;

pub(super) fn unknown_match(id: MatchId) -> protocol::Encoded {
    protocol::error("unknown_match", "there is no such match", Some(id))
}

/// Match ids a connection asked for that this node does not hold (yet): another node may have
/// just created them.
pub(super) struct LookUp {
    pub(super) key: Key,
    pub(super) conn_id: u64,
    pub(super) ids: Vec<MatchId>,
}

/// Looks the ids up in the database, then subscribes the connection to those that exist.
pub(super) async fn look_up(
    state: Weak<RefCell<WorkerState>>,
    lookup: LookUp,
    since: HashMap<MatchId, Seq>,
) {
    let Some(catalog) = state.upgrade().map(|s| s.borrow().hub().catalog.clone()) else { return };
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for id in lookup.ids {
        match catalog.find(id).await {
            Ok(Some(_)) => found.push(id),
            Ok(None) => missing.push(id),
            Err(e) => {
                tracing::warn!(match_id = %id, error = %e, "could not look a match up");
                missing.push(id);
            }
        }
    }
    let Some(state) = state.upgrade() else { return };
    let mut state = state.borrow_mut();
    let Some(conn) = state.conn(lookup.key, lookup.conn_id) else { return };
    for id in missing {
        conn.send(&unknown_match(id));
    }
    state.subscribe(lookup.key, &found, &since);
}
