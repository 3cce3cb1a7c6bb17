//! When the database fails during COMMIT itself, the outcome is unknown: the client hears so, and
//! a retry with the same Idempotency-Key never stores twice. Both outcomes are tested: a COMMIT
//! that failed (a deferred constraint), and one that succeeded but whose answer was lost (a proxy
//! cuts the connection).

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sqlx::{Connection, Executor};

use crate::backend_tests;
use crate::common::pg_proxy::PgProxy;
use crate::common::postgres;
use crate::common::{spawn_app, spawn_on, Backend, TestApp, TestDatabase, TOKEN};
use crate::helpers::assert_problem;
use crate::ws_client;

backend_tests!(a_failed_commit_is_answered_as_outcome_unknown_and_a_keyed_retry_stores_once);

/// Makes every COMMIT that stores an event fail, through a constraint only checked at COMMIT.
const ARM_SQLITE: &[&str] = &[
    "CREATE TABLE commit_trap_target (id INTEGER PRIMARY KEY)",
    "CREATE TABLE commit_trap (target INTEGER REFERENCES commit_trap_target (id) \
     DEFERRABLE INITIALLY DEFERRED)",
    "CREATE TRIGGER commit_trap AFTER INSERT ON events BEGIN INSERT INTO commit_trap VALUES (1); END",
];
const DISARM_SQLITE: &str = "DROP TRIGGER commit_trap";
const ARM_POSTGRES: &[&str] = &[
    "CREATE FUNCTION commit_trap() RETURNS trigger LANGUAGE plpgsql AS \
     $$ BEGIN RAISE EXCEPTION 'commit trap'; END $$",
    "CREATE CONSTRAINT TRIGGER commit_trap AFTER INSERT ON events \
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION commit_trap()",
];
const DISARM_POSTGRES: &str = "DROP TRIGGER commit_trap ON events";

async fn run_sql(backend: Backend, url: &str, statements: &[&str]) {
    match backend {
        Backend::Sqlite => {
            let mut db = sqlx::SqliteConnection::connect(url).await.unwrap();
            for sql in statements {
                db.execute(*sql).await.unwrap();
            }
        }
        Backend::Postgres => {
            let mut db = sqlx::PgConnection::connect(url).await.unwrap();
            for sql in statements {
                db.execute(*sql).await.unwrap();
            }
        }
    }
}

async fn post_keyed(app: &TestApp, id: i64, key: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/matches/{id}/events")))
        .bearer_auth(TOKEN)
        .header("Idempotency-Key", key)
        .json(&json!({"kind": "goal", "team": "home", "minute": 12}))
        .send()
        .await
        .unwrap()
}

async fn a_failed_commit_is_answered_as_outcome_unknown_and_a_keyed_retry_stores_once(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.live_match().await;
    let (arm, disarm) = match backend {
        Backend::Sqlite => (ARM_SQLITE, DISARM_SQLITE),
        Backend::Postgres => (ARM_POSTGRES, DISARM_POSTGRES),
    };
    run_sql(backend, &app.database.url, arm).await;

    let failed = post_keyed(&app, id, "goal-12").await;
    assert_eq!(failed.headers()["retry-after"], "1");
    let problem = assert_problem(failed, 503).await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("outcome is unknown"), "{detail}");
    assert!(detail.contains("same Idempotency-Key"), "{detail}");
    let unkeyed = app.post_event(id, &json!({"kind": "goal", "team": "away", "minute": 12})).await;
    let problem = assert_problem(unkeyed, 503).await;
    assert!(problem["detail"].as_str().unwrap().contains("send an Idempotency-Key"), "{problem}");

    // The node read the match back in case the database stored it after all; it had not.
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("scorecast_gap_repairs_total{reason=\"commit_unknown\"}"),
        "a read-back after the unknown outcome: {metrics}"
    );
    assert_eq!(app.snapshot(id).await["seq"], 1, "nothing stored, nothing shown");

    run_sql(backend, &app.database.url, &[disarm]).await;
    let stored = post_keyed(&app, id, "goal-12").await;
    assert_eq!(stored.status(), 201);
    assert!(stored.headers().get("idempotency-replayed").is_none(), "stored now, not replayed");
    let stored: Value = stored.json().await.unwrap();
    let replayed = post_keyed(&app, id, "goal-12").await;
    assert_eq!(replayed.status(), 201);
    assert_eq!(replayed.headers()["idempotency-replayed"], "true");
    assert_eq!(replayed.json::<Value>().await.unwrap(), stored);
    let history: Value =
        app.get(&format!("/api/v1/matches/{id}/events")).await.json().await.unwrap();
    let goals = history["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "goal");
    assert_eq!(goals.count(), 1, "the goal is stored once: {history}");
}

/// The answer to a keyed post whose COMMIT outcome is unknown.
async fn assert_outcome_unknown(response: reqwest::Response) {
    assert_eq!(response.headers()["retry-after"], "1");
    let problem = assert_problem(response, 503).await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("outcome is unknown"), "{detail}");
    assert!(detail.contains("same Idempotency-Key"), "{detail}");
}

/// scorecast on a fresh Postgres database reached through a `PgProxy`, with a live match; also the
/// database's direct URL. `None` when Postgres is skipped.
async fn behind_proxy() -> Option<(PgProxy, TestApp, String, i64)> {
    let admin = postgres::shared_admin_url()?;
    let url = postgres::fresh_database(&admin).await;
    let port = url.split_once("@127.0.0.1:").unwrap().1.split_once('/').unwrap().0;
    let proxy = PgProxy::start(port.parse().unwrap()).await;
    let app = spawn_on(TestDatabase::at(proxy.route(&url)), |_| {}).await;
    let id = app.live_match().await;
    Some((proxy, app, url, id))
}

/// The match's events as stored, read directly (not through the proxy).
async fn stored_events(url: &str, id: i64) -> Vec<Value> {
    let mut db = sqlx::PgConnection::connect(url).await.unwrap();
    let bodies: Vec<String> =
        sqlx::query_scalar("SELECT body FROM events WHERE match_id = $1 ORDER BY seq")
            .bind(id)
            .fetch_all(&mut db)
            .await
            .unwrap();
    bodies.iter().map(|b| serde_json::from_str(b).unwrap()).collect()
}

/// After the goal (seq 2) whose answer was lost has reached `subscriber` and the snapshot: the
/// keyed retry replays it, the next event follows it, and nothing came or was stored twice.
async fn assert_stored_once(
    app: &TestApp,
    url: &str,
    id: i64,
    subscriber: &mut ws_client::WsClient,
    goal: &Value,
) {
    let next = app.store_event(id, &json!({"kind": "goal", "team": "away", "minute": 20})).await;
    assert_eq!(next["seq"], 3);
    let update = subscriber.next().await;
    assert_eq!(update["s"], 3, "the next update, not the goal again: {update}");
    subscriber.assert_silent(Duration::from_millis(300)).await;
    let replayed = post_keyed(app, id, "goal-12").await;
    assert_eq!(replayed.status(), 201);
    assert_eq!(replayed.headers()["idempotency-replayed"], "true");
    assert_eq!(&replayed.json::<Value>().await.unwrap(), goal);
    let stored = stored_events(url, id).await;
    assert_eq!(stored.len(), 3, "kickoff, the goal once, the next goal: {stored:?}");
}

async fn wait_for_snapshot(app: &TestApp, id: i64, seq: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.snapshot(id).await["seq"] != seq {
        assert!(Instant::now() < deadline, "the snapshot reaches {seq}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_that_succeeded_but_lost_its_answer_is_read_back_and_shown_once() {
    let Some((proxy, app, url, id)) = behind_proxy().await else {
        return;
    };
    let mut subscriber = ws_client::connect(app.port, &format!("matches={id}")).await;
    assert_eq!(subscriber.next().await["k"], "snapshot");

    proxy.arm();
    assert_outcome_unknown(post_keyed(&app, id, "goal-12").await).await;
    proxy.cut(1).await;

    // Postgres stored it.
    let stored = stored_events(&url, id).await;
    assert_eq!(stored.len(), 2, "the kickoff and the goal whose answer was lost: {stored:?}");
    let goal = stored[1].clone();
    assert_eq!((goal["seq"].as_i64(), goal["kind"].as_str()), (Some(2), Some("goal")));

    // The read-back after the unknown outcome brings it to snapshots and subscribers.
    let update = subscriber.next().await;
    assert_eq!((update["s"].as_i64(), update["k"].as_str()), (Some(2), Some("goal")), "{update}");
    wait_for_snapshot(&app, id, 2).await;

    // The retry replays the stored answer and stores nothing.
    let replayed = post_keyed(&app, id, "goal-12").await;
    assert_eq!(replayed.status(), 201);
    assert_eq!(replayed.headers()["idempotency-replayed"], "true");
    assert_eq!(replayed.json::<Value>().await.unwrap(), goal);
    assert_stored_once(&app, &url, id, &mut subscriber, &goal).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_that_lands_after_the_read_back_is_shown_once_the_keyed_retry_replays_it() {
    let Some((proxy, app, url, id)) = behind_proxy().await else {
        return;
    };
    let mut subscriber = ws_client::connect(app.port, &format!("matches={id}")).await;
    assert_eq!(subscriber.next().await["k"], "snapshot");

    proxy.arm_held();
    assert_outcome_unknown(post_keyed(&app, id, "goal-12").await).await;
    // The read-back runs (and finds nothing), then the held COMMIT reaches Postgres.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let metrics = app.get("/metrics").await.text().await.unwrap();
        if metrics.lines().any(|l| l.starts_with("scorecast_gap_reads_total") && !l.ends_with(" 0"))
        {
            break;
        }
        assert!(Instant::now() < deadline, "the read-back ran: {metrics}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    proxy.release();
    proxy.cut(1).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let goal = loop {
        if let Some(goal) = stored_events(&url, id).await.get(1) {
            break goal.clone();
        }
        assert!(Instant::now() < deadline, "the held COMMIT was stored");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    // The keyed retry finds the stored answer: it replays it, and this node, which had not shown
    // the goal, reads it back now.
    let replayed = post_keyed(&app, id, "goal-12").await;
    assert_eq!(replayed.status(), 201);
    assert_eq!(replayed.headers()["idempotency-replayed"], "true");
    assert_eq!(replayed.json::<Value>().await.unwrap(), goal);
    let update = subscriber.next().await;
    assert_eq!((update["s"].as_i64(), update["k"].as_str()), (Some(2), Some("goal")), "{update}");
    wait_for_snapshot(&app, id, 2).await;
    assert_stored_once(&app, &url, id, &mut subscriber, &goal).await;
}
