//! The largest updates of basketball and ice hockey, measured as football's are: basketball's
//! scores of three digits (999), ice hockey's and the shoot-out's of two, clocks at their
//! longest (12-minute basketball overtimes, 20-minute ice hockey periods).

use super::*;
use crate::domain::Countdown;

/// Basketball's longest overtime (`overtime_minutes` at most 12), ice hockey's period (20).
const BASKETBALL_MS: i64 = 12 * 60_000;
const HOCKEY_MS: i64 = 20 * 60_000;

fn clock(running: bool, ms: i64) -> Option<Countdown> {
    Some(Countdown { running, remaining_ms: ms.try_into().unwrap(), at: at() })
}

/// A state in an overtime period with its clock.
fn in_overtime(status: Status, clock: Option<Countdown>, confirmed: bool) -> EventState {
    EventState {
        status,
        period: Some("ot20".into()),
        period_started_at: Some(at()),
        added_time: None,
        confirmed,
        clock,
        play: None,
    }
}

/// Each kind's update in the largest forms these sports give it: (kind, state, score, shoot-out).
fn cases() -> Vec<(serde_json::Value, Option<EventState>, i64, bool)> {
    let player = NAME;
    let points = json!({"kind":"points","team":"home","value":3,"player":player});
    let started = EventState {
        status: Status::Live,
        period: Some("q1".into()),
        period_started_at: Some(at()),
        added_time: None,
        confirmed: false,
        clock: clock(false, BASKETBALL_MS),
        play: None,
    };
    let in_shootout = EventState {
        status: Status::Live,
        period: Some("shootout".into()),
        clock: None,
        ..in_overtime(Status::Live, None, false)
    };
    let running = || clock(true, HOCKEY_MS);
    vec![
        // Basketball.
        (points.clone(), None, 999, false),
        (json!({"kind":"foul","team":"away","player":player}), None, 999, false),
        (json!({"kind":"timeout","team":"away"}), None, 999, false),
        (json!({"kind":"clock","running":true,"remaining_ms":BASKETBALL_MS}), None, 999, false),
        (json!({"kind":"period","period":"ot20","clock_ms":BASKETBALL_MS}), None, 999, false),
        (json!({"kind":"score","home":999,"away":999}), None, 999, false),
        (json!({"kind":"end"}), None, 999, false),
        (json!({"kind":"start"}), Some(started), 0, false),
        (
            json!({"kind":"status","status":"live"}),
            Some(in_overtime(Status::Live, running(), false)),
            999,
            false,
        ),
        (
            json!({"kind":"status","status":"interrupted"}),
            Some(in_overtime(Status::Interrupted, clock(false, HOCKEY_MS), false)),
            999,
            false,
        ),
        (
            json!({"kind":"confirm"}),
            Some(in_overtime(Status::Finished, clock(false, HOCKEY_MS), true)),
            999,
            false,
        ),
        (
            json!({"kind":"void","target":9998,"reason":"x".repeat(200)}),
            Some(in_overtime(Status::Interrupted, clock(false, HOCKEY_MS), true)),
            999,
            false,
        ),
        (
            json!({"kind":"amend","target":9998,"event":points}),
            Some(in_overtime(Status::Live, running(), true)),
            999,
            false,
        ),
        // Ice hockey.
        (
            json!({"kind":"goal","team":"home","minute":200,"player":player,"strength":"short_handed",
                   "empty_net":true,"assists":[player,player]}),
            None,
            99,
            false,
        ),
        (
            json!({"kind":"penalty","team":"home","minutes":10,"player":player,"minute":200}),
            None,
            99,
            false,
        ),
        (json!({"kind":"clock","running":true,"remaining_ms":HOCKEY_MS}), None, 99, false),
        (
            json!({"kind":"period","period":"ot20","clock_ms":HOCKEY_MS,"minute":200}),
            None,
            99,
            false,
        ),
        (json!({"kind":"period","period":"shootout","minute":200}), None, 99, true),
        (json!({"kind":"shot","team":"away","scored":false,"player":player}), None, 99, true),
        (json!({"kind":"end","minute":200}), None, 99, true),
        (
            json!({"kind":"void","target":9998}),
            Some(EventState { confirmed: true, ..in_shootout.clone() }),
            99,
            true,
        ),
    ]
}

/// The largest update of each kind, as `super::largest_updates` merges them.
pub(super) fn largest_updates() -> Vec<(&'static str, usize)> {
    cases()
        .into_iter()
        .map(|(event, state, goals, in_shootout)| {
            let event = kind(event);
            (event.name(), measure(event, state, goals, in_shootout))
        })
        .collect()
}

/// Every basketball and ice hockey update fits 100 bytes, names of 25 characters and all;
/// corrections 400.
#[test]
fn every_basketball_and_ice_hockey_update_fits_its_bound() {
    for (kind, bytes) in largest_updates() {
        let limit = if ["void", "amend"].contains(&kind) { 400 } else { 100 };
        assert!(bytes <= limit, "{kind}: {bytes} bytes");
    }
}

/// A basketball game in its twentieth overtime at 999-999, its clock running, 99 team fouls each.
#[test]
fn the_largest_basketball_snapshot_fits_400_bytes() {
    let meta = MatchMeta {
        id: MatchId::try_from(9_999_999).unwrap(),
        sport: Sport::Basketball,
        format: json!({"quarter_minutes":12,"overtime_minutes":12}),
        home: NAME.into(),
        away: NAME.into(),
        competition: NAME.into(),
        kickoff_at: at(),
        revision: 0,
    };
    let mut live = LiveState::initial(Sport::Basketball, &meta.format);
    let periods = ["q2", "q3", "q4"]
        .into_iter()
        .map(str::to_owned)
        .chain((1..=20).map(|n| format!("ot{n}")))
        .map(|p| json!({"kind":"period","period":p}));
    let fouls = (0..99)
        .flat_map(|_| [json!({"kind":"foul","team":"home"}), json!({"kind":"foul","team":"away"})]);
    let events = [json!({"kind":"start"}), json!({"kind":"score","home":999,"away":999})]
        .into_iter()
        .chain(periods)
        .chain(fouls)
        .chain([json!({"kind":"clock","running":true,"remaining_ms":BASKETBALL_MS - 1})]);
    for (i, event) in events.enumerate() {
        live = live.apply(&kind(event), at() + time::Duration::seconds(i as i64)).unwrap();
    }
    live.seq = Seq::try_from(9_999).unwrap();
    let encoded = snapshot(&meta, &live, Some(false));
    let json = encoded.json();
    let text = String::from_utf8_lossy(json);
    assert!(text.contains("\"ck\":[1,719999,") && text.contains("\"tf\":[99,99]"), "{text}");
    eprintln!("largest basketball snapshot: {} bytes", json.len());
    assert!(json.len() <= 400, "{} bytes", json.len());
}
