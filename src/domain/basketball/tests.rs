use serde_json::json;

use crate::domain::testing::Match;
use crate::domain::{Sport, Status};

fn game(format: serde_json::Value) -> Match {
    let mut m = Match::of(Sport::Basketball, format);
    m.ok(r#"{"kind":"start"}"#);
    m
}

fn points(m: &mut Match, team: &str, value: u8) {
    m.ok(&format!(r#"{{"kind":"points","team":"{team}","value":{value}}}"#));
}

#[test]
fn four_quarters_then_overtime_after_overtime_until_the_score_is_not_tied() {
    let mut m = game(json!({}));
    assert_eq!(m.state.period(), Some("q1"));
    points(&mut m, "home", 3);
    points(&mut m, "away", 2);
    for q in ["q2", "q3", "q4"] {
        m.ok(&format!(r#"{{"kind":"period","period":"{q}"}}"#));
    }
    points(&mut m, "away", 1);
    let err = m.post(r#"{"kind":"end"}"#).unwrap_err();
    assert!(err.0.contains("never ends tied (3-3)"), "{err}");
    assert!(m
        .post(r#"{"kind":"period","period":"ot2"}"#)
        .unwrap_err()
        .0
        .contains("next period is ot1"));
    m.ok(r#"{"kind":"period","period":"ot1"}"#);
    points(&mut m, "home", 2);
    points(&mut m, "away", 2);
    m.ok(r#"{"kind":"period","period":"ot2"}"#);
    points(&mut m, "home", 1);
    let err = m.post(r#"{"kind":"period","period":"ot3"}"#).unwrap_err();
    assert!(err.0.contains("no period follows ot2"), "{err}");
    m.ok(r#"{"kind":"end"}"#);
    assert_eq!((m.state.status, m.score()), (Status::Finished, (6, 5)));
    let line = m.line();
    let names: Vec<&str> = line.iter().map(|(p, ..)| p.as_str()).collect();
    assert_eq!(names, ["q1", "q2", "q3", "q4", "ot1", "ot2"]);
    assert_eq!(line[0], ("q1".into(), 3, 2));
    assert_eq!(line[3], ("q4".into(), 0, 1));
    assert_eq!(line[5], ("ot2".into(), 1, 0));
    let err = m.post(r#"{"kind":"score","home":6,"away":6}"#).unwrap_err();
    assert!(err.0.contains("finished basketball game cannot be tied (6-6)"), "{err}");
    m.ok(r#"{"kind":"score","home":6,"away":7}"#);
    assert_eq!((m.state.status, m.score()), (Status::Finished, (6, 7)));
}

#[test]
fn the_game_ends_only_after_regulation_and_quarters_follow_in_order() {
    let mut m = game(json!({}));
    points(&mut m, "home", 2);
    assert!(m.post(r#"{"kind":"end"}"#).unwrap_err().0.contains("after the fourth quarter"));
    assert!(m
        .post(r#"{"kind":"period","period":"q3"}"#)
        .unwrap_err()
        .0
        .contains("next period is q2"));
    assert!(m.post(r#"{"kind":"period","period":"q1"}"#).is_err());
    m.ok(r#"{"kind":"period","period":"q2"}"#);
    m.ok(r#"{"kind":"period","period":"q3"}"#);
    m.ok(r#"{"kind":"period","period":"q4"}"#);
    let err = m.post(r#"{"kind":"period","period":"ot1"}"#).unwrap_err();
    assert!(err.0.contains("no period follows q4 at 2-0"), "{err}");
    m.ok(r#"{"kind":"end"}"#);
    let late = m.post(r#"{"kind":"points","team":"away","value":3}"#).unwrap_err();
    assert!(late.0.contains("finished"), "{late}");
}

#[test]
fn the_clock_counts_down_from_the_period_length_and_only_the_operator_runs_it() {
    let mut m = game(json!({"quarter_minutes": 12}));
    let clock = m.state.play().rules().clock().unwrap();
    assert_eq!((clock.running, clock.remaining_ms.get()), (false, 720_000));
    m.ok(r#"{"kind":"clock","running":true,"remaining_ms":720000}"#);
    let started = m.state.play().rules().clock().unwrap();
    assert!(started.running);
    assert_eq!(started.remaining_at(started.at + time::Duration::seconds(30)), 690_000);
    m.ok(r#"{"kind":"clock","running":false,"remaining_ms":689500}"#);
    let stopped = m.state.play().rules().clock().unwrap();
    assert_eq!(stopped.remaining_at(stopped.at + time::Duration::hours(1)), 689_500);
    let err = m.post(r#"{"kind":"clock","running":true,"remaining_ms":720001}"#).unwrap_err();
    assert!(err.0.contains("runs from 720000 ms"), "{err}");
    m.ok(r#"{"kind":"period","period":"q2"}"#);
    assert_eq!(
        m.state.play().rules().clock().unwrap().remaining_ms.get(),
        720_000,
        "a full clock again"
    );
    // Overtime runs for the format's overtime length.
    let mut m = game(json!({"overtime_minutes": 5}));
    for q in ["q2", "q3", "q4", "ot1"] {
        m.ok(&format!(r#"{{"kind":"period","period":"{q}"}}"#));
    }
    assert_eq!(m.state.play().rules().clock().unwrap().remaining_ms.get(), 300_000);
    assert!(m.post(r#"{"kind":"clock","running":true,"remaining_ms":300001}"#).is_err());
}

#[test]
fn team_fouls_give_the_bonus_from_the_fifth_and_start_again_each_quarter() {
    let mut m = game(json!({}));
    for _ in 0..3 {
        m.ok(r#"{"kind":"foul","team":"home"}"#);
    }
    let fouls = m.state.play().basketball().unwrap().fouls();
    assert_eq!((fouls.team.home, fouls.bonus.away), (3, false));
    m.ok(r#"{"kind":"foul","team":"home"}"#);
    let fouls = m.state.play().basketball().unwrap().fouls();
    assert!(fouls.bonus.away && !fouls.bonus.home, "home's fifth foul gives free throws");
    m.ok(r#"{"kind":"period","period":"q2"}"#);
    let fouls = m.state.play().basketball().unwrap().fouls();
    assert_eq!((fouls.team.home, fouls.bonus.away), (0, false));
}

#[test]
fn a_player_fouls_out_at_five_under_fiba_and_six_under_nba_and_play_goes_on() {
    for (format, limit) in
        [(json!({"quarter_minutes": 10}), 5), (json!({"quarter_minutes": 12}), 6)]
    {
        let mut m = game(format);
        for n in 1..=limit + 1 {
            m.ok(r#"{"kind":"foul","team":"away","player":"Doncic"}"#);
            let fouls = m.state.play().basketball().unwrap().fouls();
            let p = &fouls.players[0];
            assert_eq!((p.fouls, p.fouled_out), (n as u16, n >= limit), "foul {n} of {limit}");
        }
        points(&mut m, "away", 2);
    }
}

#[test]
fn fiba_overtime_fouls_go_on_from_the_fourth_quarter_and_nba_ones_start_again() {
    for (format, carried) in
        [(json!({"quarter_minutes": 10}), 2), (json!({"quarter_minutes": 12}), 0)]
    {
        let mut m = game(format);
        for q in ["q2", "q3", "q4"] {
            m.ok(&format!(r#"{{"kind":"period","period":"{q}"}}"#));
        }
        m.ok(r#"{"kind":"foul","team":"home"}"#);
        m.ok(r#"{"kind":"foul","team":"home"}"#);
        m.ok(r#"{"kind":"period","period":"ot1"}"#);
        let fouls = m.state.play().basketball().unwrap().fouls();
        assert_eq!(fouls.team.home, carried);
    }
}

#[test]
fn timeouts_are_counted() {
    let mut m = game(json!({}));
    m.ok(r#"{"kind":"timeout","team":"away"}"#);
    m.ok(r#"{"kind":"timeout","team":"away"}"#);
    let t = m.state.play().basketball().unwrap().timeouts();
    assert_eq!((t.home, t.away), (0, 2));
}

#[test]
fn the_format_is_validated_naming_the_field_and_defaults_are_filled_in() {
    let parse = |v| Sport::Basketball.parse_format(Some(v));
    assert_eq!(parse(json!({})).unwrap(), json!({"quarter_minutes": 10, "overtime_minutes": 5}));
    let err = parse(json!({"quarter_minutes": 11})).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("format.quarter_minutes"), "{err}");
    let err = parse(json!({"period_minutes": 20})).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("format.period_minutes"), "{err}");
    let err = parse(json!({"overtime_minutes": 0})).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("format.overtime_minutes"), "{err}");
}

#[test]
fn a_score_correction_sets_the_score_and_the_current_quarter_takes_the_difference() {
    let mut m = game(json!({}));
    points(&mut m, "home", 3);
    m.ok(r#"{"kind":"period","period":"q2"}"#);
    points(&mut m, "home", 2);
    m.ok(r#"{"kind":"score","home":4,"away":0}"#);
    assert_eq!(m.score(), (4, 0));
    assert_eq!(m.line()[1], ("q2".into(), 1, 0));
}

#[test]
fn another_sports_period_is_refused_naming_the_field() {
    let event = crate::domain::testing::event(r#"{"kind":"period","period":"p2"}"#);
    let err = Sport::Basketball.check_kind(&event).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("period"), "{err}");
    let goal = crate::domain::testing::event(r#"{"kind":"goal","team":"home","minute":3}"#);
    assert_eq!(Sport::Basketball.check_kind(&goal).unwrap_err().field.as_deref(), Some("kind"));
}
