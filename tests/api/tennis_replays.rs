//! Real tennis matches replayed point by point through the HTTP API, on both backends: the final
//! score and the line score against the published results. The points come from Jeff Sackmann's
//! public tennis_slam_pointbypoint (the extract and its source are in
//! src/domain/tennis/data/points.txt; the domain's replays check every point's server too).

use serde_json::{json, Value};

use crate::backend_tests;
use crate::common::{spawn_app, Backend, TestApp};

backend_tests!(
    djokovic_wawrinka_australian_open_2013_replayed_through_the_api_ends_12_10_in_the_fifth,
    azarenka_stosur_us_open_2012_replayed_through_the_api_ends_in_a_final_set_tiebreak,
    the_wimbledon_2022_doubles_final_replayed_through_the_api_ends_in_a_ten_point_tiebreak,
);

const POINTS: &str = include_str!("../../src/domain/tennis/data/points.txt");

/// The winners of each point (`h`/`a`) and the first server of match `id`.
fn points_of(id: &str) -> (String, &'static str) {
    let mut lines = POINTS.lines().skip_while(|l| !l.starts_with(&format!("match {id} ")));
    lines.next().unwrap_or_else(|| panic!("{id} is not in the extract"));
    let winners = lines.next().unwrap().strip_prefix("winners ").unwrap().to_owned();
    let servers = lines.next().unwrap().strip_prefix("servers ").unwrap();
    (winners, if servers.starts_with('h') { "home" } else { "away" })
}

/// Creates the match, posts its start and every point; returns the final snapshot.
async fn replay(app: &TestApp, id: &str, home: &str, away: &str, format: Value) -> Value {
    let body = json!({"home": home, "away": away, "competition": id,
                      "kickoff_at": "2026-12-07T12:00:00Z", "sport": "tennis", "format": format});
    let response = app.post_json("/api/v1/matches", &body).await;
    assert_eq!(response.status(), 201);
    let match_id = response.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let (winners, server) = points_of(id);
    app.store_event(match_id, &json!({"kind": "start", "server": server})).await;
    for won in winners.chars() {
        let team = if won == 'h' { "home" } else { "away" };
        app.store_event(match_id, &json!({"kind": "point", "team": team})).await;
    }
    let snapshot = app.snapshot(match_id).await;
    assert_eq!(snapshot["status"], "finished", "{snapshot}");
    assert!(snapshot.get("server").is_none() && snapshot.get("game").is_none(), "{snapshot}");
    snapshot
}

/// A set: home's and away's games, and the tiebreak's points where one was played.
type Set = (u16, u16, Option<(u16, u16)>);

/// `periods` of a snapshot from each set.
fn sets(line: &[Set]) -> Value {
    line.iter()
        .enumerate()
        .map(|(i, (h, a, tb))| {
            let mut set = json!({"period": format!("s{}", i + 1), "score": {"home": h, "away": a}});
            if let Some((th, ta)) = tb {
                set["tiebreak"] = json!({"home": th, "away": ta});
            }
            set
        })
        .collect()
}

/// Australian Open 2013, fourth round: Djokovic d. Wawrinka 1-6 7-5 6-4 6-7(5) 12-10 (the
/// tournament's draw).
async fn djokovic_wawrinka_australian_open_2013_replayed_through_the_api_ends_12_10_in_the_fifth(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let format = json!({"best_of": 5, "final_set": "advantage"});
    let snapshot = replay(&app, "2013-ausopen-1401", "Djokovic", "Wawrinka", format).await;
    assert_eq!(snapshot["score"], json!({"home": 3, "away": 2}));
    assert_eq!(
        snapshot["periods"],
        sets(&[(1, 6, None), (7, 5, None), (6, 4, None), (6, 7, Some((5, 7))), (12, 10, None)])
    );
}

/// US Open 2012, quarter-final: Azarenka d. Stosur 6-1 4-6 7-6(5) (the tournament's draw).
async fn azarenka_stosur_us_open_2012_replayed_through_the_api_ends_in_a_final_set_tiebreak(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let snapshot = replay(&app, "2012-usopen-2501", "Azarenka", "Stosur", json!({})).await;
    assert_eq!(snapshot["score"], json!({"home": 2, "away": 1}));
    assert_eq!(snapshot["periods"], sets(&[(6, 1, None), (4, 6, None), (7, 6, Some((7, 5)))]));
}

/// Wimbledon 2022, gentlemen's doubles final: Ebden/Purcell d. Mektic/Pavic 7-6(5) 6-7(3) 4-6 6-4
/// 7-6(10-2) (wimbledon.com's draw).
async fn the_wimbledon_2022_doubles_final_replayed_through_the_api_ends_in_a_ten_point_tiebreak(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let format = json!({"best_of": 5, "final_set": "tiebreak_10"});
    let snapshot =
        replay(&app, "2022-wimbledon-3601", "Ebden / Purcell", "Mektic / Pavic", format).await;
    assert_eq!(snapshot["score"], json!({"home": 3, "away": 2}));
    assert_eq!(
        snapshot["periods"],
        sets(&[
            (7, 6, Some((7, 5))),
            (6, 7, Some((3, 7))),
            (4, 6, None),
            (6, 4, None),
            (7, 6, Some((10, 2)))
        ])
    );
}
