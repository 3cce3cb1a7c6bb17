//! Requests that break HTTP in ways a client library would not: bodies that stop arriving.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{spawn_app_with, Backend, TOKEN};
use crate::raw_client::{exchange, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stops_arriving_is_answered_408_and_the_connection_closed() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.request_body_timeout_ms = 500).await.unwrap();
    let request = format!(
        "POST /api/v1/matches/1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{{\"kind\":"
    );
    let started = Instant::now();
    let (head, body) = exchange(app.port, request.as_bytes()).await;
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
    assert!(head.to_ascii_lowercase().contains("content-type: application/problem+json"), "{head}");
    let problem: Value = serde_json::from_slice(&body).expect("a problem body");
    assert_eq!(problem["status"], 408);
    assert!(started.elapsed() < WAIT, "the connection was closed after the answer");
    assert!(started.elapsed() >= Duration::from_millis(500), "the body had its time");
}
