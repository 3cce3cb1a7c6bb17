//! Gaps read back from the database: when an update is missing (lost between nodes, or its
//! predecessor never arrived within the reorder window), one read per match fetches everything
//! after what this node applied, and delivers it through the sequencer like any other update.
//! Everyone waiting for the same match's gap (the reorder timer, the periodic check, clients
//! resuming from a position ahead of this node) shares that one read.

use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::time::Instant;

use super::replay::Missed;
use super::{Committed, Hub};
use crate::domain::{MatchId, Seq, StoredEvent};
use crate::snapshots::{Recent, Snapshot};
use crate::store::StoreError;

/// Events read per query while filling a gap: a 1,000-event outage is one read.
const FILL_PAGE: i64 = 1_000;
/// How long a repair that cannot read the database keeps trying: a database restart takes
/// seconds, a failover a minute or two; past that the next event of the match opens a new gap.
const REPAIR_PATIENCE: Duration = Duration::from_secs(300);
/// Waits between attempts of such a repair: the first soon, later ones at most this far apart.
const FIRST_RETRY: Duration = Duration::from_millis(100);
const LAST_RETRY: Duration = Duration::from_secs(2);

impl Hub {
    /// After the reorder window: if `id` still waits for a missing update, reads the gap.
    pub(super) async fn repair_after(self: Arc<Self>, id: MatchId, wait: Duration) {
        tokio::time::sleep(wait).await;
        if self.sequencer().gap_since(id).is_some() {
            self.metrics.cluster.gap_repairs.with_label_values(&["reorder_timeout"]).inc();
            self.repair_until_read(id).await;
        }
    }

    /// Repairs `id`, again and again while the database cannot be read (it may be restarting),
    /// for up to `REPAIR_PATIENCE`: without a cluster no periodic check would try again.
    async fn repair_until_read(self: &Arc<Self>, id: MatchId) {
        let give_up = Instant::now() + REPAIR_PATIENCE;
        let mut wait = FIRST_RETRY;
        while !self.repair(id).await {
            if Instant::now() + wait > give_up {
                tracing::error!(match_id = %id, "gave up reading a gap from the database; the next event of the match retries");
                return;
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(LAST_RETRY);
        }
    }

    /// Reads and delivers every stored event of `id` after what this node has applied; false when
    /// the database could not be read. Concurrent calls for one match share one read.
    pub async fn repair(self: &Arc<Self>, id: MatchId) -> bool {
        let shared = {
            let mut repairs = self.repairs.lock().unwrap_or_else(|p| p.into_inner());
            repairs
                .entry(id)
                .or_insert_with(|| {
                    let hub = self.clone();
                    async move {
                        let read = hub.fill(id).await;
                        if let Err(e) = &read {
                            tracing::warn!(match_id = %id, error = %e, "could not read a gap from the database; retrying");
                        }
                        hub.repairs.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                        read.is_ok()
                    }
                    .boxed()
                    .shared()
                })
                .clone()
        };
        shared.await
    }

    /// Repairs `matches` in the background (after a COMMIT whose outcome is unknown: if it was
    /// stored after all, this is how its events reach snapshots and subscribers), retrying while
    /// the database cannot be read.
    pub fn repair_later(self: &Arc<Self>, matches: Vec<MatchId>, reason: &'static str) {
        let hub = self.clone();
        tokio::spawn(async move {
            for id in matches {
                hub.metrics.cluster.gap_repairs.with_label_values(&[reason]).inc();
                hub.repair_until_read(id).await;
            }
        });
    }

    /// A replayed answer names event `seq` of `id`: if this node has not applied it (its COMMIT
    /// was answered as unknown and the read-back came too early or failed), reads it back now.
    pub fn replayed(self: &Arc<Self>, id: MatchId, seq: Seq) {
        if self.snapshots.get(id).is_some_and(|s| s.live.seq < seq) {
            self.repair_later(vec![id], "replayed_unseen");
        }
    }

    /// Brings `id` at least to `upto`, reading the database if this node is behind. False when the
    /// database has no such position either.
    pub async fn catch_up(self: &Arc<Self>, id: MatchId, upto: Seq) -> bool {
        let applied = |hub: &Self| hub.snapshots.get(id).map(|s| s.live.seq);
        if applied(self).is_some_and(|seq| seq >= upto) {
            return true;
        }
        self.metrics.cluster.gap_repairs.with_label_values(&["resume_ahead"]).inc();
        self.repair(id).await;
        applied(self).is_some_and(|seq| seq >= upto)
    }

    /// The updates a client resuming `id` after `since` missed, up to at least `upto` (this
    /// node's position when the client subscribed). A client ahead of this node, which came from
    /// a faster one, waits until this node has caught up: it is never told it lost what it has.
    pub(super) async fn missed(self: Arc<Self>, id: MatchId, since: Seq, upto: Seq) -> Missed {
        if since > upto && !self.catch_up(id, since).await {
            return None;
        }
        // Everything after `since` that this node applied meanwhile was held for the client.
        self.replays.missed(id, since, upto.max(since)).await
    }

    async fn fill(self: &Arc<Self>, id: MatchId) -> Result<(), StoreError> {
        loop {
            let Some(snapshot) = self.snapshots.get(id) else { return Ok(()) };
            let mut live = snapshot.live.clone();
            self.metrics.cluster.gap_reads.inc();
            let bodies = self.store.history(id, live.seq, FILL_PAGE).await?;
            let read = bodies.len() as i64;
            let now = Instant::now();
            for body in bodies {
                let event: StoredEvent = serde_json::from_str(&body)
                    .map_err(|e| StoreError::Corrupt(format!("event of match {id}: {e}")))?;
                if event.seq != live.seq.next() {
                    return Err(StoreError::Corrupt(format!(
                        "match {id}: event {} follows {}",
                        event.seq, live.seq
                    )));
                }
                // Stored events were checked by the rules when committed: the state after them is
                // the state before them evolved by them, or, after a correction, the match refolded.
                if event.kind.is_correction() {
                    live = self.store.state_at(&snapshot.meta, event.seq).await?;
                } else {
                    live.evolve(&event.kind, event.recorded_at);
                }
                let recent = Recent::new(&event, body)
                    .map_err(|e| StoreError::Corrupt(format!("event of match {id}: {e}")))?;
                self.metrics.cluster.gap_events.inc();
                self.deliver(Committed {
                    match_id: id,
                    live: live.clone(),
                    recent,
                    committed_at: now,
                });
            }
            if read < FILL_PAGE {
                break;
            }
        }
        let applied = self.snapshots.get(id).map_or(Seq::ZERO, |s| s.live.seq);
        let mut sequencer = self.sequencer();
        sequencer.settle(id, applied);
        self.metrics.cluster.updates_held.set(sequencer.held() as i64);
        Ok(())
    }

    /// Reads `id` from the database into this node: a match another node created, changed or
    /// started that this node did not hold (or held at an older revision). Whichever way this
    /// node heard of it (the check, or an update of it from NATS), it then reaches the `*` and
    /// competition subscribers whose window it is in, as its snapshot.
    pub async fn load(&self, id: MatchId) -> Result<Option<Arc<Snapshot>>, StoreError> {
        let before = self.snapshots.get(id);
        let loaded = self.catalog.load(id).await?;
        if let Some(snapshot) = &loaded {
            self.introduce(before.as_deref(), snapshot);
        }
        Ok(loaded)
    }

    /// A match this node did not hold: loads it from the database, then delivers the update
    /// (usually stale by then: what was read includes it).
    pub(super) async fn adopt_then_deliver(self: Arc<Self>, update: Committed) {
        let id = update.match_id;
        match self.load(id).await {
            Ok(Some(_)) => self.deliver(update),
            Ok(None) => {
                tracing::error!(match_id = %id, "an update for a match the database does not have")
            }
            Err(e) => {
                tracing::warn!(match_id = %id, error = %e, "could not load a match; the next check retries")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use serde_json::json;
    use time::OffsetDateTime;
    use tokio::sync::mpsc;

    use super::super::{Delivery, Inbox};
    use super::*;
    use crate::catalog::{Catalog, HotSet, MissCache};
    use crate::configuration::Settings;
    use crate::domain::NewMatch;
    use crate::metrics::Metrics;
    use crate::snapshots::Snapshots;
    use crate::store::{AllMatches, Creation, Store};

    /// A match kicking off `in_hours` from now, stored as another node would have stored it.
    async fn stored_match(store: &Store, in_hours: i64) -> MatchId {
        let kickoff = OffsetDateTime::now_utc() + time::Duration::hours(in_hours);
        let kickoff = kickoff.format(&time::format_description::well_known::Rfc3339).unwrap();
        let new: NewMatch = serde_json::from_value(json!({"home": "Ajax", "away": "PSV",
            "competition": "Eredivisie", "kickoff_at": kickoff}))
        .unwrap();
        match store.create_match(&new, None, OffsetDateTime::now_utc()).await.unwrap() {
            Creation::Created(record) => record.meta.id,
            _ => unreachable!("no retry key"),
        }
    }

    #[tokio::test]
    async fn a_match_read_from_the_database_is_brought_to_the_subscribers_whose_window_it_is_in() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings::with_database(&format!("sqlite://{}/s.db", dir.path().display()));
        let store = Store::connect(&settings.database()).await.unwrap();
        let (tonight, next_week) = (stored_match(&store, 2).await, stored_match(&store, 168).await);
        let snapshots = Arc::new(Snapshots::load(AllMatches::default(), Vec::new(), 10));
        let misses = MissCache { capacity: 10, ttl: Duration::from_secs(1) };
        let hot = HotSet {
            window: Duration::from_secs(24 * 3600),
            cold_capacity: 10,
            sweep: Duration::from_secs(30),
        };
        let followers = Arc::default();
        let catalog = Catalog::new(snapshots, store.clone(), misses, hot, followers, true);
        let metrics = Arc::new(Metrics::new());
        let hub = Hub::new(settings.hub(), store, Arc::new(catalog), metrics);
        let (queue, mut worker) = mpsc::channel(8);
        let lagged = Arc::new(AtomicBool::new(false));
        hub.inboxes.lock().unwrap().push(Inbox { queue, lagged });

        assert!(hub.load(next_week).await.unwrap().is_some());
        assert!(worker.try_recv().is_err(), "next week's match is in nobody's window");
        assert!(hub.load(tonight).await.unwrap().is_some());
        let Ok(Delivery::Update(brought)) = worker.try_recv() else {
            panic!("tonight's match was not brought to the workers");
        };
        assert_eq!((brought.match_id, brought.seq), (tonight, Seq::ZERO));
        assert!(brought.reach.as_ref().is_some_and(|r| r.brings), "{brought:?}");
    }
}
