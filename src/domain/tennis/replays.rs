//! Real matches replayed point by point (data/points.txt, from Jeff Sackmann's public
//! tennis_slam_pointbypoint), compared with their published results: the sets, each set's games
//! and tiebreak points, and the server of every point as the data records it.

use serde_json::json;

use crate::domain::testing::Match;
use crate::domain::{Side, Sport, Status};

const POINTS: &str = include_str!("data/points.txt");

/// Who won each point and who served it, `h`/`a`, of the match `id` in data/points.txt.
fn points_of(id: &str) -> (String, String) {
    let mut lines = POINTS.lines().skip_while(|l| !l.starts_with(&format!("match {id} ")));
    lines.next().unwrap_or_else(|| panic!("{id} is not in data/points.txt"));
    let mut field = |name: &str| {
        let line = lines.next().unwrap();
        line.strip_prefix(name).unwrap().trim().to_owned()
    };
    let winners = field("winners");
    let servers = field("servers");
    assert_eq!(winners.len(), servers.len(), "{id}");
    (winners, servers)
}

/// Replays match `id` in `format`, checking each point's server against the data's, and
/// returns the finished match.
fn replay(id: &str, format: serde_json::Value) -> Match {
    let (winners, servers) = points_of(id);
    let first = if servers.starts_with('h') { "home" } else { "away" };
    let mut m = Match::of(Sport::Tennis, format);
    m.ok(&format!(r#"{{"kind":"start","server":"{first}"}}"#));
    for (i, (won, served)) in winners.chars().zip(servers.chars()).enumerate() {
        let Some(crate::domain::Play::Tennis(tennis)) = Some(m.state.play()) else {
            panic!("a tennis match")
        };
        let server = match tennis.server() {
            Some(Side::Home) => 'h',
            Some(Side::Away) => 'a',
            None => panic!("{id}: point {} after the match ended", i + 1),
        };
        assert_eq!(server, served, "{id}: the server of point {} ({:?})", i + 1, m.line());
        let team = if won == 'h' { "home" } else { "away" };
        m.ok(&format!(r#"{{"kind":"point","team":"{team}"}}"#));
    }
    assert_eq!(m.state.status, Status::Finished, "{id}: {:?}", m.line());
    m
}

/// A set as `(home games, away games, tiebreak points)`.
type Set = (i64, i64, Option<(i64, i64)>);

fn sets(m: &Match) -> Vec<Set> {
    m.state
        .periods()
        .into_iter()
        .map(|p| {
            let tb = p.tiebreak.map(|t| (t.home.into(), t.away.into()));
            (p.score.home.into(), p.score.away.into(), tb)
        })
        .collect()
}

/// Australian Open 2013, fourth round: Novak Djokovic d. Stan Wawrinka 1-6 7-5 6-4 6-7(5) 12-10,
/// the deciding set played on with advantage (the Australian Open had no final-set tiebreak until
/// 2019). Source of the result: the tournament's draw (ausopen.com, ATP).
#[test]
fn djokovic_wawrinka_australian_open_2013_ends_twelve_ten_in_an_advantage_fifth_set() {
    let m = replay("2013-ausopen-1401", json!({"best_of":5,"final_set":"advantage"}));
    assert_eq!(m.score(), (3, 2));
    assert_eq!(
        sets(&m),
        [(1, 6, None), (7, 5, None), (6, 4, None), (6, 7, Some((5, 7))), (12, 10, None)]
    );
}

/// US Open 2012, quarter-final: Victoria Azarenka d. Samantha Stosur 6-1 4-6 7-6(5), the deciding
/// set's tiebreak at 6-6 as in every set at the US Open. Source of the result: the tournament's
/// draw (usopen.org, WTA). Stosur served first.
#[test]
fn azarenka_stosur_us_open_2012_is_decided_in_a_final_set_tiebreak() {
    let m = replay("2012-usopen-2501", json!({}));
    assert_eq!(m.score(), (2, 1));
    assert_eq!(sets(&m), [(6, 1, None), (4, 6, None), (7, 6, Some((7, 5)))]);
}

/// US Open 2012, quarter-final: David Ferrer d. Janko Tipsarevic 6-3 6-7(5) 2-6 6-3 7-6(4)
/// (Tipsarevic is the data's player1, home here). Source of the result: the tournament's draw
/// (usopen.org, ATP).
#[test]
fn tipsarevic_ferrer_us_open_2012_goes_to_a_fifth_set_tiebreak() {
    let m = replay("2012-usopen-1503", json!({"best_of":5}));
    assert_eq!(m.score(), (2, 3));
    assert_eq!(
        sets(&m),
        [(3, 6, None), (7, 6, Some((7, 5))), (6, 2, None), (3, 6, None), (6, 7, Some((4, 7)))]
    );
}

/// Wimbledon 2022, gentlemen's doubles final: Matthew Ebden / Max Purcell d. Nikola Mektic / Mate
/// Pavic 7-6(5) 6-7(3) 4-6 6-4 7-6(10-2), the deciding set's tiebreak to 10 at 6-6 (all four
/// majors since 2022). Source of the result: wimbledon.com's draw.
#[test]
fn ebden_purcell_win_the_wimbledon_2022_doubles_final_in_a_ten_point_tiebreak() {
    let m = replay("2022-wimbledon-3601", json!({"best_of":5,"final_set":"tiebreak_10"}));
    assert_eq!(m.score(), (3, 2));
    assert_eq!(
        sets(&m),
        [
            (7, 6, Some((7, 5))),
            (6, 7, Some((3, 7))),
            (4, 6, None),
            (6, 4, None),
            (7, 6, Some((10, 2)))
        ]
    );
}

/// US Open 2022, mixed doubles final: Storm Sanders / John Peers d. Kirsten Flipkens / Edouard
/// Roger-Vasselin 4-6 6-4 [10-7], a match tiebreak to 10 instead of the third set, every game with
/// a deciding point at deuce (no-ad, as mixed doubles at the majors). Source of the
/// result: the tournament's draw (usopen.org).
#[test]
fn sanders_peers_win_the_us_open_2022_mixed_final_in_a_match_tiebreak() {
    let m = replay("2022-usopen-5501", json!({"final_set":"match_tiebreak_10","no_ad":true}));
    assert_eq!(m.score(), (2, 1));
    assert_eq!(sets(&m), [(4, 6, None), (6, 4, None), (1, 0, Some((10, 7)))]);
}
