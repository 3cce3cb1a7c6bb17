//! The background task that deletes what is kept for a while only: expired Idempotency-Key
//! answers, and places in the change sequence older than the change log's retention.

use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::store::Store;

/// How often expired rows are deleted.
const PURGE_INTERVAL: Duration = Duration::from_secs(3600);

/// How long each kind of row is kept.
pub(super) struct Retention {
    /// Idempotency-Key answers.
    pub responses: Duration,
    /// Places in the change sequence (`--change-log-hours`, never less than the hot window).
    pub changes: Duration,
}

pub(super) fn spawn_purger(
    store: Store,
    retention: Retention,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PURGE_INTERVAL);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                () = shutdown.cancelled() => return,
            }
            let now = time::OffsetDateTime::now_utc();
            match store.purge_responses(now - retention.responses).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "expired Idempotency-Key answers removed"),
                Err(e) => {
                    tracing::warn!(error = %e, "could not remove expired Idempotency-Key answers")
                }
            }
            match store.prune_changes(now - retention.changes).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    removed = n,
                    "places in the change log past its retention removed"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "could not remove old places from the change log")
                }
            }
        }
    })
}
