//! `spawn_app`: the real application on a free port with a fresh database of the chosen backend.

use reqwest::{Client, Response};
use scorecast::configuration::Settings;
use scorecast::startup::Application;
use serde_json::{json, Value};
use tokio::sync::oneshot;

use crate::postgres;

pub const TOKEN: &str = "test-admin-token";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh database of `backend`: its URL, and what keeps it alive. `None` when Postgres is skipped.
pub async fn fresh_database(backend: Backend) -> Option<(String, Option<tempfile::TempDir>)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/scorecast.db", dir.path().display());
            Some((url, Some(dir)))
        }
        Backend::Postgres => {
            let admin = postgres::shared_admin_url()?;
            Some((postgres::fresh_database(&admin).await, None))
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub database_url: String,
    /// The admin token the application generated, when none was configured and none was stored.
    pub generated_token: Option<String>,
    pub client: Client,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
}

/// Starts scorecast on a fresh database; `None` when the backend is not available here.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// Like `spawn_app`, with settings adjusted by `configure` first.
pub async fn spawn_app_with(
    backend: Backend,
    configure: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    let (database_url, dir) = fresh_database(backend).await?;
    Some(spawn_on(database_url, dir, configure).await)
}

/// Starts scorecast on an existing database (`dir` keeps a SQLite file's folder alive).
pub async fn spawn_on(
    database_url: String,
    dir: Option<tempfile::TempDir>,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = Settings::with_database(&database_url);
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.admin_tokens = vec![TOKEN.to_owned()];
    settings.workers = 2;
    configure(&mut settings);
    let app = Application::build(settings).await.expect("build application");
    let generated_token = app.generated_admin_token().map(str::to_owned);
    let address = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        database_url,
        generated_token,
        client: Client::new(),
        stop: Some(stop),
        server: Some(server),
        _dir: dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Stops the server gracefully and waits until it has finished.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server stopped cleanly");
        }
    }

    pub async fn create_match(&self) -> i64 {
        let response = self
            .post_json(
                "/api/v1/matches",
                &json!({"home": "Ajax", "away": "PSV", "competition": "Eredivisie",
                        "kickoff_at": "2026-11-21T19:00:00Z"}),
            )
            .await;
        assert_eq!(response.status(), 201);
        response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    /// A match that has kicked off (its kickoff is event 1).
    pub async fn live_match(&self) -> i64 {
        let id = self.create_match().await;
        let response = self.post_event(id, &json!({"kind": "kickoff"})).await;
        assert_eq!(response.status(), 201);
        id
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(TOKEN)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_event(&self, id: i64, body: &Value) -> Response {
        self.post_json(&format!("/api/v1/matches/{id}/events"), body).await
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    pub async fn snapshot(&self, id: i64) -> Value {
        let response = self.get(&format!("/api/v1/matches/{id}")).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Asserts a problem+json answer with `status`, returning its body.
pub async fn assert_problem(response: Response, status: u16) -> Value {
    assert_eq!(response.status(), status, "unexpected status");
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{body}");
    body
}

/// Runs an async test body once per backend: `backend_tests!(name, ...)` makes `name::sqlite` and
/// `name::postgres` out of `async fn name(backend: Backend)`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::helpers::Backend::Postgres).await;
                }
            }
        )*
    };
}
