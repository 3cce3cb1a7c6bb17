//! A basketball game through the HTTP API and a WebSocket subscriber, on both backends.

use serde_json::{json, Value};

use super::{create_game, line};
use crate::backend_tests;
use crate::common::{spawn_app, Backend, TestApp};
use crate::helpers::assert_problem;
use crate::ws_client::{connect, WsClient};

backend_tests!(
    a_basketball_game_goes_to_overtime_and_its_snapshot_shows_score_line_fouls_timeouts_and_clock,
    a_websocket_subscriber_receives_basketball_points_and_the_countdown_clock,
);

fn points(team: &str, value: u8) -> Value {
    json!({"kind": "points", "team": team, "value": value})
}

/// Posts `home` points for home and `away` for away, in baskets of 2 and a free throw for an odd
/// rest.
async fn score(app: &TestApp, id: i64, home: u8, away: u8) {
    for (team, total) in [("home", home), ("away", away)] {
        for _ in 0..total / 2 {
            app.store_event(id, &points(team, 2)).await;
        }
        if total % 2 == 1 {
            app.store_event(id, &points(team, 1)).await;
        }
    }
}

async fn a_basketball_game_goes_to_overtime_and_its_snapshot_shows_score_line_fouls_timeouts_and_clock(
    backend: Backend,
) {
    let Some(mut app) = spawn_app(backend).await else { return };
    let id = create_game(&app, "basketball", json!({"quarter_minutes": 12})).await;
    let created = app.snapshot(id).await;
    assert_eq!(created["sport"], "basketball");
    assert_eq!(
        created["format"],
        json!({"quarter_minutes": 12, "overtime_minutes": 5}),
        "a left-out key takes its default"
    );
    assert_eq!(created["status"], "scheduled");

    let start = app.store_event(id, &json!({"kind": "start"})).await;
    assert_eq!(start["state"]["period"], "q1");
    let clock = json!({"kind": "clock", "running": true, "remaining_ms": 720_000});
    app.store_event(id, &clock).await;
    let too_long = json!({"kind": "clock", "running": true, "remaining_ms": 720_001});
    let problem = assert_problem(app.post_event(id, &too_long).await, 409).await;
    assert!(problem["detail"].as_str().unwrap().contains("720000"), "{problem}");
    let three = json!({"kind": "points", "team": "home", "value": 3, "player": "Curry"});
    assert_eq!(app.store_event(id, &three).await["score"], json!({"home": 3, "away": 0}));
    score(&app, id, 22, 28).await;
    // Five home fouls in the quarter, four of them by Green: away is in the bonus.
    for player in ["Green", "Green", "Green", "Green", "Thompson"] {
        app.store_event(id, &json!({"kind": "foul", "team": "home", "player": player})).await;
    }
    app.store_event(id, &json!({"kind": "timeout", "team": "away"})).await;
    let q1 = app.snapshot(id).await;
    assert_eq!(q1["fouls"]["team"], json!({"home": 5, "away": 0}));
    assert_eq!(q1["fouls"]["bonus"], json!({"home": false, "away": true}));
    app.store_event(id, &json!({"kind": "clock", "running": false, "remaining_ms": 0})).await;

    for (period, home, away) in [("q2", 30, 25), ("q3", 20, 22), ("q4", 25, 25)] {
        app.store_event(id, &json!({"kind": "period", "period": period})).await;
        score(&app, id, home, away).await;
    }
    // 100-100 after regulation: no end while tied, and the next period is an overtime.
    let tied = assert_problem(app.post_event(id, &json!({"kind": "end"})).await, 409).await;
    assert!(tied["detail"].as_str().unwrap().contains("never ends tied"), "{tied}");
    let q5 = json!({"kind": "period", "period": "q5"});
    assert_eq!(assert_problem(app.post_event(id, &q5).await, 422).await["field"], "period");
    let ot = app.store_event(id, &json!({"kind": "period", "period": "ot1"})).await;
    assert_eq!(ot["clock_ms"], 300_000, "an overtime's clock is the format's five minutes");
    // Two Green fouls in overtime: six in the game, out under the NBA's rules.
    for _ in 0..2 {
        app.store_event(id, &json!({"kind": "foul", "team": "home", "player": "Green"})).await;
    }
    app.store_event(id, &json!({"kind": "timeout", "team": "home"})).await;
    app.store_event(id, &json!({"kind": "clock", "running": true, "remaining_ms": 300_000})).await;
    score(&app, id, 7, 4).await;
    app.store_event(id, &json!({"kind": "clock", "running": false, "remaining_ms": 0})).await;
    app.store_event(id, &json!({"kind": "end"})).await;

    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["status"], "finished");
    assert_eq!(snapshot["score"], json!({"home": 107, "away": 104}));
    assert_eq!(
        line(&snapshot),
        [("q1", 25, 28), ("q2", 30, 25), ("q3", 20, 22), ("q4", 25, 25), ("ot1", 7, 4)]
            .map(|(p, h, a)| (p.to_owned(), h, a))
    );
    assert_eq!(snapshot["period"], "ot1");
    assert_eq!(snapshot["fouls"]["team"], json!({"home": 2, "away": 0}), "NBA: again in overtime");
    let green = snapshot["fouls"]["players"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["player"] == "Green")
        .cloned()
        .unwrap();
    assert_eq!((&green["fouls"], &green["fouled_out"]), (&json!(6), &json!(true)));
    assert_eq!(snapshot["timeouts"], json!({"home": 1, "away": 1}));
    assert_eq!(
        (&snapshot["clock"]["running"], &snapshot["clock"]["remaining_ms"]),
        (&json!(false), &json!(0))
    );
    // After a restart, the state folded from the stored events is the same.
    app.stop().await;
    let restarted = app.restart().await;
    let again = restarted.snapshot(id).await;
    assert_eq!((&again["score"], &again["periods"]), (&snapshot["score"], &snapshot["periods"]));
}

/// Reads messages until one of kind `k`.
async fn next_of(ws: &mut WsClient, k: &str) -> Value {
    loop {
        let message = ws.next().await;
        if message["k"] == k {
            return message;
        }
    }
}

async fn a_websocket_subscriber_receives_basketball_points_and_the_countdown_clock(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = create_game(&app, "basketball", json!({})).await;
    let mut ws = connect(app.port, &format!("matches={id}")).await;
    let snapshot = ws.next().await;
    assert_eq!((&snapshot["k"], &snapshot["sp"]), (&json!("snapshot"), &json!("basketball")));

    let start = ws_after(&app, &mut ws, id, json!({"kind": "start"})).await;
    assert_eq!((&start["pd"], &start["ck"]), (&json!("q1"), &json!([0, 600_000])));
    assert!(start.get("pt").is_none(), "{start}");
    let clock = json!({"kind": "clock", "running": true, "remaining_ms": 600_000});
    let stored = app.store_event(id, &clock).await;
    let running = next_of(&mut ws, "clock").await;
    let at = time::OffsetDateTime::parse(
        stored["recorded_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let at_ms = (at.unix_timestamp_nanos() / 1_000_000) as i64;
    assert_eq!(running["ck"], json!([1, 600_000, at_ms]), "the clock runs from when it was set");

    let three = json!({"kind": "points", "team": "away", "value": 3, "player": "Doncic"});
    let update = ws_after(&app, &mut ws, id, three).await;
    assert_eq!(
        update,
        json!({"m": id, "s": 3, "k": "points", "t": "a", "sc": [0, 3], "p": "Doncic", "v": 3})
    );
    let foul = ws_after(&app, &mut ws, id, json!({"kind": "foul", "team": "home"})).await;
    assert_eq!((&foul["k"], &foul["t"]), (&json!("foul"), &json!("h")));
    let stop = json!({"kind": "clock", "running": false, "remaining_ms": 512_300});
    assert_eq!(ws_after(&app, &mut ws, id, stop).await["ck"], json!([0, 512_300]));
    let q2 = ws_after(&app, &mut ws, id, json!({"kind": "period", "period": "q2"})).await;
    assert_eq!((&q2["pd"], &q2["ck"]), (&json!("q2"), &json!([0, 600_000])));

    // A late subscriber's snapshot has the clock and the period's team fouls.
    let mut late = connect(app.port, &format!("matches={id}")).await;
    let snapshot = late.next().await;
    assert_eq!(
        (&snapshot["pd"], &snapshot["sc"], &snapshot["ck"], &snapshot["tf"]),
        (&json!("q2"), &json!([0, 3]), &json!([0, 600_000]), &json!([0, 0]))
    );
}

/// Posts `event` and answers the update a subscriber receives for it.
async fn ws_after(app: &TestApp, ws: &mut WsClient, id: i64, event: Value) -> Value {
    let stored = app.store_event(id, &event).await;
    let update = ws.next().await;
    assert_eq!(update["s"], stored["seq"], "{update}");
    update
}
