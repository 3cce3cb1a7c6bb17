use serde_json::json;

use crate::domain::testing::Match;
use crate::domain::{GamePoint, Play, Side, Sport, Status};

fn started(format: serde_json::Value, server: &str) -> Match {
    let mut m = Match::of(Sport::Tennis, format);
    m.ok(&format!(r#"{{"kind":"start","server":"{server}"}}"#));
    m
}

/// Posts points won by `h`ome and `a`way, in the order given.
fn points(m: &mut Match, winners: &str) {
    for w in winners.chars() {
        let team = if w == 'h' { "home" } else { "away" };
        m.ok(&format!(r#"{{"kind":"point","team":"{team}"}}"#));
    }
}

/// `n` games in a row, each won to love by the side serving it... by `side`.
fn games(m: &mut Match, side: char, n: usize) {
    points(m, &side.to_string().repeat(4 * n));
}

fn tennis(m: &Match) -> &crate::domain::tennis::Tennis {
    match m.state.play() {
        Play::Tennis(t) => t,
        _ => panic!("a tennis match"),
    }
}

fn called(m: &Match) -> Vec<String> {
    tennis(m)
        .game()
        .unwrap()
        .iter()
        .map(|p| match p {
            GamePoint::Call(c) => c.clone(),
            GamePoint::Count(n) => n.to_string(),
        })
        .collect()
}

fn server(m: &Match) -> Side {
    tennis(m).server().unwrap()
}

#[test]
fn points_are_called_love_fifteen_thirty_forty_then_deuce_and_advantage() {
    let mut m = started(json!({}), "home");
    assert_eq!(called(&m), ["0", "0"]);
    points(&mut m, "h");
    assert_eq!(called(&m), ["15", "0"]);
    points(&mut m, "ha");
    assert_eq!(called(&m), ["30", "15"]);
    points(&mut m, "aa");
    assert_eq!(called(&m), ["30", "40"]);
    points(&mut m, "h");
    assert_eq!(called(&m), ["40", "40"]);
    points(&mut m, "h");
    assert_eq!(called(&m), ["A", "40"]);
    points(&mut m, "a");
    assert_eq!(called(&m), ["40", "40"]);
    points(&mut m, "a");
    assert_eq!(called(&m), ["40", "A"]);
    points(&mut m, "hhaa");
    assert_eq!(called(&m), ["40", "A"]);
    assert_eq!(m.line(), [("s1".into(), 0, 0)]);
    points(&mut m, "a");
    assert_eq!(m.line(), [("s1".into(), 0, 1)]);
    assert_eq!(called(&m), ["0", "0"]);
}

#[test]
fn no_ad_plays_one_deciding_point_at_deuce() {
    let mut m = started(json!({"no_ad": true}), "home");
    points(&mut m, "hhhaaa");
    assert_eq!(called(&m), ["40", "40"]);
    points(&mut m, "a");
    assert_eq!(m.line(), [("s1".into(), 0, 1)]);
}

#[test]
fn the_server_alternates_by_game() {
    let mut m = started(json!({}), "away");
    assert_eq!(server(&m), Side::Away);
    games(&mut m, 'h', 1);
    assert_eq!(server(&m), Side::Home);
    points(&mut m, "aahhaa");
    assert_eq!(server(&m), Side::Away);
}

#[test]
fn a_set_is_six_games_by_two_and_seven_five_after_five_all() {
    let mut m = started(json!({}), "home");
    games(&mut m, 'h', 5);
    games(&mut m, 'a', 5);
    assert_eq!(m.line(), [("s1".into(), 5, 5)]);
    games(&mut m, 'h', 1);
    assert_eq!(m.score(), (0, 0), "6-5 is no set");
    games(&mut m, 'h', 1);
    assert_eq!(m.score(), (1, 0));
    assert_eq!(m.line(), [("s1".into(), 7, 5), ("s2".into(), 0, 0)]);
    assert_eq!(m.state.period(), Some("s2"));
}

#[test]
fn a_tiebreak_at_six_all_serves_one_then_two_each_and_its_receiver_serves_the_next_set() {
    let mut m = started(json!({}), "home");
    // 6-6: twelve games, the server alternating; home is due to serve the thirteenth.
    for _ in 0..6 {
        games(&mut m, 'h', 1);
        games(&mut m, 'a', 1);
    }
    assert!(tennis(&m).in_tiebreak());
    assert_eq!(called(&m), ["0", "0"]);
    // Server of each tiebreak point: H, A, A, H, H, A, A, H...
    let mut servers = vec![server(&m)];
    for w in "hhhhhaaaaah".chars() {
        points(&mut m, &w.to_string());
        servers.push(server(&m));
    }
    use Side::{Away as A, Home as H};
    assert_eq!(servers[..11], [H, A, A, H, H, A, A, H, H, A, A]);
    assert_eq!(called(&m), ["6", "5"]);
    assert_eq!(m.score(), (0, 0), "6-5 in a tiebreak to 7 is no set");
    points(&mut m, "ah");
    assert_eq!(called(&m), ["7", "6"]);
    points(&mut m, "h");
    assert_eq!(m.score(), (1, 0));
    let periods = m.state.periods();
    assert_eq!(periods[0].tiebreak.map(|t| (t.home.into(), t.away.into())), Some((8i64, 6i64)));
    assert_eq!(m.line()[0], ("s1".into(), 7, 6));
    // Home served the tiebreak's first point: away, its first receiver, serves the next set.
    assert_eq!(server(&m), Side::Away);
    assert!(!tennis(&m).in_tiebreak());
    assert_eq!(called(&m), ["0", "0"]);
}

/// Plays the deciding set of a best-of-three to `n`-`n` after home took the first and away the
/// second 6-0.
fn final_set_at(format: serde_json::Value, n: usize) -> Match {
    let mut m = started(format, "home");
    games(&mut m, 'h', 6);
    games(&mut m, 'a', 6);
    for _ in 0..n {
        games(&mut m, 'h', 1);
        games(&mut m, 'a', 1);
    }
    m
}

#[test]
fn an_advantage_final_set_has_no_tiebreak_and_goes_on_until_two_games_clear() {
    let mut m = final_set_at(json!({"final_set": "advantage"}), 20);
    assert!(!tennis(&m).in_tiebreak());
    games(&mut m, 'h', 1);
    assert_eq!(m.state.status, Status::Live);
    games(&mut m, 'h', 1);
    assert_eq!(m.state.status, Status::Finished);
    assert_eq!(m.line()[2], ("s3".into(), 22, 20));
    assert_eq!(m.score(), (2, 1));
}

#[test]
fn the_default_final_set_has_a_tiebreak_to_seven_at_six_all() {
    let mut m = final_set_at(json!({}), 6);
    assert!(tennis(&m).in_tiebreak());
    points(&mut m, &"a".repeat(7));
    assert_eq!((m.state.status, m.score()), (Status::Finished, (1, 2)));
    assert_eq!(m.line()[2], ("s3".into(), 6, 7));
}

#[test]
fn a_final_set_tiebreak_at_twelve_all_is_not_played_at_six_all() {
    let mut m = final_set_at(json!({"final_set": "tiebreak_7_at_12"}), 6);
    assert!(!tennis(&m).in_tiebreak());
    for _ in 0..6 {
        games(&mut m, 'h', 1);
        games(&mut m, 'a', 1);
    }
    assert!(tennis(&m).in_tiebreak());
    points(&mut m, &"h".repeat(7));
    assert_eq!((m.state.status, m.score()), (Status::Finished, (2, 1)));
    assert_eq!(m.line()[2], ("s3".into(), 13, 12));
}

#[test]
fn a_ten_point_final_set_tiebreak_is_played_at_six_all_to_ten_by_two() {
    let mut m = final_set_at(json!({"final_set": "tiebreak_10"}), 6);
    assert!(tennis(&m).in_tiebreak());
    points(&mut m, &"ha".repeat(9));
    points(&mut m, "h");
    assert_eq!(called(&m), ["10", "9"]);
    assert_eq!(m.state.status, Status::Live);
    points(&mut m, "h");
    assert_eq!((m.state.status, m.score()), (Status::Finished, (2, 1)));
    let tb = m.state.periods()[2].tiebreak.unwrap();
    assert_eq!((i64::from(tb.home), i64::from(tb.away)), (11, 9));
}

#[test]
fn a_match_tiebreak_to_ten_replaces_the_deciding_set_and_counts_one_game() {
    let mut m = started(json!({"final_set": "match_tiebreak_10"}), "home");
    games(&mut m, 'h', 6);
    assert!(!tennis(&m).in_tiebreak(), "the first set is a set");
    games(&mut m, 'a', 6);
    assert!(tennis(&m).in_tiebreak());
    // Home served the second set's first game, away its last: home is due.
    assert_eq!(server(&m), Side::Home);
    points(&mut m, &"a".repeat(9));
    assert_eq!(m.state.status, Status::Live);
    points(&mut m, "a");
    assert_eq!((m.state.status, m.score()), (Status::Finished, (1, 2)));
    assert_eq!(m.line()[2], ("s3".into(), 0, 1));
}

#[test]
fn best_of_five_needs_three_sets_and_the_deciding_point_ends_the_match() {
    let mut m = started(json!({"best_of": 5}), "home");
    for _ in 0..2 {
        games(&mut m, 'h', 6);
    }
    games(&mut m, 'a', 6);
    assert_eq!((m.state.status, m.score()), (Status::Live, (2, 1)));
    games(&mut m, 'h', 5);
    points(&mut m, "hhh");
    assert_eq!(m.state.status, Status::Live);
    points(&mut m, "h");
    assert_eq!((m.state.status, m.score()), (Status::Finished, (3, 1)));
    assert_eq!(m.state.periods().len(), 4, "no fifth set begins");
    let err = m.post(r#"{"kind":"point","team":"away"}"#).unwrap_err();
    assert!(err.0.contains("while the match is finished"), "{err}");
    assert!(tennis(&m).game().is_none());
    assert!(m.state.play().rules().keys().unwrap().gp.is_none());
}

#[test]
fn voiding_the_match_point_reopens_the_match_and_amending_it_gives_the_point_away() {
    let mut m = started(json!({}), "home");
    games(&mut m, 'h', 11);
    points(&mut m, "hhh");
    points(&mut m, "h");
    let last = m.state.seq;
    assert_eq!((m.state.status, m.score()), (Status::Finished, (2, 0)));
    m.ok(&format!(r#"{{"kind":"void","target":{}}}"#, last.get()));
    assert_eq!((m.state.status, m.score()), (Status::Live, (1, 0)));
    assert_eq!(called(&m), ["40", "0"]);
    m.ok(&format!(
        r#"{{"kind":"amend","target":{},"event":{{"kind":"point","team":"away"}}}}"#,
        last.get() - 1
    ));
    assert_eq!(called(&m), ["30", "15"]);
    assert_eq!(m.state.status, Status::Live);
}

#[test]
fn an_award_keeps_the_line_score_and_shows_the_awarded_sets() {
    let mut m = started(json!({}), "home");
    games(&mut m, 'h', 6);
    games(&mut m, 'a', 2);
    m.ok(r#"{"kind":"status","status":"awarded","winner":"home","method":"retired"}"#);
    assert_eq!(m.state.status, Status::Awarded);
    assert_eq!(m.line(), [("s1".into(), 6, 0), ("s2".into(), 0, 2)]);
    assert_eq!(m.score(), (1, 0));
    assert!(m.post(r#"{"kind":"point","team":"home"}"#).is_err());
}

#[test]
fn tennis_refuses_a_start_without_server_end_score_and_a_posted_after() {
    let sport = Sport::Tennis;
    let check = |json: &str| sport.check_kind(&crate::domain::testing::event(json));
    let err = check(r#"{"kind":"start"}"#).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("server"));
    for kind in ["end", "score", "period", "goal"] {
        let json = match kind {
            "score" => r#"{"kind":"score","home":1,"away":0}"#.to_owned(),
            "period" => r#"{"kind":"period","period":"q2"}"#.to_owned(),
            "goal" => r#"{"kind":"goal","team":"home","minute":3}"#.to_owned(),
            other => format!(r#"{{"kind":"{other}"}}"#),
        };
        assert_eq!(check(&json).unwrap_err().field.as_deref(), Some("kind"), "{kind}");
    }
    let err = check(r#"{"kind":"point","team":"home","after":{"gs":[1,0]}}"#).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("after"));
    let err = Sport::Football
        .check_kind(&crate::domain::testing::event(r#"{"kind":"start","server":"home"}"#));
    assert_eq!(err.unwrap_err().field.as_deref(), Some("server"));
    assert!(Sport::Volleyball
        .check_kind(&crate::domain::testing::event(r#"{"kind":"start"}"#))
        .is_ok());
}

#[test]
fn formats_are_validated_naming_the_field() {
    let parse = |f: serde_json::Value| Sport::Tennis.parse_format(Some(f));
    assert_eq!(
        parse(json!({})).unwrap(),
        json!({"best_of": 3, "final_set": "tiebreak_7", "no_ad": false})
    );
    for (bad, field) in [
        (json!({"best_of": 4}), "format.best_of"),
        (json!({"final_set": "tiebreak_12"}), "format.final_set"),
        (json!({"no_ad": "yes"}), "format.no_ad"),
        (json!({"quarter_minutes": 10}), "format.quarter_minutes"),
    ] {
        assert_eq!(parse(bad.clone()).unwrap_err().field.as_deref(), Some(field), "{bad}");
    }
}

#[test]
fn a_stored_point_carries_the_state_it_left_for_compact_updates() {
    let mut m = started(json!({}), "away");
    points(&mut m, "hhha");
    let stored = &m.log.last().unwrap().kind;
    let crate::domain::EventKind::Point(point) = stored else { panic!("{stored:?}") };
    let after = serde_json::to_value(point.after.as_ref().unwrap()).unwrap();
    assert_eq!(after, json!({"gs": [0, 0], "gp": ["40", "15"], "sv": "a"}));
    // The point that wins a game leaves the next at love-all: `gp` is left out.
    points(&mut m, "h");
    let stored = &m.log.last().unwrap().kind;
    let crate::domain::EventKind::Point(point) = stored else { panic!("{stored:?}") };
    let after = serde_json::to_value(point.after.as_ref().unwrap()).unwrap();
    assert_eq!(after, json!({"gs": [1, 0], "sv": "h"}));
}
