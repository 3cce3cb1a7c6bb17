use serde_json::json;

use crate::domain::testing::{event, Match};
use crate::domain::{Side, Sport, Status};

fn game(format: serde_json::Value) -> Match {
    let mut m = Match::of(Sport::IceHockey, format);
    m.ok(r#"{"kind":"start"}"#);
    m
}

fn goal(m: &mut Match, team: &str, minute: u8) {
    m.ok(&format!(r#"{{"kind":"goal","team":"{team}","minute":{minute}}}"#));
}

fn shot(m: &mut Match, team: &str, scored: bool) -> Result<(), String> {
    m.post(&format!(r#"{{"kind":"shot","team":"{team}","scored":{scored}}}"#))
        .map(|_| ())
        .map_err(|e| e.0)
}

/// A game tied 1-1 after regulation and a regular-season overtime, in its shoot-out.
fn to_shootout() -> Match {
    let mut m = game(json!({}));
    goal(&mut m, "home", 5);
    m.ok(r#"{"kind":"period","period":"p2"}"#);
    goal(&mut m, "away", 30);
    m.ok(r#"{"kind":"period","period":"p3"}"#);
    m.ok(r#"{"kind":"period","period":"ot1"}"#);
    m.ok(r#"{"kind":"period","period":"shootout"}"#);
    m
}

#[test]
fn a_shoot_out_is_decided_as_soon_as_one_side_cannot_be_caught_and_counts_one_goal() {
    let mut m = to_shootout();
    assert!(m.post(r#"{"kind":"end"}"#).unwrap_err().0.contains("shoot-out is not decided"));
    assert!(m.post(r#"{"kind":"goal","team":"home","minute":65}"#).unwrap_err().0.contains("shot"));
    shot(&mut m, "home", false).unwrap();
    assert!(shot(&mut m, "home", true).unwrap_err().contains("next kick is the away team's"));
    shot(&mut m, "away", true).unwrap();
    shot(&mut m, "home", false).unwrap();
    shot(&mut m, "away", true).unwrap();
    // 0-2 after two rounds of three: home has one attempt left and cannot catch up.
    let shootout = m.state.shootout().unwrap();
    assert_eq!(shootout.winner(), Some(Side::Away));
    assert!(shot(&mut m, "home", true).unwrap_err().contains("decided"));
    assert_eq!(m.score(), (1, 2), "the winner's final score is one goal higher");
    m.ok(r#"{"kind":"end"}"#);
    assert_eq!(m.state.status, Status::Finished);
    let line = m.line();
    assert_eq!(line.last().unwrap(), &("shootout".to_owned(), 0, 1));
    let tally = shootout.tally();
    assert_eq!((i64::from(tally.home), i64::from(tally.away)), (0, 2), "the tally is apart");
}

#[test]
fn a_shoot_out_level_after_its_rounds_goes_to_sudden_death() {
    let mut m = to_shootout();
    for _ in 0..3 {
        shot(&mut m, "away", true).unwrap();
        shot(&mut m, "home", true).unwrap();
    }
    assert_eq!(m.state.shootout().unwrap().winner(), None);
    shot(&mut m, "away", false).unwrap();
    shot(&mut m, "home", false).unwrap();
    shot(&mut m, "away", true).unwrap();
    assert_eq!(m.state.shootout().unwrap().winner(), None, "home may still level");
    shot(&mut m, "home", false).unwrap();
    assert_eq!(m.state.shootout().unwrap().winner(), Some(Side::Away));
    assert_eq!(m.score(), (1, 2));
    m.ok(r#"{"kind":"end"}"#);
}

#[test]
fn regular_season_overtime_is_one_sudden_death_period_then_the_shoot_out() {
    let mut m = game(json!({"overtime": "regular_season"}));
    m.ok(r#"{"kind":"period","period":"p2"}"#);
    m.ok(r#"{"kind":"period","period":"p3"}"#);
    assert!(m.post(r#"{"kind":"end"}"#).unwrap_err().0.contains("overtime follows"));
    m.ok(r#"{"kind":"period","period":"ot1"}"#);
    assert_eq!(m.state.play().rules().clock().unwrap().remaining_ms.get(), 300_000, "5 minutes");
    assert!(m.post(r#"{"kind":"end"}"#).unwrap_err().0.contains("shoot-out follows"));
    assert!(m.post(r#"{"kind":"period","period":"ot2"}"#).unwrap_err().0.contains("shootout"));
    goal(&mut m, "home", 63);
    let err = m.post(r#"{"kind":"goal","team":"away","minute":64}"#).unwrap_err();
    assert!(err.0.contains("sudden death"), "{err}");
    assert!(m.post(r#"{"kind":"period","period":"shootout"}"#).is_err());
    m.ok(r#"{"kind":"end"}"#);
    assert_eq!(m.score(), (1, 0));
    assert_eq!(m.line().last().unwrap(), &("ot1".to_owned(), 1, 0));
}

#[test]
fn playoff_overtime_goes_on_period_after_period_until_a_goal() {
    let mut m = game(json!({"overtime": "playoff"}));
    goal(&mut m, "away", 12);
    m.ok(r#"{"kind":"period","period":"p2"}"#);
    m.ok(r#"{"kind":"period","period":"p3"}"#);
    goal(&mut m, "home", 55);
    for ot in ["ot1", "ot2", "ot3"] {
        m.ok(&format!(r#"{{"kind":"period","period":"{ot}"}}"#));
        let err = m.post(r#"{"kind":"end"}"#).unwrap_err();
        assert!(err.0.contains("playoff overtime goes on until a goal"), "{err}");
        assert_eq!(
            m.state.play().rules().clock().unwrap().remaining_ms.get(),
            1_200_000,
            "20 minutes"
        );
    }
    assert!(m.post(r#"{"kind":"period","period":"shootout"}"#).is_err(), "no shoot-out");
    goal(&mut m, "away", 112);
    assert!(m.post(r#"{"kind":"period","period":"ot4"}"#).is_err());
    m.ok(r#"{"kind":"end"}"#);
    assert_eq!(m.score(), (1, 2));
    assert_eq!(m.line().len(), 6);
}

#[test]
fn goals_carry_strength_empty_net_and_two_assists_and_penalties_are_shown() {
    let mut m = game(json!({}));
    m.ok(r#"{"kind":"penalty","team":"home","minutes":2,"player":"Kane","minute":2}"#);
    m.ok(r#"{"kind":"goal","team":"away","minute":8,"player":"Pacioretty","strength":"power_play","assists":["Drouin","Gallagher"]}"#);
    m.ok(r#"{"kind":"goal","team":"away","minute":19,"empty_net":true}"#);
    let penalties = m.state.play().ice_hockey().unwrap().penalties();
    assert_eq!((penalties[0].minutes, penalties[0].period.as_str()), (2, "p1"));
    assert_eq!(m.score(), (0, 2));
    let three = r#"{"kind":"goal","team":"away","minute":9,"assists":["A","B","C"]}"#;
    let err =
        crate::domain::EventKind::from_json(serde_json::from_str(three).unwrap()).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("assists"), "{err}");
    let odd = r#"{"kind":"penalty","team":"home","minutes":3}"#;
    let err = crate::domain::EventKind::from_json(serde_json::from_str(odd).unwrap()).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("minutes"), "{err}");
}

#[test]
fn each_sport_refuses_the_other_sports_goal_fields_naming_them() {
    let hockey = event(r#"{"kind":"goal","team":"home","minute":3,"strength":"even"}"#);
    let err = Sport::Football.check_kind(&hockey).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("strength"), "{err}");
    let football = event(r#"{"kind":"goal","team":"home","minute":3,"method":"penalty"}"#);
    let err = Sport::IceHockey.check_kind(&football).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("method"), "{err}");
    let amend = event(
        r#"{"kind":"amend","target":2,"event":{"kind":"goal","team":"home","minute":3,"assists":["X"]}}"#,
    );
    let err = Sport::Football.check_kind(&amend).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("event.assists"), "{err}");
    let period = event(r#"{"kind":"period","period":"second_half"}"#);
    assert_eq!(Sport::IceHockey.check_kind(&period).unwrap_err().field.as_deref(), Some("period"));
    let shot = event(r#"{"kind":"shot","team":"home","scored":true}"#);
    assert_eq!(Sport::Football.check_kind(&shot).unwrap_err().field.as_deref(), Some("kind"));
}

#[test]
fn the_format_is_validated_naming_the_field() {
    let parse = |v| Sport::IceHockey.parse_format(Some(v));
    assert_eq!(
        parse(json!({})).unwrap(),
        json!({"period_minutes": 20, "overtime": "regular_season", "shootout_rounds": 3})
    );
    for (bad, field) in [
        (json!({"overtime": "sudden"}), "format.overtime"),
        (json!({"shootout_rounds": 0}), "format.shootout_rounds"),
        (json!({"period_minutes": 21}), "format.period_minutes"),
        (json!({"quarter_minutes": 12}), "format.quarter_minutes"),
    ] {
        assert_eq!(parse(bad).unwrap_err().field.as_deref(), Some(field));
    }
}

#[test]
fn a_deciding_shot_may_be_voided_for_a_retake_and_the_game_reopens() {
    let mut m = to_shootout();
    shot(&mut m, "home", true).unwrap();
    shot(&mut m, "away", false).unwrap();
    shot(&mut m, "home", true).unwrap();
    shot(&mut m, "away", false).unwrap();
    assert_eq!(m.score(), (2, 1));
    let deciding = m.state.seq.get();
    m.ok(&format!(r#"{{"kind":"void","target":{deciding}}}"#));
    assert_eq!(m.score(), (1, 1), "undecided again: no extra goal");
    assert!(m.post(r#"{"kind":"end"}"#).is_err());
}
