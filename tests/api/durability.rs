//! What an acknowledged event survives: SIGKILL of the server, SIGTERM, and a locked database
//! (Postgres outages under load are in `faults/postgres.rs`).

use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{json, Value};
use sqlx::{Connection, Executor};

use crate::backend_tests;
use crate::common::{fresh_database, spawn_on, Backend, TOKEN};
use crate::helpers::assert_problem;
use crate::process::Server;

backend_tests!(events_answered_201_survive_sigkill_and_restart, sigterm_stops_the_server_cleanly,);

async fn post(
    client: &Client,
    base: &str,
    path: &str,
    body: Value,
) -> reqwest::Result<reqwest::Response> {
    client.post(format!("{base}{path}")).bearer_auth(TOKEN).json(&body).send().await
}

async fn events_answered_201_survive_sigkill_and_restart(backend: Backend) {
    let Some(database) = fresh_database(backend).await else {
        return;
    };
    let client = Client::new();
    let mut server = Server::start(&database.url).await;
    let id = server.create_live_match().await;
    let path = format!("/api/v1/matches/{id}/events");

    // Many posts in flight; kill the server while they are being committed.
    let (acked_tx, mut acked_rx) = tokio::sync::mpsc::unbounded_channel::<Value>();
    for i in 0..300 {
        let (client, base, path, acked) =
            (client.clone(), server.base.clone(), path.clone(), acked_tx.clone());
        tokio::spawn(async move {
            let team = if i % 3 == 0 { "away" } else { "home" };
            if let Ok(response) =
                post(&client, &base, &path, json!({"kind": "goal", "team": team, "minute": 50}))
                    .await
            {
                if response.status() == 201 {
                    if let Ok(event) = response.json::<Value>().await {
                        let _ = acked.send(event);
                    }
                }
            }
        });
    }
    drop(acked_tx);
    let mut acked = Vec::new();
    while acked.len() < 40 {
        acked.push(acked_rx.recv().await.expect("some posts are acknowledged"));
    }
    server.signal(libc::SIGKILL);
    server.wait();
    while let Some(event) = acked_rx.recv().await {
        acked.push(event);
    }

    let server = Server::start(&database.url).await;
    let history = server.get_json(&format!("{path}?limit=1000")).await;
    let stored = history["events"].as_array().unwrap();
    let seqs: Vec<i64> = stored.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "gapless after the crash");
    for event in &acked {
        let seq = event["seq"].as_i64().unwrap();
        assert_eq!(
            &stored[seq as usize - 1],
            event,
            "acknowledged event {seq} is stored as answered"
        );
    }
    let snapshot = server.get_json(&format!("/api/v1/matches/{id}")).await;
    assert_eq!(snapshot["seq"].as_i64(), Some(seqs.len() as i64));
    let goals =
        snapshot["score"]["home"].as_i64().unwrap() + snapshot["score"]["away"].as_i64().unwrap();
    assert_eq!(goals, seqs.len() as i64 - 1, "the score matches the stored goals");
}

async fn sigterm_stops_the_server_cleanly(backend: Backend) {
    let Some(database) = fresh_database(backend).await else {
        return;
    };
    let client = Client::new();
    let mut server = Server::start(&database.url).await;
    let response = post(
        &client,
        &server.base,
        "/api/v1/matches",
        json!({
        "home": "A", "away": "B", "competition": "C", "kickoff_at": "2026-11-21T19:00:00Z"}),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 201);
    server.signal(libc::SIGTERM);
    let started = Instant::now();
    let status = server.wait();
    assert!(status.success(), "exit status {status}");
    assert!(started.elapsed() < Duration::from_secs(10), "stopped within the drain time");
    let server = Server::start(&database.url).await;
    let list = server.get_json("/api/v1/matches").await;
    assert_eq!(list["total"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_sqlite_database_gives_503_and_leaves_nothing_half_done() {
    let database = fresh_database(Backend::Sqlite).await.unwrap();
    let app = spawn_on(database.clone(), |_| {}).await;
    let id = app.live_match().await;

    // Another process holding the write lock longer than the busy timeout (5 s).
    let mut locker = sqlx::SqliteConnection::connect(&database.url).await.unwrap();
    locker.execute("BEGIN EXCLUSIVE").await.unwrap();
    let response = app.post_event(id, &json!({"kind": "goal", "team": "home", "minute": 9})).await;
    assert_eq!(response.headers()["retry-after"], "1");
    assert_problem(response, 503).await;
    locker.execute("ROLLBACK").await.unwrap();

    let answer = retry_until_created(&app, id).await;
    assert_eq!(answer["seq"], 2, "the refused event left no trace");
}

async fn retry_until_created(app: &crate::common::TestApp, id: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let response =
            app.post_event(id, &json!({"kind": "goal", "team": "home", "minute": 10})).await;
        if response.status() == 201 {
            return response.json().await.unwrap();
        }
        assert_eq!(response.status(), 503);
        assert!(Instant::now() < deadline, "the database did not come back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
