use serde_json::json;

use crate::backend_tests;
use crate::common::{spawn_app, spawn_app_with, Backend, TOKEN};
use crate::helpers::assert_problem;

backend_tests!(
    admin_endpoints_need_a_valid_bearer_token,
    invalid_fields_get_422_naming_the_field,
    malformed_bodies_and_wrong_content_types_are_refused,
    bodies_over_the_limit_get_413,
    unknown_matches_routes_and_methods_get_problems,
);

async fn admin_endpoints_need_a_valid_bearer_token(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let body =
        json!({"home": "A", "away": "B", "competition": "C", "kickoff_at": "2026-11-21T19:00:00Z"});
    let missing = app.client.post(app.url("/api/v1/matches")).json(&body).send().await.unwrap();
    assert_eq!(
        missing.headers()["www-authenticate"].to_str().unwrap(),
        "Bearer realm=\"scorecast admin\""
    );
    assert_problem(missing, 401).await;
    let wrong = app
        .client
        .post(app.url("/api/v1/matches"))
        .bearer_auth("nope")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(wrong, 401).await;
    let basic = app
        .client
        .post(app.url("/api/v1/matches"))
        .basic_auth("admin", Some(TOKEN))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(basic, 401).await;
    let lowercase = app
        .client
        .post(app.url("/api/v1/matches"))
        .header("Authorization", format!("bearer {TOKEN}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(lowercase.status(), 201, "the scheme name is case-insensitive");
    let event = app
        .client
        .post(app.url("/api/v1/matches/1/events"))
        .json(&json!({"kind": "kickoff"}))
        .send()
        .await
        .unwrap();
    assert_problem(event, 401).await;
    let list: serde_json::Value = app.get("/api/v1/matches").await.json().await.unwrap();
    assert_eq!(list["total"], 1, "only the authorized request created a match");
}

async fn invalid_fields_get_422_naming_the_field(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let long = "x".repeat(101);
    for (body, field) in [
        (
            json!({"home": long, "away": "B", "competition": "C", "kickoff_at": "2026-11-21T19:00:00Z"}),
            "home",
        ),
        (
            json!({"home": "A", "away": "", "competition": "C", "kickoff_at": "2026-11-21T19:00:00Z"}),
            "away",
        ),
        (
            json!({"home": "A", "away": "B", "competition": "C", "kickoff_at": "tomorrow"}),
            "kickoff_at",
        ),
        (
            json!({"home": "A", "away": "A", "competition": "C", "kickoff_at": "2026-11-21T19:00:00Z"}),
            "away",
        ),
    ] {
        let problem = assert_problem(app.post_json("/api/v1/matches", &body).await, 422).await;
        assert_eq!(problem["field"], field, "{problem}");
    }
    let missing = json!({"home": "A", "away": "B", "kickoff_at": "2026-11-21T19:00:00Z"});
    let problem = assert_problem(app.post_json("/api/v1/matches", &missing).await, 422).await;
    assert_eq!(problem["field"], "competition", "{problem}");

    let id = app.live_match().await;
    for (body, field) in [
        (json!({"kind": "goal", "team": "home", "minute": 201}), "minute"),
        (json!({"kind": "goal", "team": "centre", "minute": 1}), "team"),
        (json!({"kind": "card", "team": "home", "player": "X", "color": "blue"}), "color"),
        (json!({"kind": "score", "home": -1, "away": 0}), "home"),
        (json!({"kind": "corner"}), "kind"),
        (json!({"team": "home"}), "kind"),
    ] {
        let problem = assert_problem(app.post_event(id, &body).await, 422).await;
        assert_eq!(problem["field"], field, "{problem}");
    }
    assert_eq!(app.snapshot(id).await["seq"], 1, "no invalid event was stored");
}

async fn malformed_bodies_and_wrong_content_types_are_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.live_match().await;
    let url = app.url(&format!("/api/v1/matches/{id}/events"));
    let send = |content_type: &'static str, body: &'static str| {
        app.client
            .post(&url)
            .bearer_auth(TOKEN)
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };
    assert_problem(send("application/json", "{\"kind\": \"goal\"").await.unwrap(), 400).await;
    assert_problem(send("text/plain", "{\"kind\": \"end\"}").await.unwrap(), 415).await;
    let none =
        app.client.post(&url).bearer_auth(TOKEN).body("{\"kind\": \"end\"}").send().await.unwrap();
    assert_problem(none, 415).await;
    assert_eq!(
        send("application/json; charset=utf-8", "{\"kind\": \"end\"}").await.unwrap().status(),
        201
    );
}

async fn bodies_over_the_limit_get_413(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.max_body_bytes = 256).await else {
        return;
    };
    let id = app.live_match().await;
    let player = "p".repeat(300);
    let problem = assert_problem(
        app.post_event(id, &json!({"kind": "goal", "team": "home", "minute": 1, "player": player}))
            .await,
        413,
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("256"), "{problem}");
    // Without Content-Length (chunked), the limit still holds.
    let chunks = futures_util::stream::iter(
        (0..10).map(|_| Ok::<_, std::io::Error>("          ".repeat(5))),
    );
    let chunked = app
        .client
        .post(app.url(&format!("/api/v1/matches/{id}/events")))
        .bearer_auth(TOKEN)
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_problem(chunked, 413).await;
    assert_eq!(app.snapshot(id).await["seq"], 1);
}

async fn unknown_matches_routes_and_methods_get_problems(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    assert_problem(app.get("/api/v1/matches/77").await, 404).await;
    assert_problem(app.get("/api/v1/matches/not-a-number").await, 404).await;
    assert_problem(app.post_event(77, &json!({"kind": "kickoff"})).await, 404).await;
    assert_problem(app.get("/nowhere").await, 404).await;
    let delete = app.client.delete(app.url("/api/v1/matches")).send().await.unwrap();
    assert_eq!(delete.headers()["allow"], "GET, POST");
    assert_problem(delete, 405).await;
}
