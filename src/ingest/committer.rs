//! The committer: drains the queue in batches and stores each batch in one transaction.
//!
//! One transaction per batch amortizes the durable sync (fsync or WAL flush) over every event in it,
//! which is what lets a single disk take thousands of events per second. Within a batch, events are
//! applied in arrival order per match, and each match row is locked before it is read, so nodes that
//! share a Postgres database still give every match gapless, duplicate-free sequence numbers.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::batch::{BatchError, Outcome};
use super::{Accepted, Ingest, IngestError, Submission};
use crate::cluster::Peers;
use crate::domain::{MatchId, Seq};
use crate::hub::{Committed, Hub};
use crate::metrics::Metrics;
use crate::snapshots::Recent;
use crate::store::{Store, StoreError};

/// Bounds of the write path.
#[derive(Debug, Clone)]
pub struct CommitterSettings {
    /// Events waiting for the committer before new ones are refused with 503.
    pub queue_depth: usize,
    /// Most events stored in one transaction.
    pub max_batch: usize,
    /// How far back a correction may reach: the last this many events of a match.
    pub max_correction_depth: usize,
}

/// Starts the committer. It stops when `shutdown` fires, after storing everything already queued.
/// Every committed event is also published to the `peers`, if any.
pub fn spawn(
    store: Store,
    hub: Arc<Hub>,
    peers: Peers,
    metrics: Arc<Metrics>,
    settings: CommitterSettings,
    shutdown: CancellationToken,
) -> (Ingest, JoinHandle<()>) {
    let capacity = settings.queue_depth.max(1);
    metrics.ingest_queue_capacity.set(i64::try_from(capacity).unwrap_or(i64::MAX));
    let (queue, rx) = mpsc::channel(capacity);
    let max_batch = settings.max_batch.max(1);
    let max_correction_depth = settings.max_correction_depth.max(1);
    let committer = Committer { store, hub, peers, metrics, max_batch, max_correction_depth };
    let task = tokio::spawn(committer.run(rx, shutdown));
    (Ingest { queue, max_correction_depth }, task)
}

/// Where a stored answer's event stands in its match.
#[derive(serde::Deserialize)]
struct Position {
    seq: Seq,
}

struct Committer {
    store: Store,
    hub: Arc<Hub>,
    peers: Peers,
    metrics: Arc<Metrics>,
    max_batch: usize,
    max_correction_depth: usize,
}

impl Committer {
    async fn run(self, mut rx: mpsc::Receiver<Submission>, shutdown: CancellationToken) {
        let mut batch = Vec::with_capacity(self.max_batch);
        loop {
            let received = tokio::select! {
                n = rx.recv_many(&mut batch, self.max_batch) => n,
                () = shutdown.cancelled() => {
                    // Refuse new submissions, then store what the queue already accepted.
                    rx.close();
                    rx.recv_many(&mut batch, self.max_batch).await
                }
            };
            if received == 0 {
                return;
            }
            self.metrics.ingest_queue.set(rx.len() as i64);
            self.commit(std::mem::take(&mut batch)).await;
        }
    }

    async fn commit(&self, mut batch: Vec<Submission>) {
        // Lock match rows in id order so that two nodes committing overlapping batches cannot
        // deadlock; the sort is stable, so each match keeps its arrival order.
        batch.sort_by_key(|s| s.match_id);
        let started = Instant::now();
        match super::batch::store(&self.store, &batch, self.max_correction_depth).await {
            Ok(results) => {
                let committed_at = tokio::time::Instant::now();
                self.metrics.commit_duration.observe(started.elapsed().as_secs_f64());
                self.metrics.commit_batch.observe(batch.len() as f64);
                for (submission, result) in batch.into_iter().zip(results) {
                    let answer = result
                        .map(|outcome| self.publish(submission.match_id, outcome, committed_at));
                    // The client may have gone away; the event is stored either way.
                    let _ = submission.reply.send(answer);
                }
            }
            Err(BatchError::NotStored(err)) => {
                tracing::warn!(error = %err, events = batch.len(), "group commit failed before COMMIT; none of it was stored");
                for submission in batch {
                    let answer = match err {
                        StoreError::Unavailable(_) => IngestError::Unavailable,
                        StoreError::DiskFull(_) => IngestError::DiskFull,
                        _ => IngestError::Failed,
                    };
                    let _ = submission.reply.send(Err(answer));
                }
            }
            Err(BatchError::OutcomeUnknown(err)) => {
                tracing::error!(error = %err, events = batch.len(), "COMMIT of a group commit failed; outcome unknown: the events may or may not be stored");
                // If the database did store them, snapshots and subscribers must see them anyway:
                // read each match back (a repair delivers whatever is there, and only that).
                let mut matches: Vec<_> = batch.iter().map(|s| s.match_id).collect();
                matches.dedup();
                self.hub.repair_later(matches, "commit_unknown");
                let disk_full = matches!(err, StoreError::DiskFull(_));
                for submission in batch {
                    let has_key = submission.idempotency.is_some();
                    let answer = IngestError::OutcomeUnknown { has_key, disk_full };
                    let _ = submission.reply.send(Err(answer));
                }
            }
        }
    }

    /// After commit: count the event, deliver it (snapshot, then subscribers), publish it to the
    /// other nodes, and shape the client's answer. The snapshot changes before the update goes
    /// out, so that a client subscribing at this moment gets either the new snapshot or the
    /// update, never a gap.
    fn publish(
        &self,
        match_id: MatchId,
        outcome: Outcome,
        committed_at: tokio::time::Instant,
    ) -> Accepted {
        match outcome {
            Outcome::Replayed(body) => {
                // The retry of a post whose COMMIT was answered as unknown, and was stored: make
                // sure this node shows what it stored.
                if let Ok(Position { seq }) = serde_json::from_str(&body) {
                    self.hub.replayed(match_id, seq);
                }
                Accepted::Replayed(body)
            }
            Outcome::Appended { event, live, body } => {
                self.metrics.events_ingested.with_label_values(&[event.kind.name()]).inc();
                // Encoded once: the same update goes to subscribers now, to other nodes, and to
                // resumes later.
                match Recent::new(&event, body.clone()) {
                    Ok(recent) => {
                        let update = Committed {
                            match_id: event.match_id,
                            live: *live,
                            recent,
                            committed_at,
                        };
                        self.peers.event(&update);
                        self.hub.deliver(update);
                    }
                    // Stored, but not deliverable: subscribers get it from the next snapshot.
                    Err(e) => tracing::error!(error = %e, "stored event is not JSON"),
                }
                Accepted::Created(body)
            }
        }
    }
}
