//! One group commit: every submission of a batch applied inside one transaction with a handful of
//! statements. Each match is locked and read once, the events are checked against its state in
//! memory, and then the new states, the events and the idempotency answers are written in bulk.

use std::collections::HashMap;

use time::OffsetDateTime;

use super::{IngestError, Prepared, Submission};
use crate::domain::{correct, EventKind, LiveState, Logged, MatchId, StoredEvent};
use crate::store::{EventTx, MatchRecord, Store, StoreError, StoredResponse};

/// What one submission did inside the open transaction.
pub(super) enum Outcome {
    Appended { event: Box<StoredEvent>, live: Box<LiveState>, body: String },
    Replayed(String),
}

/// Why a batch was not (surely) stored.
#[derive(Debug, thiserror::Error)]
pub(super) enum BatchError {
    /// Failed before COMMIT: the transaction is rolled back and nothing of the batch is stored.
    #[error("before commit: {0}")]
    NotStored(#[source] StoreError),
    /// COMMIT itself failed: the database may have made the batch durable or not, and only
    /// reading it again tells. Each event's Idempotency-Key answer is in the same transaction, so a
    /// retry with the same key replays the event if it was stored, and stores it if it was not.
    #[error("during commit: {0}")]
    OutcomeUnknown(#[source] StoreError),
}

/// Applies `batch` (sorted by match id) and commits. A refused event does not abort the others; a
/// database error before COMMIT aborts the whole batch, leaving nothing of it stored.
pub(super) async fn store(
    store: &Store,
    batch: &[Submission],
    max_correction_depth: usize,
) -> Result<Vec<Result<Outcome, IngestError>>, BatchError> {
    let (tx, results) =
        prepare(store, batch, max_correction_depth).await.map_err(BatchError::NotStored)?;
    tx.commit().await.map_err(BatchError::OutcomeUnknown)?;
    Ok(results)
}

/// The correction's state folded before the commit, when the match is still where it was folded
/// (no event of this node's batch or another node's came in between).
fn prepared_for<'a>(submission: &'a Submission, live: &LiveState) -> Option<&'a Prepared> {
    submission.prepared.as_deref().filter(|p| p.after == live.seq)
}

/// Everything but the COMMIT: the open transaction and each submission's outcome in it.
async fn prepare(
    store: &Store,
    batch: &[Submission],
    max_correction_depth: usize,
) -> Result<(EventTx, Vec<Result<Outcome, IngestError>>), StoreError> {
    let mut tx = store.begin_events().await?;
    // Locked in id order (the batch is sorted), so two nodes' overlapping batches cannot deadlock.
    let mut matches: HashMap<MatchId, Option<MatchRecord>> = HashMap::new();
    for submission in batch {
        if let std::collections::hash_map::Entry::Vacant(slot) = matches.entry(submission.match_id)
        {
            slot.insert(tx.lock_match(submission.match_id).await?);
        }
    }
    let mut answers: HashMap<(MatchId, String), StoredResponse> = HashMap::new();
    for submission in batch {
        if let Some(idem) = &submission.idempotency {
            let key = (submission.match_id, idem.key.clone());
            if let std::collections::hash_map::Entry::Vacant(slot) = answers.entry(key) {
                if let Some(earlier) = tx.find_response(submission.match_id, &idem.key).await? {
                    slot.insert(earlier);
                }
            }
        }
    }

    let mut results = Vec::with_capacity(batch.len());
    let mut appended = Vec::new();
    let mut new_answers = Vec::new();
    for submission in batch {
        let id = submission.match_id;
        let Some(record) = matches.get_mut(&id).and_then(Option::as_mut) else {
            results.push(Err(IngestError::NoMatch(id)));
            continue;
        };
        let key = submission.idempotency.as_ref().map(|idem| (id, idem.key.clone()));
        if let (Some(key), Some(idem)) = (&key, &submission.idempotency) {
            if let Some(earlier) = answers.get(key) {
                results.push(if earlier.request_hash == idem.request_hash {
                    Ok(Outcome::Replayed(earlier.body.clone()))
                } else {
                    Err(IngestError::KeyReused)
                });
                continue;
            }
        }
        let recorded_at = OffsetDateTime::now_utc();
        let event = record.live.normalize(submission.event.clone());
        let decided = match record.live.decide(&event) {
            Err(conflict) => Err(conflict),
            Ok(()) if event.is_correction() => match prepared_for(submission, &record.live) {
                Some(prepared) => Ok(prepared.live.clone()),
                None => {
                    // Refolded here: every event stored so far, this batch's too.
                    let mut history = tx.event_log(id, record.live.seq).await?;
                    history.extend(
                        appended
                            .iter()
                            .filter(|(e, _): &&(StoredEvent, String)| e.match_id == id)
                            .map(|(e, _)| Logged {
                                seq: e.seq,
                                kind: e.kind.clone(),
                                at: e.recorded_at,
                            }),
                    );
                    let initial = LiveState::initial(record.meta.sport, &record.meta.format);
                    correct(initial, &history, &event, recorded_at, max_correction_depth)
                }
            },
            Ok(()) => {
                let mut next = record.live.clone();
                next.evolve(&event, recorded_at);
                Ok(next)
            }
        };
        let live = match decided {
            Ok(live) => live,
            Err(conflict) => {
                results.push(Err(IngestError::Conflict(conflict.0)));
                continue;
            }
        };
        let mut revision = None;
        if let Some(change) = event.meta_change() {
            let meta = record.meta.patched(&change);
            revision = Some(meta.revision);
            if meta.home == meta.away {
                results.push(Err(IngestError::Conflict(
                    "home and away must be different teams".into(),
                )));
                continue;
            }
            tx.change_meta(&meta).await?;
            record.meta = meta;
        }
        record.live = live.clone();
        let carries_state = matches!(
            event,
            EventKind::Start(_)
                | EventKind::Status(_)
                | EventKind::Void(_)
                | EventKind::Amend(_)
                | EventKind::Confirm(_)
        );
        let event = StoredEvent {
            match_id: id,
            seq: live.seq,
            score: live.score(),
            shootout: live.shootout().map(|s| s.tally()),
            state: carries_state.then(|| live.event_state()),
            revision,
            kind: event,
            recorded_at,
            voided_by: None,
            amended_by: None,
        };
        let body = serde_json::to_string(&event).expect("events always serialize");
        if let (Some(key), Some(idem)) = (key, &submission.idempotency) {
            let answer =
                StoredResponse { request_hash: idem.request_hash.clone(), body: body.clone() };
            answers.insert(key.clone(), answer.clone());
            new_answers.push((key.0, key.1, answer));
        }
        appended.push((event.clone(), body.clone()));
        results.push(Ok(Outcome::Appended { event: Box::new(event), live: Box::new(live), body }));
    }

    let mut touched: Vec<MatchId> = appended.iter().map(|(e, _)| e.match_id).collect();
    touched.dedup();
    for id in touched {
        if let Some(Some(record)) = matches.remove(&id) {
            tx.save_live(record).await?;
        }
    }
    tx.insert_events(&appended).await?;
    tx.remember_responses(&new_answers).await?;
    Ok((tx, results))
}
