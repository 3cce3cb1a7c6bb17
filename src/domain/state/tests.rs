use time::{Duration, OffsetDateTime};

use super::*;
use crate::domain::{Period, Sport};

fn at(s: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000 + s).unwrap()
}

fn event(json: &str) -> EventKind {
    EventKind::from_json(serde_json::from_str(json).unwrap()).unwrap()
}

fn new_match() -> LiveState {
    LiveState::initial(Sport::Football, &serde_json::json!({}))
}

/// The state after `events`, each posted one second after the one before, all of them allowed.
fn after(events: &[&str]) -> LiveState {
    events.iter().enumerate().fold(new_match(), |s, (i, json)| {
        s.apply(&event(json), at(i as i64)).unwrap_or_else(|e| panic!("{json}: {e}"))
    })
}

fn score(s: &LiveState) -> (i64, i64) {
    (s.score().home.into(), s.score().away.into())
}

#[test]
fn a_match_runs_from_kickoff_to_end() {
    let s = after(&[r#"{"kind":"kickoff"}"#]);
    assert_eq!((s.status, s.seq.get()), (Status::Live, 1));
    let s = s.apply(&event(r#"{"kind":"goal","team":"away","minute":12}"#), at(9)).unwrap();
    assert_eq!(score(&s), (0, 1));
    let s =
        s.apply(&event(r#"{"kind":"period","period":"half_time","minute":45}"#), at(9)).unwrap();
    assert_eq!(s.status, Status::HalfTime);
    let err = s.apply(&event(r#"{"kind":"goal","team":"home","minute":46}"#), at(9)).unwrap_err();
    assert!(err.0.contains("half_time"), "{err}");
    let s = s.apply(&event(r#"{"kind":"period","period":"second_half"}"#), at(9)).unwrap();
    let s = s.apply(&event(r#"{"kind":"score","home":2,"away":1,"minute":80}"#), at(9)).unwrap();
    assert_eq!(score(&s), (2, 1));
    let s = s.apply(&event(r#"{"kind":"end","minute":94}"#), at(9)).unwrap();
    assert_eq!((s.status, s.seq.get()), (Status::Finished, 6));
    assert_eq!(s.minute().map(i64::from), Some(94));
    let late = s.apply(&event(r#"{"kind":"goal","team":"home","minute":95}"#), at(9));
    assert!(late.unwrap_err().0.contains("finished"));
}

#[test]
fn start_and_kickoff_both_start_a_scheduled_or_delayed_match() {
    let s = after(&[r#"{"kind":"status","status":"delayed","reason":"floodlights"}"#]);
    assert_eq!(s.reason.as_ref().map(|r| r.as_ref()), Some("floodlights"));
    let s = s.apply(&event(r#"{"kind":"start"}"#), at(5)).unwrap();
    assert_eq!((s.status, s.period()), (Status::Live, Some("first_half")));
    assert_eq!(s.reason, None, "the delay's reason goes with it");
    assert!(s.apply(&event(r#"{"kind":"kickoff"}"#), at(6)).is_err());
}

#[test]
fn a_postponed_match_can_be_rescheduled_or_cancelled_but_not_started() {
    let s = after(&[r#"{"kind":"status","status":"postponed","reason":"frozen pitch"}"#]);
    assert_eq!(s.status, Status::Postponed);
    let err = s.apply(&event(r#"{"kind":"kickoff"}"#), at(9)).unwrap_err();
    assert!(err.0.contains("postponed"), "{err}");
    let back = s.apply(&event(r#"{"kind":"status","status":"scheduled"}"#), at(9)).unwrap();
    assert_eq!(back.status, Status::Scheduled);
    let gone = s.apply(&event(r#"{"kind":"status","status":"cancelled"}"#), at(9)).unwrap();
    assert_eq!(gone.status, Status::Cancelled);
    let err = gone.apply(&event(r#"{"kind":"status","status":"awarded","winner":"home"}"#), at(9));
    assert!(err.unwrap_err().0.contains("cancelled"));
}

#[test]
fn a_resumed_match_returns_to_its_period_and_its_clock_goes_on_where_it_stopped() {
    let s = after(&[r#"{"kind":"kickoff"}"#, r#"{"kind":"goal","team":"home","minute":20}"#]);
    let started = s.period_started_at().unwrap();
    let s = s
        .apply(&event(r#"{"kind":"status","status":"interrupted","reason":"storm"}"#), at(1000))
        .unwrap();
    assert_eq!(s.status, Status::Interrupted);
    let goal = s.apply(&event(r#"{"kind":"goal","team":"home","minute":21}"#), at(1001));
    assert!(goal.is_err(), "nothing that needs the ball in play");
    let s = s
        .apply(&event(r#"{"kind":"card","team":"home","player":"X","color":"yellow"}"#), at(1002))
        .expect("cards are accepted while play is stopped");
    let s = s.apply(&event(r#"{"kind":"status","status":"suspended"}"#), at(1500)).unwrap();
    let s = s.apply(&event(r#"{"kind":"status","status":"live"}"#), at(1600)).unwrap();
    assert_eq!((s.status, s.period()), (Status::Live, Some("first_half")));
    assert_eq!(s.period_started_at(), Some(started + Duration::seconds(600)), "stopped 600 s");
    assert_eq!(score(&s), (1, 0));
}

#[test]
fn a_match_stopped_at_half_time_resumes_at_half_time() {
    let s = after(&[
        r#"{"kind":"kickoff"}"#,
        r#"{"kind":"period","period":"half_time"}"#,
        r#"{"kind":"status","status":"interrupted"}"#,
        r#"{"kind":"status","status":"live"}"#,
    ]);
    assert_eq!((s.status, s.period()), (Status::HalfTime, Some("half_time")));
}

#[test]
fn an_abandoned_match_keeps_its_score_and_an_award_sets_one() {
    let s = after(&[
        r#"{"kind":"kickoff"}"#,
        r#"{"kind":"goal","team":"away","minute":3}"#,
        r#"{"kind":"status","status":"abandoned","reason":"crowd trouble"}"#,
    ]);
    assert_eq!((s.status, score(&s)), (Status::Abandoned, (0, 1)));
    let s = s
        .apply(
            &event(r#"{"kind":"status","status":"awarded","winner":"home","home":3,"away":0,"method":"decision"}"#),
            at(9),
        )
        .unwrap();
    assert_eq!((s.status, score(&s)), (Status::Awarded, (3, 0)));
    assert_eq!(s.award.map(|a| a.winner), Some(Side::Home));
}

#[test]
fn a_confirmed_result_takes_only_an_award() {
    let s = after(&[r#"{"kind":"kickoff"}"#, r#"{"kind":"end"}"#, r#"{"kind":"confirm"}"#]);
    assert!(s.confirmed);
    for refused in [
        r#"{"kind":"score","home":1,"away":0}"#,
        r#"{"kind":"void","target":2}"#,
        r#"{"kind":"confirm"}"#,
        r#"{"kind":"status","status":"abandoned"}"#,
    ] {
        let err = s.apply(&event(refused), at(9)).unwrap_err();
        assert!(err.0.contains("confirmed"), "{refused}: {err}");
    }
    let s =
        s.apply(&event(r#"{"kind":"status","status":"awarded","winner":"away"}"#), at(9)).unwrap();
    assert!(!s.confirmed, "an award clears the confirmation");
    assert!(s.apply(&event(r#"{"kind":"confirm"}"#), at(9)).is_ok());
}

#[test]
fn confirm_needs_a_result() {
    let s = after(&[r#"{"kind":"kickoff"}"#]);
    assert!(s.apply(&event(r#"{"kind":"confirm"}"#), at(9)).unwrap_err().0.contains("live"));
}

#[test]
fn extra_time_has_two_halves_and_a_break_between() {
    let s = after(&[
        r#"{"kind":"kickoff"}"#,
        r#"{"kind":"period","period":"half_time"}"#,
        r#"{"kind":"period","period":"second_half"}"#,
        r#"{"kind":"period","period":"before_extra_time"}"#,
    ]);
    assert_eq!(s.status, Status::HalfTime);
    let s = after(&[
        r#"{"kind":"kickoff"}"#,
        r#"{"kind":"period","period":"half_time"}"#,
        r#"{"kind":"period","period":"second_half"}"#,
        r#"{"kind":"period","period":"before_extra_time"}"#,
        r#"{"kind":"period","period":"extra_time"}"#,
        r#"{"kind":"goal","team":"home","minute":98}"#,
        r#"{"kind":"period","period":"extra_time_half_time"}"#,
        r#"{"kind":"period","period":"extra_time_second_half"}"#,
    ]);
    assert_eq!((s.status, s.period()), (Status::Live, Some("extra_time_second_half")));
    assert_eq!(Period::ExtraTimeSecondHalf.clock().0, 105);
    let err = s.apply(&event(r#"{"kind":"period","period":"half_time"}"#), at(99)).unwrap_err();
    assert!(err.0.contains("allowed next"), "{err}");
    let lines: Vec<_> = s.periods().into_iter().map(|p| (p.period, score_of(p.score))).collect();
    assert_eq!(
        lines,
        vec![
            ("first_half".into(), (0, 0)),
            ("second_half".into(), (0, 0)),
            ("extra_time".into(), (1, 0)),
            ("extra_time_second_half".into(), (0, 0)),
        ]
    );
}

fn score_of(s: Score) -> (i64, i64) {
    (s.home.into(), s.away.into())
}

#[test]
fn added_time_is_announced_per_period_and_a_later_one_replaces_it() {
    let s = after(&[r#"{"kind":"kickoff"}"#, r#"{"kind":"added_time","minutes":2}"#]);
    assert_eq!(s.added_time(), Some(2));
    let s = s.apply(&event(r#"{"kind":"added_time","minutes":4}"#), at(9)).unwrap();
    assert_eq!(s.added_time(), Some(4));
    let s = s.apply(&event(r#"{"kind":"period","period":"half_time"}"#), at(9)).unwrap();
    assert_eq!(s.added_time(), None, "a new period has none announced");
    assert!(s.apply(&event(r#"{"kind":"added_time","minutes":3}"#), at(9)).is_err());
}

#[test]
fn a_second_yellow_to_the_same_player_is_a_yellow_red() {
    let s = after(&[r#"{"kind":"kickoff"}"#]);
    let card = event(r#"{"kind":"card","team":"home","player":"Kees","color":"yellow"}"#);
    assert_eq!(s.normalize(card.clone()), card, "a first yellow is a yellow");
    let s = s.apply(&card, at(9)).unwrap();
    let other = event(r#"{"kind":"card","team":"away","player":"Kees","color":"yellow"}"#);
    assert_eq!(s.normalize(other.clone()), other, "the same name on the other side");
    let second = s.normalize(card);
    assert!(
        matches!(&second, EventKind::Card(c) if c.color == crate::domain::CardColor::YellowRed)
    );
}

#[test]
fn the_state_reads_back_from_its_stored_json() {
    let s = after(&[
        r#"{"kind":"kickoff"}"#,
        r#"{"kind":"goal","team":"away","minute":12}"#,
        r#"{"kind":"card","team":"home","player":"Kees","color":"yellow"}"#,
        r#"{"kind":"status","status":"interrupted","reason":"rain"}"#,
    ]);
    assert_eq!(LiveState::from_stored(&s.to_stored()), Some(s.clone()));
    let other_version = s.to_stored().replace("\"v\":1", "\"v\":99");
    assert_eq!(LiveState::from_stored(&other_version), None);
}

#[test]
fn the_shootout_is_scored_apart_and_must_be_decided_before_the_end() {
    let mut s = after(&[
        r#"{"kind":"kickoff"}"#,
        r#"{"kind":"goal","team":"home","minute":10}"#,
        r#"{"kind":"goal","team":"away","minute":80}"#,
        r#"{"kind":"period","period":"extra_time","minute":90}"#,
    ]);
    let kick = r#"{"kind":"kick","team":"home","scored":true}"#;
    assert!(s.apply(&event(kick), at(9)).unwrap_err().0.contains("`penalties` period first"));
    s = s.apply(&event(r#"{"kind":"period","period":"penalties","minute":120}"#), at(9)).unwrap();
    let goal = r#"{"kind":"goal","team":"home","minute":120}"#;
    assert!(s.apply(&event(goal), at(9)).unwrap_err().0.contains("`kick` events"));
    assert!(s.apply(&event(r#"{"kind":"end"}"#), at(9)).unwrap_err().0.contains("not decided"));
    for _ in 0..3 {
        s = s.apply(&event(kick), at(9)).unwrap();
        s = s.apply(&event(r#"{"kind":"kick","team":"away","scored":false}"#), at(9)).unwrap();
    }
    assert_eq!(score(&s), (1, 1), "the match score stays");
    assert_eq!(s.shootout().map(|t| score_of(t.tally())), Some((3, 0)));
    let s = s.apply(&event(r#"{"kind":"end"}"#), at(9)).unwrap();
    assert_eq!((s.status, s.period()), (Status::Finished, Some("penalties")));
    assert_eq!(s.periods().last().map(|p| p.period.as_str()), Some("penalties"));
}
