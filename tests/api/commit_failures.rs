//! When the database fails during COMMIT itself, the outcome is unknown: the client hears so, and
//! a retry with the same Idempotency-Key never stores twice.

use serde_json::{json, Value};
use sqlx::{Connection, Executor};

use crate::backend_tests;
use crate::common::{spawn_app, Backend, TestApp, TOKEN};
use crate::helpers::assert_problem;

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
