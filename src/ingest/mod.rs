//! The write path for events: a queue in front of one committer task that stores events in group
//! commits, assigns sequence numbers, and updates the snapshots once the commit is durable.

mod batch;
mod committer;
mod prepare;

use tokio::sync::{mpsc, oneshot};

pub use committer::{spawn, CommitterSettings};
pub use prepare::{prepare, Prepared};

use crate::domain::{EventKind, MatchId};
pub use crate::store::RetryKey;

/// What became of an accepted event.
#[derive(Debug)]
pub enum Accepted {
    /// Stored now; the body is the stored event as JSON.
    Created(String),
    /// A retry of an earlier request with the same key: its original answer.
    Replayed(String),
}

/// Why an event was not stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("there is no match with id {0}")]
    NoMatch(MatchId),
    #[error("{0}")]
    Conflict(String),
    #[error("this Idempotency-Key was already used with a different request body")]
    KeyReused,
    #[error("too many events are waiting to be stored; retry shortly")]
    Overloaded,
    #[error("the database is unavailable; retry shortly")]
    Unavailable,
    #[error("the database's disk is full: the event was not stored; retry once space is freed")]
    DiskFull,
    /// The cause is logged by the committer, not shown to clients.
    #[error("the event could not be stored")]
    Failed,
    /// The database failed during COMMIT (`disk_full`: for want of space): the event may or may
    /// not be stored.
    #[error("{}", outcome_unknown(*has_key, *disk_full))]
    OutcomeUnknown { has_key: bool, disk_full: bool },
    #[error("the service is shutting down")]
    ShuttingDown,
}

fn outcome_unknown(has_key: bool, disk_full: bool) -> String {
    let (cause, when) = match disk_full {
        true => ("the database's disk is full and the commit failed", " once space is freed"),
        false => ("the database failed while committing", ""),
    };
    let advice = match has_key {
        true => format!(
            "Retry with the same Idempotency-Key{when}: if it was stored, the retry answers with \
             the stored event, and it is never stored twice"
        ),
        false => format!(
            "Check the match's events before posting it again{when}, and send an \
             Idempotency-Key so that a retry is safe"
        ),
    };
    format!("{cause}; the outcome is unknown: the event may or may not be stored. {advice}")
}

pub(crate) struct Submission {
    match_id: MatchId,
    event: EventKind,
    idempotency: Option<RetryKey>,
    /// A correction already folded, used when its match has not moved on meanwhile.
    prepared: Option<Box<Prepared>>,
    reply: oneshot::Sender<Result<Accepted, IngestError>>,
}

/// Handle for submitting events; cheap to clone.
#[derive(Clone)]
pub struct Ingest {
    queue: mpsc::Sender<Submission>,
    max_correction_depth: usize,
}

impl Ingest {
    /// How far back a correction may reach (`--max-correction-depth`).
    pub fn max_correction_depth(&self) -> usize {
        self.max_correction_depth
    }

    /// Stores `event` durably and returns once it is committed (or refused).
    pub async fn submit(
        &self,
        match_id: MatchId,
        event: EventKind,
        idempotency: Option<RetryKey>,
    ) -> Result<Accepted, IngestError> {
        self.submit_prepared(match_id, event, idempotency, None).await
    }

    /// As `submit`, with a correction folded beforehand ([`prepare`]): the committer takes its
    /// state when the match is still where it was folded, and folds again inside the commit
    /// otherwise.
    pub async fn submit_prepared(
        &self,
        match_id: MatchId,
        event: EventKind,
        idempotency: Option<RetryKey>,
        prepared: Option<Prepared>,
    ) -> Result<Accepted, IngestError> {
        let (reply, answer) = oneshot::channel();
        let prepared = prepared.map(Box::new);
        let submission = Submission { match_id, event, idempotency, prepared, reply };
        self.queue.try_send(submission).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => IngestError::Overloaded,
            mpsc::error::TrySendError::Closed(_) => IngestError::ShuttingDown,
        })?;
        answer.await.map_err(|_| IngestError::ShuttingDown)?
    }
}
