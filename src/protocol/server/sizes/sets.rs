//! The largest updates of tennis and volleyball, measured as football's are: sets won at most 3
//! each, a long advantage set's games of two digits (as at 70-68), advantage called, the server.

use super::*;
use crate::domain::PlayKeys;

/// Sets won by either side: three at most (best of five).
const SETS: i64 = 3;

fn largest_keys() -> serde_json::Value {
    json!({"gs": [99, 99], "gp": ["40", "A"], "sv": "h"})
}

fn keys(value: serde_json::Value) -> Option<PlayKeys> {
    Some(serde_json::from_value(value).unwrap())
}

/// A state in a fifth set with the largest keys.
fn in_fifth_set(status: Status, confirmed: bool) -> EventState {
    EventState {
        status,
        period: Some("s5".into()),
        period_started_at: None,
        added_time: None,
        confirmed,
        clock: None,
        play: keys(largest_keys()),
    }
}

/// Each kind's update in the largest forms these sports give it: (kind, state).
fn cases() -> Vec<(serde_json::Value, Option<EventState>)> {
    // A start: the first set at love-all (no `gp`), its server.
    let started = EventState {
        status: Status::Live,
        period: Some("s1".into()),
        play: keys(json!({"gs": [0, 0], "sv": "a"})),
        ..in_fifth_set(Status::Live, false)
    };
    vec![
        (json!({"kind":"point","team":"home","after":largest_keys()}), None),
        // The match point: the last set's games and `st`, no game nor server.
        (json!({"kind":"point","team":"home","after":{"gs":[99,99],"over":true}}), None),
        (json!({"kind":"start","server":"away"}), Some(started)),
        (
            json!({"kind":"void","target":9998,"reason":"x".repeat(200)}),
            Some(in_fifth_set(Status::Interrupted, true)),
        ),
        (
            json!({"kind":"amend","target":9998,"event":{"kind":"point","team":"away"}}),
            Some(in_fifth_set(Status::Interrupted, true)),
        ),
    ]
}

/// The largest update of each kind, as `super::largest_updates` merges them.
pub(super) fn largest_updates() -> Vec<(&'static str, usize)> {
    cases()
        .into_iter()
        .map(|(event, state)| {
            let event = kind(event);
            (event.name(), measure(event, state, SETS, false))
        })
        .collect()
}

/// Every tennis and volleyball update fits 100 bytes; corrections 400.
#[test]
fn every_tennis_and_volleyball_update_fits_its_bound() {
    for (kind, bytes) in largest_updates() {
        let limit = if ["void", "amend"].contains(&kind) { 400 } else { 100 };
        assert!(bytes <= limit, "{kind}: {bytes} bytes");
    }
}

/// A tennis match's snapshot with the set sports' keys at their largest.
#[test]
fn the_largest_tennis_snapshot_fits_400_bytes() {
    let meta = MatchMeta {
        id: MatchId::try_from(9_999_999).unwrap(),
        sport: Sport::Tennis,
        format: json!({"best_of": 5, "final_set": "advantage"}),
        home: NAME.into(),
        away: NAME.into(),
        competition: NAME.into(),
        kickoff_at: at(),
        revision: 0,
    };
    let format = Sport::Tennis.parse_format(Some(meta.format.clone())).unwrap();
    let mut live = LiveState::initial(Sport::Tennis, &format);
    live = live.apply(&kind(json!({"kind":"start","server":"home"})), at()).unwrap();
    // Two sets all, then 98 games all in the fifth and advantage away.
    let point = |team: &str| kind(json!({"kind":"point","team":team}));
    let game = |team: &str| std::iter::repeat_n(point(team), 4);
    let points = (0..2)
        .flat_map(|_| (0..6).flat_map(|_| game("home")).chain((0..6).flat_map(|_| game("away"))))
        .chain((0..98).flat_map(|_| game("home").chain(game("away"))))
        .chain([point("home"), point("home"), point("home")])
        .chain([point("away"), point("away"), point("away"), point("away")]);
    for (i, event) in points.enumerate() {
        live = live.apply(&event, at() + time::Duration::seconds(i as i64)).unwrap();
    }
    live.seq = Seq::try_from(9_999).unwrap();
    let message = snapshot(&meta, &live, Some(false));
    let json: serde_json::Value = serde_json::from_slice(message.json()).unwrap();
    assert_eq!(
        (&json["gs"], &json["gp"], &json["sv"]),
        (&json!([98, 98]), &json!(["40", "A"]), &json!("h"))
    );
    let bytes = message.json().len();
    eprintln!("largest tennis snapshot: {bytes} bytes");
    assert!(bytes <= 400, "{bytes} bytes");
}
