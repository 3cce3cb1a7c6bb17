//! Which matches exist: the in-memory snapshots, and, on a node of a cluster, the database behind
//! them. Another node may have created a match a moment ago and this node not have heard yet, so
//! a match id a clustered node does not hold is looked up in the database before any answer says
//! it does not exist. Ids found missing are remembered for a moment (a bounded negative cache),
//! so a flood of unknown ids costs one read per id per moment, not one per request.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::domain::MatchId;
use crate::snapshots::{Recent, Snapshot, Snapshots, RECENT_EVENTS};
use crate::store::{MatchRecord, Store, StoreError};

/// Bounds of the database lookups of unknown match ids.
#[derive(Debug, Clone, Copy)]
pub struct MissCache {
    /// Most ids remembered as missing.
    pub capacity: usize,
    /// How long an id is remembered as missing.
    pub ttl: Duration,
}

pub struct Catalog {
    snapshots: Arc<Snapshots>,
    store: Store,
    /// `None` on a single node, where the snapshots hold every match there is.
    misses: Option<Misses>,
}

struct Misses {
    bounds: MissCache,
    seen: Mutex<HashMap<MatchId, Instant>>,
}

impl Catalog {
    /// A single node's catalog: the snapshots are the whole truth.
    pub fn local(snapshots: Arc<Snapshots>, store: Store) -> Self {
        Self { snapshots, store, misses: None }
    }

    /// A clustered node's catalog: unknown ids are looked up in the shared database.
    pub fn clustered(snapshots: Arc<Snapshots>, store: Store, bounds: MissCache) -> Self {
        let misses = Misses { bounds, seen: Mutex::new(HashMap::new()) };
        Self { snapshots, store, misses: Some(misses) }
    }

    pub fn snapshots(&self) -> &Arc<Snapshots> {
        &self.snapshots
    }

    /// Whether an id missing from memory may still exist (on another node's watch).
    pub fn is_clustered(&self) -> bool {
        self.misses.is_some()
    }

    /// The snapshot of `id`, from memory or, on a clustered node, from the database.
    pub async fn find(&self, id: MatchId) -> Result<Option<Arc<Snapshot>>, StoreError> {
        if let Some(snapshot) = self.snapshots.get(id) {
            return Ok(Some(snapshot));
        }
        let Some(misses) = &self.misses else { return Ok(None) };
        if misses.recently_missing(id) {
            return Ok(None);
        }
        let found = self.load(id).await?;
        if found.is_none() {
            misses.remember(id);
        }
        Ok(found)
    }

    /// Reads `id` from the database into memory: a match created elsewhere is added with its
    /// latest events; for one already here only newer metadata is taken (its events reach it
    /// through the hub, in order).
    pub async fn load(&self, id: MatchId) -> Result<Option<Arc<Snapshot>>, StoreError> {
        let Some(record) = self.store.find_match(id).await? else {
            return Ok(None);
        };
        if self.snapshots.contains(id) {
            return Ok(self.snapshots.update_meta(record.meta));
        }
        let mut recent = VecDeque::new();
        for body in self.store.latest_events(id, RECENT_EVENTS as i64).await? {
            match Recent::from_stored(body) {
                Ok(event) => recent.push_back(event),
                Err(e) => tracing::error!(match_id = %id, error = %e, "stored event unreadable"),
            }
        }
        Ok(Some(self.adopt(record, recent)))
    }

    /// Takes a match created or changed on another node, as that node announced it.
    pub fn learned(&self, record: MatchRecord) -> Arc<Snapshot> {
        self.adopt(record, VecDeque::new())
    }

    fn adopt(&self, record: MatchRecord, recent: VecDeque<Recent>) -> Arc<Snapshot> {
        if let Some(misses) = &self.misses {
            misses.forget(record.meta.id);
        }
        self.snapshots.adopt(record, recent)
    }
}

impl Misses {
    fn recently_missing(&self, id: MatchId) -> bool {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.get(&id).is_some_and(|at| at.elapsed() < self.bounds.ttl)
    }

    fn remember(&self, id: MatchId) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= self.bounds.capacity {
            let ttl = self.bounds.ttl;
            seen.retain(|_, at| at.elapsed() < ttl);
        }
        if seen.len() >= self.bounds.capacity {
            // Still full of fresh entries: make room by forgetting one; its next lookup reads again.
            if let Some(&victim) = seen.keys().next() {
                seen.remove(&victim);
            }
        }
        if self.bounds.capacity > 0 {
            seen.insert(id, Instant::now());
        }
    }

    fn forget(&self, id: MatchId) {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    }
}
