//! A fresh database for one test, on SQLite or on Postgres.

use std::sync::Arc;

use crate::common::postgres;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database a test starts scorecast on, once or across restarts.
#[derive(Clone)]
pub struct TestDatabase {
    pub url: String,
    /// A SQLite file's folder, removed when the last app and test using it are done.
    _dir: Option<Arc<tempfile::TempDir>>,
}

impl TestDatabase {
    /// A database that lives on its own, such as one on a Postgres cluster the test started.
    pub fn at(url: String) -> Self {
        Self { url, _dir: None }
    }
}

/// A fresh database of `backend`; `None` when Postgres is skipped.
pub async fn fresh_database(backend: Backend) -> Option<TestDatabase> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/scorecast.db", dir.path().display());
            Some(TestDatabase { url, _dir: Some(Arc::new(dir)) })
        }
        Backend::Postgres => {
            let admin = postgres::shared_admin_url()?;
            Some(TestDatabase::at(postgres::fresh_database(&admin).await))
        }
    }
}
