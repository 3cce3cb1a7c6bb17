//! Basketball and ice hockey through the real server: games played period by period, their rules
//! answered with problems, what subscribers receive, and real games replayed from public
//! play-by-play.

mod basketball;
mod ice_hockey;
mod refusals;
mod replays;

use serde_json::{json, Value};

use crate::common::TestApp;

/// Creates a match of `sport` with `format`: the status and the answer.
pub async fn create(app: &TestApp, sport: &str, format: Value) -> (u16, Value) {
    let body = json!({"home": "Home", "away": "Away", "competition": "League",
                      "kickoff_at": "2026-12-07T19:00:00Z", "sport": sport, "format": format});
    let response = app.post_json("/api/v1/matches", &body).await;
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

/// A match of `sport` with `format`, created; its id.
pub async fn create_game(app: &TestApp, sport: &str, format: Value) -> i64 {
    let (status, answer) = create(app, sport, format).await;
    assert_eq!(status, 201, "{answer}");
    answer["id"].as_i64().unwrap()
}

/// The line score as `[(period, home, away), ...]`.
pub fn line(snapshot: &Value) -> Vec<(String, i64, i64)> {
    snapshot["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let score = &p["score"];
            (
                p["period"].as_str().unwrap().to_owned(),
                score["home"].as_i64().unwrap(),
                score["away"].as_i64().unwrap(),
            )
        })
        .collect()
}
