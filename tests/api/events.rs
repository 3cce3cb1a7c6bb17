use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::backend_tests;
use crate::common::{spawn_app, Backend};
use crate::helpers::assert_problem;

backend_tests!(
    a_goal_is_stored_with_the_next_seq_and_moves_the_score,
    fifty_concurrent_posts_get_every_sequence_number_exactly_once,
    an_idempotent_retry_returns_the_original_event_and_creates_nothing,
    an_idempotency_key_reused_with_another_body_is_refused,
    concurrent_retries_with_one_key_create_one_event,
    events_after_end_and_goals_before_kickoff_conflict,
    history_returns_events_after_since_in_order,
);

async fn a_goal_is_stored_with_the_next_seq_and_moves_the_score(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.live_match().await;
    let response = app
        .post_event(id, &json!({"kind": "goal", "team": "home", "minute": 67, "player": "Lang"}))
        .await;
    assert_eq!(response.status(), 201);
    let event: Value = response.json().await.unwrap();
    assert_eq!(event["seq"], 2);
    assert_eq!(event["kind"], "goal");
    assert_eq!(event["match_id"], id);
    assert_eq!(event["player"], "Lang");
    assert_eq!(event["score"], json!({"home": 1, "away": 0}));

    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["seq"], 2);
    assert_eq!(snapshot["status"], "live");
    assert_eq!(snapshot["minute"], 67);
    assert_eq!(snapshot["score"], json!({"home": 1, "away": 0}));
    let kinds: Vec<&str> = snapshot["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["kickoff", "goal"]);
}

async fn fifty_concurrent_posts_get_every_sequence_number_exactly_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.live_match().await;
    let posts = (0..50).map(|i| {
        let app = &app;
        async move {
            let team = if i % 2 == 0 { "home" } else { "away" };
            let response =
                app.post_event(id, &json!({"kind": "goal", "team": team, "minute": 10})).await;
            assert_eq!(response.status(), 201);
            response.json::<Value>().await.unwrap()["seq"].as_i64().unwrap()
        }
    });
    let seqs: Vec<i64> = futures_util::future::join_all(posts).await;
    let distinct: BTreeSet<i64> = seqs.iter().copied().collect();
    assert_eq!(distinct.len(), 50, "duplicate sequence numbers: {seqs:?}");
    assert_eq!(distinct, (2..=51).collect(), "after the kickoff (1), the goals are 2..=51");

    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["seq"], 51);
    assert_eq!(snapshot["score"], json!({"home": 25, "away": 25}));
    let history: Value =
        app.get(&format!("/api/v1/matches/{id}/events?limit=1000")).await.json().await.unwrap();
    let stored: Vec<i64> =
        history["events"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(stored, (1..=51).collect::<Vec<_>>());
}

async fn an_idempotent_retry_returns_the_original_event_and_creates_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.live_match().await;
    let post = |body: Value| {
        app.client
            .post(app.url(&format!("/api/v1/matches/{id}/events")))
            .bearer_auth(crate::common::TOKEN)
            .header("Idempotency-Key", "goal-1")
            .json(&body)
            .send()
    };
    let first = post(json!({"kind": "goal", "team": "away", "minute": 5})).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    // Same body with other key order and spacing is the same request.
    let retry = app
        .client
        .post(app.url(&format!("/api/v1/matches/{id}/events")))
        .bearer_auth(crate::common::TOKEN)
        .header("Idempotency-Key", "goal-1")
        .header("Content-Type", "application/json")
        .body(r#"{ "minute": 5, "team": "away", "kind": "goal" }"#)
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.headers()["idempotency-replayed"], "true");
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry, first);

    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["seq"], 2, "the retry created no event");
    assert_eq!(snapshot["score"], json!({"home": 0, "away": 1}));
}

async fn concurrent_retries_with_one_key_create_one_event(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = app.live_match().await;
    // Sent together, the retries land in one group commit or in several: one event either way.
    let retries = (0..10).map(|_| {
        app.client
            .post(app.url(&format!("/api/v1/matches/{id}/events")))
            .bearer_auth(crate::common::TOKEN)
            .header("Idempotency-Key", "same")
            .json(&json!({"kind": "goal", "team": "home", "minute": 7}))
            .send()
    });
    let mut seqs = BTreeSet::new();
    for response in futures_util::future::join_all(retries).await {
        let response = response.unwrap();
        assert_eq!(response.status(), 201);
        seqs.insert(response.json::<Value>().await.unwrap()["seq"].as_i64().unwrap());
    }
    assert_eq!(seqs, BTreeSet::from([2]));
    assert_eq!(app.snapshot(id).await["score"], json!({"home": 1, "away": 0}));
}

async fn an_idempotency_key_reused_with_another_body_is_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.live_match().await;
    let post = |body: Value, key: &'static str| {
        app.client
            .post(app.url(&format!("/api/v1/matches/{id}/events")))
            .bearer_auth(crate::common::TOKEN)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let first = post(json!({"kind": "goal", "team": "home", "minute": 5}), "k").await.unwrap();
    assert_eq!(first.status(), 201);
    let other = post(json!({"kind": "goal", "team": "away", "minute": 5}), "k").await.unwrap();
    let problem = assert_problem(other, 422).await;
    assert_eq!(problem["field"], "Idempotency-Key");
    let bad_key = post(json!({"kind": "end"}), "has space").await.unwrap();
    assert_problem(bad_key, 422).await;
    assert_eq!(app.snapshot(id).await["seq"], 2);
}

async fn events_after_end_and_goals_before_kickoff_conflict(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.create_match().await;
    let early = app.post_event(id, &json!({"kind": "goal", "team": "home", "minute": 1})).await;
    let problem = assert_problem(early, 409).await;
    assert!(problem["detail"].as_str().unwrap().contains("scheduled"), "{problem}");

    assert_eq!(app.post_event(id, &json!({"kind": "kickoff"})).await.status(), 201);
    assert_eq!(app.post_event(id, &json!({"kind": "end", "minute": 90})).await.status(), 201);
    let late = app
        .post_event(id, &json!({"kind": "card", "team": "away", "player": "X", "color": "red"}))
        .await;
    let problem = assert_problem(late, 409).await;
    assert!(problem["detail"].as_str().unwrap().contains("ended"), "{problem}");
    let snapshot = app.snapshot(id).await;
    assert_eq!(
        (snapshot["seq"].as_i64(), snapshot["status"].as_str()),
        (Some(2), Some("finished"))
    );
}

async fn history_returns_events_after_since_in_order(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.live_match().await;
    for minute in [3, 9, 27] {
        let response =
            app.post_event(id, &json!({"kind": "goal", "team": "home", "minute": minute})).await;
        assert_eq!(response.status(), 201);
    }
    let history: Value = app
        .get(&format!("/api/v1/matches/{id}/events?since=2&limit=1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["events"].as_array().unwrap().len(), 1);
    assert_eq!(history["events"][0]["seq"], 3);
    assert_eq!(history["events"][0]["minute"], 9);

    let all: Value = app.get(&format!("/api/v1/matches/{id}/events")).await.json().await.unwrap();
    let seqs: Vec<i64> =
        all["events"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    assert_problem(app.get(&format!("/api/v1/matches/{id}/events?limit=0")).await, 400).await;
    assert_problem(app.get(&format!("/api/v1/matches/{id}/events?since=x")).await, 400).await;
    assert_problem(app.get("/api/v1/matches/999/events").await, 404).await;
}
