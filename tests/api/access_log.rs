//! The access log, read from a real scorecast process's stderr in the JSON log format.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::TOKEN;
use crate::raw_client::exchange;

/// A scorecast process logging JSON to a pipe, with only its access lines at `info`.
pub(crate) struct Logged {
    child: Child,
    pub(crate) port: u16,
    _dir: tempfile::TempDir,
}

impl Logged {
    /// Starts scorecast with `args` and waits until it answers.
    pub(crate) async fn start(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let database = format!("sqlite://{}/scorecast.db", dir.path().display());
        let child = Command::new(env!("CARGO_BIN_EXE_scorecast"))
            .args(["--listen", &format!("127.0.0.1:{port}"), "--database-url", &database])
            .args(["--admin-token", TOKEN, "--log-format", "json", "--drain-secs", "2"])
            .args(args)
            .env("RUST_LOG", "warn,scorecast::access=info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start scorecast");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while client.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_err() {
            assert!(Instant::now() < deadline, "scorecast did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self { child, port, _dir: dir }
    }

    /// Stops the process; its access lines, and everything it logged (for failure messages).
    fn stop(self) -> (Vec<Value>, String) {
        let (_, stderr) = self.terminate();
        let lines = stderr
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|l| l["target"] == "scorecast::access")
            .collect();
        (lines, stderr)
    }

    /// Sends SIGTERM and waits: the exit status, and everything the process logged.
    pub(crate) fn terminate(mut self) -> (std::process::ExitStatus, String) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let status = self.child.wait().unwrap();
        let mut stderr = String::new();
        self.child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        (status, stderr)
    }
}

#[tokio::test]
async fn every_request_gets_one_access_line_and_a_request_id_a_401_included() {
    let server = Logged::start(&[]).await;
    let base = format!("http://127.0.0.1:{}", server.port);
    let client = reqwest::Client::new();
    let given = client
        .post(format!("{base}/api/v1/matches"))
        .header("X-Request-Id", "trace-42")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(given.status(), 401);
    assert_eq!(given.headers()["x-request-id"], "trace-42", "an incoming id is honoured");
    let long = "x".repeat(200);
    let replaced =
        client.get(format!("{base}/api/v1/matches/7")).header("X-Request-Id", &long).send().await;
    let replaced = replaced.unwrap();
    let new_id = replaced.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(new_id, long, "an id beyond 64 characters is replaced");
    assert_eq!(new_id.len(), 16);
    let (lines, stderr) = server.stop();
    let unauthorized = lines
        .iter()
        .find(|l| l["request_id"] == "trace-42")
        .unwrap_or_else(|| panic!("no access line for the 401 in:\n{stderr}"));
    assert_eq!(unauthorized["method"], "POST");
    assert_eq!(unauthorized["route"], "/api/v1/matches");
    assert_eq!(unauthorized["status"], 401);
    assert!(
        unauthorized["duration_ms"].as_f64().is_some() && unauthorized["bytes"].as_u64() > Some(0)
    );
    let not_found = lines.iter().find(|l| l["request_id"] == new_id.as_str()).expect("404 line");
    assert_eq!(
        (not_found["route"].as_str(), not_found["status"].as_u64()),
        (Some("/api/v1/matches/{id}"), Some(404))
    );
}

#[tokio::test]
async fn a_head_refused_with_431_gets_an_access_line_with_the_request_id_of_its_answer() {
    let server = Logged::start(&["--max-header-bytes", "1024"]).await;
    let request =
        format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: {}\r\n\r\n", "p".repeat(2000));
    let (head, body) = exchange(server.port, request.as_bytes()).await;
    assert!(head.starts_with("HTTP/1.1 431 "), "{head}");
    let id = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("x-request-id: ").map(str::to_owned))
        .unwrap_or_else(|| panic!("no request id in {head}"));
    let (lines, stderr) = server.stop();
    let refused = lines
        .iter()
        .find(|l| l["request_id"] == id.as_str())
        .unwrap_or_else(|| panic!("no access line for the 431 ({id}) in:\n{stderr}"));
    assert_eq!(refused["method"], "GET");
    assert_eq!(refused["route"], "unmatched");
    assert_eq!(refused["status"], 431);
    assert_eq!(refused["bytes"].as_u64(), Some(body.len() as u64));
    assert!(refused["duration_ms"].as_f64().is_some());
}
