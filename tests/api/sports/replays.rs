//! Real games replayed through the HTTP API from public play-by-play, their final score and line
//! score compared with the published result. The extracts (tests/fixtures/replays) name their
//! sources; the published results are cited here.

use serde_json::{json, Value};

use super::{create_game, line};
use crate::backend_tests;
use crate::common::{spawn_app, Backend, TestApp};

backend_tests!(
    the_mavericks_112_106_win_at_houston_replayed_basket_by_basket_has_the_published_line_score,
    the_canadiens_3_2_shootout_win_at_buffalo_replayed_has_the_published_result,
);

/// The rows of a replay extract: its `#` comments and header left out.
fn rows(csv: &str) -> Vec<Vec<&str>> {
    csv.lines().filter(|l| !l.starts_with('#')).skip(1).map(|l| l.split(',').collect()).collect()
}

/// Milliseconds left on the game clock as ESPN shows it: `m:ss`, or `s.d` in the last minute.
fn remaining_ms(clock: &str) -> i64 {
    match clock.split_once(':') {
        Some((m, s)) => (m.parse::<i64>().unwrap() * 60 + s.parse::<i64>().unwrap()) * 1000,
        None => (clock.parse::<f64>().unwrap() * 1000.0).round() as i64,
    }
}

fn triples(rows: &[(&str, i64, i64)]) -> Vec<(String, i64, i64)> {
    rows.iter().map(|(p, h, a)| (p.to_string(), *h, *a)).collect()
}

async fn store(app: &TestApp, id: i64, event: Value) -> Value {
    app.store_event(id, &event).await
}

/// ESPN game 401468642, 23 December 2022 (NBA rules, 12-minute quarters): every basket and free
/// throw of both sides in order, the clock stopped at each as the play-by-play gives it. ESPN's
/// box score of the game (the same source): Houston 24 26 34 22 = 106, Dallas 30 31 20 31 = 112.
async fn the_mavericks_112_106_win_at_houston_replayed_basket_by_basket_has_the_published_line_score(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = create_game(&app, "basketball", json!({"quarter_minutes": 12})).await;
    store(&app, id, json!({"kind": "start"})).await;
    store(&app, id, json!({"kind": "clock", "running": true, "remaining_ms": 720_000})).await;
    let mut quarter = "q1".to_owned();
    for row in rows(include_str!("../../fixtures/replays/espn-401468642.csv")) {
        let [period, clock, team, value, player] = row[..] else { panic!("{row:?}") };
        if period != quarter {
            store(&app, id, json!({"kind": "period", "period": period})).await;
            store(&app, id, json!({"kind": "clock", "running": true, "remaining_ms": 720_000}))
                .await;
            quarter = period.to_owned();
        }
        let stopped =
            json!({"kind": "clock", "running": false, "remaining_ms": remaining_ms(clock)});
        store(&app, id, stopped).await;
        let value: u8 = value.parse().unwrap();
        let points = json!({"kind": "points", "team": team, "value": value, "player": player});
        store(&app, id, points).await;
        let running =
            json!({"kind": "clock", "running": true, "remaining_ms": remaining_ms(clock)});
        store(&app, id, running).await;
    }
    store(&app, id, json!({"kind": "clock", "running": false, "remaining_ms": 0})).await;
    store(&app, id, json!({"kind": "end"})).await;

    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["status"], "finished");
    assert_eq!(snapshot["score"], json!({"home": 106, "away": 112}));
    assert_eq!(
        line(&snapshot),
        triples(&[("q1", 24, 30), ("q2", 26, 31), ("q3", 34, 20), ("q4", 22, 31)])
    );
}

/// NHL game 2017020006, 5 October 2017 (regular season: 5 minutes of overtime, then a shoot-out of
/// three rounds): Buffalo 1-1, 1-0, 0-1, 0-0 in overtime, and Montreal's Drouin the only one to
/// score in the shoot-out (Montreal 1 of 2, Buffalo 0 of 3). The NHL's line score of the game (the
/// same feed): Montreal 3, Buffalo 2 (SO).
async fn the_canadiens_3_2_shootout_win_at_buffalo_replayed_has_the_published_result(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = create_game(&app, "ice_hockey", json!({"overtime": "regular_season"})).await;
    let mut periods_before = 0;
    for row in rows(include_str!("../../fixtures/replays/nhl-2017020006.csv")) {
        let [period, time, team, kind, player, detail] = row[..] else { panic!("{row:?}") };
        // The game's minute, 1-based: 08:30 of the second period is its 29th minute.
        let minute = || {
            let (m, _) = time.split_once(':').unwrap();
            periods_before * 20 + m.parse::<i64>().unwrap() + 1
        };
        let event = match kind {
            "period" if period == "p1" => json!({"kind": "start"}),
            "period" => {
                periods_before += 1;
                json!({"kind": "period", "period": period})
            }
            "goal" => json!({"kind": "goal", "team": team, "minute": minute(), "player": player,
                             "strength": detail}),
            "penalty" => json!({"kind": "penalty", "team": team, "minute": minute(),
                                "player": player, "minutes": detail.parse::<u8>().unwrap()}),
            "shot" => json!({"kind": "shot", "team": team, "player": player,
                             "scored": detail == "scored"}),
            other => panic!("unknown kind {other}"),
        };
        store(&app, id, event).await;
    }
    store(&app, id, json!({"kind": "end"})).await;

    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["status"], "finished");
    assert_eq!(snapshot["score"], json!({"home": 2, "away": 3}), "the winner's shoot-out goal");
    assert_eq!(
        line(&snapshot),
        triples(&[("p1", 1, 1), ("p2", 1, 0), ("p3", 0, 1), ("ot1", 0, 0), ("shootout", 0, 1)])
    );
    assert_eq!(snapshot["shootout"]["score"], json!({"home": 0, "away": 1}));
    assert_eq!(snapshot["shootout"]["kicks"], json!({"home": 3, "away": 2}));
    assert_eq!(snapshot["shootout"]["winner"], "away");
    let periods: Vec<&str> = snapshot["penalties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["period"].as_str().unwrap())
        .collect();
    assert_eq!(periods, ["p1", "p1", "p1", "p2", "p2", "p2", "p2", "p3", "p3"]);
}
