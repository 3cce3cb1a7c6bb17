//! `spawn_app`: the real application on a free loopback port with a fresh database, and the typed
//! requests tests make of it.

use reqwest::{Client, Response};
use scorecast::configuration::Settings;
use scorecast::startup::Application;
use serde_json::{json, Value};
use tokio::sync::oneshot;

use crate::common::database::{fresh_database, Backend, TestDatabase};

pub const TOKEN: &str = "test-admin-token";

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub database: TestDatabase,
    /// The admin token the application generated, when none was configured and none was stored.
    pub generated_token: Option<String>,
    pub client: Client,
    /// What this server was started with, for restarts.
    settings: Settings,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// Starts scorecast on a fresh database; `None` when the backend is not available here (Postgres
/// may be skipped, SQLite never is).
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// Like `spawn_app`, with settings adjusted by `configure` first.
pub async fn spawn_app_with(
    backend: Backend,
    configure: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    let database = fresh_database(backend).await?;
    Some(spawn_on(database, configure).await)
}

/// Starts scorecast on port 0 on an existing database, with settings adjusted by `configure`.
pub async fn spawn_on(database: TestDatabase, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = Settings::with_database(&database.url);
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.admin_tokens = vec![TOKEN.to_owned()];
    settings.workers = 2;
    // A stop or a restart in the tests should not wait for the default drain time (10 s).
    settings.drain_secs = 2;
    configure(&mut settings);
    start(database, settings).await
}

async fn start(database: TestDatabase, settings: Settings) -> TestApp {
    let app = Application::build(settings.clone()).await.expect("build application");
    let generated_token = app.generated_admin_token().map(str::to_owned);
    let port = app.port();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        database,
        generated_token,
        client: Client::new(),
        settings,
        stop: Some(stop),
        server: Some(server),
    }
}

impl TestApp {
    /// Talks HTTPS to a server started with --tls-cert, through `client` (which trusts its
    /// certificate).
    pub fn over_tls(mut self, client: Client) -> Self {
        self.address = format!("https://127.0.0.1:{}", self.port);
        self.client = client;
        self
    }

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

    /// A new server with the same settings on the same port and database, after `stop`.
    pub async fn restart(&self) -> TestApp {
        self.restart_with(self.port, |_| {}).await
    }

    /// Another server on the same database, on `port` (0: any free one), with this one's settings
    /// adjusted by `configure`.
    pub async fn restart_with(&self, port: u16, configure: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = self.settings.clone();
        settings.listen.set_port(port);
        configure(&mut settings);
        start(self.database.clone(), settings).await
    }

    /// Ajax–PSV, kicking off on 21 November 2026; returns its id.
    pub async fn create_match(&self) -> i64 {
        self.create_match_at("Ajax", "PSV", "Eredivisie", "2026-11-21T19:00:00Z").await
    }

    /// `home`–`away` kicking off now, so it is among the matches of the day the pages show.
    pub async fn create_match_today(&self, home: &str, away: &str) -> i64 {
        self.create_match_today_in(home, away, "Eredivisie").await
    }

    /// Like `create_match_today`, in `competition`.
    pub async fn create_match_today_in(&self, home: &str, away: &str, competition: &str) -> i64 {
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        self.create_match_at(home, away, competition, &now).await
    }

    async fn create_match_at(
        &self,
        home: &str,
        away: &str,
        competition: &str,
        kickoff_at: &str,
    ) -> i64 {
        let body = json!({"home": home, "away": away, "competition": competition,
                          "kickoff_at": kickoff_at});
        let response = self.post_json("/api/v1/matches", &body).await;
        assert_eq!(response.status(), 201);
        response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    /// A match from `create_match` that has kicked off (its kickoff is event 1).
    pub async fn live_match(&self) -> i64 {
        let id = self.create_match().await;
        self.store_event(id, &json!({"kind": "kickoff"})).await;
        id
    }

    /// A match from `create_match_today` that has kicked off (its kickoff is event 1).
    pub async fn live_match_today(&self, home: &str, away: &str) -> i64 {
        let id = self.create_match_today(home, away).await;
        self.store_event(id, &json!({"kind": "kickoff"})).await;
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

    pub async fn patch_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(TOKEN)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_event(&self, id: i64, body: &Value) -> Response {
        self.post_json(&format!("/api/v1/matches/{id}/events"), body).await
    }

    /// Posts an event and asserts it was stored; returns the stored event.
    pub async fn store_event(&self, id: i64, body: &Value) -> Value {
        let response = self.post_event(id, body).await;
        assert_eq!(response.status(), 201, "posting {body}");
        response.json().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    /// One series of the app's `/metrics`, as the text names it (`name{labels}`); 0 when absent.
    pub async fn metric(&self, series: &str) -> f64 {
        let text = self.get("/metrics").await.text().await.unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0.0)
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
