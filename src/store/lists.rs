//! Lists of matches and competitions, answered by indexed queries: a page is found through
//! `matches_kickoff_id` (or the status or competition index) and read a page at a time, never by
//! loading every match.

use time::OffsetDateTime;

use super::matches::{resolve_all, MatchRow, MATCH_COLUMNS};
use super::{unix_millis, MatchRecord, Store, StoreError};
use crate::domain::{lifecycle, Sport, Status};

/// Which matches a list holds, and which page of them.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<Status>,
    pub sport: Option<Sport>,
    pub competition: Option<String>,
    /// Kicking off at or after.
    pub from: Option<OffsetDateTime>,
    /// Kicking off before.
    pub to: Option<OffsetDateTime>,
}

/// Where a page starts: after a match (keyset), or after skipping some.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStart {
    Offset(i64),
    /// After the match that kicks off at this unix millisecond with this id, in list order,
    /// skipping `offset` more.
    After {
        kickoff_ms: i64,
        id: i64,
        offset: i64,
    },
}

/// One page of a list, and how many matches pass its filters.
#[derive(Debug)]
pub struct ListPage {
    pub matches: Vec<MatchRecord>,
    pub total: i64,
}

/// A competition's counts, per sport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompetitionCount {
    pub name: String,
    pub sport: String,
    pub matches: i64,
    pub in_play: i64,
}

enum Value {
    Int(i64),
    Text(String),
}

/// The filters as SQL conditions, with their values in placeholder order.
fn conditions(filter: &ListFilter) -> (Vec<String>, Vec<Value>) {
    let mut sql = Vec::new();
    let mut values = Vec::new();
    let mut add = |condition: &str, value: Value, sql: &mut Vec<String>| {
        values.push(value);
        sql.push(condition.replace('?', &format!("${}", values.len())));
    };
    if let Some(status) = filter.status {
        add("live_status = ?", Value::Text(status.as_str().to_owned()), &mut sql);
    }
    if let Some(sport) = filter.sport {
        add("sport = ?", Value::Text(sport.as_str().to_owned()), &mut sql);
    }
    if let Some(competition) = &filter.competition {
        add("competition = ?", Value::Text(competition.clone()), &mut sql);
    }
    if let Some(from) = filter.from {
        add("kickoff_at >= ?", Value::Int(unix_millis(from)), &mut sql);
    }
    if let Some(to) = filter.to {
        add("kickoff_at < ?", Value::Int(unix_millis(to)), &mut sql);
    }
    (sql, values)
}

fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    }
}

macro_rules! bind_all {
    ($query:expr, $values:expr) => {{
        let mut query = $query;
        for value in $values {
            query = match value {
                Value::Int(v) => query.bind(*v),
                Value::Text(v) => query.bind(v.as_str()),
            };
        }
        query
    }};
}

impl Store {
    /// One page of the matches that pass `filter`, ordered by kick-off, then id.
    pub async fn list_matches(
        &self,
        filter: &ListFilter,
        start: PageStart,
        limit: i64,
    ) -> Result<ListPage, StoreError> {
        let (filters, values) = conditions(filter);
        let count_sql = format!("SELECT COUNT(*) FROM matches{}", where_clause(&filters));
        let mut conn = self.pool.acquire().await?;
        let total: i64 =
            bind_all!(sqlx::query_scalar(&count_sql), &values).fetch_one(&mut *conn).await?;
        let mut page = filters;
        let mut values = values;
        let offset = match start {
            PageStart::Offset(offset) => offset,
            PageStart::After { kickoff_ms, id, offset } => {
                let (k, i) = (values.len() + 1, values.len() + 2);
                page.push(format!("(kickoff_at > ${k} OR (kickoff_at = ${k} AND id > ${i}))"));
                values.push(Value::Int(kickoff_ms));
                values.push(Value::Int(id));
                offset
            }
        };
        let sql = format!(
            "SELECT {MATCH_COLUMNS} FROM matches{} ORDER BY kickoff_at, id LIMIT ${} OFFSET ${}",
            where_clause(&page),
            values.len() + 1,
            values.len() + 2
        );
        values.push(Value::Int(limit));
        values.push(Value::Int(offset));
        let rows: Vec<MatchRow> =
            bind_all!(sqlx::query_as(&sql), &values).fetch_all(&mut *conn).await?;
        let all = resolve_all(&mut conn, rows).await?;
        for row in &all.unreadable {
            tracing::error!(match_id = row.id, error = %row.error, "stored match unreadable; left out of a list");
        }
        Ok(ListPage { matches: all.matches, total })
    }

    /// Every competition with its matches and those in play, per sport, in no particular order.
    pub async fn competitions(&self) -> Result<Vec<CompetitionCount>, StoreError> {
        let in_play: Vec<String> = lifecycle::STATUSES
            .into_iter()
            .filter(|s| s.in_play())
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        let sql = format!(
            "SELECT competition, sport, COUNT(*), \
             SUM(CASE WHEN live_status IN ({}) THEN 1 ELSE 0 END) \
             FROM matches GROUP BY competition, sport",
            in_play.join(", ")
        );
        let rows: Vec<(String, String, i64, i64)> =
            sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|(name, sport, matches, in_play)| CompetitionCount {
                name,
                sport,
                matches,
                in_play,
            })
            .collect())
    }
}
