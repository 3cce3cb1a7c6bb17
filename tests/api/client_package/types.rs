//! TypeScript files written from what the server has and says, which `tsc` checks against the
//! package's declarations: its tables of kinds, periods, statuses and sports, and its REST answers
//! as object literals (`tsc` refuses a key a literal's type does not declare, and a missing or
//! mistyped one).

use scorecast::domain::lifecycle::STATUSES;
use scorecast::domain::{Period, Timed, KINDS, SPORTS};
use serde_json::{json, Value};

use crate::common::TestApp;

/// The server's tables, one exact-key object per declared union: an object typed
/// `Record<UpdateKind, true>` must have every member of the union as a key and no other.
pub fn tables() -> String {
    // The client's state and handlers name football's periods as the API does (`et2` becomes
    // `extra_time_second_half`); the other sports' periods have one name.
    let periods: Vec<&str> = Period::ALL.iter().map(|p| p.as_str()).chain(Timed::names()).collect();
    let statuses: Vec<&str> = STATUSES.iter().map(|s| s.as_str()).collect();
    let sports: Vec<&str> = SPORTS.iter().map(|s| s.as_str()).collect();
    let tables = [
        ("UpdateKind", "kinds", KINDS.to_vec()),
        ("Period", "periods", periods),
        ("MatchStatus", "statuses", statuses),
        ("Sport", "sports", sports),
    ];
    let mut ts = String::from(
        "// Written by tests/api/client_package from the server's tables.\n\
         import type { MatchStatus, Period, Sport, UpdateKind } from \"scorecast-client\";\n",
    );
    for (declared, name, values) in tables {
        let keys: Vec<String> = values.iter().map(|v| format!("  {v:?}: true,\n")).collect();
        ts +=
            &format!("export const {name}: Record<{declared}, true> = {{\n{}}};\n", keys.concat());
    }
    ts
}

/// A football match through every kind of event and correction, as `GET /api/v1/matches/{id}`
/// answers it (its events among it), typed as the package declares it.
pub async fn rest_answers(app: &TestApp) -> String {
    let id = app.create_match().await;
    let events = [
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
    ];
    for event in &events {
        app.store_event(id, event).await;
    }
    let rename = json!({"home": "Ajax Amsterdam"});
    let patched = app.patch_json(&format!("/api/v1/matches/{id}"), &rename).await;
    assert_eq!(patched.status(), 200);
    let snapshot: Value = app.snapshot(id).await;
    assert_eq!(snapshot["events"].as_array().map(Vec::len), Some(events.len() + 1), "{snapshot}");
    format!(
        "// Written by tests/api/client_package from the server's answer.\n\
         import {{ fromRest, eventToUpdate, type RestSnapshot }} from \"scorecast-client\";\n\
         export const snapshot: RestSnapshot = {snapshot:#};\n\
         export const messages = [fromRest(snapshot), ...(snapshot.events ?? []).map(eventToUpdate)];\n"
    )
}
