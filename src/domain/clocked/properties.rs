//! Property tests of the sports played against a clock: random streams of events never leave an
//! impossible state, and voiding any event equals the fold without it.

use proptest::prelude::*;

use crate::domain::testing::{event, Match};
use crate::domain::{EventKind, LiveState, Sport, Status};

fn team() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("home"), Just("away")]
}

fn player() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("A"), Just("B"), Just("C")]
}

/// A basketball event, any of them possibly refused by the rules.
fn basketball_event() -> impl Strategy<Value = String> {
    let period =
        prop_oneof![Just("q2"), Just("q3"), Just("q4"), Just("ot1"), Just("ot2"), Just("ot3")];
    prop_oneof![
        6 => (team(), 1u8..=3).prop_map(|(t, v)| format!(r#"{{"kind":"points","team":"{t}","value":{v}}}"#)),
        2 => (team(), player()).prop_map(|(t, p)| format!(r#"{{"kind":"foul","team":"{t}","player":"{p}"}}"#)),
        1 => team().prop_map(|t| format!(r#"{{"kind":"timeout","team":"{t}"}}"#)),
        1 => (any::<bool>(), 0u32..=720_000).prop_map(|(r, ms)| format!(r#"{{"kind":"clock","running":{r},"remaining_ms":{ms}}}"#)),
        2 => period.prop_map(|p| format!(r#"{{"kind":"period","period":"{p}"}}"#)),
        1 => Just(r#"{"kind":"end"}"#.to_owned()),
        1 => (0u16..30, 0u16..30).prop_map(|(h, a)| format!(r#"{{"kind":"score","home":{h},"away":{a}}}"#)),
    ]
}

/// An ice hockey event, any of them possibly refused by the rules.
fn hockey_event() -> impl Strategy<Value = String> {
    let period = prop_oneof![Just("p2"), Just("p3"), Just("ot1"), Just("ot2"), Just("shootout")];
    prop_oneof![
        3 => (team(), 0u8..=120).prop_map(|(t, m)| format!(r#"{{"kind":"goal","team":"{t}","minute":{m}}}"#)),
        1 => (team(), prop_oneof![Just(2), Just(4), Just(5), Just(10)]).prop_map(|(t, m)| format!(r#"{{"kind":"penalty","team":"{t}","minutes":{m}}}"#)),
        4 => (team(), any::<bool>()).prop_map(|(t, s)| format!(r#"{{"kind":"shot","team":"{t}","scored":{s}}}"#)),
        1 => (any::<bool>(), 0u32..=300_000).prop_map(|(r, ms)| format!(r#"{{"kind":"clock","running":{r},"remaining_ms":{ms}}}"#)),
        3 => period.prop_map(|p| format!(r#"{{"kind":"period","period":"{p}"}}"#)),
        1 => Just(r#"{"kind":"end"}"#.to_owned()),
        1 => (0u16..6, 0u16..6).prop_map(|(h, a)| format!(r#"{{"kind":"score","home":{h},"away":{a}}}"#)),
    ]
}

/// Posts `events` to a started match of `sport`, keeping the accepted ones.
fn play(sport: Sport, format: serde_json::Value, events: &[String]) -> Match {
    let mut m = Match::of(sport, format);
    m.ok(r#"{"kind":"start"}"#);
    for json in events {
        let _ = m.post_kind(event(json));
    }
    m
}

/// What no sequence of accepted events may produce.
fn check_possible(state: &LiveState) -> Result<(), TestCaseError> {
    let score = state.score();
    let line = state.periods();
    let sum =
        |side: fn(&crate::domain::Score) -> i64| line.iter().map(|p| side(&p.score)).sum::<i64>();
    prop_assert_eq!(sum(|s| s.home.into()), i64::from(score.home), "line {:?}", line);
    prop_assert_eq!(sum(|s| s.away.into()), i64::from(score.away), "line {:?}", line);
    if state.status == Status::Finished {
        prop_assert_ne!(score.home, score.away, "finished tied");
        let last = line.last().map(|p| p.period.as_str()).unwrap_or_default();
        prop_assert!(!["q1", "q2", "q3", "p1", "p2"].contains(&last), "finished in {}", last);
        if let Some(shootout) = state.shootout() {
            prop_assert!(shootout.winner().is_some());
        }
    }
    let names: Vec<&str> = line.iter().map(|p| p.period.as_str()).collect();
    let order = crate::domain::Timed::names().collect::<Vec<_>>();
    let at = |n: &str| order.iter().position(|o| *o == n).unwrap();
    prop_assert!(
        names.windows(2).all(|w| at(w[1]) == at(w[0]) + 1
            || (w[0] == "ot1" && w[1] == "shootout")
            || (w[0] == "q4" && w[1] == "ot1")
            || (w[0] == "p3" && w[1] == "ot1")),
        "{:?}",
        names
    );
    if let Some(clock) = state.play().rules().clock() {
        prop_assert!(clock.remaining_ms.get() <= 20 * 60_000);
    }
    Ok(())
}

/// Voiding each event of `m` that may be voided gives the fold of the others.
fn check_voids(m: &Match) -> Result<(), TestCaseError> {
    for target in m.log.iter().map(|e| e.seq) {
        let mut corrected = m.clone();
        let void = event(&format!(r#"{{"kind":"void","target":{}}}"#, target.get()));
        let aimed = &m.log[(target.get() - 1) as usize].kind;
        match corrected.post_kind(void) {
            Ok(state) => {
                let mut state = state.clone();
                let without = m.fold_without(target);
                prop_assert!(
                    without.is_some(),
                    "void of {} accepted, fold without it refused",
                    target
                );
                let mut without = without.unwrap();
                state.seq = m.state.seq;
                without.seq = m.state.seq;
                prop_assert_eq!(&state, &without, "void of {}", target);
                check_possible(&state)?;
            }
            Err(_) => {
                let structural =
                    matches!(aimed, EventKind::Start(_) | EventKind::Period(_) | EventKind::End(_));
                prop_assert!(
                    structural || m.fold_without(target).is_none(),
                    "void of {} ({}) refused, yet the fold without it holds",
                    target,
                    aimed.name()
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn basketball_streams_never_produce_an_impossible_state_and_voids_equal_the_fold_without(
        nba in any::<bool>(),
        events in prop::collection::vec(basketball_event(), 0..60),
    ) {
        let format = serde_json::json!({"quarter_minutes": if nba { 12 } else { 10 }});
        let m = play(Sport::Basketball, format, &events);
        check_possible(&m.state)?;
        check_voids(&m)?;
    }

    #[test]
    fn ice_hockey_streams_never_produce_an_impossible_state_and_voids_equal_the_fold_without(
        playoff in any::<bool>(),
        events in prop::collection::vec(hockey_event(), 0..60),
    ) {
        let overtime = if playoff { "playoff" } else { "regular_season" };
        let m = play(Sport::IceHockey, serde_json::json!({"overtime": overtime}), &events);
        check_possible(&m.state)?;
        check_voids(&m)?;
    }
}
