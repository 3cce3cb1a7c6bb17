//! A match's state from its event log: the fold of the events that count, for rows that carry no
//! current state (written by an earlier release) and for corrections, which refold the match.

use sqlx::AnyConnection;

use super::StoreError;
use crate::domain::{fold, LiveState, Logged, MatchId, MatchMeta, Seq, StoredEvent};

/// The events of match `id` with `seq <= upto`, in order, as the fold needs them. Events this
/// release cannot read (a newer release's kinds) are left out, and logged.
pub(crate) async fn event_log(
    conn: &mut AnyConnection,
    id: MatchId,
    upto: Seq,
) -> Result<Vec<Logged>, StoreError> {
    let bodies: Vec<String> = sqlx::query_scalar(
        "SELECT body FROM events WHERE match_id = $1 AND seq <= $2 ORDER BY seq",
    )
    .bind(id.get())
    .bind(upto.get())
    .fetch_all(conn)
    .await?;
    let mut log = Vec::with_capacity(bodies.len());
    for body in bodies {
        match serde_json::from_str::<StoredEvent>(&body) {
            Ok(event) => {
                log.push(Logged { seq: event.seq, kind: event.kind, at: event.recorded_at })
            }
            Err(e) => {
                tracing::warn!(match_id = %id, error = %e, "a stored event this release cannot read is left out of the match's state")
            }
        }
    }
    Ok(log)
}

/// The state of `meta`'s match after event `seq`, folded from its events without the rules (they
/// were checked when each was stored).
pub(crate) async fn rebuild(
    conn: &mut AnyConnection,
    meta: &MatchMeta,
    seq: Seq,
) -> Result<LiveState, StoreError> {
    let log = event_log(conn, meta.id, seq).await?;
    let initial = LiveState::initial(meta.sport, &meta.format);
    let mut live = fold(initial, &log, None).map_err(|c| StoreError::Corrupt(c.0))?;
    live.seq = seq;
    Ok(live)
}

impl super::Store {
    /// Every event of match `id` up to `upto`, in order, as the fold needs them.
    pub async fn event_log(&self, id: MatchId, upto: Seq) -> Result<Vec<Logged>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        event_log(&mut conn, id, upto).await
    }

    /// The state of `meta`'s match right after event `seq`, folded from its events.
    pub async fn state_at(&self, meta: &MatchMeta, seq: Seq) -> Result<LiveState, StoreError> {
        let mut conn = self.pool.acquire().await?;
        rebuild(&mut conn, meta, seq).await
    }
}
