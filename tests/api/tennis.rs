//! Tennis and volleyball through the real server: points to the end of a set and of the match,
//! what the REST snapshot and subscribers see, the kinds these sports lack, and a voided match
//! point reopening the match.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::common::{spawn_app, Backend, TestApp};
use crate::helpers::{assert_problem, post_event};
use crate::ws_client;

backend_tests!(
    a_tennis_match_is_played_point_by_point_and_a_voided_match_point_reopens_it,
    tennis_refuses_what_it_lacks_with_problems,
    a_volleyball_match_is_decided_by_its_deciding_point_and_reopened_by_its_void,
);

async fn create(app: &TestApp, sport: &str, format: Value) -> i64 {
    let body = json!({"home": "Sinner", "away": "Alcaraz", "competition": "Roland Garros",
                      "kickoff_at": "2026-12-07T12:00:00Z", "sport": sport, "format": format});
    let response = app.post_json("/api/v1/matches", &body).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

fn point(team: &str) -> Value {
    json!({"kind": "point", "team": team})
}

/// Posts `n` points won by `team`; returns the last stored event.
async fn points(app: &TestApp, id: i64, team: &str, n: usize) -> Value {
    let mut last = Value::Null;
    for _ in 0..n {
        last = app.store_event(id, &point(team)).await;
    }
    last
}

async fn a_tennis_match_is_played_point_by_point_and_a_voided_match_point_reopens_it(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = create(&app, "tennis", json!({"final_set": "advantage"})).await;
    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["format"], json!({"best_of": 3, "final_set": "advantage", "no_ad": false}));
    let mut ws = ws_client::connect(app.port, &format!("matches={id}")).await;
    assert_eq!(ws.next().await["sp"], "tennis");

    let start = app.store_event(id, &json!({"kind": "start", "server": "away"})).await;
    assert_eq!(start["server"], "away");
    assert_eq!(
        ws.next().await,
        json!({"m": id, "s": 1, "k": "start", "sc": [0, 0], "st": "live", "pd": "s1",
               "gs": [0, 0], "sv": "a"})
    );

    // Home breaks to 15-0... then 40-40 and advantage away.
    let stored = app.store_event(id, &point("home")).await;
    assert_eq!(stored["after"], json!({"gs": [0, 0], "gp": ["15", "0"], "sv": "a"}));
    points(&app, id, "home", 2).await;
    points(&app, id, "away", 4).await;
    let snapshot = app.snapshot(id).await;
    assert_eq!((&snapshot["game"], &snapshot["server"]), (&json!(["40", "A"]), &json!("away")));
    for _ in 0..3 {
        ws.next().await;
    }
    let mut last = Value::Null;
    for _ in 0..4 {
        last = ws.next().await;
    }
    assert_eq!(
        last,
        json!({"m": id, "s": 8, "k": "point", "t": "a", "sc": [0, 0], "gs": [0, 0],
               "gp": ["40", "A"], "sv": "a"})
    );
    // Away holds; then home wins the next eleven games: the first set 6-1.
    points(&app, id, "away", 1).await;
    points(&app, id, "home", 4 * 6).await;
    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["score"], json!({"home": 1, "away": 0}), "{snapshot}");
    assert_eq!(snapshot["period"], "s2");
    assert_eq!(
        snapshot["periods"],
        json!([{"period": "s1", "score": {"home": 6, "away": 1}},
               {"period": "s2", "score": {"home": 0, "away": 0}}])
    );
    // Seven games from away's first serve: home serves the second set's first.
    assert_eq!((&snapshot["game"], &snapshot["server"]), (&json!(["0", "0"]), &json!("home")));

    // The second set to 6-6, a tiebreak won 7-3 by home: the match.
    for _ in 0..6 {
        points(&app, id, "away", 4).await;
        points(&app, id, "home", 4).await;
    }
    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["game"], json!([0, 0]), "a tiebreak counts points");
    assert_eq!(snapshot["server"], "home");
    points(&app, id, "away", 3).await;
    points(&app, id, "home", 6).await;
    let snapshot = app.snapshot(id).await;
    // Home served the tiebreak's first point, then two each: away serves the tenth.
    assert_eq!((&snapshot["game"], &snapshot["server"]), (&json!([6, 3]), &json!("away")));
    let match_point = points(&app, id, "home", 1).await;
    let seq = match_point["seq"].as_i64().unwrap();
    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["status"], "finished");
    assert_eq!(snapshot["score"], json!({"home": 2, "away": 0}));
    assert_eq!(
        snapshot["periods"][1],
        json!({"period": "s2", "score": {"home": 7, "away": 6},
               "tiebreak": {"home": 7, "away": 3}})
    );
    assert!(snapshot.get("game").is_none() && snapshot.get("server").is_none(), "{snapshot}");
    let (status, problem) = post_event(&app, id, point("away")).await;
    assert_eq!(status, 409, "{problem}");

    // Voiding the match point reopens the match at 6-3 in the tiebreak.
    let void = app.store_event(id, &json!({"kind": "void", "target": seq})).await;
    assert_eq!(void["state"]["status"], "live");
    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["status"], "live");
    assert_eq!(snapshot["score"], json!({"home": 1, "away": 0}));
    assert_eq!((&snapshot["game"], &snapshot["server"]), (&json!([6, 3]), &json!("away")));
    let mut seen = Vec::new();
    for _ in 0..(seq + 1 - 8) {
        seen.push(ws.next().await);
    }
    let match_point = &seen[seen.len() - 2];
    assert_eq!(
        match_point,
        &json!({"m": id, "s": seq, "k": "point", "t": "h", "sc": [2, 0], "st": "finished",
                "gs": [7, 6]})
    );
    assert_eq!(
        seen.last().unwrap(),
        &json!({"m": id, "s": seq + 1, "k": "void", "sc": [1, 0], "st": "live", "pd": "s2",
                "gs": [6, 6], "gp": [6, 3], "sv": "a", "of": seq})
    );
    // Posting it again finishes the match as before.
    let again = app.store_event(id, &point("home")).await;
    assert_eq!(again["score"], json!({"home": 2, "away": 0}));
    assert_eq!(app.snapshot(id).await["status"], "finished");
}

async fn tennis_refuses_what_it_lacks_with_problems(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let response = app
        .post_json(
            "/api/v1/matches",
            &json!({"home": "A", "away": "B", "competition": "C",
                    "kickoff_at": "2026-12-07T12:00:00Z", "sport": "tennis",
                    "format": {"final_set": "tiebreak_12"}}),
        )
        .await;
    let problem = assert_problem(response, 422).await;
    assert!(problem.to_string().contains("format.final_set"), "{problem}");

    let id = create(&app, "tennis", json!({})).await;
    let problem = assert_problem(app.post_event(id, &json!({"kind": "start"})).await, 422).await;
    assert!(problem.to_string().contains("server"), "{problem}");
    app.store_event(id, &json!({"kind": "start", "server": "home"})).await;
    for body in [
        json!({"kind": "end"}),
        json!({"kind": "score", "home": 1, "away": 0}),
        json!({"kind": "point", "team": "home", "after": {"gs": [1, 0]}}),
    ] {
        assert_problem(app.post_event(id, &body).await, 422).await;
    }
    let football = app.create_match().await;
    let body = json!({"kind": "start", "server": "home"});
    assert_problem(app.post_event(football, &body).await, 422).await;
}

async fn a_volleyball_match_is_decided_by_its_deciding_point_and_reopened_by_its_void(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = create(&app, "volleyball", json!({"best_of": 3})).await;
    let start = app.store_event(id, &json!({"kind": "start"})).await;
    assert_eq!(start["state"]["play"], json!({"gs": [0, 0], "sv": "h"}));
    for (winner, loser) in [("home", "away"), ("away", "home")] {
        points(&app, id, loser, 23).await;
        points(&app, id, winner, 25).await;
    }
    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["score"], json!({"home": 1, "away": 1}));
    assert_eq!(snapshot["period"], "s3");
    assert_eq!(snapshot["server"], "away");
    // The deciding set to 15 by two: 14-14, 15-14, 15-15, then away 15-17.
    points(&app, id, "home", 14).await;
    points(&app, id, "away", 14).await;
    points(&app, id, "home", 1).await;
    assert_eq!(app.snapshot(id).await["status"], "live");
    points(&app, id, "away", 2).await;
    let last = points(&app, id, "away", 1).await;
    let snapshot = app.snapshot(id).await;
    assert_eq!(
        (&snapshot["status"], &snapshot["score"]),
        (&json!("finished"), &json!({"home": 1, "away": 2}))
    );
    assert_eq!(snapshot["periods"][2], json!({"period": "s3", "score": {"home": 15, "away": 17}}));
    let target = last["seq"].as_i64().unwrap();
    app.store_event(id, &json!({"kind": "void", "target": target})).await;
    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["status"], "live");
    assert_eq!(snapshot["periods"][2]["score"], json!({"home": 15, "away": 16}));
    assert_eq!(snapshot["server"], "away");
}
