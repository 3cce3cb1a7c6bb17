//! The largest compact message of each kind, with ids below 10^7, `s` below 10^4 and names of
//! 25 characters: at most 100 bytes for a stored event's update, 400 for snapshots, `match`
//! and corrections. docs/protocol.md reports these figures.

use serde_json::json;
use time::OffsetDateTime;

use super::*;
use crate::domain::{EventKind, LiveState, MatchPatch, Sport};

const NAME: &str = "Abcdefghij Klmnopqrst Uvw";

fn at() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap() + time::Duration::milliseconds(123)
}

/// The largest state a football match reaches: stopped in the second half of extra time, with
/// added time announced and the result confirmed (what corrections carry).
fn worst_state() -> EventState {
    EventState {
        status: Status::Interrupted,
        period: Some("extra_time_second_half".into()),
        period_started_at: Some(at()),
        added_time: Some(30),
        confirmed: true,
        play: None,
    }
}

/// The state a start leaves a match in.
fn started() -> EventState {
    EventState {
        status: Status::Live,
        period: Some("first_half".into()),
        period_started_at: Some(at()),
        added_time: None,
        confirmed: false,
        play: None,
    }
}

/// Play resumed after a stoppage in the second half of extra time, its clock moved.
fn resumed() -> EventState {
    EventState { status: Status::Live, confirmed: false, ..worst_state() }
}

/// A confirmed result.
fn confirmed() -> EventState {
    EventState {
        status: Status::Finished,
        period: Some("penalties".into()),
        period_started_at: None,
        added_time: None,
        confirmed: true,
        play: None,
    }
}

/// The update's size; `in_shootout` adds the shoot-out's tally, as every update from the
/// `penalties` period on carries.
fn size(kind: EventKind, state: Option<EventState>) -> usize {
    let in_penalties = |s: &EventState| s.period.as_deref() == Some("penalties");
    let in_shootout = match &kind {
        EventKind::Kick(_) | EventKind::End(_) | EventKind::Void(_) | EventKind::Amend(_) => true,
        EventKind::Period(change) => change.period == Period::Penalties.into(),
        _ => state.as_ref().is_some_and(in_penalties),
    };
    let name = kind.name();
    let event = StoredEvent {
        match_id: MatchId::try_from(9_999_999).unwrap(),
        seq: Seq::try_from(9_999).unwrap(),
        kind,
        score: Score { home: 99.try_into().unwrap(), away: 99.try_into().unwrap() },
        shootout: in_shootout
            .then(|| Score { home: 99.try_into().unwrap(), away: 99.try_into().unwrap() }),
        recorded_at: at(),
        state,
        revision: None,
        voided_by: None,
        amended_by: None,
    };
    let bytes = update(&event).json().len();
    eprintln!("largest {name}: {bytes} bytes");
    bytes
}

fn kind(value: serde_json::Value) -> EventKind {
    EventKind::from_json(value).unwrap()
}

/// The largest update of every kind, as measured here.
fn largest_updates() -> Vec<(&'static str, usize)> {
    let goal = json!({"kind":"goal","team":"home","minute":120,"player":NAME,"method":"own_goal","assist":NAME});
    let plain = [
        json!({"kind":"kickoff","minute":120}),
        goal.clone(),
        json!({"kind":"card","team":"home","player":NAME,"color":"yellow_red","minute":120}),
        json!({"kind":"substitution","team":"away","player_in":NAME,"player_out":NAME,"minute":120}),
        json!({"kind":"period","period":"extra_time_second_half","minute":120}),
        json!({"kind":"period","period":"extra_time_half_time","minute":120}),
        json!({"kind":"period","period":"penalties","minute":120}),
        json!({"kind":"score","home":99,"away":99,"minute":120}),
        json!({"kind":"kick","team":"away","scored":false,"player":NAME,"minute":120}),
        json!({"kind":"added_time","minutes":30}),
        json!({"kind":"end","minute":120}),
    ];
    let postponed = EventState { status: Status::Postponed, period: None, ..confirmed() };
    let stopped = EventState { confirmed: false, ..worst_state() };
    let with_state = [
        (json!({"kind":"start","minute":120}), started()),
        (
            json!({"kind":"status","status":"postponed","kickoff_at":"2027-01-09T14:30:00Z"}),
            postponed,
        ),
        (json!({"kind":"status","status":"interrupted","reason":"x".repeat(200)}), stopped),
        (json!({"kind":"status","status":"live"}), resumed()),
        (json!({"kind":"confirm"}), confirmed()),
        (json!({"kind":"void","target":9998,"reason":"x".repeat(200)}), worst_state()),
        (json!({"kind":"amend","target":9998,"event":goal}), worst_state()),
    ];
    let mut sizes: Vec<(&'static str, usize)> = Vec::new();
    let all = plain
        .into_iter()
        .map(|e| (e, None))
        .chain(with_state.map(|(e, s)| (e, Some(s))))
        .chain(set_sports());
    for (event, state) in all {
        let event = kind(event);
        let name = event.name();
        let bytes = size(event, state);
        // The largest of each kind.
        match sizes.iter_mut().find(|(k, _)| *k == name) {
            Some((_, largest)) => *largest = (*largest).max(bytes),
            None => sizes.push((name, bytes)),
        }
    }
    let patch = MatchPatch {
        home: Some(NAME.to_owned().try_into().unwrap()),
        away: Some(NAME.to_owned().try_into().unwrap()),
        competition: Some(NAME.to_owned().try_into().unwrap()),
        kickoff_at: Some(Timestamp::try_from("2027-01-15T17:20:00.123Z".to_owned()).unwrap()),
        sport: Some(Sport::Football),
        format: None,
    };
    sizes.push(("match", size(EventKind::Match(patch), None)));
    sizes
}

/// Tennis's and volleyball's largest keys: a long advantage set's games (two digits each side, as
/// at 70-68), advantage called, the server.
fn set_sports_keys() -> serde_json::Value {
    json!({"gs": [99, 99], "gp": ["40", "A"], "sv": "h"})
}

/// Tennis's and volleyball's events: a point with the state it left; a start and corrections
/// with their state keys (smaller than football's: no clock, a short period name).
fn set_sports() -> Vec<(serde_json::Value, Option<EventState>)> {
    let keys: crate::domain::PlayKeys = serde_json::from_value(set_sports_keys()).unwrap();
    let state = |status: Status, confirmed: bool| EventState {
        status,
        period: Some("s5".into()),
        period_started_at: None,
        added_time: None,
        confirmed,
        play: Some(keys.clone()),
    };
    // A start: the first set at love-all, its server.
    let start = EventState {
        period: Some("s1".into()),
        play: serde_json::from_value(json!({"gs": [0, 0], "sv": "a"})).unwrap(),
        ..state(Status::Live, false)
    };
    vec![
        (json!({"kind":"point","team":"home","after":set_sports_keys()}), None),
        // The match point: the last set's games and `st`, no game nor server.
        (json!({"kind":"point","team":"home","after":{"gs":[99,99],"over":true}}), None),
        (json!({"kind":"start","server":"away"}), Some(start)),
        (json!({"kind":"void","target":9998}), Some(state(Status::Interrupted, true))),
        (
            json!({"kind":"amend","target":9998,"event":{"kind":"point","team":"away"}}),
            Some(state(Status::Interrupted, true)),
        ),
    ]
}

/// docs/protocol.md reports the largest message of each kind; it must say what the code sends,
/// and snapshots, `match` updates and corrections stay within 400 bytes.
#[test]
fn the_largest_update_of_each_kind_is_the_one_docs_report() {
    let measured: Vec<(String, usize)> =
        largest_updates().into_iter().map(|(k, b)| (k.to_owned(), b)).collect();
    let documented: Vec<(String, usize)> =
        crate::doc_tables::rows(include_str!("../../../docs/protocol.md"), "<!-- sizes -->")
            .into_iter()
            .map(|cells| (cells[0].clone(), cells[1].parse().unwrap()))
            .filter(|(k, _)| k != "snapshot")
            .collect();
    assert_eq!(documented, measured);
    for (kind, bytes) in measured {
        if ["void", "amend", "match"].contains(&kind.as_str()) {
            assert!(bytes <= 400, "{kind}: {bytes} bytes");
        }
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
    let start = kind(json!({"kind":"start","server":"home"}));
    live = live.apply(&start, at()).unwrap();
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

#[test]
fn the_largest_snapshot_fits_400_bytes() {
    let meta = MatchMeta {
        id: MatchId::try_from(9_999_999).unwrap(),
        sport: Sport::Football,
        format: json!({}),
        home: NAME.into(),
        away: NAME.into(),
        competition: NAME.into(),
        kickoff_at: at(),
        revision: 0,
    };
    let mut live = LiveState::initial(Sport::Football, &meta.format);
    let kicks = (0..3).flat_map(|_| {
        [
            json!({"kind":"kick","team":"home","scored":true}),
            json!({"kind":"kick","team":"away","scored":false}),
        ]
    });
    let events =
        [json!({"kind":"kickoff","minute":120}), json!({"kind":"period","period":"penalties"})]
            .into_iter()
            .chain(kicks)
            .chain([json!({"kind":"end"}), json!({"kind":"confirm"})]);
    for (i, event) in events.into_iter().enumerate() {
        live = live.apply(&kind(event), at() + time::Duration::seconds(i as i64)).unwrap();
    }
    live.seq = Seq::try_from(9_999).unwrap();
    let bytes = snapshot(&meta, &live, Some(false)).json().len();
    eprintln!("largest snapshot: {bytes} bytes");
    assert!(bytes <= 400, "{bytes} bytes");
}
