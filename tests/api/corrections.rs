//! Corrections over the API: a void or amend refolds the match, is pushed to subscribers naming
//! its target with the whole state, is shown on the corrected event, and survives a restart.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::common::{spawn_app, Backend};
use crate::helpers::post_event as post;
use crate::ws_client::connect;

backend_tests!(
    a_voided_goal_leaves_the_score_and_is_shown_voided_everywhere,
    an_amended_scorer_is_shown_and_the_latest_amend_wins,
    a_void_and_its_goal_are_replayed_in_order_on_resume_and_survive_a_restart,
    corrections_that_break_the_rules_are_refused_and_change_nothing,
    an_end_posted_by_mistake_can_be_voided_and_the_result_corrected_until_confirmed,
    voids_racing_with_other_events_of_their_match_leave_exactly_the_fold,
);

async fn a_voided_goal_leaves_the_score_and_is_shown_voided_everywhere(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = app.live_match().await;
    let mut ws = connect(app.port, &format!("matches={id}")).await;
    assert_eq!(ws.next().await["k"], "snapshot");
    let goal = app
        .store_event(id, &json!({"kind": "goal", "team": "home", "minute": 10, "player": "Lang"}))
        .await;
    assert_eq!(goal["seq"], 2);
    app.store_event(id, &json!({"kind": "goal", "team": "away", "minute": 20})).await;
    let (status, void) =
        post(&app, id, json!({"kind": "void", "target": 2, "reason": "offside (VAR)"})).await;
    assert_eq!(status, 201, "{void}");
    assert_eq!(void["score"], json!({"home": 0, "away": 1}), "{void}");
    assert_eq!(void["state"]["status"], "live");

    ws.next().await;
    ws.next().await;
    let (update, size) = ws.next_sized().await;
    assert_eq!(
        (update["k"].as_str(), update["of"].as_i64(), update["s"].as_i64()),
        (Some("void"), Some(2), Some(4)),
        "{update}"
    );
    assert_eq!(update["sc"], json!([0, 1]));
    assert_eq!((update["st"].as_str(), update["pd"].as_str()), (Some("live"), Some("first_half")));
    assert!(update.get("reason").is_none(), "reasons never reach compact updates: {update}");
    assert!(size <= 400, "a correction's update is at most 400 bytes: {size}");

    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["score"], json!({"home": 0, "away": 1}));
    assert_eq!(snapshot["events"][1]["voided_by"], 4, "{snapshot}");
    assert_eq!(snapshot["events"][1]["score"], json!({"home": 1, "away": 0}), "stored as posted");
    let history: Value =
        app.get(&format!("/api/v1/matches/{id}/events")).await.json().await.unwrap();
    assert_eq!(history["events"][1]["voided_by"], 4, "{history}");
    assert_eq!(history["events"][3]["reason"], "offside (VAR)");
    let periods = &snapshot["periods"];
    assert_eq!(periods, &json!([{"period": "first_half", "score": {"home": 0, "away": 1}}]));
}

async fn an_amended_scorer_is_shown_and_the_latest_amend_wins(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = app.live_match().await;
    app.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 10, "player": "Lang"}))
        .await;
    let amend = |player: &str| {
        json!({"kind": "amend", "target": 2,
               "event": {"kind": "goal", "team": "home", "minute": 10, "player": player}})
    };
    let mut ws = connect(app.port, &format!("matches={id}")).await;
    ws.next().await;
    assert_eq!(post(&app, id, amend("Berghuis")).await.0, 201);
    let update = ws.next().await;
    assert_eq!((update["k"].as_str(), update["of"].as_i64()), (Some("amend"), Some(2)));
    assert_eq!((update["p"].as_str(), update["t"].as_str()), (Some("Berghuis"), Some("h")));
    assert_eq!(post(&app, id, amend("Godts")).await.0, 201);
    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["events"][1]["amended_by"], 4, "{snapshot}");
    assert_eq!(snapshot["score"], json!({"home": 1, "away": 0}));
    let wrong_kind = json!({"kind": "amend", "target": 2,
        "event": {"kind": "card", "team": "home", "player": "X", "color": "red"}});
    let (status, problem) = post(&app, id, wrong_kind).await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("goal event"), "{problem}");
    let bad_event = json!({"kind": "amend", "target": 2, "event": {"kind": "goal", "team": "up"}});
    let (status, problem) = post(&app, id, bad_event).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("event.team")), "{problem}");
}

async fn a_void_and_its_goal_are_replayed_in_order_on_resume_and_survive_a_restart(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = app.live_match().await;
    app.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 10})).await;
    app.store_event(id, &json!({"kind": "void", "target": 2})).await;
    let mut ws = connect(app.port, &format!("matches={id}&since={id}:1")).await;
    let marker = ws.next().await;
    assert_eq!((marker["k"].as_str(), marker["n"].as_i64()), (Some("resume"), Some(2)), "{marker}");
    let (goal, void) = (ws.next().await, ws.next().await);
    assert_eq!((goal["k"].as_str(), goal["sc"].clone()), (Some("goal"), json!([1, 0])));
    assert_eq!((void["k"].as_str(), void["sc"].clone()), (Some("void"), json!([0, 0])));

    drop(ws);
    let mut app = app;
    app.stop().await;
    let again = app.restart().await;
    let snapshot = again.snapshot(id).await;
    assert_eq!(
        (snapshot["seq"].as_i64(), snapshot["score"].clone()),
        (Some(3), json!({"home": 0, "away": 0}))
    );
    assert_eq!(snapshot["events"][1]["voided_by"], 3);
    // The state goes on from there: voiding the void brings the goal back.
    let (status, answer) = post(&again, id, json!({"kind": "void", "target": 3})).await;
    assert_eq!((status, answer["score"].clone()), (201, json!({"home": 1, "away": 0})), "{answer}");
}

async fn corrections_that_break_the_rules_are_refused_and_change_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = app.live_match().await;
    for event in [
        json!({"kind": "period", "period": "penalties"}),
        json!({"kind": "kick", "team": "home", "scored": true}),
        json!({"kind": "kick", "team": "away", "scored": true}),
        json!({"kind": "kick", "team": "home", "scored": false}),
    ] {
        app.store_event(id, &event).await;
    }
    for (body, says) in [
        (json!({"kind": "void", "target": 4}), "event 5 (kick)"),
        (json!({"kind": "void", "target": 1}), "cannot be corrected"),
        (json!({"kind": "void", "target": 2}), "cannot be corrected"),
        (json!({"kind": "void", "target": 9}), "no event 9"),
    ] {
        let (status, problem) = post(&app, id, body.clone()).await;
        assert_eq!(status, 409, "{body}: {problem}");
        assert!(problem["detail"].as_str().unwrap().contains(says), "{body}: {problem}");
    }
    assert_eq!(app.snapshot(id).await["seq"], 5, "nothing was stored");
}

async fn an_end_posted_by_mistake_can_be_voided_and_the_result_corrected_until_confirmed(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = app.live_match().await;
    let end = app.store_event(id, &json!({"kind": "end", "minute": 80})).await;
    let (status, void) = post(&app, id, json!({"kind": "void", "target": end["seq"]})).await;
    assert_eq!((status, void["state"]["status"].as_str()), (201, Some("live")), "{void}");
    app.store_event(id, &json!({"kind": "goal", "team": "away", "minute": 88})).await;
    app.store_event(id, &json!({"kind": "end", "minute": 94})).await;
    // After the final whistle, a correction is still accepted.
    let (status, _) = post(&app, id, json!({"kind": "score", "home": 0, "away": 2})).await;
    assert_eq!(status, 201);
    let (status, confirm) = post(&app, id, json!({"kind": "confirm"})).await;
    assert_eq!((status, confirm["state"]["confirmed"].as_bool()), (201, Some(true)), "{confirm}");
    let snapshot = app.snapshot(id).await;
    assert_eq!(
        (snapshot["confirmed"].as_bool(), snapshot["status"].as_str()),
        (Some(true), Some("finished"))
    );
    let (status, problem) = post(&app, id, json!({"kind": "void", "target": 4})).await;
    assert_eq!(status, 409);
    assert!(problem["detail"].as_str().unwrap().contains("confirmed"), "{problem}");
}

/// Corrections are folded before they reach the committer, and folded again inside the commit
/// when another event of their match came in between: either way the state is the fold.
async fn voids_racing_with_other_events_of_their_match_leave_exactly_the_fold(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = app.live_match().await;
    let mut goals = Vec::new();
    for minute in 0..10 {
        let goal =
            app.store_event(id, &json!({"kind": "goal", "team": "home", "minute": minute})).await;
        goals.push(goal["seq"].as_i64().unwrap());
    }
    let void_bodies: Vec<Value> =
        goals.iter().map(|seq| json!({"kind": "void", "target": seq})).collect();
    let card = json!({"kind": "card", "team": "away", "player": "X", "color": "red"});
    let voids = void_bodies.iter().map(|body| app.post_event(id, body));
    let cards = (0..10).map(|_| app.post_event(id, &card));
    let (voids, cards) =
        tokio::join!(futures_util::future::join_all(voids), futures_util::future::join_all(cards));
    for answer in voids.iter().chain(cards.iter()) {
        assert_eq!(answer.status(), 201);
    }
    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["score"], json!({"home": 0, "away": 0}), "{snapshot}");
    assert_eq!(snapshot["seq"], 31);
    let history: Value =
        app.get(&format!("/api/v1/matches/{id}/events?limit=100")).await.json().await.unwrap();
    let voided = history["events"].as_array().unwrap().iter().filter(|e| e["voided_by"].is_i64());
    assert_eq!(voided.count(), 10);
}
