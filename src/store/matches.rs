//! Matches: creation, reading one, and resolving a row into a match with its current state.

use sqlx::FromRow;
use time::OffsetDateTime;

use sqlx::AnyConnection;

use super::state::rebuild;
use super::tx::Tx;
use super::{from_unix_millis, unix_millis, Store, StoreError};
use crate::domain::{LiveState, MatchId, MatchMeta, NewMatch, Seq, Sport};

/// The columns every match query returns, in `MatchRow` order.
pub(super) const MATCH_COLUMNS: &str =
    "id, home, away, competition, kickoff_at, revision, seq, sport, format, state";

/// A match row as stored. The older state columns are written for earlier releases, never read.
#[derive(Debug, FromRow)]
pub(super) struct MatchRow {
    id: i64,
    home: String,
    away: String,
    competition: String,
    kickoff_at: i64,
    revision: i64,
    seq: i64,
    sport: String,
    format: String,
    state: Option<String>,
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
#[derive(Debug, Clone, PartialEq)]
pub struct MatchRecord {
    pub meta: MatchMeta,
    pub live: LiveState,
}

impl MatchRow {
    /// The match, with its state as stored when that state is current (written by this release
    /// with the row's latest event); `None` when it must be rebuilt from the events.
    pub(super) fn parse(self) -> Result<(MatchMeta, Seq, Option<LiveState>), StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("match {}: {what}", self.id));
        let seq = Seq::try_from(self.seq).map_err(|_| corrupt("seq out of range"))?;
        let sport = Sport::parse(&self.sport).ok_or_else(|| corrupt("unknown sport"))?;
        let format =
            serde_json::from_str(&self.format).map_err(|_| corrupt("format is not JSON"))?;
        let live = self
            .state
            .as_deref()
            .and_then(LiveState::from_stored)
            .filter(|live| live.seq == seq && live.sport() == sport);
        let meta = MatchMeta {
            id: MatchId::try_from(self.id).map_err(|_| corrupt("id out of range"))?,
            sport,
            format,
            kickoff_at: from_unix_millis(self.kickoff_at)?,
            home: self.home,
            away: self.away,
            competition: self.competition,
            revision: self.revision,
        };
        Ok((meta, seq, live))
    }

    /// The match with its current state: rebuilt from its events (and written back) when the row
    /// has none, as rows of earlier releases do.
    pub(super) async fn resolve(self, conn: &mut AnyConnection) -> Result<MatchRecord, StoreError> {
        let (meta, seq, live) = self.parse()?;
        let live = match live {
            Some(live) => live,
            None => {
                let live = rebuild(conn, &meta, seq).await?;
                sqlx::query("UPDATE matches SET state = $2 WHERE id = $1 AND seq = $3")
                    .bind(meta.id.get())
                    .bind(live.to_stored())
                    .bind(seq.get())
                    .execute(&mut *conn)
                    .await?;
                live
            }
        };
        Ok(MatchRecord { meta, live })
    }
}

/// Resolves every row, in order; a row that does not read back is set aside, not fatal: one bad
/// row must not keep the others from being served.
pub(super) async fn resolve_all(
    conn: &mut AnyConnection,
    rows: Vec<MatchRow>,
) -> Result<AllMatches, StoreError> {
    let mut all = AllMatches::default();
    for row in rows {
        let id = row.id;
        match row.resolve(conn).await {
            Ok(record) => all.matches.push(record),
            Err(StoreError::Corrupt(error)) => all.unreadable.push(Unreadable { id, error }),
            Err(e) => return Err(e),
        }
    }
    Ok(all)
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
            "INSERT INTO matches (home, away, competition, kickoff_at, status, created_at, \
             updated_at, sport, format, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9) RETURNING {MATCH_COLUMNS}"
        );
        let format = new.format.clone().unwrap_or_else(|| serde_json::json!({}));
        let live = LiveState::initial(new.sport, &format);
        let mut tx = Tx::begin(&self.pool).await?;
        let row: MatchRow = sqlx::query_as(&sql)
            .bind(new.home.as_ref())
            .bind(new.away.as_ref())
            .bind(new.competition.as_ref())
            .bind(unix_millis(new.kickoff_at.get()))
            .bind("scheduled")
            .bind(unix_millis(now))
            .bind(new.sport.as_str())
            .bind(format.to_string())
            .bind(live.to_stored())
            .fetch_one(tx.conn())
            .await?;
        let record = row.resolve(tx.conn()).await?;
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

    /// One match, or `None` when there is no such match.
    pub async fn find_match(&self, id: MatchId) -> Result<Option<MatchRecord>, StoreError> {
        let sql = format!("SELECT {MATCH_COLUMNS} FROM matches WHERE id = $1");
        let mut conn = self.pool.acquire().await?;
        let row: Option<MatchRow> =
            sqlx::query_as(&sql).bind(id.get()).fetch_optional(&mut *conn).await?;
        match row {
            Some(row) => Ok(Some(row.resolve(&mut conn).await?)),
            None => Ok(None),
        }
    }
}
