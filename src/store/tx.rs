//! Write transactions that never hand a connection back to the pool in doubt.
//!
//! sqlx's `Transaction` keeps its own count of open transactions. When SQLite rolls a transaction
//! back by itself, as it does when a COMMIT fails for a full disk, sqlx's ROLLBACK then fails, its
//! count stays one too high, and the connection goes back to the pool believing it is inside a
//! transaction: its next "transaction" is a savepoint, and the rollback of a failed one leaves a
//! write transaction open. Every other writer then waits out its busy timeout ("database is
//! locked") until the server restarts. A `Tx` sends BEGIN and COMMIT itself, and closes its
//! connection instead of returning it whenever the transaction did not end in a COMMIT or a
//! ROLLBACK that the database confirmed; closing rolls back whatever was left.

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor};

use super::{Backend, StoreError};

pub struct Tx {
    /// `None` once the transaction ended and the connection went back to the pool.
    conn: Option<PoolConnection<Any>>,
}

impl Tx {
    pub(super) async fn begin(pool: &AnyPool) -> Result<Self, StoreError> {
        Self::begin_with(pool, "BEGIN").await
    }

    /// A transaction that is to write, holding the database's write lock from its start on
    /// SQLite (`BEGIN IMMEDIATE`: what it reads cannot change before it writes, and it never
    /// fails to upgrade a read to a write); a plain `BEGIN` on Postgres, which locks rows.
    pub(super) async fn begin_write(pool: &AnyPool, backend: Backend) -> Result<Self, StoreError> {
        let begin = match backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        Self::begin_with(pool, begin).await
    }

    async fn begin_with(pool: &AnyPool, begin: &str) -> Result<Self, StoreError> {
        let mut tx = Self { conn: Some(pool.acquire().await?) };
        tx.conn().execute(begin).await?;
        Ok(tx)
    }

    /// The connection, for the statements of the transaction.
    pub(super) fn conn(&mut self) -> &mut AnyConnection {
        self.conn.as_deref_mut().expect("a Tx is open until it is consumed")
    }

    /// Returns once the database has made the transaction durable. On an error its outcome is
    /// unknown to the caller, and the connection is closed.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        self.conn().execute("COMMIT").await?;
        self.conn = None;
        Ok(())
    }

    pub async fn rollback(mut self) -> Result<(), StoreError> {
        self.conn().execute("ROLLBACK").await?;
        self.conn = None;
        Ok(())
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.as_mut() {
            conn.close_on_drop();
        }
    }
}
