//! The periodic check: one query for where every match stands in the database, compared with
//! what this node holds. New matches are loaded, newer metadata is taken, and a match behind is
//! repaired through the hub. It runs whether NATS is up or not, so a lost publish, a dead
//! publisher or a NATS outage leaves a node at most one interval behind.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::catalog::Catalog;
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};

pub(super) struct Checker {
    pub hub: Arc<Hub>,
    pub catalog: Arc<Catalog>,
    pub store: Store,
    pub metrics: Arc<Metrics>,
}

impl Checker {
    pub(super) async fn run(self, every: Duration, trouble: Arc<Notify>, stop: CancellationToken) {
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

    /// Compares every match with the database and repairs what differs.
    pub(super) async fn check(&self) -> Result<(), StoreError> {
        let snapshots = self.catalog.snapshots();
        for position in self.store.positions().await? {
            let held = snapshots.get(position.id);
            if held.as_ref().is_none_or(|held| held.meta.revision < position.revision) {
                // Created or changed on a node whose announcement never arrived.
                self.metrics.cluster.matches_loaded.inc();
                if let Some(loaded) = self.catalog.load(position.id).await? {
                    self.hub.introduce(held.as_deref(), &loaded);
                }
            }
            let Some(held) = held else { continue };
            if held.live.seq < position.seq {
                self.metrics.cluster.gap_repairs.with_label_values(&["check"]).inc();
                self.hub.repair(position.id).await;
            }
        }
        Ok(())
    }
}
