//! The scorecast binary as an operator runs it: a child process with its own signals.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Client;

use crate::common::TOKEN;

/// The scorecast binary, as an operator runs it.
pub struct Server {
    child: Child,
    pub base: String,
    pub port: u16,
}

impl Server {
    pub async fn start(database_url: &str) -> Self {
        Self::start_with(database_url, &[]).await
    }

    /// Like `start`, with more flags.
    pub async fn start_with(database_url: &str, args: &[&str]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_scorecast"))
            .args(["--listen", &format!("127.0.0.1:{port}"), "--database-url", database_url])
            .args(["--admin-token", TOKEN, "--drain-secs", "5"])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start scorecast");
        let server = Self { child, base: format!("http://127.0.0.1:{port}"), port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Client::new().get(format!("{}/healthz", server.base)).send().await.is_err() {
            assert!(Instant::now() < deadline, "scorecast did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    /// Creates a match and kicks it off (its kickoff is event 1); returns its id.
    pub async fn create_live_match(&self) -> i64 {
        let client = Client::new();
        let body = serde_json::json!({"home": "A", "away": "B", "competition": "C",
                                      "kickoff_at": "2026-11-21T19:00:00Z"});
        let created: serde_json::Value = client
            .post(format!("{}/api/v1/matches", self.base))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["id"].as_i64().unwrap();
        let kickoff = client
            .post(format!("{}/api/v1/matches/{id}/events", self.base))
            .bearer_auth(TOKEN)
            .json(&serde_json::json!({"kind": "kickoff"}))
            .send()
            .await
            .unwrap();
        assert_eq!(kickoff.status(), 201);
        id
    }

    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let response = Client::new().get(format!("{}{path}", self.base)).send().await.unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }

    pub fn wait(&mut self) -> std::process::ExitStatus {
        self.child.wait().expect("wait for scorecast")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
