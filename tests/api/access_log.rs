//! The access log, read from a real scorecast process's stderr in the JSON log format.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::TOKEN;

#[tokio::test]
async fn every_request_gets_one_access_line_and_a_request_id_a_401_included() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let database = format!("sqlite://{}/scorecast.db", dir.path().display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_scorecast"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--database-url", &database])
        .args(["--admin-token", TOKEN, "--log-format", "json", "--drain-secs", "2"])
        .env("RUST_LOG", "warn,scorecast::access=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start scorecast");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "scorecast did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
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
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let _ = child.wait();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let lines: Vec<Value> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["target"] == "scorecast::access")
        .collect();
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
