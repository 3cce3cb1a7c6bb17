//! A match of each sport through every kind of its events (and football's through every
//! correction): the REST answer written as a TypeScript literal of the package's types, for `tsc`
//! to check (it refuses a key a literal's type does not declare, and a missing or mistyped one),
//! and the updates a WebSocket subscriber was pushed, which the package's `eventToUpdate` must
//! make again from the REST events (what polling shows).

use serde_json::{json, Value};

use crate::common::TestApp;
use crate::ws_client::connect;

/// Football: every kind of event, a second yellow, a stop, a void, an amend, a confirmation and a
/// fixture change (`PATCH`).
fn football() -> Vec<Value> {
    vec![
        json!({"kind": "kickoff"}),
        json!({"kind": "goal", "team": "home", "minute": 5, "player": "Brobbey",
               "method": "penalty", "assist": "Taylor"}),
        json!({"kind": "card", "team": "away", "player": "Kees", "color": "yellow", "minute": 10}),
        // A second yellow to the same player is stored as yellow_red.
        json!({"kind": "card", "team": "away", "player": "Kees", "color": "yellow", "minute": 20}),
        json!({"kind": "substitution", "team": "home", "player_in": "Taylor",
               "player_out": "Berghuis", "minute": 30}),
        json!({"kind": "added_time", "minutes": 2}),
        json!({"kind": "period", "period": "half_time", "minute": 45}),
        json!({"kind": "period", "period": "second_half"}),
        json!({"kind": "status", "status": "interrupted", "reason": "Floodlight failure"}),
        json!({"kind": "status", "status": "live"}),
        json!({"kind": "goal", "team": "away", "minute": 60, "method": "own_goal"}),
        json!({"kind": "void", "target": 11, "reason": "offside"}),
        json!({"kind": "amend", "target": 2,
               "event": {"kind": "goal", "team": "home", "minute": 6, "player": "Bergwijn"}}),
        json!({"kind": "score", "home": 2, "away": 0, "minute": 70}),
        json!({"kind": "end", "minute": 93}),
        json!({"kind": "confirm"}),
    ]
}

/// Basketball: the clock run and stopped, points, a foul, a timeout, corrections, the quarters.
fn basketball() -> Vec<Value> {
    let stop = json!({"kind": "clock", "running": false, "remaining_ms": 0});
    vec![
        json!({"kind": "start"}),
        json!({"kind": "clock", "running": true, "remaining_ms": 600_000}),
        json!({"kind": "points", "team": "home", "value": 3, "player": "Curry"}),
        json!({"kind": "points", "team": "away", "value": 2}),
        json!({"kind": "foul", "team": "home", "player": "Green"}),
        json!({"kind": "timeout", "team": "away"}),
        json!({"kind": "void", "target": 6}),
        json!({"kind": "amend", "target": 3,
               "event": {"kind": "points", "team": "home", "value": 2, "player": "Curry"}}),
        stop.clone(),
        json!({"kind": "period", "period": "q2"}),
        json!({"kind": "period", "period": "q3"}),
        json!({"kind": "period", "period": "q4"}),
        json!({"kind": "points", "team": "home", "value": 1}),
        stop,
        json!({"kind": "end"}),
    ]
}

/// Ice hockey: a power-play goal with assists, a penalty, the periods, overtime and a shoot-out.
fn ice_hockey() -> Vec<Value> {
    let shot = |team: &str, scored: bool| json!({"kind": "shot", "team": team, "scored": scored});
    vec![
        json!({"kind": "start"}),
        json!({"kind": "goal", "team": "home", "minute": 12, "player": "Matthews",
               "strength": "power_play", "assists": ["Marner", "Rielly"]}),
        json!({"kind": "penalty", "team": "away", "minutes": 2, "player": "Marchand", "minute": 11}),
        json!({"kind": "period", "period": "p2"}),
        json!({"kind": "goal", "team": "away", "minute": 30}),
        json!({"kind": "period", "period": "p3"}),
        json!({"kind": "period", "period": "ot1"}),
        json!({"kind": "period", "period": "shootout"}),
        shot("home", true),
        shot("away", false),
        shot("home", true),
        shot("away", false),
        json!({"kind": "end"}),
    ]
}

/// Tennis: the start with its server, a game won, deuce and advantage, corrections of points, and
/// a retirement.
fn tennis() -> Vec<Value> {
    let point = |team: &str| json!({"kind": "point", "team": team});
    let mut events = vec![json!({"kind": "start", "server": "away"})];
    events.extend(["home", "home", "home", "home"].map(point));
    events.extend(["away", "home", "away", "home", "away", "home", "away"].map(point));
    events.push(json!({"kind": "void", "target": 12}));
    events.push(json!({"kind": "amend", "target": 11, "event": {"kind": "point", "team": "home"}}));
    events.push(point("home"));
    events.push(
        json!({"kind": "status", "status": "awarded", "winner": "home", "method": "retired"}),
    );
    events
}

/// Volleyball: the start with the away side serving, rallies, a void, and a walkover's award.
fn volleyball() -> Vec<Value> {
    let point = |team: &str| json!({"kind": "point", "team": team});
    let mut events = vec![json!({"kind": "start", "server": "away"})];
    events.extend(["away", "home", "home", "away", "home"].map(point));
    events.push(json!({"kind": "void", "target": 6}));
    events.push(
        json!({"kind": "status", "status": "awarded", "winner": "away", "method": "walkover"}),
    );
    events
}

/// What the server said of its matches.
pub struct Answers {
    /// `rest-answers.ts`: each sport's answer as a `RestSnapshot`, and the protocol messages the
    /// package makes of it.
    pub typescript: String,
    /// Sport to `{before, pushed, after}`: its match's REST answer when created, the updates
    /// pushed for it, in order, and its REST answer at the end (with its events).
    pub games: Value,
}

/// A new match of `sport` through `events` (and `patch`, when given): `{before, pushed, after}`.
async fn answer(app: &TestApp, sport: &str, events: &[Value], patch: Option<Value>) -> Value {
    let body = json!({"home": "Home", "away": "Away", "competition": "League",
                      "kickoff_at": "2026-12-07T19:00:00Z", "sport": sport});
    let created = app.post_json("/api/v1/matches", &body).await;
    assert_eq!(created.status(), 201, "creating a {sport} match");
    let id = created.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let before = app.snapshot(id).await;
    let mut ws = connect(app.port, &format!("matches={id}")).await;
    assert_eq!(ws.next().await["k"], "snapshot");
    let mut pushed = Vec::new();
    for event in events {
        app.store_event(id, event).await;
        pushed.push(ws.next().await);
    }
    if let Some(patch) = &patch {
        let patched = app.patch_json(&format!("/api/v1/matches/{id}"), patch).await;
        assert_eq!(patched.status(), 200);
        pushed.push(ws.next().await);
    }
    let after = app.snapshot(id).await;
    assert_eq!(after["events"].as_array().map(Vec::len), Some(pushed.len()), "{after}");
    json!({"before": before, "pushed": pushed, "after": after})
}

/// Plays a match of each sport on `app`.
pub async fn answers(app: &TestApp) -> Answers {
    let mut typescript = String::from(
        "// Written by tests/api/client_package from the server's answers.\n\
         import { fromRest, eventToUpdate, countdown, type RestSnapshot } from \"scorecast-client\";\n",
    );
    let mut played = json!({});
    let rename = Some(json!({"home": "Ajax Amsterdam"}));
    let games = [
        ("football", answer(app, "football", &football(), rename).await),
        ("basketball", answer(app, "basketball", &basketball(), None).await),
        ("ice_hockey", answer(app, "ice_hockey", &ice_hockey(), None).await),
        ("tennis", answer(app, "tennis", &tennis(), None).await),
        ("volleyball", answer(app, "volleyball", &volleyball(), None).await),
    ];
    for (sport, game) in games {
        let after = &game["after"];
        typescript += &format!(
            "export const {sport}: RestSnapshot = {after:#};\n\
             export const {sport}Messages = [fromRest({sport}), ...({sport}.events ?? []).map(eventToUpdate)];\n"
        );
        played[sport] = game;
    }
    // The countdown of every message of the sports with one, as a page runs it.
    typescript += "export const clocks = [...basketballMessages, ...ice_hockeyMessages]\n\
                   \x20 .map((m) => countdown({ st: m.st ?? \"live\", ck: m.ck }));\n";
    Answers { typescript, games: played }
}
