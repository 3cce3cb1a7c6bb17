//! Fixture changes reach subscribers: a PATCH is a sequenced `match` event, pushed, replayed on
//! resume and shown in the history; a postponement's new kickoff moves the match.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::common::{spawn_app, Backend, TestApp, TOKEN};
use crate::ws_client::connect;

backend_tests!(
    a_patch_is_pushed_as_a_match_event_and_replayed_on_resume,
    a_postponement_with_a_new_kickoff_moves_the_match,
    sport_and_format_change_only_before_the_start,
    a_match_event_posted_to_the_events_is_checked_as_a_patch,
);

async fn patch(app: &TestApp, id: i64, body: Value) -> (u16, Value) {
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/matches/{id}")))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn a_patch_is_pushed_as_a_match_event_and_replayed_on_resume(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = app.live_match().await;
    let mut ws = connect(app.port, &format!("matches={id}")).await;
    ws.next().await;
    let (status, snapshot) = patch(&app, id, json!({"home": "Ajax Amsterdam"})).await;
    assert_eq!(status, 200, "{snapshot}");
    assert_eq!(
        (snapshot["home"].as_str(), snapshot["seq"].as_i64()),
        (Some("Ajax Amsterdam"), Some(2))
    );
    let (update, size) = ws.next_sized().await;
    assert_eq!(
        (update["k"].as_str(), update["s"].as_i64(), update["home"].as_str()),
        (Some("match"), Some(2), Some("Ajax Amsterdam")),
        "{update}"
    );
    assert_eq!(update["sc"], json!([0, 0]), "every message carries the score");
    assert!(update.get("away").is_none(), "only the changed keys: {update}");
    assert!(size <= 400, "{size}");
    let history: Value =
        app.get(&format!("/api/v1/matches/{id}/events?since=1")).await.json().await.unwrap();
    assert_eq!(history["events"][0]["kind"], "match", "{history}");
    assert_eq!(history["events"][0]["home"], "Ajax Amsterdam");

    let mut again = connect(app.port, &format!("matches={id}&since={id}:1")).await;
    let marker = again.next().await;
    assert_eq!(marker["n"], 1, "{marker}");
    assert_eq!(again.next().await["k"], "match");

    let (status, problem) = patch(&app, id, json!({"away": "Ajax Amsterdam"})).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("away")), "{problem}");
    app.store_event(id, &json!({"kind": "end"})).await;
    app.store_event(id, &json!({"kind": "confirm"})).await;
    let (status, _) = patch(&app, id, json!({"competition": "Eredivisie 2026"})).await;
    assert_eq!(status, 200, "a confirmed match still takes fixture changes");
}

async fn a_postponement_with_a_new_kickoff_moves_the_match(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = app.create_match().await;
    let mut ws = connect(app.port, &format!("matches={id}")).await;
    ws.next().await;
    let postpone =
        json!({"kind": "status", "status": "postponed", "kickoff_at": "2027-01-09T14:30:00Z"});
    let answer = app.store_event(id, &postpone).await;
    assert_eq!(answer["revision"], 1, "{answer}");
    let update = ws.next().await;
    assert_eq!(
        (update["st"].as_str(), update["ko"].as_str()),
        (Some("postponed"), Some("2027-01-09T14:30:00Z")),
        "{update}"
    );
    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["kickoff_at"], "2027-01-09T14:30:00Z");
    let response = app
        .post_event(
            id,
            &json!({"kind": "status", "status": "delayed", "kickoff_at": "2027-01-09T14:30:00Z"}),
        )
        .await;
    assert_eq!(response.status(), 422, "kickoff_at belongs to postponed only");
}

async fn sport_and_format_change_only_before_the_start(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = app.create_match().await;
    let (status, snapshot) = patch(&app, id, json!({"sport": "football", "format": {}})).await;
    assert_eq!((status, snapshot["sport"].as_str()), (200, Some("football")), "{snapshot}");
    let (status, problem) = patch(&app, id, json!({"format": {"halves": 3}})).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("format.halves")), "{problem}");
    app.store_event(id, &json!({"kind": "kickoff"})).await;
    let (status, problem) = patch(&app, id, json!({"sport": "football"})).await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("started"), "{problem}");
}

/// Found by Schemathesis: a `match` event posted to the events endpoint kept a format no sport
/// has (here football's, which has no options), stored and served against the schema.
async fn a_match_event_posted_to_the_events_is_checked_as_a_patch(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = app.create_match().await;
    // The schema allows any sport's options: those football does not take are a conflict with
    // this football match, not a malformed request.
    let event = json!({"kind": "match", "format": {"best_of": 5, "period_minutes": -23407}});
    let (status, problem) = crate::helpers::post_event(&app, id, event).await;
    assert_eq!(status, 409, "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("format.best_of") && detail.contains("football"), "{problem}");
    let event = json!({"kind": "match", "sport": "basketball", "format": {"quarter_minutes": 10}});
    let (status, stored) = crate::helpers::post_event(&app, id, event).await;
    assert_eq!(status, 201, "{stored}");
    assert_eq!(stored["format"]["quarter_minutes"], 10, "kept as basketball reads it: {stored}");
}
