//! Ice hockey games through the HTTP API and a WebSocket subscriber, on both backends.

use serde_json::{json, Value};

use super::{create_game, line};
use crate::backend_tests;
use crate::common::{spawn_app, Backend};
use crate::helpers::assert_problem;
use crate::ws_client::connect;

backend_tests!(
    a_regular_season_game_decided_in_a_shootout_gives_the_winner_one_goal_and_keeps_the_tally_apart,
    a_playoff_game_goes_on_in_overtime_until_a_goal,
);

fn goal(team: &str, minute: u8) -> Value {
    json!({"kind": "goal", "team": team, "minute": minute})
}

fn shot(team: &str, scored: bool) -> Value {
    json!({"kind": "shot", "team": team, "scored": scored})
}

async fn a_regular_season_game_decided_in_a_shootout_gives_the_winner_one_goal_and_keeps_the_tally_apart(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = create_game(&app, "ice_hockey", json!({})).await;
    assert_eq!(
        app.snapshot(id).await["format"],
        json!({"period_minutes": 20, "overtime": "regular_season", "shootout_rounds": 3})
    );
    let mut ws = connect(app.port, &format!("matches={id}")).await;
    assert_eq!(ws.next().await["sp"], "ice_hockey");

    app.store_event(id, &json!({"kind": "start"})).await;
    let pp = json!({"kind": "goal", "team": "home", "minute": 12, "player": "Matthews",
                    "strength": "power_play", "assists": ["Marner", "Rielly"]});
    app.store_event(id, &pp).await;
    let penalty = json!({"kind": "penalty", "team": "away", "minutes": 2, "player": "Marchand",
                         "minute": 11});
    app.store_event(id, &penalty).await;
    app.store_event(id, &json!({"kind": "period", "period": "p2"})).await;
    app.store_event(id, &goal("away", 30)).await;
    app.store_event(id, &json!({"kind": "period", "period": "p3"})).await;
    let early = assert_problem(app.post_event(id, &json!({"kind": "end"})).await, 409).await;
    assert!(early["detail"].as_str().unwrap().contains("overtime follows"), "{early}");
    let ot = app.store_event(id, &json!({"kind": "period", "period": "ot1"})).await;
    assert_eq!(ot["clock_ms"], 300_000, "regular-season overtime: five minutes");
    let not_yet = assert_problem(app.post_event(id, &shot("home", true)).await, 409).await;
    assert!(not_yet["detail"].as_str().unwrap().contains("shoot-out"), "{not_yet}");
    let so = app.store_event(id, &json!({"kind": "period", "period": "shootout"})).await;
    assert!(so.get("clock_ms").is_none(), "no clock in the shoot-out: {so}");
    let undecided = assert_problem(app.post_event(id, &json!({"kind": "end"})).await, 409).await;
    assert!(undecided["detail"].as_str().unwrap().contains("not decided"), "{undecided}");

    // Home scores its first two, away misses its first two: decided after four attempts.
    for (team, scored) in [("home", true), ("away", false), ("home", true)] {
        let stored = app.store_event(id, &shot(team, scored)).await;
        assert_eq!(stored["score"], json!({"home": 1, "away": 1}), "undecided: level in goals");
    }
    let decided = app.store_event(id, &shot("away", false)).await;
    assert_eq!(decided["score"], json!({"home": 2, "away": 1}), "the winner's one goal");
    assert_eq!(decided["shootout"], json!({"home": 2, "away": 0}));
    let more = assert_problem(app.post_event(id, &shot("home", true)).await, 409).await;
    assert_eq!(more["status"], 409);
    app.store_event(id, &json!({"kind": "end"})).await;

    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["status"], "finished");
    assert_eq!(snapshot["score"], json!({"home": 2, "away": 1}));
    assert_eq!(snapshot["shootout"]["score"], json!({"home": 2, "away": 0}));
    assert_eq!(snapshot["shootout"]["winner"], "home");
    assert_eq!(
        line(&snapshot),
        [("p1", 1, 0), ("p2", 0, 1), ("p3", 0, 0), ("ot1", 0, 0), ("shootout", 1, 0)]
            .map(|(p, h, a)| (p.to_owned(), h, a))
    );
    let penalties = &snapshot["penalties"];
    assert_eq!(
        penalties,
        &json!([{"team": "away", "player": "Marchand", "minutes": 2, "period": "p1"}])
    );

    // The subscriber got every event, the shoot-out's with its tally and the winner's goal.
    let updates: Vec<Value> = {
        let mut all = Vec::new();
        for _ in 0..13 {
            all.push(ws.next().await);
        }
        all
    };
    let kinds: Vec<&str> = updates.iter().map(|u| u["k"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "start", "goal", "penalty", "period", "goal", "period", "period", "period", "shot",
            "shot", "shot", "shot", "end"
        ]
    );
    assert_eq!(
        updates[2],
        json!({"m": id, "s": 3, "k": "penalty", "t": "a", "sc": [1, 0], "p": "Marchand", "pm": 2})
    );
    assert_eq!(updates[6]["ck"], json!([0, 300_000]));
    assert_eq!((&updates[7]["pd"], &updates[7]["pn"]), (&json!("shootout"), &json!([0, 0])));
    assert_eq!(
        updates[11],
        json!({"m": id, "s": 12, "k": "shot", "t": "a", "sc": [2, 1], "ok": false, "pn": [2, 0]})
    );
    assert_eq!((&updates[12]["sc"], &updates[12]["pn"]), (&json!([2, 1]), &json!([2, 0])));
}

async fn a_playoff_game_goes_on_in_overtime_until_a_goal(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = create_game(&app, "ice_hockey", json!({"overtime": "playoff"})).await;
    app.store_event(id, &json!({"kind": "start"})).await;
    for period in ["p2", "p3", "ot1"] {
        app.store_event(id, &json!({"kind": "period", "period": period})).await;
    }
    let tied = assert_problem(app.post_event(id, &json!({"kind": "end"})).await, 409).await;
    assert!(tied["detail"].as_str().unwrap().contains("until a goal"), "{tied}");
    let so = json!({"kind": "period", "period": "shootout"});
    assert_problem(app.post_event(id, &so).await, 409).await;
    let ot2 = app.store_event(id, &json!({"kind": "period", "period": "ot2"})).await;
    assert_eq!(ot2["clock_ms"], 1_200_000, "playoff overtime: full periods");
    app.store_event(id, &goal("away", 95)).await;
    let after = assert_problem(app.post_event(id, &goal("home", 96)).await, 409).await;
    assert!(after["detail"].as_str().unwrap().contains("sudden death"), "{after}");
    app.store_event(id, &json!({"kind": "end"})).await;
    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["score"], json!({"home": 0, "away": 1}));
    assert_eq!(snapshot["shootout"], Value::Null);
    assert_eq!(line(&snapshot).last().unwrap(), &("ot2".to_owned(), 0, 1));
}
