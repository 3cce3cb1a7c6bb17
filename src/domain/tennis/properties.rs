//! Property tests of the sports scored point by point (tennis in every format, volleyball): a
//! random stream of points never leaves an impossible score, voiding any point equals the fold
//! without it, and voiding the last point then posting it again restores the state.

use proptest::prelude::*;

use crate::domain::testing::Match;
use crate::domain::{LiveState, Seq, Sport, Status};

use super::{FinalSet, Format, SET_GAMES};

fn format() -> impl Strategy<Value = serde_json::Value> {
    let final_set = prop_oneof![
        Just("advantage"),
        Just("tiebreak_7"),
        Just("tiebreak_7_at_12"),
        Just("tiebreak_10"),
        Just("match_tiebreak_10"),
    ];
    (prop_oneof![Just(3), Just(5)], final_set, any::<bool>())
        .prop_map(|(b, f, n)| serde_json::json!({"best_of": b, "final_set": f, "no_ad": n}))
}

/// Points won by home (`true`) or away, in runs so that games and sets get won; sometimes
/// lopsided, sometimes alternating, to reach deuces and tiebreaks.
fn stream(max: usize) -> impl Strategy<Value = Vec<bool>> {
    prop::collection::vec((any::<bool>(), 1usize..6), 1..max)
        .prop_map(|runs| runs.into_iter().flat_map(|(h, n)| std::iter::repeat_n(h, n)).collect())
}

fn play(sport: Sport, format: serde_json::Value, points: &[bool]) -> Match {
    let mut m = Match::of(sport, format);
    m.ok(r#"{"kind":"start","server":"away"}"#);
    for home in points {
        let team = if *home { "home" } else { "away" };
        if m.state.status == Status::Finished {
            let refused = m.post(&format!(r#"{{"kind":"point","team":"{team}"}}"#));
            assert!(refused.is_err(), "a point after the match ended");
            break;
        }
        m.ok(&format!(r#"{{"kind":"point","team":"{team}"}}"#));
    }
    m
}

/// Whether `(w, l)` games may end a set under `format`, the set being number `n`.
fn finished_set(
    format: &Format,
    n: usize,
    games: (u16, u16),
    tiebreak: Option<(u16, u16)>,
) -> bool {
    let (w, l) = if games.0 > games.1 { games } else { (games.1, games.0) };
    let rule = format.set_rule(n);
    match (rule.tiebreak_at, tiebreak) {
        (Some(0), Some((a, b))) => (w, l) == (1, 0) && a.max(b) >= 10 && a.abs_diff(b) >= 2,
        (Some(at), Some((a, b))) => {
            (w, l) == (at + 1, at) && a.max(b) >= rule.tiebreak_to && a.abs_diff(b) >= 2
        }
        (Some(at), None) => {
            w >= SET_GAMES && w == l + 2 && w <= at + 1 || (w == SET_GAMES && l < 5)
        }
        (None, _) => {
            tiebreak.is_none() && w >= SET_GAMES && (w == l + 2 || (w == SET_GAMES && l < 5))
        }
    }
}

fn check_tennis(state: &LiveState, format: &Format) -> Result<(), TestCaseError> {
    let periods = state.periods();
    let pair = |s: crate::domain::Score| (i64::from(s.home) as u16, i64::from(s.away) as u16);
    let over = state.status == Status::Finished;
    let played = if over { periods.len() } else { periods.len() - 1 };
    let mut won = (0, 0);
    for (i, p) in periods.iter().enumerate().take(played) {
        let (g, tb) = (pair(p.score), p.tiebreak.map(pair));
        prop_assert!(finished_set(format, i + 1, g, tb), "set {} {:?} {:?}", i + 1, g, tb);
        if g.0 > g.1 {
            won.0 += 1
        } else {
            won.1 += 1
        }
    }
    prop_assert_eq!(won, pair(state.score()));
    let to_win = u16::from(format.best_of / 2 + 1);
    prop_assert_eq!(over, won.0 == to_win || won.1 == to_win, "{:?}", won);
    prop_assert!(won.0 <= to_win && won.1 <= to_win);
    if !over {
        let current = periods.last().unwrap();
        let (h, a) = pair(current.score);
        let rule = format.set_rule(periods.len());
        let cap = rule.tiebreak_at.unwrap_or(u16::MAX);
        prop_assert!(
            h.max(a) <= cap.max(SET_GAMES)
                && h.abs_diff(a) <= 1 + u16::from(h.max(a) < SET_GAMES) * 5,
            "current set {} {}-{}",
            periods.len(),
            h,
            a
        );
        if let Some((th, ta)) = current.tiebreak.map(pair) {
            prop_assert!(
                th.max(ta) < rule.tiebreak_to || th.abs_diff(ta) < 2,
                "an unfinished tiebreak at {}-{}",
                th,
                ta
            );
        }
    }
    Ok(())
}

fn check_volleyball(state: &LiveState, best_of: usize) -> Result<(), TestCaseError> {
    let periods = state.periods();
    let over = state.status == Status::Finished;
    let played = if over { periods.len() } else { periods.len() - 1 };
    for (i, p) in periods.iter().enumerate() {
        let (h, a) = (i64::from(p.score.home), i64::from(p.score.away));
        let target = if i + 1 == best_of { 15 } else { 25 };
        let (w, l) = (h.max(a), h.min(a));
        if i < played {
            prop_assert!(
                w >= target && (w == l + 2 || (w == target && l < target - 1)),
                "set {} {}-{}",
                i + 1,
                h,
                a
            );
        } else {
            prop_assert!(w < target || w - l < 2, "unfinished set {} {}-{}", i + 1, h, a);
        }
    }
    Ok(())
}

fn same(a: &LiveState, b: &LiveState) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.status, b.status);
    prop_assert_eq!(a.score(), b.score());
    prop_assert_eq!(a.periods(), b.periods());
    prop_assert_eq!(a.play(), b.play());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_points_never_make_an_impossible_tennis_score(format in format(), points in stream(150)) {
        let m = play(Sport::Tennis, format.clone(), &points);
        let format: Format = serde_json::from_value(format).unwrap();
        check_tennis(&m.state, &format)?;
    }

    #[test]
    fn random_points_never_make_an_impossible_volleyball_score(best_of in prop_oneof![Just(3usize), Just(5)], points in stream(120)) {
        let m = play(Sport::Volleyball, serde_json::json!({"best_of": best_of}), &points);
        check_volleyball(&m.state, best_of)?;
    }

    #[test]
    fn voiding_any_point_equals_the_fold_without_it(format in format(), points in stream(60), pick in any::<prop::sample::Index>(), volleyball in any::<bool>()) {
        let sport = if volleyball { Sport::Volleyball } else { Sport::Tennis };
        let format = if volleyball { serde_json::json!({}) } else { format };
        let mut m = play(sport, format, &points);
        prop_assume!(m.log.len() > 1);
        // Any point: every event after the start.
        let target = m.log[1 + pick.index(m.log.len() - 1)].seq;
        let without = m.fold_without(target);
        let void = format!(r#"{{"kind":"void","target":{}}}"#, target.get());
        let before = m.state.clone();
        match m.post(&void) {
            Ok(state) => {
                prop_assert!(without.is_some(), "void of {} accepted, the fold without it refused", target);
                same(state, &without.unwrap())?;
            }
            // A point whose removal ends the match before a later point: 409, nothing changed.
            Err(_) => {
                prop_assert!(without.is_none(), "void of {} refused, the fold without it holds", target);
                same(&m.state, &before)?;
            }
        }
    }

    #[test]
    fn voiding_the_last_point_and_posting_it_again_restores_the_state(format in format(), points in stream(60)) {
        let mut m = play(Sport::Tennis, format, &points);
        prop_assume!(m.log.len() > 1);
        let before = m.state.clone();
        let last = m.log.last().unwrap();
        let (seq, kind) = (last.seq, last.kind.clone());
        m.ok(&format!(r#"{{"kind":"void","target":{}}}"#, seq.get()));
        let crate::domain::EventKind::Point(point) = kind else { panic!("{kind:?}") };
        let team = point.team.as_str();
        m.ok(&format!(r#"{{"kind":"point","team":"{team}"}}"#));
        same(&m.state, &before)?;
        prop_assert_eq!(m.state.seq, Seq::try_from(before.seq.get() + 2).unwrap());
    }
}

#[test]
fn every_final_set_rule_is_reachable_from_the_format() {
    for (final_set, name, rule) in super::FINAL_SETS {
        let format: Format =
            serde_json::from_value(serde_json::json!({"final_set": name})).unwrap();
        assert_eq!(format.final_set, final_set);
        assert_eq!(format.set_rule(3), rule);
        assert_eq!(format.set_rule(2), super::REGULAR_SET);
    }
    assert_eq!(Format::default().final_set, FinalSet::Tiebreak7);
}

/// docs/api.md's tennis table of deciding sets says what [`super::FINAL_SETS`] does.
#[test]
fn the_final_set_table_in_the_api_docs_is_the_one_in_the_code() {
    let documented: Vec<(String, String, String)> =
        crate::doc_tables::rows(include_str!("../../../docs/api.md"), "<!-- tennis-final-set -->")
            .into_iter()
            .map(|cells| (cells[0].clone(), cells[1].clone(), cells[2].clone()))
            .collect();
    let code: Vec<(String, String, String)> = super::FINAL_SETS
        .iter()
        .map(|(_, name, rule)| match rule.tiebreak_at {
            Some(at) => ((*name).to_owned(), format!("{at}-{at}"), rule.tiebreak_to.to_string()),
            None => ((*name).to_owned(), "none".to_owned(), "none".to_owned()),
        })
        .collect();
    assert_eq!(documented, code);
}

/// docs/api.md's volleyball table says what volleyball plays to.
#[test]
fn the_volleyball_table_in_the_api_docs_is_the_one_in_the_code() {
    use crate::domain::volleyball::{DECIDING_SET_POINTS, SET_POINTS};
    let documented: Vec<(String, String)> =
        crate::doc_tables::rows(include_str!("../../../docs/api.md"), "<!-- volleyball-sets -->")
            .into_iter()
            .map(|cells| (cells[1].clone(), cells[2].clone()))
            .collect();
    assert_eq!(
        documented,
        [
            (SET_POINTS.to_string(), "2".to_owned()),
            (DECIDING_SET_POINTS.to_string(), "2".to_owned())
        ]
    );
}
