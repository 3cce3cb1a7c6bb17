//! What the API refuses of basketball and ice hockey: a kind the sport lacks (422 listing its
//! kinds), format keys of another sport or out of range (422 naming the field), and a period's
//! derived clock length posted (422).

use serde_json::json;

use super::{create, create_game};
use crate::backend_tests;
use crate::common::{spawn_app, Backend};
use crate::helpers::assert_problem;

backend_tests!(
    a_kind_the_sport_lacks_is_422_listing_its_kinds,
    invalid_format_keys_are_422_naming_the_field,
);

async fn a_kind_the_sport_lacks_is_422_listing_its_kinds(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let basketball = create_game(&app, "basketball", json!({})).await;
    app.store_event(basketball, &json!({"kind": "start"})).await;
    let goal = json!({"kind": "goal", "team": "home", "minute": 3});
    let problem = assert_problem(app.post_event(basketball, &goal).await, 422).await;
    assert_eq!(problem["field"], "kind");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("basketball") && detail.contains("points, foul, timeout, clock"),
        "{detail}"
    );

    let hockey = create_game(&app, "ice_hockey", json!({})).await;
    app.store_event(hockey, &json!({"kind": "start"})).await;
    let points = json!({"kind": "points", "team": "home", "value": 2});
    let problem = assert_problem(app.post_event(hockey, &points).await, 422).await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("goal, penalty, shot, clock"), "{detail}");
    let kick = json!({"kind": "kick", "team": "home", "scored": true});
    assert_eq!(assert_problem(app.post_event(hockey, &kick).await, 422).await["field"], "kind");
    let football_goal = json!({"kind": "goal", "team": "home", "minute": 3, "method": "penalty"});
    let problem = assert_problem(app.post_event(hockey, &football_goal).await, 422).await;
    assert_eq!(problem["field"], "method");
    let derived = json!({"kind": "period", "period": "p2", "clock_ms": 60_000});
    let problem = assert_problem(app.post_event(hockey, &derived).await, 422).await;
    assert_eq!(problem["field"], "clock_ms");
    let bad_value = json!({"kind": "penalty", "team": "home", "minutes": 3});
    assert_eq!(
        assert_problem(app.post_event(hockey, &bad_value).await, 422).await["field"],
        "minutes"
    );
    // Nothing refused was stored.
    assert_eq!(app.snapshot(hockey).await["seq"], 1);
}

async fn invalid_format_keys_are_422_naming_the_field(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    for (sport, format, field) in [
        ("basketball", json!({"quarter_minutes": 11}), "format.quarter_minutes"),
        ("basketball", json!({"overtime_minutes": 0}), "format.overtime_minutes"),
        ("basketball", json!({"period_minutes": 20}), "format.period_minutes"),
        ("ice_hockey", json!({"overtime": "sudden"}), "format.overtime"),
        ("ice_hockey", json!({"shootout_rounds": 11}), "format.shootout_rounds"),
        ("ice_hockey", json!({"quarter_minutes": 10}), "format.quarter_minutes"),
        ("ice_hockey", json!([20]), "format"),
    ] {
        let (status, problem) = create(&app, sport, format.clone()).await;
        assert_eq!(
            (status, problem["field"].as_str()),
            (422, Some(field)),
            "{sport} {format}: {problem}"
        );
    }
    let listed: serde_json::Value = app.get("/api/v1/matches").await.json().await.unwrap();
    assert_eq!(listed["total"], 0, "no match was created");
}
