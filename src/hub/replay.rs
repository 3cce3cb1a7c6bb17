//! Replays for clients that resume: the events a client missed, from memory when the snapshot's
//! recent events cover them, else from the database. Identical replays requested at about the same
//! time (a crowd reconnecting after a restart) share one read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::{BoxFuture, FutureExt, Shared};
use time::OffsetDateTime;
use tokio::time::Instant;

use crate::domain::{MatchId, StoredEvent};
use crate::metrics::Metrics;
use crate::protocol::{self, Encoded};
use crate::snapshots::Snapshots;
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
pub type Missed = Option<Arc<Vec<(i64, Encoded)>>>;

type Fetch = Shared<BoxFuture<'static, Missed>>;

pub struct Replays {
    store: Store,
    snapshots: Arc<Snapshots>,
    metrics: Arc<Metrics>,
    window: HistoryWindow,
    shared: Mutex<HashMap<(MatchId, i64, i64), (Instant, Fetch)>>,
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
    pub fn missed(self: &Arc<Self>, match_id: MatchId, since: i64, upto: i64) -> Fetch {
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

    async fn fetch(self: Arc<Self>, match_id: MatchId, since: i64, upto: i64) -> Missed {
        if since > upto || upto - since > self.window.events {
            return None;
        }
        if since == upto {
            return Some(Arc::new(Vec::new()));
        }
        let events = match self.from_memory(match_id, since) {
            Some(events) => events,
            None => {
                self.metrics.replay_queries.inc();
                let bodies = self.store.history(match_id, since, self.window.events).await;
                let bodies =
                    bodies.map_err(|e| tracing::warn!(error = %e, "replay read failed")).ok()?;
                bodies.iter().map(|b| StoredEvent::from_json(b).ok()).collect::<Option<Vec<_>>>()?
            }
        };
        let contiguous = events.iter().zip(since + 1..).all(|(e, seq)| e.seq == seq);
        let complete = events.last().is_some_and(|e| e.seq >= upto);
        let oldest = events.first().map(|e| e.recorded_at)?;
        if !contiguous || !complete || OffsetDateTime::now_utc() - oldest > self.window.age {
            return None;
        }
        Some(Arc::new(events.iter().map(|e| (e.seq, protocol::update(e))).collect()))
    }

    /// The missed events from the snapshot's recent events, when those reach back far enough.
    fn from_memory(&self, match_id: MatchId, since: i64) -> Option<Vec<StoredEvent>> {
        let snapshot = self.snapshots.get(match_id)?;
        let events: Vec<StoredEvent> = snapshot
            .recent
            .iter()
            .map(|raw| StoredEvent::from_json(raw.get()).ok())
            .collect::<Option<_>>()?;
        if events.first()?.seq > since + 1 {
            return None;
        }
        Some(events.into_iter().filter(|e| e.seq > since).collect())
    }
}
