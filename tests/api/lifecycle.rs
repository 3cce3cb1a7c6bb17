//! The lifecycle over the API: status events, their compact updates, and the list's filters.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::common::{spawn_app, Backend};
use crate::helpers::post_event as post;
use crate::ws_client::connect;

backend_tests!(
    a_postponed_match_is_shown_postponed_and_can_be_reinstated,
    an_interrupted_match_resumes_where_it_stopped_and_subscribers_see_each_step,
    an_awarded_result_carries_its_winner_score_and_method,
    refused_transitions_name_the_status_and_what_is_allowed,
);

async fn a_postponed_match_is_shown_postponed_and_can_be_reinstated(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = app.create_match().await;
    let mut ws = connect(app.port, &format!("matches={id}")).await;
    ws.next().await;
    let (status, answer) =
        post(&app, id, json!({"kind": "status", "status": "postponed", "reason": "frozen pitch"}))
            .await;
    assert_eq!(status, 201, "{answer}");
    let update = ws.next().await;
    assert_eq!((update["k"].as_str(), update["st"].as_str()), (Some("status"), Some("postponed")));
    assert_eq!(update["sc"], json!([0, 0]), "every message carries the score: {update}");
    let snapshot = app.snapshot(id).await;
    assert_eq!(
        (snapshot["status"].as_str(), snapshot["reason"].as_str()),
        (Some("postponed"), Some("frozen pitch"))
    );
    assert_eq!(
        (snapshot["sport"].as_str(), snapshot["format"].clone()),
        (Some("football"), json!({}))
    );
    let listed: Value = app.get("/api/v1/matches?status=postponed").await.json().await.unwrap();
    assert_eq!(listed["total"], 1, "{listed}");
    let (status, problem) = post(&app, id, json!({"kind": "kickoff"})).await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(post(&app, id, json!({"kind": "status", "status": "scheduled"})).await.0, 201);
    assert_eq!(post(&app, id, json!({"kind": "start"})).await.0, 201);
    let snapshot = app.snapshot(id).await;
    assert_eq!(
        (snapshot["status"].as_str(), snapshot["period"].as_str()),
        (Some("live"), Some("first_half"))
    );
}

async fn an_interrupted_match_resumes_where_it_stopped_and_subscribers_see_each_step(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = app.live_match().await;
    app.store_event(id, &json!({"kind": "period", "period": "half_time"})).await;
    let mut ws = connect(app.port, &format!("matches={id}")).await;
    ws.next().await;
    assert_eq!(
        post(&app, id, json!({"kind": "status", "status": "interrupted", "reason": "storm"}))
            .await
            .0,
        201
    );
    let (status, problem) =
        post(&app, id, json!({"kind": "period", "period": "second_half"})).await;
    assert_eq!(status, 409, "nothing that needs the ball in play: {problem}");
    let card = json!({"kind": "card", "team": "home", "player": "Kees", "color": "yellow"});
    assert_eq!(post(&app, id, card).await.0, 201, "cards are accepted while stopped");
    assert_eq!(post(&app, id, json!({"kind": "status", "status": "live"})).await.0, 201);
    let steps: Vec<(String, String)> = [ws.next().await, ws.next().await, ws.next().await]
        .iter()
        .map(|u| (u["k"].as_str().unwrap().to_owned(), u["st"].as_str().unwrap_or("").to_owned()))
        .collect();
    assert_eq!(
        steps,
        [
            ("status".into(), "interrupted".into()),
            ("card".into(), "".into()),
            ("status".into(), "half_time".into())
        ]
    );
    assert_eq!(app.snapshot(id).await["period"], "half_time");
}

async fn an_awarded_result_carries_its_winner_score_and_method(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = app.live_match().await;
    let award = json!({"kind": "status", "status": "awarded", "winner": "away", "home": 0, "away": 3, "method": "walkover"});
    let (status, answer) = post(&app, id, award).await;
    assert_eq!((status, answer["score"].clone()), (201, json!({"home": 0, "away": 3})), "{answer}");
    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["award"], json!({"winner": "away", "method": "walkover"}));
    let (status, problem) = post(&app, id, json!({"kind": "status", "status": "awarded"})).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("winner")), "{problem}");
    let (status, problem) =
        post(&app, id, json!({"kind": "status", "status": "abandoned", "method": "walkover"}))
            .await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("method")), "{problem}");
}

async fn refused_transitions_name_the_status_and_what_is_allowed(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = app.create_match().await;
    let (status, problem) =
        post(&app, id, json!({"kind": "status", "status": "interrupted"})).await;
    assert_eq!(status, 409);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("scheduled") && detail.contains("delayed, postponed, cancelled, awarded"),
        "{detail}"
    );
    let (status, problem) =
        post(&app, 999_999, json!({"kind": "status", "status": "delayed"})).await;
    assert_eq!(status, 404, "an unknown match first: {problem}");
    let (status, problem) = post(&app, 999_999, json!({"kind": "nope"})).await;
    assert_eq!(status, 404, "an unknown match before the event's fields: {problem}");
    let long = "x".repeat(201);
    let (status, problem) =
        post(&app, id, json!({"kind": "status", "status": "delayed", "reason": long})).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("reason")), "{problem}");
    let bad_format = json!({"home": "A", "away": "B", "competition": "C",
        "kickoff_at": "2026-12-07T12:00:00Z", "sport": "football", "format": {"halves": 3}});
    let response = app.post_json("/api/v1/matches", &bad_format).await;
    let status = response.status().as_u16();
    let problem: Value = response.json().await.unwrap();
    assert_eq!((status, problem["field"].as_str()), (422, Some("format.halves")), "{problem}");
    let listed = app.get("/api/v1/matches?status=nope").await;
    assert_eq!(listed.status(), 400);
}
