//! Upgrading a database the previous release wrote: every match and event keeps its meaning.
//!
//! `tests/fixtures/previous-release.json` holds the rows that release stored for a set of matches
//! covering every status, period and event kind it knew, and what it served for them; its script
//! (`tests/fixtures/make-previous-release.sh`) ran that release's binary to make it. Here the rows
//! go into that release's schema, the current server starts on them, and serves the same.

use serde_json::{json, Map, Value};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

use crate::backend_tests;
use crate::common::{fresh_database, spawn_on, Backend};

backend_tests!(
    every_match_and_event_of_the_previous_release_keeps_its_meaning,
    a_node_starts_on_a_database_a_newer_release_migrated,
);

fn fixture() -> Value {
    let path = format!("{}/tests/fixtures/previous-release.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The previous release's schema (its migrations, from this repository) holding its rows.
async fn store_as_the_previous_release(url: &str, backend: Backend, fixture: &Value) {
    sqlx::any::install_default_drivers();
    let folder = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let old = tempfile::tempdir().unwrap();
    let source = format!("{}/migrations/{folder}", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(&source).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let version: i64 = name.split('_').next().unwrap().parse().unwrap();
        if fixture["migrations"].as_array().unwrap().contains(&json!(version)) {
            std::fs::copy(format!("{source}/{name}"), old.path().join(&name)).unwrap();
        }
    }
    if backend == Backend::Sqlite {
        std::fs::File::create(url.trim_start_matches("sqlite://")).unwrap();
    }
    let pool = AnyPool::connect(url).await.unwrap();
    Migrator::new(old.path()).await.unwrap().run(&pool).await.unwrap();
    for (table, rows) in [("matches", &fixture["matches"]), ("events", &fixture["events"])] {
        for row in rows.as_array().unwrap() {
            let row: &Map<String, Value> = row.as_object().unwrap();
            let columns: Vec<&str> = row.keys().map(String::as_str).collect();
            let values: Vec<String> = row.values().map(sql_literal).collect();
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                columns.join(", "),
                values.join(", ")
            );
            pool.execute(sql.as_str()).await.unwrap();
        }
    }
    pool.close().await;
}

/// Every member of `then`, nested ones too, has the same value in `now`.
fn assert_keeps(then: &Value, now: &Value, path: &str) {
    match then {
        Value::Object(members) => {
            for (key, value) in members {
                assert_keeps(value, &now[key], &format!("{path}: {key}"));
            }
        }
        _ => assert_eq!(now, then, "{path}"),
    }
}

fn sql_literal(value: &Value) -> String {
    match value {
        Value::Null => "NULL".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\'', "''")),
        other => panic!("unexpected column value {other}"),
    }
}

async fn every_match_and_event_of_the_previous_release_keeps_its_meaning(backend: Backend) {
    let Some(database) = fresh_database(backend).await else { return };
    let fixture = fixture();
    store_as_the_previous_release(&database.url, backend, &fixture).await;
    let app = spawn_on(database, |_| {}).await;
    let served = fixture["served"].as_object().unwrap();
    assert_eq!(served.len(), 6, "the fixture covers six matches");
    for (id, then) in served {
        let now = app.snapshot(id.parse().unwrap()).await;
        // Every field the previous release served means the same now (objects may have gained
        // members, such as the shoot-out's `rounds`).
        assert_keeps(&then["snapshot"], &now, &format!("match {id}"));
        assert_eq!((now["sport"].as_str(), &now["format"]), (Some("football"), &json!({})));
        assert_eq!(now["confirmed"], false);
        let history: Value =
            app.get(&format!("/api/v1/matches/{id}/events?limit=1000")).await.json().await.unwrap();
        assert_eq!(history["events"], then["history"], "match {id}: its events, as stored");
    }
    // The line score is folded from the stored events: the finished match's `score` correction
    // (to 2-1, from 1-1 in the second half) lands in the second half.
    let finished = app.snapshot(1).await;
    assert_eq!(
        finished["periods"],
        json!([{"period": "first_half", "score": {"home": 1, "away": 0}},
               {"period": "second_half", "score": {"home": 1, "away": 1}}])
    );
    // And matches go on under the new rules: a goal, then its void.
    let goal = app.store_event(2, &json!({"kind": "goal", "team": "home", "minute": 70})).await;
    assert_eq!(goal["score"], json!({"home": 1, "away": 1}), "{goal}");
    let void = app.store_event(2, &json!({"kind": "void", "target": goal["seq"]})).await;
    assert_eq!(void["score"], json!({"home": 0, "away": 1}), "{void}");
}

/// During a rolling upgrade to the next release, nodes of this one restart on a database with
/// migrations they do not know: they start and serve.
async fn a_node_starts_on_a_database_a_newer_release_migrated(backend: Backend) {
    let Some(database) = fresh_database(backend).await else { return };
    let mut app = spawn_on(database.clone(), |_| {}).await;
    let id = app.live_match().await;
    app.stop().await;
    let checksum = match backend {
        Backend::Sqlite => "X'00'",
        Backend::Postgres => "decode('00', 'hex')",
    };
    let pool = AnyPool::connect(&database.url).await.unwrap();
    let newer = format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (29991231000001, 'a newer release', TRUE, {checksum}, 1)"
    );
    pool.execute(newer.as_str()).await.unwrap();
    pool.close().await;
    let again = app.restart().await;
    assert_eq!(again.get("/readyz").await.status(), 200);
    assert_eq!(again.snapshot(id).await["status"], "live");
}
