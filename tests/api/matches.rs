use serde_json::{json, Value};

use crate::backend_tests;
use crate::common::{spawn_app, Backend, TOKEN};
use crate::helpers::assert_problem;

backend_tests!(
    a_created_match_is_answered_with_its_snapshot,
    matches_are_listed_by_kickoff_filtered_and_paginated,
    patch_changes_metadata_only,
);

async fn a_created_match_is_answered_with_its_snapshot(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let response = app
        .post_json(
            "/api/v1/matches",
            &json!({"home": " Feyenoord ", "away": "Ajax", "competition": "Eredivisie",
                    "kickoff_at": "2026-11-21T20:00:00+01:00"}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/v1/matches/{id}"));
    assert_eq!(created["home"], "Feyenoord", "names are trimmed");
    assert_eq!(created["status"], "scheduled");
    assert_eq!(created["seq"], 0);
    assert_eq!(created["kickoff_at"], "2026-11-21T19:00:00Z");
    assert_eq!(created["score"], json!({"home": 0, "away": 0}));
    assert_eq!(created["events"], json!([]));
    assert_eq!(app.snapshot(id).await, created);
}

async fn matches_are_listed_by_kickoff_filtered_and_paginated(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for (home, competition, hour) in [("A", "Cup", 21), ("B", "League", 19), ("C", "Cup", 20)] {
        let body = json!({"home": home, "away": "Z", "competition": competition,
                          "kickoff_at": format!("2026-11-21T{hour}:00:00Z")});
        assert_eq!(app.post_json("/api/v1/matches", &body).await.status(), 201);
    }
    let list: Value = app.get("/api/v1/matches").await.json().await.unwrap();
    let homes: Vec<&str> =
        list["matches"].as_array().unwrap().iter().map(|m| m["home"].as_str().unwrap()).collect();
    assert_eq!(homes, ["B", "C", "A"]);
    assert_eq!(list["total"], 3);
    assert!(list["matches"][0].get("events").is_none(), "lists carry no events");

    let cup: Value =
        app.get("/api/v1/matches?competition=Cup&limit=1&offset=1").await.json().await.unwrap();
    assert_eq!(cup["total"], 2);
    assert_eq!(cup["matches"][0]["home"], "A");

    let live: Value = app.get("/api/v1/matches?status=live").await.json().await.unwrap();
    assert_eq!(live["total"], 0);
    assert_problem(app.get("/api/v1/matches?status=paused").await, 400).await;
    assert_problem(app.get("/api/v1/matches?limit=100000").await, 400).await;
}

async fn patch_changes_metadata_only(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.live_match().await;
    let patch = |body: Value| {
        app.client
            .patch(app.url(&format!("/api/v1/matches/{id}")))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
    };
    let response = patch(json!({"away": "PSV Eindhoven", "kickoff_at": "2026-11-22T12:00:00Z"}))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let snapshot: Value = response.json().await.unwrap();
    assert_eq!(snapshot["away"], "PSV Eindhoven");
    assert_eq!(snapshot["home"], "Ajax");
    assert_eq!(snapshot["kickoff_at"], "2026-11-22T12:00:00Z");
    // The change is a sequenced `match` event (seq 2); the state stays as it was.
    assert_eq!((snapshot["status"].as_str(), snapshot["seq"].as_i64()), (Some("live"), Some(2)));
    assert_eq!(app.snapshot(id).await, snapshot);

    assert_problem(patch(json!({})).await.unwrap(), 422).await;
    assert_problem(patch(json!({"status": "finished"})).await.unwrap(), 422).await;
    assert_problem(patch(json!({"away": "Ajax"})).await.unwrap(), 422).await;
    let missing = app
        .client
        .patch(app.url("/api/v1/matches/4242"))
        .bearer_auth(TOKEN)
        .json(&json!({"home": "X"}))
        .send()
        .await
        .unwrap();
    assert_problem(missing, 404).await;
}
