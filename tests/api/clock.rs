//! What a page needs to run a live clock: when the current period began, in the snapshot and in
//! the updates that start a period.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::common::{spawn_app, Backend};
use crate::ws_client;

backend_tests!(each_period_carries_its_start_time_in_snapshots_and_updates);

fn millis(rfc3339: &Value) -> i64 {
    let at = time::OffsetDateTime::parse(
        rfc3339.as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

async fn each_period_carries_its_start_time_in_snapshots_and_updates(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.create_match().await;
    assert_eq!(app.snapshot(id).await["period_started_at"], Value::Null);
    let kickoff = app.store_event(id, &json!({"kind": "kickoff"})).await;
    app.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 12})).await;
    let snapshot = app.snapshot(id).await;
    let started = millis(&kickoff["recorded_at"]);
    assert_eq!(millis(&snapshot["period_started_at"]), started, "a goal starts no period");

    let mut ws = ws_client::connect(app.port, &format!("matches={id}")).await;
    let compact = ws.next().await;
    assert_eq!(compact["pt"], started, "{compact}");
    app.store_event(id, &json!({"kind": "period", "period": "half_time"})).await;
    let update = ws.next().await;
    assert_eq!(
        (&update["pd"], update.get("pt")),
        (&json!("half_time"), None),
        "no clock runs in a break: its update has no pt"
    );
    let second = app.store_event(id, &json!({"kind": "period", "period": "second_half"})).await;
    let update = ws.next().await;
    assert_eq!(
        (&update["pd"], &update["pt"]),
        (&json!("second_half"), &json!(millis(&second["recorded_at"])))
    );
    app.store_event(id, &json!({"kind": "card", "team": "home", "player": "X", "color": "yellow"}))
        .await;
    assert_eq!(ws.next().await.get("pt"), None, "only updates that start a period carry it");

    // After a restart, the stored state gives the same time.
    let mut app = app;
    app.stop().await;
    let app = app.restart().await;
    let restarted = app.snapshot(id).await;
    assert_eq!(millis(&restarted["period_started_at"]), millis(&second["recorded_at"]));
}
