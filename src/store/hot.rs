//! What a node reads instead of every match: the hot set (matches in play, kicking off or changed
//! within a window of now) at start and as time moves on, and the changes past a mark for the
//! cluster's periodic check. Each is one indexed query (`matches_status_kickoff`,
//! `matches_kickoff_id`, and the places of the change sequence, recorded with every move of a
//! match: `change_log` on Postgres, `changed_matches` on SQLite, see `changes.rs`).

use time::OffsetDateTime;

use super::matches::{resolve_all, MatchRow, MATCH_COLUMNS};
use super::{unix_millis, AllMatches, Backend, Store, StoreError};
use crate::domain::{lifecycle, MatchId, Seq};

/// The statuses that keep a match hot whatever its kick-off: in play, or stopped and expected to
/// go on.
pub fn hot_statuses() -> impl Iterator<Item = &'static str> {
    lifecycle::STATUSES.into_iter().filter(|s| s.in_play() || s.stopped()).map(|s| s.as_str())
}

/// The condition on a match row (its id column `id`) for being hot at `$1..$2`: in a hot status,
/// kicking off within the window, or changed since `$3`. One id subquery per index, joined by
/// `UNION`: an `OR` of the three made SQLite read every match (and every event) at each start and
/// sweep, whatever was hot.
fn hot_condition(backend: Backend, id: &str) -> String {
    let statuses: Vec<String> = hot_statuses().map(|s| format!("'{s}'")).collect();
    format!(
        "{id} IN (SELECT id FROM matches WHERE live_status IN ({}) \
         UNION SELECT id FROM matches WHERE kickoff_at BETWEEN $1 AND $2 \
         UNION {})",
        statuses.join(", "),
        backend.changed_since()
    )
}

/// A match's position in the change sequence, for the cluster's check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub id: MatchId,
    pub seq: Seq,
    pub revision: i64,
    /// Its place in the change sequence (on Postgres one of its places: a match moved twice
    /// since the last check shows twice).
    pub change: i64,
}

impl Store {
    /// The hot matches between `from` and `to` (resolved, with rows that do not read back set
    /// aside), and the last `per_match` events of each, ordered by match and sequence. A match
    /// changed since `from` is hot: the change log keeps at least the hot window.
    pub async fn hot_matches(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
        per_match: i64,
    ) -> Result<(AllMatches, Vec<(MatchId, String)>), StoreError> {
        let (from, to) = (unix_millis(from), unix_millis(to));
        let sql = format!(
            "SELECT {MATCH_COLUMNS} FROM matches WHERE {} ORDER BY id",
            hot_condition(self.backend, "id")
        );
        let mut conn = self.pool.acquire().await?;
        let rows: Vec<MatchRow> =
            sqlx::query_as(&sql).bind(from).bind(to).bind(from).fetch_all(&mut *conn).await?;
        let all = resolve_all(&mut conn, rows).await?;
        let sql = format!(
            "SELECT e.match_id, e.body FROM matches m JOIN events e ON e.match_id = m.id \
             WHERE {} AND e.seq > m.seq - $4 ORDER BY e.match_id, e.seq",
            hot_condition(self.backend, "m.id")
        );
        let rows: Vec<(i64, String)> = sqlx::query_as(&sql)
            .bind(from)
            .bind(to)
            .bind(from)
            .bind(per_match)
            .fetch_all(&mut *conn)
            .await?;
        let events = rows
            .into_iter()
            .map(|(id, body)| {
                let id = MatchId::try_from(id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok((id, body))
            })
            .collect::<Result<_, StoreError>>()?;
        Ok((all, events))
    }

    /// The ids of the matches hot between `from` and `to`, in id order, with those changed since
    /// `changed_since` (not `from`: a running node's sweep asks only for what changed since its
    /// last, which on Postgres reads that much of the change log, not the whole window's).
    pub async fn hot_ids(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
        changed_since: OffsetDateTime,
    ) -> Result<Vec<MatchId>, StoreError> {
        let sql = format!(
            "SELECT id FROM matches WHERE {} ORDER BY id",
            hot_condition(self.backend, "id")
        );
        let ids: Vec<i64> = sqlx::query_scalar(&sql)
            .bind(unix_millis(from))
            .bind(unix_millis(to))
            .bind(unix_millis(changed_since))
            .fetch_all(&self.pool)
            .await?;
        ids.into_iter()
            .map(|id| MatchId::try_from(id).map_err(|e| StoreError::Corrupt(e.to_string())))
            .collect()
    }

    /// The highest place in the change sequence so far (0 with no matches).
    pub async fn last_change(&self) -> Result<i64, StoreError> {
        let last: Option<i64> =
            sqlx::query_scalar(self.backend.last_change()).fetch_one(&self.pool).await?;
        Ok(last.unwrap_or(0))
    }

    /// Deletes the places in the change sequence recorded before `cutoff`, but the highest (where
    /// places are a log: Postgres); returns how many.
    pub async fn prune_changes(&self, cutoff: OffsetDateTime) -> Result<u64, StoreError> {
        let Some(sql) = self.backend.prune_changes() else { return Ok(0) };
        let done = sqlx::query(sql).bind(unix_millis(cutoff)).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }

    /// At most `limit` places in the change sequence past `after`, in order, each with its match
    /// as it is now.
    pub async fn changes(&self, after: i64, limit: i64) -> Result<Vec<Change>, StoreError> {
        let rows: Vec<(i64, i64, i64, i64)> = sqlx::query_as(self.backend.changes())
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|(id, seq, revision, change)| {
                let corrupt = |e: crate::domain::IdError| StoreError::Corrupt(e.to_string());
                Ok(Change {
                    id: MatchId::try_from(id).map_err(corrupt)?,
                    seq: Seq::try_from(seq).map_err(corrupt)?,
                    revision,
                    change,
                })
            })
            .collect()
    }
}
