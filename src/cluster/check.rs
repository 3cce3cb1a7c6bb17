//! The periodic check: what changed in the database since the last check (the places in the
//! change sequence recorded in the transaction of every event and metadata change: `change_log`
//! on Postgres, `changed_matches` on SQLite), compared with what this node holds. Matches it does not hold are loaded (as the hot set says),
//! newer metadata is taken, and a match behind is repaired through the hub. It runs whether NATS
//! is up or not, so a lost publish, a dead publisher or a NATS outage leaves a node at most one
//! interval behind; when nothing changed it reads no row.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::mark::Mark;
use crate::catalog::Catalog;
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::store::{Change, Store, StoreError};

/// Changes read per query: a check after a long outage reads in pages of this.
const PAGE: i64 = 1_000;

pub(super) struct Checker {
    pub hub: Arc<Hub>,
    pub catalog: Arc<Catalog>,
    pub store: Store,
    pub metrics: Arc<Metrics>,
    pub mark: Mark,
}

impl Checker {
    pub(super) async fn run(
        mut self,
        every: Duration,
        trouble: Arc<Notify>,
        stop: CancellationToken,
    ) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = trouble.notified() => {}
                () = stop.cancelled() => return,
            }
            let outcome = match self.check().await {
                Ok(()) => "ok",
                Err(e) => {
                    tracing::warn!(error = %e, "checking matches against the database failed; retrying next interval");
                    "failed"
                }
            };
            self.metrics.cluster.checks.with_label_values(&[outcome]).inc();
        }
    }

    /// Reads the changes past the mark and repairs what differs.
    pub(super) async fn check(&mut self) -> Result<(), StoreError> {
        let started = Instant::now();
        let mut after = self.mark.floor();
        let mut read = Vec::new();
        // A match moved several times shows once per place (on Postgres), each joined to its row
        // as it is now: comparing it once is enough.
        let mut compared = HashSet::new();
        loop {
            let changes = self.store.changes(after, PAGE).await?;
            self.metrics.cluster.check_rows.inc_by(changes.len() as u64);
            for change in &changes {
                if compared.insert(change.id) {
                    self.compare(change).await?;
                }
                read.push(change.change);
                after = change.change;
            }
            if (changes.len() as i64) < PAGE {
                break;
            }
        }
        self.mark.advance(&read, started);
        Ok(())
    }

    async fn compare(&self, change: &Change) -> Result<(), StoreError> {
        let held = self.catalog.snapshots().get(change.id);
        if held.as_ref().is_none_or(|held| held.meta.revision < change.revision) {
            // Created or changed on a node whose announcement never arrived.
            self.metrics.cluster.matches_loaded.inc();
            self.hub.load(change.id).await?;
        }
        let Some(held) = held else { return Ok(()) };
        if held.live.seq < change.seq {
            self.metrics.cluster.gap_repairs.with_label_values(&["check"]).inc();
            self.hub.repair(change.id).await;
        }
        Ok(())
    }
}
