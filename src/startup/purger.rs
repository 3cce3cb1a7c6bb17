//! The background task that deletes expired Idempotency-Key answers.

use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::store::Store;

/// How often expired Idempotency-Key answers are deleted.
const PURGE_INTERVAL: Duration = Duration::from_secs(3600);

pub(super) fn spawn_purger(
    store: Store,
    retention: Duration,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PURGE_INTERVAL);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                () = shutdown.cancelled() => return,
            }
            let cutoff = time::OffsetDateTime::now_utc() - retention;
            match store.purge_responses(cutoff).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "expired Idempotency-Key answers removed"),
                Err(e) => {
                    tracing::warn!(error = %e, "could not remove expired Idempotency-Key answers")
                }
            }
        }
    })
}
