//! Requests that break HTTP or JSON in ways a client library would not: bodies that stop
//! arriving, keys given twice, several Idempotency-Key headers.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::backend_tests;
use crate::common::{spawn_app, spawn_app_with, Backend, TestApp, TOKEN};
use crate::helpers::assert_problem;
use crate::raw_client::{exchange, WAIT};

backend_tests!(
    a_key_given_twice_in_a_body_is_refused_naming_it_and_nothing_is_stored,
    two_idempotency_key_headers_are_refused_and_nothing_is_stored,
);

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

/// Sends `body` as it is: serde_json could not even build a value with a key twice.
async fn send_text(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: &'static str,
) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .bearer_auth(TOKEN)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn a_key_given_twice_in_a_body_is_refused_naming_it_and_nothing_is_stored(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.live_match().await;
    let events = format!("/api/v1/matches/{id}/events");
    let goal = r#"{"kind":"goal","team":"home","minute":3,"team":"away"}"#;
    let problem = assert_problem(send_text(&app, Method::POST, &events, goal).await, 422).await;
    assert_eq!(problem["field"], "team");
    assert!(problem["detail"].as_str().unwrap().contains("`team`"), "{problem}");
    assert_eq!(app.snapshot(id).await["seq"], 1, "no event was stored");

    let new_match = r#"{"home":"Ajax","away":"PSV","competition":"Eredivisie",
                        "kickoff_at":"2026-11-21T19:00:00Z","home":"Feyenoord"}"#;
    let problem =
        assert_problem(send_text(&app, Method::POST, "/api/v1/matches", new_match).await, 422)
            .await;
    assert_eq!(problem["field"], "home");
    let list: Value = app.get("/api/v1/matches").await.json().await.unwrap();
    assert_eq!(list["total"], 1, "no match was created");

    let patch = r#"{"competition":"Cup","competition":"League"}"#;
    let path = format!("/api/v1/matches/{id}");
    let problem = assert_problem(send_text(&app, Method::PATCH, &path, patch).await, 422).await;
    assert_eq!(problem["field"], "competition");
    assert_eq!(app.snapshot(id).await["competition"], "Eredivisie", "the match is unchanged");
}

async fn two_idempotency_key_headers_are_refused_and_nothing_is_stored(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.live_match().await;
    let response = app
        .client
        .post(app.url(&format!("/api/v1/matches/{id}/events")))
        .bearer_auth(TOKEN)
        .header("Idempotency-Key", "first")
        .header("Idempotency-Key", "second")
        .json(&json!({"kind": "goal", "team": "home", "minute": 4}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, 400).await;
    assert!(problem["detail"].as_str().unwrap().contains("Idempotency-Key"), "{problem}");
    assert_eq!(app.snapshot(id).await["seq"], 1, "no event was stored");
}
