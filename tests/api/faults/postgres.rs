//! Postgres failing under load: stopped (`pg_ctl stop -m fast`) and started again, and killed
//! with SIGKILL (postmaster and backends) in the middle of commits, while several clients post
//! keyed events and retry each on 503 with the same Idempotency-Key.
//!
//! Checked each time: posts answer 503 with `Retry-After` while Postgres is down; snapshots and
//! live WebSocket subscribers are served throughout; posting resumes once it is back; every
//! acknowledged event is in the database as answered; no key is stored twice; the subscriber sees
//! every sequence number once, in order.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{json, Value};
use sqlx::Connection;
use tokio::sync::Mutex;

use crate::common::pg_proxy::PgProxy;
use crate::common::postgres::{fresh_database, PgCluster};
use crate::common::{spawn_on, TestApp, TestDatabase, TOKEN};
use crate::ws_client;

/// Clients posting at once, and events each posts.
const POSTERS: usize = 4;
const EVENTS_EACH: usize = 40;
/// Acknowledged events before the fault: it lands while posting is in full swing.
const BEFORE_FAULT: usize = 30;
/// How long Postgres stays down.
const OUTAGE: Duration = Duration::from_millis(1500);
/// Pause before a retry. Shorter than the `Retry-After: 1` the server sends, to keep the test
/// short; the server must cope with eager clients too.
const RETRY_PAUSE: Duration = Duration::from_millis(100);
/// Bound on the whole load, outage included.
const LOAD_DEADLINE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_and_started_mid_load_loses_nothing_and_stores_nothing_twice() {
    survive(Fault::Stop).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_killed_mid_commit_loses_nothing_and_stores_nothing_twice() {
    survive(Fault::Kill).await;
}

/// How Postgres goes down, and the COMMIT it takes down with it. Where exactly a stop or a kill
/// lands is luck, so one COMMIT is made to be in flight through the proxy (`pg_proxy.rs`): its
/// outcome is unknown to scorecast, and the retries must sort it out.
#[derive(Clone, Copy)]
enum Fault {
    /// `pg_ctl stop -m fast` right after a COMMIT was applied and its answer lost.
    Stop,
    /// SIGKILL while a COMMIT is on its way: the transaction dies with the server.
    Kill,
}

/// What the load saw.
#[derive(Default)]
struct Seen {
    /// Each key's 201 body.
    acked: HashMap<String, Value>,
    unavailable: usize,
    /// 503s that said the outcome was unknown.
    unknown: usize,
}

async fn survive(fault: Fault) {
    let Some(mut cluster) = PgCluster::start() else {
        assert!(std::env::var("SCORECAST_REQUIRE_POSTGRES").is_err(), "Postgres is required");
        return;
    };
    let url = fresh_database(&cluster.admin_url()).await;
    let proxy = PgProxy::start(cluster.port).await;
    let database = TestDatabase::at(proxy.route(&url));
    let app = Arc::new(spawn_on(database, |s| s.db_acquire_timeout_ms = 500).await);
    let id = app.live_match().await;
    let mut subscriber = ws_client::connect(app.port, &format!("matches={id}")).await;
    assert_eq!(subscriber.next().await["s"], 1, "the snapshot after the kickoff");

    let seen = Arc::new(Mutex::new(Seen::default()));
    let acked = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let posters: Vec<_> = (0..POSTERS)
        .map(|poster| tokio::spawn(post_all(app.clone(), id, poster, seen.clone(), acked.clone())))
        .collect();

    while acked.load(Ordering::SeqCst) < BEFORE_FAULT {
        assert!(started.elapsed() < LOAD_DEADLINE, "posting started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    match fault {
        Fault::Stop => {
            proxy.arm();
            proxy.cut(1).await;
            tokio::task::block_in_place(|| cluster.stop_fast());
        }
        Fault::Kill => {
            proxy.arm_held();
            proxy.caught(1).await;
            tokio::task::block_in_place(|| cluster.kill_hard());
            // The held COMMIT goes to the dead server's socket, or nowhere.
            proxy.release();
        }
    }
    let down = Instant::now();
    assert_eq!(app.get("/readyz").await.status(), 503, "not ready without its database");
    // While it is down: snapshots are served from memory, and a new subscriber gets its snapshot.
    let mut polls = 0;
    while down.elapsed() < OUTAGE {
        let response = app.get(&format!("/api/v1/matches/{id}")).await;
        assert_eq!(response.status(), 200, "a snapshot while Postgres is down");
        polls += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut late = ws_client::connect(app.port, &format!("matches={id}")).await;
    assert_eq!(late.next().await["k"], "snapshot", "a subscriber joining during the outage");
    assert!(polls > 5);
    tokio::task::block_in_place(|| cluster.run());

    for poster in posters {
        poster.await.expect("a poster finished");
    }
    let seen = Arc::try_unwrap(seen).ok().unwrap().into_inner();
    assert_eq!(seen.acked.len(), POSTERS * EVENTS_EACH, "every event was acknowledged in the end");
    assert!(seen.unavailable > 0, "some posts met the outage");
    assert!(seen.unknown > 0, "the COMMIT in flight was answered as unknown");
    eprintln!("{} posts answered 503, {} of them outcome unknown", seen.unavailable, seen.unknown);

    // The database: gapless, each key once, each acknowledged event as answered.
    let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
    let stored: Vec<(i64, String)> =
        sqlx::query_as("SELECT seq, body FROM events WHERE match_id = $1 ORDER BY seq")
            .bind(id)
            .fetch_all(&mut db)
            .await
            .unwrap();
    let total = POSTERS * EVENTS_EACH + 1;
    let seqs: Vec<i64> = stored.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, (1..=total as i64).collect::<Vec<_>>(), "one event per key, gapless");
    let by_seq: BTreeMap<i64, Value> =
        stored.iter().map(|(seq, body)| (*seq, serde_json::from_str(body).unwrap())).collect();
    for (key, event) in &seen.acked {
        let seq = event["seq"].as_i64().unwrap();
        assert_eq!(&by_seq[&seq], event, "{key} is stored as it was answered");
    }

    // The subscriber saw every update once, in order; so did the one that joined late.
    for expected in 2..=total as i64 {
        let update = subscriber.next().await;
        assert_eq!(update["s"], expected, "gapless and once: {update}");
    }
    subscriber.assert_silent(Duration::from_millis(200)).await;
    let last = loop {
        let update = late.next().await;
        if update["s"] == total as i64 {
            break update;
        }
    };
    assert_eq!(last["s"], total as i64);
    assert_eq!(app.snapshot(id).await["seq"], total as i64, "the snapshot is at the top");
    assert_eq!(app.get("/readyz").await.status(), 200);
}

/// Posts `EVENTS_EACH` goals, each with its own key, retrying each on 503 until it is stored.
async fn post_all(
    app: Arc<TestApp>,
    id: i64,
    poster: usize,
    seen: Arc<Mutex<Seen>>,
    acked: Arc<AtomicUsize>,
) {
    let client = Client::new();
    let url = app.url(&format!("/api/v1/matches/{id}/events"));
    let team = if poster.is_multiple_of(2) { "home" } else { "away" };
    for n in 0..EVENTS_EACH {
        let key = format!("p{poster}-e{n}");
        let body = json!({"kind": "goal", "team": team, "minute": 50, "player": key});
        let started = Instant::now();
        loop {
            assert!(started.elapsed() < LOAD_DEADLINE, "{key} was never stored");
            let sent = client
                .post(&url)
                .bearer_auth(TOKEN)
                .header("Idempotency-Key", &key)
                .json(&body)
                .timeout(Duration::from_secs(10))
                .send()
                .await;
            let response = match sent {
                Ok(response) => response,
                // The server itself stays up: a failed request is a finding.
                Err(e) => panic!("{key}: the request failed: {e}"),
            };
            match response.status().as_u16() {
                201 => {
                    let event: Value = response.json().await.unwrap();
                    assert_eq!(event["player"], key.as_str());
                    let mut seen = seen.lock().await;
                    if let Some(earlier) = seen.acked.insert(key.clone(), event.clone()) {
                        panic!("{key} acknowledged twice: {earlier} and {event}");
                    }
                    acked.fetch_add(1, Ordering::SeqCst);
                    break;
                }
                503 => {
                    assert_eq!(response.headers()["retry-after"], "1", "{key}");
                    let problem: Value = response.json().await.unwrap();
                    let mut seen = seen.lock().await;
                    seen.unavailable += 1;
                    if problem["detail"].as_str().unwrap_or_default().contains("outcome is unknown")
                    {
                        seen.unknown += 1;
                    }
                }
                other => {
                    panic!("{key}: answered {other}: {}", response.text().await.unwrap_or_default())
                }
            }
            tokio::time::sleep(RETRY_PAUSE).await;
        }
    }
}
