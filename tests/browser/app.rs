//! The real application in-process on a loopback port, with a SQLite database in a temp folder
//! that outlives restarts on the same port.

use std::sync::Arc;

use reqwest::{Client, Response};
use scorecast::configuration::Settings;
use scorecast::startup::Application;
use serde_json::{json, Value};
use tokio::sync::oneshot;

pub const TOKEN: &str = "browser-test-token";

pub struct TestApp {
    pub address: String,
    pub port: u16,
    database_url: String,
    client: Client,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    dir: Arc<tempfile::TempDir>,
}

/// Starts scorecast on port 0 with a fresh database.
pub async fn spawn_app() -> TestApp {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let database_url = format!("sqlite://{}/scorecast.db", dir.path().display());
    start(database_url, 0, dir, |_| {}).await
}

async fn start(
    database_url: String,
    port: u16,
    dir: Arc<tempfile::TempDir>,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = Settings::with_database(&database_url);
    settings.listen = format!("127.0.0.1:{port}").parse().unwrap();
    settings.admin_tokens = vec![TOKEN.to_owned()];
    settings.workers = 2;
    // A restart in the tests should not wait for the default drain time.
    settings.drain_secs = 2;
    configure(&mut settings);
    let app = Application::build(settings).await.expect("build application");
    let port = app.port();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        database_url,
        client: Client::new(),
        stop: Some(stop),
        server: Some(server),
        dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Stops the server gracefully (WebSockets closed with 1001) and waits until it has finished.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server stopped cleanly");
        }
    }

    /// A new server on the same port and database, after `stop`.
    pub async fn restart(&self) -> TestApp {
        self.restart_with(self.port, |_| {}).await
    }

    /// Another server on the same database, on `port` (0: any free one), with settings adjusted.
    pub async fn restart_with(&self, port: u16, configure: impl FnOnce(&mut Settings)) -> TestApp {
        start(self.database_url.clone(), port, self.dir.clone(), configure).await
    }

    /// A match kicking off now (so it is among the matches of the day); returns its id.
    pub async fn create_match(&self, home: &str, away: &str) -> i64 {
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let response = self
            .post_json(
                "/api/v1/matches",
                &json!({"home": home, "away": away, "competition": "Eredivisie", "kickoff_at": now}),
            )
            .await;
        assert_eq!(response.status(), 201);
        response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    /// A match that has kicked off.
    pub async fn live_match(&self, home: &str, away: &str) -> i64 {
        let id = self.create_match(home, away).await;
        self.post_event(id, &json!({"kind": "kickoff"})).await;
        id
    }

    /// Posts an event and asserts it was stored.
    pub async fn post_event(&self, id: i64, body: &Value) -> Value {
        let response = self.post_json(&format!("/api/v1/matches/{id}/events"), body).await;
        assert_eq!(response.status(), 201, "posting {body}");
        response.json().await.unwrap()
    }

    async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(TOKEN)
            .json(body)
            .send()
            .await
            .expect("request")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
