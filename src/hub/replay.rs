//! Replays for clients that resume: the updates a client missed, from memory when the snapshot's
//! recent events cover them (already encoded), else from the database (read and encoded once per
//! replay). Identical replays requested at about the same time (a crowd reconnecting after a
//! restart) share one read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::{BoxFuture, FutureExt, Shared};
use time::OffsetDateTime;
use tokio::time::Instant;

use crate::domain::{MatchId, Seq};
use crate::metrics::Metrics;
use crate::protocol::Encoded;
use crate::snapshots::{Recent, Snapshots};
use crate::store::Store;

/// How long a finished replay is kept for identical requests: a reconnecting crowd arrives within
/// about a second.
const SHARE_FOR: Duration = Duration::from_secs(1);

/// How far back a client may resume.
#[derive(Debug, Clone)]
pub struct HistoryWindow {
    /// Most events a resume may replay.
    pub events: i64,
    /// Oldest missed event a resume may replay.
    pub age: Duration,
}

/// The missed updates in order, or `None` when they cannot be replayed (beyond the window, or the
/// history could not be read): the client then gets a snapshot marked as not recovered.
pub type Missed = Option<Arc<Vec<(Seq, Encoded)>>>;

type Fetch = Shared<BoxFuture<'static, Missed>>;

/// Replays started within `SHARE_FOR`, by match and the range they cover.
type InFlight = HashMap<(MatchId, Seq, Seq), (Instant, Fetch)>;

pub struct Replays {
    store: Store,
    snapshots: Arc<Snapshots>,
    metrics: Arc<Metrics>,
    window: HistoryWindow,
    shared: Mutex<InFlight>,
}

impl Replays {
    pub fn new(
        store: Store,
        snapshots: Arc<Snapshots>,
        metrics: Arc<Metrics>,
        window: HistoryWindow,
    ) -> Self {
        Self { store, snapshots, metrics, window, shared: Mutex::new(HashMap::new()) }
    }

    /// The updates of `match_id` after `since`, up to at least `upto` (the match's sequence number
    /// when the client subscribed, so that live updates cover everything later).
    pub fn missed(self: &Arc<Self>, match_id: MatchId, since: Seq, upto: Seq) -> Fetch {
        let mut shared = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        shared.retain(|_, (started, _)| now.duration_since(*started) < SHARE_FOR);
        let this = self.clone();
        shared
            .entry((match_id, since, upto))
            .or_insert_with(|| (now, this.fetch(match_id, since, upto).boxed().shared()))
            .1
            .clone()
    }

    async fn fetch(self: Arc<Self>, match_id: MatchId, since: Seq, upto: Seq) -> Missed {
        if since > upto || upto.since(since) > self.window.events {
            return None;
        }
        if since == upto {
            return Some(Arc::new(Vec::new()));
        }
        let events = match self.in_memory(match_id, since) {
            Some(events) => events,
            None => {
                self.metrics.replay_queries.inc();
                let bodies = self.store.history(match_id, since, self.window.events).await;
                let bodies =
                    bodies.map_err(|e| tracing::warn!(error = %e, "replay read failed")).ok()?;
                let events: serde_json::Result<Vec<Recent>> =
                    bodies.into_iter().map(Recent::from_stored).collect();
                events.map_err(|e| tracing::error!(error = %e, "stored event unreadable")).ok()?
            }
        };
        let contiguous = events.iter().zip(since.get() + 1..).all(|(e, seq)| e.seq.get() == seq);
        let complete = events.last().is_some_and(|e| e.seq >= upto);
        let oldest = events.first().map(|e| e.recorded_at)?;
        if !contiguous || !complete || OffsetDateTime::now_utc() - oldest > self.window.age {
            return None;
        }
        Some(Arc::new(events.into_iter().map(|e| (e.seq, e.update)).collect()))
    }

    /// The missed events from the snapshot's recent events, when those reach back far enough.
    fn in_memory(&self, match_id: MatchId, since: Seq) -> Option<Vec<Recent>> {
        let snapshot = self.snapshots.get(match_id)?;
        if snapshot.recent.front()?.seq > since.next() {
            return None;
        }
        Some(snapshot.recent.iter().filter(|e| e.seq > since).cloned().collect())
    }
}
