use proptest::prelude::*;

use super::*;
use crate::domain::testing::{at, event, Match};
use crate::domain::{Sport, Status};

fn initial() -> LiveState {
    LiveState::initial(Sport::Football, &serde_json::json!({}))
}

fn live() -> Match {
    let mut m = Match::of(Sport::Football, serde_json::json!({}));
    m.post(r#"{"kind":"kickoff"}"#).unwrap();
    m
}

#[test]
fn a_voided_goal_no_longer_counts_and_is_shown_voided() {
    let mut m = live();
    m.post(r#"{"kind":"goal","team":"home","minute":10,"player":"Lang"}"#).unwrap();
    m.post(r#"{"kind":"goal","team":"away","minute":20}"#).unwrap();
    m.post(r#"{"kind":"void","target":2,"reason":"offside after review"}"#).unwrap();
    assert_eq!(m.score(), (0, 1));
    assert_eq!(m.state.seq.get(), 4);
    let fate = fates(&m.log)[&Seq::try_from(2).unwrap()];
    assert_eq!(fate.voided_by.map(Seq::get), Some(4));
    let err = m.post(r#"{"kind":"void","target":2}"#).unwrap_err();
    assert!(err.0.contains("already voided by event 4"), "{err}");
}

#[test]
fn an_amend_replaces_the_event_in_place_and_the_latest_amend_wins() {
    let mut m = live();
    m.post(r#"{"kind":"goal","team":"home","minute":10,"player":"Lang"}"#).unwrap();
    m.post(r#"{"kind":"amend","target":2,"event":{"kind":"goal","team":"away","minute":10,"method":"own_goal"}}"#).unwrap();
    assert_eq!(m.score(), (0, 1));
    m.post(r#"{"kind":"amend","target":2,"event":{"kind":"goal","team":"home","minute":11,"player":"Berghuis"}}"#).unwrap();
    assert_eq!(m.score(), (1, 0));
    assert_eq!(fates(&m.log)[&Seq::try_from(2).unwrap()].amended_by.map(Seq::get), Some(4));
    let err = m.post(r#"{"kind":"amend","target":2,"event":{"kind":"card","team":"home","player":"X","color":"red"}}"#).unwrap_err();
    assert!(err.0.contains("a goal event"), "{err}");
}

#[test]
fn voiding_a_void_restores_its_target() {
    let mut m = live();
    m.post(r#"{"kind":"goal","team":"home","minute":10}"#).unwrap();
    m.post(r#"{"kind":"void","target":2}"#).unwrap();
    assert_eq!(m.score(), (0, 0));
    m.post(r#"{"kind":"void","target":3}"#).unwrap();
    assert_eq!(m.score(), (1, 0));
    let fates = fates(&m.log);
    assert_eq!(fates.get(&Seq::try_from(2).unwrap()).and_then(|f| f.voided_by), None);
}

#[test]
fn starts_and_period_changes_cannot_be_voided() {
    let mut m = live();
    m.post(r#"{"kind":"period","period":"half_time"}"#).unwrap();
    for target in [1, 2] {
        let err = m.post(&format!(r#"{{"kind":"void","target":{target}}}"#)).unwrap_err();
        assert!(err.0.contains("cannot be corrected"), "{err}");
    }
}

#[test]
fn an_end_posted_by_mistake_can_be_voided_and_play_goes_on() {
    let mut m = live();
    m.post(r#"{"kind":"end"}"#).unwrap();
    assert_eq!(m.state.status, Status::Finished);
    m.post(r#"{"kind":"void","target":2,"reason":"posted by mistake"}"#).unwrap();
    assert_eq!(m.state.status, Status::Live);
    m.post(r#"{"kind":"goal","team":"home","minute":90}"#).unwrap();
    assert_eq!(m.score(), (1, 0));
}

#[test]
fn only_the_latest_lifecycle_event_may_be_voided_while_nothing_follows_it() {
    let mut m = live();
    m.post(r#"{"kind":"status","status":"interrupted"}"#).unwrap();
    m.post(r#"{"kind":"status","status":"live"}"#).unwrap();
    m.post(r#"{"kind":"goal","team":"home","minute":30}"#).unwrap();
    let err = m.post(r#"{"kind":"void","target":3}"#).unwrap_err();
    assert!(err.0.contains("only the latest lifecycle event"), "{err}");
}

#[test]
fn a_correction_that_breaks_the_rules_of_later_events_is_refused_with_the_event_it_breaks() {
    let mut m = live();
    for json in [
        r#"{"kind":"period","period":"penalties"}"#,
        r#"{"kind":"kick","team":"home","scored":true}"#,
        r#"{"kind":"kick","team":"away","scored":true}"#,
        r#"{"kind":"kick","team":"home","scored":true}"#,
    ] {
        m.post(json).unwrap();
    }
    // Without kick 4 (away), kick 5 (home) would be the home side's second in a row.
    let err = m.post(r#"{"kind":"void","target":4}"#).unwrap_err();
    assert!(err.0.contains("event 5 (kick)") && err.0.contains("alternate"), "{err}");
    assert_eq!(m.state.seq.get(), 5, "a refused correction changes nothing");
}

#[test]
fn the_deciding_kick_may_be_voided_for_a_retake_until_the_end() {
    let mut m = live();
    m.post(r#"{"kind":"period","period":"penalties"}"#).unwrap();
    for _ in 0..3 {
        m.post(r#"{"kind":"kick","team":"home","scored":true}"#).unwrap();
        m.post(r#"{"kind":"kick","team":"away","scored":false}"#).unwrap();
    }
    let deciding = m.state.seq.get();
    m.post(&format!(r#"{{"kind":"void","target":{deciding}}}"#)).unwrap();
    assert!(m.state.shootout().unwrap().winner().is_none());
    m.post(r#"{"kind":"kick","team":"away","scored":false}"#).unwrap();
    m.post(r#"{"kind":"end"}"#).unwrap();
    let last_kick = m.state.seq.get() - 1;
    let err = m.post(&format!(r#"{{"kind":"void","target":{last_kick}}}"#)).unwrap_err();
    assert!(err.0.contains("(end)"), "{err}");
}

#[test]
fn corrections_reach_back_only_as_far_as_the_depth() {
    let mut log = Vec::new();
    let mut state = initial();
    for (i, json) in [r#"{"kind":"kickoff"}"#, r#"{"kind":"goal","team":"home","minute":1}"#]
        .into_iter()
        .chain(std::iter::repeat_n(
            r#"{"kind":"card","team":"home","player":"X","color":"red"}"#,
            5,
        ))
        .enumerate()
    {
        state = state.apply(&event(json), at(i as i64)).unwrap();
        log.push(Logged { seq: state.seq, kind: event(json), at: at(i as i64) });
    }
    let void = event(r#"{"kind":"void","target":2}"#);
    let err = correct(initial(), &log, &void, at(99), 5).unwrap_err();
    assert!(err.0.contains("only the last 5 events"), "{err}");
    assert!(correct(initial(), &log, &void, at(99), 6).is_ok());
    let missing = event(r#"{"kind":"void","target":99}"#);
    assert!(correct(initial(), &log, &missing, at(99), 6).unwrap_err().0.contains("no event 99"));
}

#[test]
fn bodies_show_their_fate_and_lose_it_when_it_is_undone() {
    let body = r#"{"match_id":1,"seq":2,"kind":"goal","team":"home","minute":3}"#;
    let voided = Fate { voided_by: Some(Seq::try_from(4).unwrap()), amended_by: None };
    let shown = with_fate(body, voided).unwrap();
    assert!(shown.contains(r#""voided_by":4"#), "{shown}");
    assert_eq!(with_fate(&shown, voided), None, "already shown");
    let restored = with_fate(&shown, Fate::default()).unwrap();
    assert!(!restored.contains("voided_by"));
}

/// One play event of a live football match, and its corrected version.
fn play_event() -> impl Strategy<Value = (String, String)> {
    let team = prop_oneof![Just("home"), Just("away")];
    let player = prop_oneof![Just("Kees"), Just("Lang"), Just("Tadic")];
    (team, player, 0..3u8, 1..90u8).prop_map(|(team, player, which, minute)| {
        let other = if team == "home" { "away" } else { "home" };
        match which {
            0 => (
                format!(r#"{{"kind":"goal","team":"{team}","minute":{minute},"player":"{player}"}}"#),
                format!(r#"{{"kind":"goal","team":"{other}","minute":{minute}}}"#),
            ),
            1 => (
                format!(r#"{{"kind":"card","team":"{team}","player":"{player}","color":"red"}}"#),
                format!(r#"{{"kind":"card","team":"{other}","player":"{player}","color":"red"}}"#),
            ),
            _ => (
                format!(r#"{{"kind":"substitution","team":"{team}","player_in":"{player}","player_out":"Y"}}"#),
                format!(r#"{{"kind":"substitution","team":"{other}","player_in":"Z","player_out":"Y"}}"#),
            ),
        }
    })
}

proptest! {
    /// A match with voids and amendments has exactly the state of the same events with the voided
    /// ones left out and the amended ones changed in place.
    #[test]
    fn corrections_equal_the_fold_of_the_events_that_count(
        events in prop::collection::vec(play_event(), 1..30),
        corrections in prop::collection::vec((any::<prop::sample::Index>(), any::<bool>()), 0..12),
        interleave in any::<prop::sample::Index>(),
    ) {
        let mut m = live();
        // Events, with the corrections posted after a prefix of them and then the rest.
        let split = interleave.index(events.len() + 1);
        let mut model: Vec<Option<EventKind>> = Vec::new();
        let mut seq_of = Vec::new();
        let post_play = |m: &mut Match, model: &mut Vec<Option<EventKind>>, seq_of: &mut Vec<i64>, json: &str| {
            let state = m.post(json).expect("play events are allowed while live");
            seq_of.push(state.seq.get());
            model.push(Some(event(json)));
        };
        for (json, _) in &events[..split] {
            post_play(&mut m, &mut model, &mut seq_of, json);
        }
        for (index, amend) in &corrections {
            if model.is_empty() {
                break;
            }
            let i = index.index(model.len());
            if model[i].is_none() {
                continue; // already voided: the property is about the events that count
            }
            let target = seq_of[i];
            let (_, corrected) = &events[i];
            let json = if *amend {
                format!(r#"{{"kind":"amend","target":{target},"event":{corrected}}}"#)
            } else {
                format!(r#"{{"kind":"void","target":{target}}}"#)
            };
            m.post(&json).expect("corrections of play events are allowed while live");
            model[i] = if *amend { Some(event(corrected)) } else { None };
        }
        for (json, _) in &events[split..] {
            post_play(&mut m, &mut model, &mut seq_of, json);
        }
        let mut expected = initial().apply(&event(r#"{"kind":"kickoff"}"#), at(0)).unwrap();
        for kind in model.iter().flatten() {
            expected = expected.apply(kind, at(1)).unwrap();
        }
        prop_assert_eq!(m.state.score(), expected.score());
        prop_assert_eq!(m.state.periods(), expected.periods());
        prop_assert_eq!(m.state.status, expected.status);
        // And a state rebuilt from the log without the rules is the same state.
        let rebuilt = fold(initial(), &m.log, None).unwrap();
        prop_assert_eq!(rebuilt, m.state.clone());
    }
}
