//! Matches: creation, metadata changes, and loading every match at start.

use sqlx::FromRow;
use time::OffsetDateTime;

use super::tx::Tx;
use super::{from_unix_millis, unix_millis, Store, StoreError};
use crate::domain::{
    Kicks, LiveState, MatchId, MatchMeta, MatchPatch, NewMatch, Period, Score, Seq, Shootout, Side,
    Status,
};

/// The columns every match query returns, in `MatchRow` order.
pub(super) const MATCH_COLUMNS: &str = "id, home, away, competition, kickoff_at, revision, \
     status, period, minute, period_started_at, home_score, away_score, seq, \
     pens_first, pens_home_taken, pens_home_scored, pens_away_taken, pens_away_scored";

/// A match row as stored.
#[derive(Debug, FromRow)]
pub(super) struct MatchRow {
    id: i64,
    home: String,
    away: String,
    competition: String,
    kickoff_at: i64,
    revision: i64,
    status: String,
    period: Option<String>,
    minute: Option<i64>,
    period_started_at: Option<i64>,
    home_score: i64,
    away_score: i64,
    seq: i64,
    pens_first: Option<String>,
    pens_home_taken: i64,
    pens_home_scored: i64,
    pens_away_taken: i64,
    pens_away_scored: i64,
}

/// A retry key and the hash of the request that first used it.
#[derive(Debug, Clone)]
pub struct RetryKey {
    pub key: String,
    /// SHA-256 of the canonical request body, hex.
    pub request_hash: String,
}

/// What a match creation did.
#[derive(Debug)]
pub enum Creation {
    Created(MatchRecord),
    /// A retry: the match the first request with this key created, as it is now.
    Replayed(MatchRecord),
    /// The key was used before with a different request body.
    KeyReused,
}

/// Where a match stands in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub id: MatchId,
    pub seq: Seq,
    pub revision: i64,
}

/// Every stored match, and the rows that could not be read as one.
#[derive(Debug, Default)]
pub struct AllMatches {
    pub matches: Vec<MatchRecord>,
    pub unreadable: Vec<Unreadable>,
}

/// A match row that does not read back (such as a timestamp outside what UTC can hold).
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub id: i64,
    pub error: String,
}

/// A match as the rest of the service sees it.
#[derive(Debug, Clone)]
pub struct MatchRecord {
    pub meta: MatchMeta,
    pub live: LiveState,
}

impl TryFrom<MatchRow> for MatchRecord {
    type Error = StoreError;

    fn try_from(row: MatchRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("match {}: {what}", row.id));
        let status = Status::parse(&row.status).ok_or_else(|| corrupt("unknown status"))?;
        let period = match row.period.as_deref() {
            None => None,
            Some(p) => Some(Period::parse(p).ok_or_else(|| corrupt("unknown period"))?),
        };
        let minute = row
            .minute
            .map(|m| m.try_into().map_err(|_| corrupt("minute out of range")))
            .transpose()?;
        let period_started_at = row.period_started_at.map(from_unix_millis).transpose()?;
        let seq = Seq::try_from(row.seq).map_err(|_| corrupt("seq out of range"))?;
        let score = Score {
            home: row.home_score.try_into().map_err(|_| corrupt("home score out of range"))?,
            away: row.away_score.try_into().map_err(|_| corrupt("away score out of range"))?,
        };
        // The shoot-out exists from the `penalties` period on; its counts are kept before that too (0).
        let shootout = if period == Some(Period::Penalties) {
            let kicks = |taken, scored| {
                Kicks::new(taken, scored).ok_or_else(|| corrupt("shoot-out kicks out of range"))
            };
            let first = match row.pens_first.as_deref() {
                None => None,
                Some(raw) => {
                    Some(Side::parse(raw).ok_or_else(|| corrupt("unknown shoot-out side"))?)
                }
            };
            Some(Shootout::from_parts(
                kicks(row.pens_home_taken, row.pens_home_scored)?,
                kicks(row.pens_away_taken, row.pens_away_scored)?,
                first,
            ))
        } else {
            None
        };
        Ok(Self {
            meta: MatchMeta {
                id: MatchId::try_from(row.id).map_err(|_| corrupt("id out of range"))?,
                kickoff_at: from_unix_millis(row.kickoff_at)?,
                home: row.home,
                away: row.away,
                competition: row.competition,
                revision: row.revision,
            },
            live: LiveState { status, period, minute, period_started_at, score, shootout, seq },
        })
    }
}

impl Store {
    /// Stores a new, scheduled match. With a retry key, a request already made with that key (on
    /// any node) creates nothing and answers with the match it created.
    pub async fn create_match(
        &self,
        new: &NewMatch,
        key: Option<&RetryKey>,
        now: OffsetDateTime,
    ) -> Result<Creation, StoreError> {
        let sql = format!(
            "INSERT INTO matches (home, away, competition, kickoff_at, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING {MATCH_COLUMNS}"
        );
        let mut tx = Tx::begin(&self.pool).await?;
        let row: MatchRow = sqlx::query_as(&sql)
            .bind(new.home.as_ref())
            .bind(new.away.as_ref())
            .bind(new.competition.as_ref())
            .bind(unix_millis(new.kickoff_at.get()))
            .bind(Status::Scheduled.as_str())
            .bind(unix_millis(now))
            .fetch_one(tx.conn())
            .await?;
        let record = MatchRecord::try_from(row)?;
        let Some(key) = key else {
            tx.commit().await?;
            return Ok(Creation::Created(record));
        };
        // On another node's concurrent insert of the same key, this waits for its commit and
        // then inserts nothing.
        let inserted = sqlx::query(
            "INSERT INTO match_creations (key, request_hash, match_id, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key.key.as_str())
        .bind(key.request_hash.as_str())
        .bind(record.meta.id.get())
        .bind(unix_millis(now))
        .execute(tx.conn())
        .await?
        .rows_affected();
        if inserted == 1 {
            tx.commit().await?;
            return Ok(Creation::Created(record));
        }
        tx.rollback().await?;
        let (hash, id): (String, i64) =
            sqlx::query_as("SELECT request_hash, match_id FROM match_creations WHERE key = $1")
                .bind(key.key.as_str())
                .fetch_one(&self.pool)
                .await?;
        if hash != key.request_hash {
            return Ok(Creation::KeyReused);
        }
        let id = MatchId::try_from(id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let earlier = self.find_match(id).await?;
        earlier
            .map(Creation::Replayed)
            .ok_or_else(|| StoreError::Corrupt(format!("match {id} of a retry key is missing")))
    }

    /// Changes a match's metadata; `None` when there is no such match.
    pub async fn patch_match(
        &self,
        id: MatchId,
        patch: &MatchPatch,
        now: OffsetDateTime,
    ) -> Result<Option<MatchRecord>, StoreError> {
        // CASTs give the NULL of an absent field a type, which Postgres needs for COALESCE.
        let sql = format!(
            "UPDATE matches SET home = COALESCE(CAST($2 AS TEXT), home), \
             away = COALESCE(CAST($3 AS TEXT), away), \
             competition = COALESCE(CAST($4 AS TEXT), competition), \
             kickoff_at = COALESCE(CAST($5 AS BIGINT), kickoff_at), \
             revision = revision + 1, updated_at = $6 WHERE id = $1 RETURNING {MATCH_COLUMNS}"
        );
        let row: Option<MatchRow> = sqlx::query_as(&sql)
            .bind(id.get())
            .bind(patch.home.as_ref().map(|n| n.as_ref().to_owned()))
            .bind(patch.away.as_ref().map(|n| n.as_ref().to_owned()))
            .bind(patch.competition.as_ref().map(|n| n.as_ref().to_owned()))
            .bind(patch.kickoff_at.map(|at| unix_millis(at.get())))
            .bind(unix_millis(now))
            .fetch_optional(&self.pool)
            .await?;
        row.map(MatchRecord::try_from).transpose()
    }

    /// One match, or `None` when there is no such match.
    pub async fn find_match(&self, id: MatchId) -> Result<Option<MatchRecord>, StoreError> {
        let sql = format!("SELECT {MATCH_COLUMNS} FROM matches WHERE id = $1");
        let row: Option<MatchRow> =
            sqlx::query_as(&sql).bind(id.get()).fetch_optional(&self.pool).await?;
        row.map(MatchRecord::try_from).transpose()
    }

    /// Where every match stands: its latest sequence number and metadata revision, for the check
    /// that keeps the nodes of a cluster in step.
    pub async fn positions(&self) -> Result<Vec<Position>, StoreError> {
        let rows: Vec<(i64, i64, i64)> =
            sqlx::query_as("SELECT id, seq, revision FROM matches ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(id, seq, revision)| {
                let corrupt = |e: crate::domain::IdError| StoreError::Corrupt(e.to_string());
                Ok(Position {
                    id: MatchId::try_from(id).map_err(corrupt)?,
                    seq: Seq::try_from(seq).map_err(corrupt)?,
                    revision,
                })
            })
            .collect()
    }

    /// Every match, oldest first, for filling the snapshot cache at start. A row that does not
    /// read back is set aside, not fatal: one bad row must not keep the others from being served.
    pub async fn all_matches(&self) -> Result<AllMatches, StoreError> {
        let sql = format!("SELECT {MATCH_COLUMNS} FROM matches ORDER BY id");
        let rows: Vec<MatchRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        let mut all = AllMatches::default();
        for row in rows {
            let id = row.id;
            match MatchRecord::try_from(row) {
                Ok(record) => all.matches.push(record),
                Err(e) => all.unreadable.push(Unreadable { id, error: e.to_string() }),
            }
        }
        Ok(all)
    }
}
