//! Kickoff times the store cannot hold are refused at the edge, and a stored match that does not
//! read back keeps nobody from starting: it is logged, left out, and reported.

use serde_json::{json, Value};
use sqlx::{Connection, Executor};

use crate::backend_tests;
use crate::common::{spawn_app, Backend, TOKEN};
use crate::helpers::assert_problem;

/// Valid RFC 3339, but outside the years 0000-9999 once in UTC.
const OUT_OF_RANGE: [&str; 2] = ["9999-12-31T23:59:59-00:01", "0000-01-01T00:00:00+00:01"];

backend_tests!(kickoffs_outside_what_utc_can_hold_are_refused_and_the_server_starts_again);

async fn kickoffs_outside_what_utc_can_hold_are_refused_and_the_server_starts_again(
    backend: Backend,
) {
    let Some(mut app) = spawn_app(backend).await else { return };
    let id = app.create_match().await;
    for kickoff in OUT_OF_RANGE {
        let created = app
            .post_json(
                "/api/v1/matches",
                &json!({"home": "Ajax", "away": "PSV", "competition": "Eredivisie",
                        "kickoff_at": kickoff}),
            )
            .await;
        let problem = assert_problem(created, 422).await;
        assert_eq!(problem["field"], "kickoff_at", "{problem}");
        assert!(problem["detail"].as_str().unwrap().contains("0001 to 9998"), "{problem}");

        let patched = app
            .client
            .patch(app.url(&format!("/api/v1/matches/{id}")))
            .bearer_auth(TOKEN)
            .json(&json!({"kickoff_at": kickoff}))
            .send()
            .await
            .unwrap();
        let problem = assert_problem(patched, 422).await;
        assert_eq!(problem["field"], "kickoff_at", "{problem}");
    }
    // The extreme years that fit are taken, and answered in UTC.
    let patched = app
        .client
        .patch(app.url(&format!("/api/v1/matches/{id}")))
        .bearer_auth(TOKEN)
        .json(&json!({"kickoff_at": "9998-12-31T23:59:59-23:59"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    assert_eq!(patched.json::<Value>().await.unwrap()["kickoff_at"], "9999-01-01T23:58:59Z");

    app.stop().await;
    let app = app.restart().await;
    let listed: Value = app.get("/api/v1/matches").await.json().await.unwrap();
    assert_eq!(listed["matches"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(app.snapshot(id).await["kickoff_at"], "9999-01-01T23:58:59Z");
    assert_eq!(app.get("/readyz").await.text().await.unwrap(), "ready\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_match_that_does_not_read_back_is_reported_and_the_others_are_served() {
    let Some(mut app) = spawn_app(Backend::Sqlite).await else { unreachable!() };
    let good = app.create_match().await;
    let bad = app.create_match().await;
    app.stop().await;
    // As an older release stored it: 10000-01-01T00:00:59Z, one minute past what UTC can hold.
    let mut db = sqlx::SqliteConnection::connect(&app.database.url).await.unwrap();
    db.execute(
        sqlx::query("UPDATE matches SET kickoff_at = 253402300859000 WHERE id = $1").bind(bad),
    )
    .await
    .unwrap();
    db.close().await.unwrap();

    let app = app.restart().await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200, "one bad row does not take the node out");
    let body = ready.text().await.unwrap();
    assert_eq!(body, format!("ready\nunreadable matches (not served; the log says why): {bad}\n"));
    assert_eq!(app.metric("scorecast_unreadable_matches").await, 1.0);
    assert_eq!(app.snapshot(good).await["home"], "Ajax");
    let listed: Value = app.get("/api/v1/matches").await.json().await.unwrap();
    let ids: Vec<i64> =
        listed["matches"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [good]);
    assert_eq!(app.get(&format!("/api/v1/matches/{bad}")).await.status(), 404);
    app.store_event(good, &json!({"kind": "kickoff"})).await;
}
