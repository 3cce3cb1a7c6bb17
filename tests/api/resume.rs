use std::time::{Duration, Instant};

use serde_json::json;

use crate::backend_tests;
use crate::common::{fresh_database, spawn_app, spawn_app_with, Backend, TOKEN};
use crate::process::Server;
use crate::sse_client::{Block, SseClient};
use crate::ws_client::{connect, WsClient};

backend_tests!(
    a_resume_after_a_disconnect_delivers_exactly_the_missed_events,
    resumes_racing_with_posts_lose_and_double_nothing,
    a_resume_works_across_a_sigkill_and_restart,
    a_resume_beyond_the_window_gets_a_snapshot_marked_not_recovered,
    a_star_subscriber_resumes_a_match_that_ended_while_it_was_away,
    a_thousand_clients_resuming_at_once_share_their_database_reads,
    sse_resumes_from_last_event_id_exactly,
    sse_sends_heartbeat_comments,
    sigterm_ends_sse_streams,
);

async fn goals(client: &reqwest::Client, base: &str, id: i64, count: usize) {
    for i in 0..count {
        let response = client
            .post(format!("{base}/api/v1/matches/{id}/events"))
            .bearer_auth(TOKEN)
            .json(&json!({"kind": "goal", "team": "home", "minute": i % 90}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }
}

/// Reads a resume answer: the marker, then the missed updates; returns their sequence numbers.
async fn read_resume(client: &mut WsClient, id: i64, since: i64) -> Vec<i64> {
    let marker = client.next().await;
    assert_eq!(
        (marker["k"].as_str(), marker["rec"].as_bool()),
        (Some("resume"), Some(true)),
        "{marker}"
    );
    assert_eq!((marker["m"].as_i64(), marker["s"].as_i64()), (Some(id), Some(since)));
    let count = marker["n"].as_u64().unwrap() as usize;
    let mut seqs = Vec::with_capacity(count);
    for _ in 0..count {
        seqs.push(client.next().await["s"].as_i64().unwrap());
    }
    seqs
}

async fn a_resume_after_a_disconnect_delivers_exactly_the_missed_events(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = app.live_match().await;
    let mut client = connect(app.port, &format!("matches={id}")).await;
    assert_eq!(client.next().await["s"], 1);
    goals(&app.client, &app.address, id, 2).await;
    assert_eq!(client.next().await["s"], 2);
    assert_eq!(client.next().await["s"], 3);
    drop(client);

    goals(&app.client, &app.address, id, 3).await;
    let mut client = connect(app.port, &format!("matches={id}&since={id}:3")).await;
    assert_eq!(read_resume(&mut client, id, 3).await, [4, 5, 6]);
    goals(&app.client, &app.address, id, 1).await;
    assert_eq!(client.next().await["s"], 7);
    client.assert_silent(Duration::from_millis(200)).await;

    // The same by message, on a connection that was subscribed to nothing.
    let mut client = connect(app.port, "").await;
    client
        .send_json(&json!({"op": "subscribe", "matches": [id], "since": {id.to_string(): 5}}))
        .await;
    assert_eq!(read_resume(&mut client, id, 5).await, [6, 7]);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("scorecast_resumes_total{outcome=\"recovered\"} 2"), "{metrics}");
    assert!(metrics.contains("scorecast_events_replayed_total 5"), "{metrics}");
}

async fn resumes_racing_with_posts_lose_and_double_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = app.live_match().await;
    let total = 120;
    let poster = {
        let (client, base) = (app.client.clone(), app.address.clone());
        tokio::spawn(async move { goals(&client, &base, id, total).await })
    };
    // Resume from wherever the match is while events keep coming, over and over.
    let mut readers = Vec::new();
    for _ in 0..20 {
        let since = app.snapshot(id).await["seq"].as_i64().unwrap().saturating_sub(3).max(1);
        let mut client = connect(app.port, &format!("matches={id}&since={id}:{since}")).await;
        readers.push(tokio::spawn(async move {
            let mut seqs = read_resume(&mut client, id, since).await;
            while seqs.last().copied().unwrap_or(since) < total as i64 + 1 {
                seqs.push(client.next().await["s"].as_i64().unwrap());
            }
            (since, seqs)
        }));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    poster.await.unwrap();
    for reader in readers {
        let (since, seqs) = reader.await.unwrap();
        assert_eq!(seqs, (since + 1..=total as i64 + 1).collect::<Vec<_>>(), "from {since}");
    }
}

/// A live match with `count` goals on a server that was then killed with SIGKILL and started again.
async fn goals_then_crash(url: &str, http: &reqwest::Client, count: usize) -> (Server, i64) {
    let mut server = Server::start(url).await;
    let id = server.create_live_match().await;
    goals(http, &server.base, id, count).await;
    server.signal(libc::SIGKILL);
    server.wait();
    (Server::start(url).await, id)
}

async fn a_resume_works_across_a_sigkill_and_restart(backend: Backend) {
    let Some(database) = fresh_database(backend).await else { return };
    let http = reqwest::Client::new();
    let (server, id) = goals_then_crash(&database.url, &http, 3).await;
    goals(&http, &server.base, id, 1).await;
    let mut client = connect(server.port, &format!("matches={id}&since={id}:2")).await;
    assert_eq!(read_resume(&mut client, id, 2).await, [3, 4, 5]);
}

async fn a_resume_beyond_the_window_gets_a_snapshot_marked_not_recovered(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.history_window_events = 5).await else { return };
    let id = app.live_match().await;
    goals(&app.client, &app.address, id, 10).await;
    let mut client = connect(app.port, &format!("matches={id}&since={id}:2")).await;
    let snapshot = client.next().await;
    assert_eq!(
        (snapshot["k"].as_str(), snapshot["rec"].as_bool()),
        (Some("snapshot"), Some(false))
    );
    assert_eq!(snapshot["s"], 11);
    let mut client = connect(app.port, &format!("matches={id}&since={id}:7")).await;
    assert_eq!(read_resume(&mut client, id, 7).await, [8, 9, 10, 11], "within the window");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("scorecast_resumes_total{outcome=\"not_recovered\"} 1"), "{metrics}");
}

async fn a_star_subscriber_resumes_a_match_that_ended_while_it_was_away(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (ended, live) = (app.live_match().await, app.live_match().await);
    goals(&app.client, &app.address, ended, 1).await;
    assert_eq!(app.post_event(ended, &json!({"kind": "end"})).await.status(), 201);
    let mut client = connect(app.port, &format!("matches=*&since={ended}:2")).await;
    let mut messages = Vec::new();
    for _ in 0..3 {
        let message = client.next().await;
        messages.push((message["m"].as_i64().unwrap(), message["k"].as_str().unwrap().to_owned()));
    }
    messages.sort();
    let expected = [(ended, "end"), (ended, "resume"), (live, "snapshot")];
    assert_eq!(messages, expected.map(|(m, k)| (m, k.to_owned())));
    client.assert_silent(Duration::from_millis(200)).await;
}

async fn a_thousand_clients_resuming_at_once_share_their_database_reads(backend: Backend) {
    let Some(database) = fresh_database(backend).await else { return };
    let http = reqwest::Client::new();
    // More missed events than the snapshot keeps in memory (20), so the replay reads the database.
    let (server, id) = goals_then_crash(&database.url, &http, 30).await;

    let started = Instant::now();
    let clients = (0..1000).map(|_| {
        let port = server.port;
        tokio::spawn(async move {
            let mut client = connect(port, &format!("matches={id}&since={id}:1")).await;
            read_resume(&mut client, id, 1).await
        })
    });
    for client in futures_util::future::join_all(clients).await {
        assert_eq!(client.unwrap(), (2..=31).collect::<Vec<_>>());
    }
    let elapsed = started.elapsed();
    let metrics =
        http.get(format!("{}/metrics", server.base)).send().await.unwrap().text().await.unwrap();
    let reads: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("scorecast_replay_queries_total ")?.parse().ok())
        .unwrap();
    eprintln!("1000 resumes after a restart ({backend:?}): {elapsed:?}, {reads} database reads");
    assert!((1.0..=10.0).contains(&reads), "{reads} database reads for 1000 identical resumes");
}

async fn sse_resumes_from_last_event_id_exactly(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = app.live_match().await;
    goals(&app.client, &app.address, id, 3).await;
    let url = app.url(&format!("/sse?matches={id}"));
    let mut stream = SseClient::open(&url, Some(&format!("{id}:2"))).await;
    let (marker_id, marker) = stream.next_event().await;
    assert_eq!((marker["k"].as_str(), marker["n"].as_i64()), (Some("resume"), Some(2)));
    assert_eq!(marker_id, Some(format!("{id}:2")));
    for seq in [3, 4] {
        let (event_id, update) = stream.next_event().await;
        assert_eq!(event_id, Some(format!("{id}:{seq}")));
        assert_eq!(update["s"], seq);
    }
    goals(&app.client, &app.address, id, 1).await;
    let (event_id, update) = stream.next_event().await;
    assert_eq!((event_id, update["k"].as_str()), (Some(format!("{id}:5")), Some("goal")));

    // Without Last-Event-ID: the snapshot first.
    let mut fresh = SseClient::open(&url, None).await;
    let (_, snapshot) = fresh.next_event().await;
    assert_eq!((snapshot["k"].as_str(), snapshot["s"].as_i64()), (Some("snapshot"), Some(5)));
}

async fn sse_sends_heartbeat_comments(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.sse_heartbeat_secs = 1).await else { return };
    let mut stream = SseClient::open(&app.url("/sse"), None).await;
    match stream.next_block().await {
        Some(Block::Comment(text)) => assert_eq!(text, "keep-alive"),
        other => panic!("expected a heartbeat comment, got {other:?}"),
    }
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("scorecast_sse_connections 1"), "{metrics}");
}

async fn sigterm_ends_sse_streams(backend: Backend) {
    let Some(database) = fresh_database(backend).await else { return };
    let mut server = Server::start(&database.url).await;
    let id = server.create_live_match().await;
    let mut stream = SseClient::open(&format!("{}/sse?matches={id}", server.base), None).await;
    let (_, snapshot) = stream.next_event().await;
    assert_eq!(snapshot["k"], "snapshot");
    server.signal(libc::SIGTERM);
    // The stream ends (next_block panics if it stays open past the wait).
    while stream.next_block().await.is_some() {}
    assert!(server.wait().success(), "the server exits cleanly");
}
