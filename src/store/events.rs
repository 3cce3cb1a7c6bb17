//! The event log: the write transaction of the committer, and history reads.

use std::sync::Arc;

use sqlx::FromRow;
use time::OffsetDateTime;

use super::matches::{MatchRow, MATCH_COLUMNS};
use super::tx::Tx;
use super::written::Written;
use super::{
    multi_row_insert, unix_millis, Backend, MatchRecord, Store, StoreError, ROWS_PER_INSERT,
};
use crate::domain::{
    corrections_of, fates, with_fate, LiveState, Logged, MatchId, MatchMeta, Seq, Side, Status,
    StoredEvent,
};

/// Where a stored event stands in its match.
#[derive(serde::Deserialize)]
struct Position {
    seq: Seq,
}

/// A state in the columns the previous release reads (`status`, `period`): the nearest value it
/// knows, so that a node of that release sharing the database keeps loading every match.
struct Legacy {
    status: &'static str,
    period: Option<&'static str>,
}

impl Legacy {
    fn of(live: &LiveState) -> Self {
        let status = match live.status {
            Status::Scheduled | Status::Delayed | Status::Postponed => "scheduled",
            Status::Live | Status::Interrupted | Status::Suspended => "live",
            Status::HalfTime => "half_time",
            Status::Finished | Status::Abandoned | Status::Cancelled | Status::Awarded => {
                "finished"
            }
        };
        let period = live.period().map(|p| match p {
            "before_extra_time" | "extra_time_half_time" | "before_penalties" => "half_time",
            "extra_time_second_half" => "extra_time",
            known => known,
        });
        Self { status, period }
    }
}

/// A locked match row, with its place in the change sequence: which version of the row it is.
#[derive(FromRow)]
struct Locked {
    change_seq: i64,
    #[sqlx(flatten)]
    row: MatchRow,
}

/// One write transaction that appends events and moves match states forward.
pub struct EventTx {
    pub(super) tx: Tx,
    backend: Backend,
    written: Arc<Written>,
    /// The matches this transaction wrote, each with the place it took: kept once committed.
    moved: Vec<(i64, MatchRecord)>,
}

impl Store {
    pub async fn begin_events(&self) -> Result<EventTx, StoreError> {
        Ok(EventTx {
            tx: Tx::begin_write(&self.pool, self.backend).await?,
            backend: self.backend,
            written: self.written.clone(),
            moved: Vec::new(),
        })
    }

    /// Stored events of a match with `seq > since`, in order, as their JSON bodies.
    pub async fn history(
        &self,
        id: MatchId,
        since: Seq,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        let bodies = sqlx::query_scalar(
            "SELECT body FROM events WHERE match_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(id.get())
        .bind(since.get())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        self.with_fates(id, since, bodies).await
    }

    /// `bodies` (events of match `id` after `since`) showing what later corrections did to them.
    async fn with_fates(
        &self,
        id: MatchId,
        since: Seq,
        mut bodies: Vec<String>,
    ) -> Result<Vec<String>, StoreError> {
        let corrections: Vec<String> = sqlx::query_scalar(
            "SELECT body FROM events WHERE match_id = $1 AND seq > $2 AND kind IN ('void', 'amend') \
             ORDER BY seq",
        )
        .bind(id.get())
        .bind(since.get())
        .fetch_all(&self.pool)
        .await?;
        if corrections.is_empty() {
            return Ok(bodies);
        }
        let fates = fates(&corrections_of(corrections.iter().map(String::as_str)));
        for body in &mut bodies {
            let Ok(position) = serde_json::from_str::<Position>(body) else { continue };
            if let Some(fate) = fates.get(&position.seq) {
                if let Some(shown) = with_fate(body, *fate) {
                    *body = shown;
                }
            }
        }
        Ok(bodies)
    }

    /// The last `count` events of one match, in order, as their JSON bodies.
    pub async fn latest_events(&self, id: MatchId, count: i64) -> Result<Vec<String>, StoreError> {
        let bodies = sqlx::query_scalar(
            "SELECT body FROM (SELECT seq, body FROM events WHERE match_id = $1 \
             ORDER BY seq DESC LIMIT $2) latest ORDER BY seq",
        )
        .bind(id.get())
        .bind(count)
        .fetch_all(&self.pool)
        .await?;
        Ok(bodies)
    }
}

impl EventTx {
    /// Reads a match and locks its row until commit, so concurrent writers, on this node or another
    /// sharing the database, take turns. `None` when there is no such match. A row this node
    /// wrote last is taken as it was written, not parsed again (`written.rs`).
    pub async fn lock_match(&mut self, id: MatchId) -> Result<Option<MatchRecord>, StoreError> {
        let sql = self.backend.lock_match(&format!("change_seq, {MATCH_COLUMNS}"));
        let locked: Option<Locked> =
            sqlx::query_as(&sql).bind(id.get()).fetch_optional(self.tx.conn()).await?;
        let Some(Locked { change_seq, row }) = locked else { return Ok(None) };
        if let Some(record) = self.written.take(id, change_seq) {
            // What this rests on, checked in every debug build and test: the row reads back as
            // the match this node wrote there. Compared as stored: a decided shoot-out level in
            // kicks does not keep which side kicked first (no kick follows; it no longer matters).
            #[cfg(debug_assertions)]
            if let Ok((meta, _, live)) = row.parse() {
                debug_assert_eq!(meta, record.meta);
                debug_assert_eq!(live.map(|l| l.to_stored()), Some(record.live.to_stored()));
            }
            return Ok(Some(record));
        }
        Ok(Some(row.resolve(self.tx.conn()).await?))
    }

    /// Writes a `match` event's changes (or a postponement's new kickoff) to the match's row, at
    /// the next metadata revision.
    pub async fn change_meta(&mut self, meta: &MatchMeta) -> Result<(), StoreError> {
        let moves = self.backend.move_match(
            "home = $2, away = $3, competition = $4, kickoff_at = $5, sport = $6, format = $7, \
             revision = $8, updated_at = $9",
        );
        sqlx::query(&moves)
            .bind(meta.id.get())
            .bind(meta.home.as_str())
            .bind(meta.away.as_str())
            .bind(meta.competition.as_str())
            .bind(unix_millis(meta.kickoff_at))
            .bind(meta.sport.as_str())
            .bind(meta.format.to_string())
            .bind(meta.revision)
            .bind(unix_millis(OffsetDateTime::now_utc()))
            .execute(self.tx.conn())
            .await?;
        Ok(())
    }

    /// Every event of match `id` up to `upto`, read inside this transaction: what a correction
    /// refolds.
    pub async fn event_log(&mut self, id: MatchId, upto: Seq) -> Result<Vec<Logged>, StoreError> {
        super::state::event_log(self.tx.conn(), id, upto).await
    }

    /// Stores the state a match reached with its latest event in this transaction (with the
    /// metadata `change_meta` wrote, if any).
    pub async fn save_live(&mut self, record: MatchRecord) -> Result<(), StoreError> {
        let (id, live) = (record.meta.id, &record.live);
        let shootout = live.shootout().unwrap_or_default();
        let legacy = Legacy::of(live);
        // This release moves `live_status` itself, in the same statement: the trigger that does
        // it for a writer that does not (an earlier release) is not run.
        let moves = self.backend.move_match(
            "status = $2, period = CAST($3 AS TEXT), minute = CAST($4 AS BIGINT), \
             home_score = $5, away_score = $6, seq = $7, updated_at = $8, \
             pens_first = CAST($9 AS TEXT), pens_home_taken = $10, pens_home_scored = $11, \
             pens_away_taken = $12, pens_away_scored = $13, \
             period_started_at = CAST($14 AS BIGINT), state = $15, live_status = $16",
        );
        let place: i64 = sqlx::query_scalar(&moves)
            .bind(id.get())
            .bind(legacy.status)
            .bind(legacy.period)
            .bind(live.minute().map(i64::from))
            .bind(i64::from(live.score().home))
            .bind(i64::from(live.score().away))
            .bind(live.seq.get())
            .bind(unix_millis(OffsetDateTime::now_utc()))
            .bind(shootout.first().map(Side::as_str))
            .bind(shootout.home().taken())
            .bind(shootout.home().scored())
            .bind(shootout.away().taken())
            .bind(shootout.away().scored())
            .bind(live.period_started_at().map(unix_millis))
            .bind(live.to_stored())
            .bind(live.status.as_str())
            .fetch_one(self.tx.conn())
            .await?;
        self.moved.push((place, record));
        Ok(())
    }

    /// Appends events, each with the JSON body it is served as, a hundred rows per statement.
    pub async fn insert_events(
        &mut self,
        events: &[(StoredEvent, String)],
    ) -> Result<(), StoreError> {
        for chunk in events.chunks(ROWS_PER_INSERT) {
            let sql =
                multi_row_insert("events (match_id, seq, kind, body, created_at)", 5, chunk.len());
            let mut query = sqlx::query(&sql);
            for (event, body) in chunk {
                query = query
                    .bind(event.match_id.get())
                    .bind(event.seq.get())
                    .bind(event.kind.name())
                    .bind(body.as_str())
                    .bind(unix_millis(event.recorded_at));
            }
            query.execute(self.tx.conn()).await?;
        }
        Ok(())
    }

    /// Makes everything appended durable; returns only once the database says it is on disk.
    pub async fn commit(self) -> Result<(), StoreError> {
        let Self { tx, written, moved, .. } = self;
        tx.commit().await?;
        written.keep(moved);
        Ok(())
    }
}
