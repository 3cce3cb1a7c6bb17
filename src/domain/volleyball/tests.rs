use serde_json::json;

use crate::domain::testing::Match;
use crate::domain::{Play, Side, Sport, Status};

fn started(format: serde_json::Value, start: &str) -> Match {
    let mut m = Match::of(Sport::Volleyball, format);
    m.ok(start);
    m
}

fn points(m: &mut Match, side: char, n: usize) {
    let team = if side == 'h' { "home" } else { "away" };
    for _ in 0..n {
        m.ok(&format!(r#"{{"kind":"point","team":"{team}"}}"#));
    }
}

fn server(m: &Match) -> Option<Side> {
    match m.state.play() {
        Play::Volleyball(v) => v.server(),
        _ => panic!("a volleyball match"),
    }
}

/// Plays a set won 25-`n` by `side`.
fn set(m: &mut Match, side: char, n: usize) {
    let loser = if side == 'h' { 'a' } else { 'h' };
    points(m, loser, n);
    points(m, side, 25);
}

#[test]
fn a_set_is_won_at_twenty_five_by_two_with_no_cap() {
    let mut m = started(json!({}), r#"{"kind":"start"}"#);
    assert_eq!(server(&m), Some(Side::Home), "home serves first by default");
    points(&mut m, 'h', 24);
    points(&mut m, 'a', 24);
    points(&mut m, 'h', 1);
    assert_eq!(m.score(), (0, 0), "25-24 is no set");
    points(&mut m, 'a', 1);
    for _ in 0..10 {
        points(&mut m, 'h', 1);
        points(&mut m, 'a', 1);
    }
    assert_eq!(m.line(), [("s1".into(), 35, 35)]);
    points(&mut m, 'a', 2);
    assert_eq!(m.score(), (0, 1));
    assert_eq!(m.line(), [("s1".into(), 35, 37), ("s2".into(), 0, 0)]);
    assert_eq!(m.state.period(), Some("s2"));
}

#[test]
fn the_side_that_won_the_last_point_serves() {
    let mut m = started(json!({}), r#"{"kind":"start","server":"away"}"#);
    assert_eq!(server(&m), Some(Side::Away));
    points(&mut m, 'h', 1);
    assert_eq!(server(&m), Some(Side::Home));
    points(&mut m, 'h', 1);
    assert_eq!(server(&m), Some(Side::Home));
    points(&mut m, 'a', 1);
    assert_eq!(server(&m), Some(Side::Away));
    let keys = serde_json::to_value(m.state.play().rules().keys().unwrap()).unwrap();
    assert_eq!(keys, json!({"gs": [2, 1], "sv": "a"}));
}

#[test]
fn the_deciding_fifth_set_is_to_fifteen_by_two_and_its_deciding_point_ends_the_match() {
    let mut m = started(json!({}), r#"{"kind":"start"}"#);
    set(&mut m, 'h', 20);
    set(&mut m, 'a', 23);
    set(&mut m, 'h', 10);
    set(&mut m, 'a', 18);
    assert_eq!((m.score(), m.state.period()), ((2, 2), Some("s5")));
    points(&mut m, 'h', 14);
    points(&mut m, 'a', 14);
    points(&mut m, 'h', 1);
    assert_eq!(m.state.status, Status::Live, "15-14 is no set");
    points(&mut m, 'a', 2);
    assert_eq!(m.state.status, Status::Live, "15-16");
    points(&mut m, 'a', 1);
    assert_eq!((m.state.status, m.score()), (Status::Finished, (2, 3)));
    assert_eq!(m.line()[4], ("s5".into(), 15, 17));
    assert_eq!(m.line().len(), 5);
    assert_eq!(server(&m), None);
    assert!(m.post(r#"{"kind":"point","team":"home"}"#).is_err());
}

#[test]
fn best_of_three_plays_its_third_set_to_fifteen() {
    let mut m = started(json!({"best_of": 3}), r#"{"kind":"start"}"#);
    set(&mut m, 'h', 0);
    set(&mut m, 'a', 0);
    points(&mut m, 'h', 15);
    assert_eq!((m.state.status, m.score()), (Status::Finished, (2, 1)));
}

#[test]
fn voiding_the_match_point_reopens_the_match() {
    let mut m = started(json!({"best_of": 3}), r#"{"kind":"start"}"#);
    set(&mut m, 'h', 3);
    set(&mut m, 'h', 3);
    assert_eq!(m.state.status, Status::Finished);
    let last = m.state.seq.get();
    m.ok(&format!(r#"{{"kind":"void","target":{last}}}"#));
    assert_eq!((m.state.status, m.score()), (Status::Live, (1, 0)));
    assert_eq!(m.line()[1], ("s2".into(), 24, 3));
}

#[test]
fn formats_and_kinds_are_volleyball_s_own() {
    let parse = |f: serde_json::Value| Sport::Volleyball.parse_format(Some(f));
    assert_eq!(parse(json!({})).unwrap(), json!({"best_of": 5}));
    assert_eq!(parse(json!({"best_of": 4})).unwrap_err().field.as_deref(), Some("format.best_of"));
    assert_eq!(parse(json!({"no_ad": true})).unwrap_err().field.as_deref(), Some("format.no_ad"));
    let err = Sport::Volleyball
        .check_kind(&crate::domain::testing::event(r#"{"kind":"end"}"#))
        .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("kind"));
}
