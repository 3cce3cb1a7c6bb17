//! Durable storage: SQLite (embedded default) or Postgres, behind one set of queries.
//!
//! Both backends go through sqlx's `Any` driver with SQL that both understand, so every query exists
//! once. Timestamps are unix milliseconds (BIGINT) for the same reason.

mod changes;
mod events;
mod hot;
mod idempotency;
mod lists;
mod matches;
mod state;
mod tokens;
mod tx;
mod written;

use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{MigrateDatabase, Migrator};
use sqlx::{Any, AnyPool, ConnectOptions, Executor};

pub use events::EventTx;
pub use hot::{hot_statuses, Change};
pub use idempotency::StoredResponse;
pub use lists::{CompetitionCount, ListFilter, ListPage, PageStart};
pub use matches::{AllMatches, Creation, MatchRecord, RetryKey, Unreadable};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::Config(format!(
                "unsupported database URL {url:?}: use sqlite://PATH or postgres://..."
            )))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    /// This build's migrations. Migrations a newer release applied are let be, so that during a
    /// rolling upgrade a node of this release still starts on a database the next one migrated.
    fn migrator(self) -> Migrator {
        let mut migrator = match self {
            Self::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Self::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrator.set_ignore_missing(true);
        migrator
    }
}

/// Errors of the storage layer, sorted by what the caller should tell its client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or is overloaded right now; retrying later may work.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// The database's disk is full: no write succeeds until space is freed, while reads still do.
    #[error("database disk full: {0}")]
    DiskFull(#[source] sqlx::Error),
    #[error("database error: {0}")]
    Other(#[source] sqlx::Error),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("database configuration: {0}")]
    Config(String),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if is_disk_full(&err) {
            Self::DiskFull(err)
        } else if is_transient(&err) {
            Self::Unavailable(err)
        } else {
            Self::Other(err)
        }
    }
}

/// SQLite's `SQLITE_FULL` (13, and its extended codes) or Postgres' `disk_full` (53100).
fn is_disk_full(err: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = err else { return false };
    let code = db.code().unwrap_or_default();
    code == "53100" || (code.len() < 5 && code.parse::<i64>().is_ok_and(|c| c & 0xff == 13))
}

/// Errors that say "not now" rather than "never": lost connections, exhausted pools, lock timeouts.
fn is_transient(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // SQLite: 5 BUSY, 6 LOCKED, 10 IOERR (and their extended codes); 13 FULL is DiskFull.
            // Postgres: 08 connection, 53 resources, 57 operator intervention, 40 rollbacks.
            matches!(code.parse::<i64>().map(|c| c & 0xff), Ok(5 | 6 | 10))
                || ["08", "53", "57", "40"].iter().any(|class| code.starts_with(class))
        }
        _ => false,
    }
}

/// Pool and connection settings.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

/// The database, with its migrations applied.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The match rows this node's committer wrote last (`written.rs`).
    written: std::sync::Arc<written::Written>,
}

impl Store {
    /// Connects (creating a SQLite file and its folder when missing) and applies migrations.
    pub async fn connect(settings: &DatabaseSettings) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(&settings.url)?;
        if backend == Backend::Sqlite {
            create_sqlite_file(&settings.url).await?;
        }
        let options: AnyConnectOptions = settings
            .url
            .parse::<AnyConnectOptions>()
            .map_err(|e| StoreError::Config(format!("invalid database URL: {e}")))?
            .disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; FULL syncs the WAL on every commit,
                        // so an acknowledged event survives a power cut, not just a crash.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        backend.migrator().run(&pool).await?;
        Ok(Self { pool, backend, written: Default::default() })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The database answers and has every migration this build knows.
    pub async fn ready(&self) -> Result<(), StoreError> {
        let applied: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await?;
        let known = self.backend.migrator().iter().count() as i64;
        if applied < known {
            return Err(StoreError::Corrupt(format!("{applied} of {known} migrations applied")));
        }
        Ok(())
    }

    /// Open connections in the pool, in use or idle.
    pub fn pool_size(&self) -> u32 {
        self.pool.size()
    }

    /// Connections in the pool that no query holds.
    pub fn idle_connections(&self) -> usize {
        self.pool.num_idle()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

async fn create_sqlite_file(url: &str) -> Result<(), StoreError> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Err(StoreError::Config(
            "an in-memory SQLite database would lose every event: give a file path".into(),
        ));
    }
    if let Some(dir) = std::path::Path::new(path).parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Config(format!("cannot create folder {}: {e}", dir.display()))
            })?;
        }
    }
    if !Any::database_exists(url).await? {
        Any::create_database(url).await?;
    }
    Ok(())
}

/// Rows per multi-row INSERT: 500 parameters at 5 columns, well under SQLite's and Postgres' limits.
pub(crate) const ROWS_PER_INSERT: usize = 100;

/// `INSERT INTO <table_and_columns> VALUES ($1, .., $n), (..)` for `rows` rows of `columns` values.
pub(crate) fn multi_row_insert(table_and_columns: &str, columns: usize, rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table_and_columns} VALUES ");
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", row * columns + column + 1));
        }
        sql.push(')');
    }
    sql
}

/// Milliseconds since the unix epoch, the storage format of every timestamp.
pub(crate) use crate::domain::unix_millis;

pub(crate) fn from_unix_millis(ms: i64) -> Result<time::OffsetDateTime, StoreError> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|e| StoreError::Corrupt(format!("timestamp {ms}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_row_inserts_number_their_parameters_in_order() {
        assert_eq!(
            multi_row_insert("t (a, b)", 2, 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
    }
}
