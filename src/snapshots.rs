//! In-memory snapshots of the matches a node holds, each encoded once per change.
//!
//! The snapshot endpoint is the polling endpoint: for the hot set (`catalog::HotSet`: matches in
//! play, near their kick-off, recently changed or followed) it answers from memory. Every commit
//! replaces the match's snapshot with a new immutable one, whose ETag and compact message are
//! computed right then and whose JSON body by the first poll that needs it (then shared: a poll
//! only clones an `Arc` and a `Bytes`; a match that moves on before anyone polls it is never
//! encoded as JSON). Other matches are read from the database when asked for and kept in a bounded
//! cache of cold matches.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use bytes::Bytes;
use serde::{Serialize, Serializer};

use crate::domain::{LiveState, MatchId, MatchMeta};
use crate::protocol::{self, Encoded};
use crate::store::{AllMatches, MatchRecord, Unreadable};

mod recent;
#[cfg(test)]
mod tests;

pub use recent::Recent;
use recent::{push_bounded, show_fates};

/// How many of its latest events a snapshot carries: enough for a timeline. A snapshot is 0.3 KB
/// with no events and about 3.5 KB with 20 (events are 110 to 190 bytes each).
pub const RECENT_EVENTS: usize = 20;

/// One match as of one moment, with its encoded JSON.
#[derive(Debug)]
pub struct Snapshot {
    pub meta: MatchMeta,
    pub live: LiveState,
    /// The latest events, oldest first.
    pub recent: VecDeque<Recent>,
    /// The full snapshot as JSON, encoded when first asked for (`body`): a match that moves on
    /// before anyone polls it is never encoded.
    body: OnceLock<Bytes>,
    /// Strong validator: changes with every event and every metadata change.
    pub etag: String,
    /// The compact snapshot message, encoded for both transports.
    pub encoded: Encoded,
}

/// A match without its events, as listed by `GET /api/v1/matches`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = MatchSummary)]
pub struct Summary<'a> {
    #[serde(flatten)]
    pub meta: &'a MatchMeta,
    #[serde(flatten, serialize_with = "crate::domain::serialize_view")]
    #[schema(value_type = crate::domain::LiveView)]
    pub live: &'a LiveState,
}

/// The snapshot body: the match with its latest events (`RECENT_EVENTS`), oldest first.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = MatchSnapshot)]
pub struct Full<'a> {
    #[serde(flatten)]
    summary: Summary<'a>,
    /// The latest 20 events, oldest first, each as `POST .../events` answered it.
    #[serde(serialize_with = "bodies")]
    #[schema(value_type = Vec<crate::domain::StoredEvent>, max_items = 20)]
    events: &'a VecDeque<Recent>,
}

fn bodies<S: Serializer>(recent: &&VecDeque<Recent>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(recent.iter().map(|e| &e.body))
}

impl Snapshot {
    fn new(meta: MatchMeta, live: LiveState, recent: VecDeque<Recent>) -> Self {
        let etag = format!("\"{}-{}-{}\"", meta.id, live.seq, meta.revision);
        let encoded = protocol::snapshot(&meta, &live, None);
        Self { meta, live, recent, body: OnceLock::new(), etag, encoded }
    }

    /// The full snapshot as JSON (`Full`): encoded by its first reader, then shared.
    pub fn body(&self) -> &Bytes {
        self.body.get_or_init(|| {
            let summary = Summary { meta: &self.meta, live: &self.live };
            let full = Full { summary, events: &self.recent };
            Bytes::from(serde_json::to_vec(&full).expect("snapshots always serialize"))
        })
    }

    /// Whether `etag` names this state of the match or a later one (a later sequence number or
    /// metadata revision, as another node may already have).
    pub fn is_not_newer_than(&self, etag: &str) -> bool {
        if etag == self.etag {
            return true;
        }
        let Some(inner) = etag.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
            return false;
        };
        let mut parts = inner.splitn(3, '-').map(str::parse::<i64>);
        match (parts.next(), parts.next(), parts.next()) {
            (Some(Ok(id)), Some(Ok(seq)), Some(Ok(revision))) => {
                id == self.meta.id.get()
                    && seq >= self.live.seq.get()
                    && revision >= self.meta.revision
            }
            _ => false,
        }
    }

    pub fn summary(&self) -> Summary<'_> {
        Summary { meta: &self.meta, live: &self.live }
    }
}

/// Whether a match held in memory is part of the hot set, or only cached after a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Residence {
    /// Kept until the hot set's sweep finds it no longer hot.
    Hot,
    /// Loaded on demand (a poll, a history read, a subscription to an old match): one of at most
    /// `cold_capacity` such matches, the least used of which makes room for the next.
    Cold,
}

struct Entry {
    snapshot: Arc<Snapshot>,
    cold: bool,
    /// Read since the cache last looked at it: a cold match that was used gets a second chance.
    used: AtomicBool,
}

impl Entry {
    fn new(snapshot: Arc<Snapshot>, cold: bool) -> Self {
        Self { snapshot, cold, used: AtomicBool::new(false) }
    }
}

#[derive(Default)]
struct Resident {
    matches: HashMap<MatchId, Entry>,
    /// Cold matches, oldest first (may name matches since evicted or made hot: skipped).
    queue: VecDeque<MatchId>,
    cold: usize,
}

/// The snapshots of the matches this node holds: the hot set, and a bounded cache of others.
#[derive(Default)]
pub struct Snapshots {
    resident: RwLock<Resident>,
    /// Most cold matches held at once.
    cold_capacity: usize,
    /// Stored matches that did not read back at start, each logged once: not served.
    unreadable: Vec<Unreadable>,
}

impl Snapshots {
    /// Builds the cache from the hot set's stored matches and their latest events (ordered by
    /// match, then seq); at most `cold_capacity` other matches are cached later.
    pub fn load(all: AllMatches, events: Vec<(MatchId, String)>, cold_capacity: usize) -> Self {
        let AllMatches { matches: records, unreadable } = all;
        for row in &unreadable {
            tracing::error!(match_id = row.id, error = %row.error, "stored match unreadable; not served until the row is fixed");
        }
        let mut recent: HashMap<MatchId, VecDeque<Recent>> = HashMap::new();
        for (id, body) in events {
            match Recent::from_stored(body) {
                Ok(event) => push_bounded(recent.entry(id).or_default(), event),
                Err(e) => {
                    tracing::error!(match_id = %id, error = %e, "stored event unreadable; left out of the snapshot")
                }
            }
        }
        let matches = records
            .into_iter()
            .map(|r| {
                let mut events = recent.remove(&r.meta.id).unwrap_or_default();
                show_fates(&mut events);
                let snapshot = Arc::new(Snapshot::new(r.meta, r.live, events));
                (snapshot.meta.id, Entry::new(snapshot, false))
            })
            .collect();
        let resident = Resident { matches, ..Resident::default() };
        Self { resident: RwLock::new(resident), cold_capacity, unreadable }
    }

    /// The stored matches left out at start because their rows did not read back.
    pub fn unreadable(&self) -> &[Unreadable] {
        &self.unreadable
    }

    pub fn get(&self, id: MatchId) -> Option<Arc<Snapshot>> {
        let resident = self.read();
        let entry = resident.matches.get(&id)?;
        if entry.cold {
            entry.used.store(true, Ordering::Relaxed);
        }
        Some(entry.snapshot.clone())
    }

    pub fn contains(&self, id: MatchId) -> bool {
        self.read().matches.contains_key(&id)
    }

    /// How many matches are held: hot, then cold.
    pub fn held(&self) -> (usize, usize) {
        let resident = self.read();
        (resident.matches.len() - resident.cold, resident.cold)
    }

    /// Adds a newly created match, as hot (the sweep decides whether it stays so).
    pub fn insert(&self, record: MatchRecord) -> Arc<Snapshot> {
        let snapshot = Arc::new(Snapshot::new(record.meta, record.live, VecDeque::new()));
        self.write().matches.insert(snapshot.meta.id, Entry::new(snapshot.clone(), false));
        snapshot
    }

    /// Takes a match read from the database or announced by another node: added with `recent`
    /// when this node does not have it (as `residence`; a cold one may push the least used cold
    /// match out); otherwise only newer metadata is taken, because events reach a snapshot only
    /// through the hub's sequencer. `hot` tells a cold match that must stay (it is followed now).
    pub fn adopt(
        &self,
        record: MatchRecord,
        mut recent: VecDeque<Recent>,
        residence: Residence,
        hot: impl Fn(&Snapshot) -> bool,
    ) -> Arc<Snapshot> {
        let mut resident = self.write();
        let Some(current) = resident.matches.get(&record.meta.id).map(|e| e.snapshot.clone())
        else {
            show_fates(&mut recent);
            let snapshot = Arc::new(Snapshot::new(record.meta, record.live, recent));
            let cold = residence == Residence::Cold;
            resident.matches.insert(snapshot.meta.id, Entry::new(snapshot.clone(), cold));
            if cold {
                resident.queue.push_back(snapshot.meta.id);
                resident.cold += 1;
                resident.trim(self.cold_capacity, hot);
            }
            return snapshot;
        };
        resident.with_meta(&current, record.meta)
    }

    /// Holds `snapshot` again, as hot, unless its match is held already: a match just read from
    /// the database that a connection now follows, which a small cold cache had let go meanwhile.
    pub fn restore(&self, snapshot: Arc<Snapshot>) {
        let mut resident = self.write();
        resident.matches.entry(snapshot.meta.id).or_insert_with(|| Entry::new(snapshot, false));
    }

    /// Takes new metadata, unless a newer revision is already here.
    pub fn update_meta(&self, meta: MatchMeta) -> Option<Arc<Snapshot>> {
        let mut resident = self.write();
        let current = resident.matches.get(&meta.id)?.snapshot.clone();
        Some(resident.with_meta(&current, meta))
    }

    /// Takes the state after a committed event, unless a later event is already here; returns
    /// the match's snapshot as it now is. A cold match that moves is hot from then on.
    pub fn record_event(
        &self,
        id: MatchId,
        live: LiveState,
        event: Recent,
    ) -> Option<Arc<Snapshot>> {
        let mut resident = self.write();
        let entry = resident.matches.get_mut(&id)?;
        if entry.snapshot.live.seq >= live.seq {
            return Some(entry.snapshot.clone());
        }
        // Every node applies a fixture change in sequence, so revisions agree with the database.
        // A node that read the metadata from the database already has this revision or a later one.
        let meta = match &event.meta_change {
            Some((change, revision)) if *revision > entry.snapshot.meta.revision => {
                MatchMeta { revision: *revision, ..entry.snapshot.meta.patched(change) }
            }
            _ => entry.snapshot.meta.clone(),
        };
        // The latest events move on by one: taken from the snapshot this one replaces when nothing
        // else holds it (the usual case: a poll or a subscription holds one only while answering
        // from it), copied otherwise.
        let mut recent = match Arc::get_mut(&mut entry.snapshot) {
            Some(replaced) => std::mem::take(&mut replaced.recent),
            None => entry.snapshot.recent.clone(),
        };
        let corrects = event.correction.is_some();
        push_bounded(&mut recent, event);
        if corrects {
            show_fates(&mut recent);
        }
        let next = Arc::new(Snapshot::new(meta, live, recent));
        resident.replace(next.clone(), Some(false));
        Some(next)
    }

    /// The snapshots that pass `keep`, in no particular order (only those are cloned).
    pub fn select(&self, mut keep: impl FnMut(&Snapshot) -> bool) -> Vec<Arc<Snapshot>> {
        self.read().matches.values().map(|e| &e.snapshot).filter(|s| keep(s)).cloned().collect()
    }

    /// Sorts what is held by `hot`: hot matches no longer hot become cold, cold ones hot again;
    /// then cold matches beyond the capacity are let go, least used first.
    pub fn sort(&self, hot: impl Fn(&Snapshot) -> bool) {
        let mut resident = self.write();
        let Resident { matches, queue, cold } = &mut *resident;
        for (id, entry) in matches.iter_mut() {
            match (entry.cold, hot(&entry.snapshot)) {
                (false, false) => {
                    entry.cold = true;
                    entry.used.store(false, Ordering::Relaxed);
                    queue.push_back(*id);
                    *cold += 1;
                }
                (true, true) => {
                    entry.cold = false;
                    *cold -= 1;
                }
                _ => {}
            }
        }
        resident.trim(self.cold_capacity, hot);
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Resident> {
        // A panic while holding the lock cannot leave a half-written map: every write is one insert.
        self.resident.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Resident> {
        self.resident.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Resident {
    /// Replaces a match's snapshot; `cold: Some(false)` makes it hot.
    fn replace(&mut self, snapshot: Arc<Snapshot>, cold: Option<bool>) {
        let id = snapshot.meta.id;
        let Some(entry) = self.matches.get_mut(&id) else { return };
        entry.snapshot = snapshot;
        if cold == Some(false) && entry.cold {
            entry.cold = false;
            self.cold -= 1;
        }
    }

    /// `current` with `meta`, unless `current` already has that revision or a newer one.
    fn with_meta(&mut self, current: &Arc<Snapshot>, meta: MatchMeta) -> Arc<Snapshot> {
        if current.meta.revision >= meta.revision {
            return current.clone();
        }
        let next = Arc::new(Snapshot::new(meta, current.live.clone(), current.recent.clone()));
        self.replace(next.clone(), None);
        next
    }

    /// Lets go of cold matches until at most `capacity` remain: the oldest first, except one
    /// used since it was last looked at (it goes to the back once) or one `keep` says is hot
    /// (it becomes hot).
    fn trim(&mut self, capacity: usize, keep: impl Fn(&Snapshot) -> bool) {
        while self.cold > capacity {
            let Some(id) = self.queue.pop_front() else { break };
            let Some(entry) = self.matches.get_mut(&id) else { continue };
            if !entry.cold {
                continue;
            }
            if entry.used.swap(false, Ordering::Relaxed) {
                self.queue.push_back(id);
            } else if keep(&entry.snapshot) {
                entry.cold = false;
                self.cold -= 1;
            } else {
                self.matches.remove(&id);
                self.cold -= 1;
            }
        }
        // Entries of matches evicted or made hot are skipped when met; keep the queue near the
        // number of cold matches.
        if self.queue.len() > 2 * self.cold + 64 {
            let matches = &self.matches;
            let mut seen = std::collections::HashSet::new();
            self.queue.retain(|id| matches.get(id).is_some_and(|e| e.cold) && seen.insert(*id));
        }
    }
}
