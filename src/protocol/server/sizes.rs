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
        clock: None,
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
        clock: None,
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
        clock: None,
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
    measure(kind, state, 99, in_shootout)
}

/// The update's size at a score of `goals` each, with a shoot-out tally of 99 each when
/// `in_shootout`.
fn measure(kind: EventKind, state: Option<EventState>, goals: i64, in_shootout: bool) -> usize {
    let name = kind.name();
    let both = |n: i64| Score { home: n.try_into().unwrap(), away: n.try_into().unwrap() };
    let event = StoredEvent {
        match_id: MatchId::try_from(9_999_999).unwrap(),
        seq: Seq::try_from(9_999).unwrap(),
        kind,
        score: both(goals),
        shootout: in_shootout.then(|| both(99)),
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
    let all = plain.into_iter().map(|e| (e, None)).chain(with_state.map(|(e, s)| (e, Some(s))));
    let football = all.map(|(event, state)| {
        let event = kind(event);
        (event.name(), size(event, state))
    });
    let mut keep_largest =
        |name: &'static str, bytes: usize| match sizes.iter_mut().find(|(k, _)| *k == name) {
            Some((_, largest)) => *largest = (*largest).max(bytes),
            None => sizes.push((name, bytes)),
        };
    for (name, bytes) in football {
        keep_largest(name, bytes);
    }
    let patch = MatchPatch {
        home: Some(NAME.to_owned().try_into().unwrap()),
        away: Some(NAME.to_owned().try_into().unwrap()),
        competition: Some(NAME.to_owned().try_into().unwrap()),
        kickoff_at: Some(Timestamp::try_from("2027-01-15T17:20:00.123Z".to_owned()).unwrap()),
        sport: Some(Sport::Football),
        format: None,
    };
    keep_largest("match", size(EventKind::Match(patch), None));
    // Basketball's and ice hockey's: the kinds football has keep their row, the largest of every
    // sport; their own kinds follow.
    for (name, bytes) in clocked::largest_updates() {
        keep_largest(name, bytes);
    }
    // Tennis's and volleyball's: `point`, and their keys on the start and corrections.
    for (name, bytes) in sets::largest_updates() {
        keep_largest(name, bytes);
    }
    sizes
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

#[test]
fn the_largest_football_snapshot_fits_400_bytes() {
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

mod clocked;
mod sets;
