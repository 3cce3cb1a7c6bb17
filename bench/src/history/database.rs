//! The database a `history` run seeds and measures (a fresh SQLite file, an empty Postgres
//! database given by URL, or a throwaway Postgres this tool starts), and the queries this tool
//! runs on it directly: the cluster check's query, the ids to ask for, Postgres's row counters.

use std::time::Duration;

use anyhow::{bail, Context};
use sqlx::{AnyConnection, Connection, Row};
use tokio::time::Instant;

use super::model::CheckFigures;
use crate::cluster::infra::Postgres;
use crate::common::percentiles::Percentiles;
use crate::histogram::Histogram;

/// The query of a node's periodic check on Postgres (`Backend::changes` in
/// src/store/changes.rs), word for word: a test below holds it to the server's text.
pub const CHECK_QUERY_POSTGRES: &str =
    "SELECT m.id, m.seq, m.revision, c.change_seq FROM change_log c \
     JOIN matches m ON m.id = c.match_id WHERE c.change_seq > $1 ORDER BY c.change_seq LIMIT $2";
/// The same on SQLite, which keeps one place per match.
pub const CHECK_QUERY_SQLITE: &str =
    "SELECT m.id, m.seq, m.revision, c.change_seq FROM changed_matches c \
     JOIN matches m ON m.id = c.match_id WHERE c.change_seq > $1 ORDER BY c.change_seq LIMIT $2";
/// The highest place on Postgres and on SQLite (`Backend::last_change`), where an idle node's
/// mark stands.
const LAST_CHANGE_POSTGRES: &str = "SELECT MAX(change_seq) FROM change_log";
const LAST_CHANGE_SQLITE: &str = "SELECT MAX(change_seq) FROM changed_matches";
/// The check's page size (`PAGE` in src/cluster/check.rs).
pub const CHECK_PAGE: i64 = 1_000;
/// The check before the hot set, as issue 28 quotes it: every match, every time.
pub const FULL_READ_QUERY: &str = "SELECT id, seq, revision FROM matches";
/// Runs of the full read: it reads every match, so a few show its cost.
const FULL_READ_RUNS: u64 = 3;
/// Untimed runs first, so the timed ones find the pages in the cache, as a node's checks do.
const WARM_UP_RUNS: u64 = 5;
/// Connections a node's pool opens (`--db-pool-size`, 8 by default), for a Postgres this tool
/// starts for a cluster; plus this tool's own and some spare.
const POOL_PER_NODE: usize = 8;
const POSTGRES_SPARE: usize = 40;

/// Where the history goes.
#[derive(Debug, Clone)]
pub enum DatabaseChoice {
    /// A fresh SQLite file in a temp folder.
    Sqlite,
    /// An empty database on this machine, e.g. `postgres://postgres@127.0.0.1:5432/history`.
    Url(String),
    /// A Postgres cluster started in a temp folder for the run (as `cluster` does).
    OwnPostgres,
}

/// The database of one run; `close` removes what the run made.
pub struct HistoryDatabase {
    pub url: String,
    pub postgres: bool,
    folder: Option<tempfile::TempDir>,
    own: Option<Postgres>,
}

impl HistoryDatabase {
    /// Makes or checks the database `choice` names; `nodes` is the most nodes that will use it.
    pub async fn open(choice: &DatabaseChoice, nodes: usize) -> anyhow::Result<Self> {
        match choice {
            DatabaseChoice::Sqlite => {
                let folder =
                    tempfile::Builder::new().prefix("scorecast-bench-history-").tempdir()?;
                let url = format!("sqlite://{}", folder.path().join("history.db").display());
                Ok(Self { url, postgres: false, folder: Some(folder), own: None })
            }
            DatabaseChoice::Url(url) => {
                let parsed = url::Url::parse(url).context("--database-url")?;
                if !matches!(parsed.scheme(), "postgres" | "postgresql") {
                    bail!("--database-url must be postgres://... (SQLite is the default)");
                }
                let host = parsed.host_str().unwrap_or("");
                let loopback = host == "localhost"
                    || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
                if !loopback {
                    bail!("--database-url must be on this machine (127.0.0.1), not {host:?}");
                }
                Ok(Self { url: url.clone(), postgres: true, folder: None, own: None })
            }
            DatabaseChoice::OwnPostgres => {
                let mut own = Postgres::start_with(nodes * POOL_PER_NODE + POSTGRES_SPARE).await?;
                let url = own.fresh_database("history").await?;
                Ok(Self { url, postgres: true, folder: None, own: Some(own) })
            }
        }
    }

    pub fn backend(&self) -> &'static str {
        if self.postgres {
            "postgres"
        } else {
            "sqlite"
        }
    }

    /// A connection of this tool's own.
    pub async fn connect(&self) -> anyhow::Result<AnyConnection> {
        sqlx::any::install_default_drivers();
        AnyConnection::connect(&self.url).await.context("connecting to the history database")
    }

    /// Stops the Postgres this run started and removes the SQLite folder.
    pub async fn close(self) -> anyhow::Result<()> {
        drop(self.folder);
        match self.own {
            Some(own) => own.stop().await,
            None => Ok(()),
        }
    }
}

/// Rows in `matches` and in `events`.
pub async fn row_counts(conn: &mut AnyConnection) -> anyhow::Result<(i64, i64)> {
    let matches: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM matches").fetch_one(&mut *conn).await?;
    let events: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM events").fetch_one(&mut *conn).await?;
    Ok((matches, events))
}

/// `ANALYZE` (Postgres): the statistics autovacuum would gather shortly after a bulk load, taken
/// now so that the plans measured do not depend on when it ran. Returns its time in seconds.
pub async fn analyze(conn: &mut AnyConnection) -> anyhow::Result<f64> {
    let started = Instant::now();
    sqlx::query("ANALYZE").execute(&mut *conn).await.context("ANALYZE")?;
    Ok(started.elapsed().as_secs_f64())
}

/// What the requests ask for: the ids of the history and of the hot matches, and the kick-off
/// range of the history (unix milliseconds).
pub struct Ids {
    pub cold: (i64, i64),
    pub hot: Vec<i64>,
    pub history_kickoffs: (i64, i64),
}

pub async fn ids(conn: &mut AnyConnection) -> anyhow::Result<Ids> {
    let row = sqlx::query(
        "SELECT MIN(id), MAX(id), MIN(kickoff_at), MAX(kickoff_at) FROM matches \
         WHERE status = 'finished'",
    )
    .fetch_one(&mut *conn)
    .await?;
    let value = |i: usize| -> anyhow::Result<i64> {
        row.try_get::<Option<i64>, _>(i)?.context("no finished match was seeded")
    };
    let (cold, history_kickoffs) = ((value(0)?, value(1)?), (value(2)?, value(3)?));
    let hot: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM matches WHERE status <> 'finished' ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
    Ok(Ids { cold, hot, history_kickoffs })
}

/// Runs the check's query `runs` times (or until `limit` passes) after the highest place in the
/// change sequence, as an idle node's check does, and a few full reads for comparison.
pub async fn time_check(
    conn: &mut AnyConnection,
    runs: u64,
    limit: Duration,
) -> anyhow::Result<CheckFigures> {
    let postgres = conn.backend_name() == "PostgreSQL";
    let (check_query, last_change) = if postgres {
        (CHECK_QUERY_POSTGRES, LAST_CHANGE_POSTGRES)
    } else {
        (CHECK_QUERY_SQLITE, LAST_CHANGE_SQLITE)
    };
    let mark: Option<i64> = sqlx::query_scalar(last_change).fetch_one(&mut *conn).await?;
    let mark = mark.unwrap_or(0);
    let deadline = Instant::now() + limit;
    let (mut timed, mut rows_max) = (Histogram::default(), 0u64);
    for run in 0..WARM_UP_RUNS + runs {
        let started = Instant::now();
        let rows =
            sqlx::query(check_query).bind(mark).bind(CHECK_PAGE).fetch_all(&mut *conn).await?;
        let elapsed = started.elapsed();
        rows_max = rows_max.max(rows.len() as u64);
        if run >= WARM_UP_RUNS {
            timed.record(elapsed.as_nanos() as u64);
        }
        if Instant::now() > deadline {
            break;
        }
    }
    let (mut full, mut full_rows) = (Histogram::default(), 0u64);
    for _ in 0..FULL_READ_RUNS {
        let started = Instant::now();
        let rows = sqlx::query(FULL_READ_QUERY).fetch_all(&mut *conn).await?;
        full.record(started.elapsed().as_nanos() as u64);
        full_rows = rows.len() as u64;
        if Instant::now() > deadline {
            break;
        }
    }
    Ok(CheckFigures {
        how: "timed from this tool on its own connection, the check's query text word for word \
              (a single node without NATS runs no check); after the highest change_seq, where an \
              idle node's mark stands"
            .into(),
        query: check_query.into(),
        mark,
        runs: timed.count(),
        rows_max,
        time_ms: Percentiles::from_ns(&timed),
        full_read_query: FULL_READ_QUERY.into(),
        full_read_rows: full_rows,
        full_read_ms: Percentiles::from_ns(&full),
    })
}

/// Where Postgres's counts of rows read come from.
pub const POSTGRES_ROWS_SOURCE: &str = "pg_stat_user_tables: seq_tup_read + idx_tup_fetch of \
    `matches` (pg_stat_statements needs an extension; not used). Postgres 15+ publishes a \
    backend's counts when it goes idle, usually within seconds but up to ~10 s late: hence a \
    long window.";

/// Rows of `matches` Postgres has read so far, by sequential scans and index fetches.
pub async fn postgres_rows_read(conn: &mut AnyConnection) -> anyhow::Result<i64> {
    let read: Option<i64> = sqlx::query_scalar(
        "SELECT (COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0))::bigint \
         FROM pg_stat_user_tables WHERE relname = 'matches' AND schemaname = current_schema()",
    )
    .fetch_optional(&mut *conn)
    .await?;
    read.context("pg_stat_user_tables has no row for matches")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timed_check_query_is_the_one_the_server_runs() {
        let server = include_str!("../../../src/store/changes.rs");
        // The server writes them over lines with a `\` continuation.
        let joined: String =
            server.split("\\\n").map(|part| part.trim_start()).collect::<Vec<_>>().join("");
        for query in
            [CHECK_QUERY_POSTGRES, CHECK_QUERY_SQLITE, LAST_CHANGE_POSTGRES, LAST_CHANGE_SQLITE]
        {
            assert!(joined.contains(query), "src/store/changes.rs no longer runs {query:?}");
        }
        let check = include_str!("../../../src/cluster/check.rs");
        assert!(check.contains("const PAGE: i64 = 1_000;") && CHECK_PAGE == 1_000);
    }
}
