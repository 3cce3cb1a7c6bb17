//! Which matches exist: the in-memory snapshots of the hot set (`hot.rs`), and the database behind
//! them. A match id this node does not hold is looked up in the database before any answer says
//! it does not exist: it may be an old match (cold: read on demand into a bounded cache), or, on a
//! node of a cluster, one another node created a moment ago. Ids found missing are remembered for
//! a moment (a bounded negative cache), so a flood of unknown ids costs one read per id per
//! moment, not one per request.

mod hot;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::OffsetDateTime;
use tokio::time::Instant;

pub use hot::{spawn_sweeper, HotSet};

use crate::domain::MatchId;
use crate::followers::Followers;
use crate::snapshots::{Recent, Residence, Snapshot, Snapshots, RECENT_EVENTS};
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
    misses: Misses,
    hot: HotSet,
    followers: Arc<Followers>,
    /// Whether other nodes share the database (and may create matches this node has not heard of).
    clustered: bool,
    /// When the hot set was last read from the database (at start, then by each sweep).
    swept: Mutex<OffsetDateTime>,
}

struct Misses {
    bounds: MissCache,
    seen: Mutex<HashMap<MatchId, Instant>>,
}

impl Catalog {
    /// A catalog over `snapshots` (the hot set loaded at start) and the database behind them.
    pub fn new(
        snapshots: Arc<Snapshots>,
        store: Store,
        bounds: MissCache,
        hot: HotSet,
        followers: Arc<Followers>,
        clustered: bool,
    ) -> Self {
        let misses = Misses { bounds, seen: Mutex::new(HashMap::new()) };
        let swept = Mutex::new(OffsetDateTime::now_utc());
        Self { snapshots, store, misses, hot, followers, clustered, swept }
    }

    pub fn snapshots(&self) -> &Arc<Snapshots> {
        &self.snapshots
    }

    /// How many connections on this node follow each match.
    pub fn followers(&self) -> &Arc<Followers> {
        &self.followers
    }

    pub fn hot_set(&self) -> HotSet {
        self.hot
    }

    /// Whether other nodes share the database.
    pub fn is_clustered(&self) -> bool {
        self.clustered
    }

    /// The snapshot of `id`, from memory or from the database.
    pub async fn find(&self, id: MatchId) -> Result<Option<Arc<Snapshot>>, StoreError> {
        if let Some(snapshot) = self.snapshots.get(id) {
            return Ok(Some(snapshot));
        }
        if self.misses.recently_missing(id) {
            return Ok(None);
        }
        let found = self.load(id).await?;
        if found.is_none() {
            self.misses.remember(id);
        }
        Ok(found)
    }

    /// Reads `id` from the database into memory: a match not held is added with its latest
    /// events (hot or cold, as the hot set says); for one already here only newer metadata is
    /// taken (its events reach it through the hub, in order).
    pub async fn load(&self, id: MatchId) -> Result<Option<Arc<Snapshot>>, StoreError> {
        let record = match self.store.find_match(id).await {
            Ok(Some(record)) => record,
            Ok(None) => return Ok(None),
            Err(StoreError::Corrupt(error)) => {
                // As at start: a row that does not read back is not served, and the others are.
                tracing::error!(match_id = %id, %error, "stored match unreadable; not served");
                return Ok(None);
            }
            Err(e) => return Err(e),
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
        let last_event_at = recent.back().map(|e| e.recorded_at);
        let (meta, status) = (&record.meta, record.live.status);
        let now = OffsetDateTime::now_utc();
        let hot =
            self.hot.holds_match(id, status, meta.kickoff_at, last_event_at, now, &self.followers);
        let residence = if hot { Residence::Hot } else { Residence::Cold };
        Ok(Some(self.adopt(record, recent, residence)))
    }

    /// Takes a match created or changed on another node, as that node announced it.
    pub fn learned(&self, record: MatchRecord) -> Arc<Snapshot> {
        self.adopt(record, VecDeque::new(), Residence::Hot)
    }

    fn adopt(
        &self,
        record: MatchRecord,
        recent: VecDeque<Recent>,
        residence: Residence,
    ) -> Arc<Snapshot> {
        self.misses.forget(record.meta.id);
        let (hot, followers, now) = (self.hot, &*self.followers, OffsetDateTime::now_utc());
        self.snapshots.adopt(record, recent, residence, |s| hot.holds(s, now, followers))
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
