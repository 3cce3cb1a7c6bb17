//! The most watched matches (`GET /api/v1/watching`, the admin console's list): real WebSocket
//! and SSE followers, ranked by how many follow each match, bounded by `--watching-list-max`, a
//! `limit` out of range refused as a problem.

use std::time::Duration;

use serde_json::Value;

use crate::cluster::eventually;
use crate::common::{spawn_app_with, Backend, TestApp};
use crate::helpers::assert_problem;
use crate::sse_client::SseClient;
use crate::ws_client::{connect, WsClient};

/// The interval the test runs with: the ranking is made once an interval.
const INTERVAL: Duration = Duration::from_secs(1);
/// `--watching-list-max` of the test: fewer than the matches watched, so the bound shows.
const LIST_MAX: usize = 3;

/// The ids and counts listed by `GET /api/v1/watching?{query}`, and the answer's `limit`.
async fn most_watched(app: &TestApp, query: &str) -> (Vec<(i64, u64)>, u64) {
    let response = app.get(&format!("/api/v1/watching?{query}")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "max-age=1", "--watching-interval-secs");
    let body: Value = response.json().await.unwrap();
    let listed = body["matches"].as_array().expect("matches");
    for entry in listed {
        assert!(entry["home"].is_string() && entry["status"].is_string(), "a summary: {entry}");
    }
    let pairs = listed.iter().map(|m| (m["id"].as_i64().unwrap(), m["watching"].as_u64().unwrap()));
    (pairs.collect(), body["limit"].as_u64().expect("a limit"))
}

/// `n` WebSocket clients following `id`, each past its snapshot.
async fn followers(app: &TestApp, id: i64, n: usize) -> Vec<WsClient> {
    let mut clients = Vec::new();
    for _ in 0..n {
        let mut client = connect(app.port, &format!("matches={id}")).await;
        assert_eq!(client.next().await["k"], "snapshot");
        clients.push(client);
    }
    clients
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_most_watched_matches_are_listed_by_their_count_within_the_configured_bound() {
    let settings = |s: &mut scorecast::configuration::Settings| {
        s.watching.watching_interval_secs = INTERVAL.as_secs();
        s.watching.watching_list_max = LIST_MAX;
    };
    let Some(app) = spawn_app_with(Backend::Sqlite, settings).await else { return };
    let teams = [
        ("Ajax", "PSV"),
        ("Milan", "Inter"),
        ("Celtic", "Rangers"),
        ("Porto", "Benfica"),
        ("Lyon", "Nice"),
    ];
    let mut ids = Vec::new();
    for (home, away) in teams {
        ids.push(app.create_match_today(home, away).await);
    }
    let [a, b, c, d, star_only] = ids[..] else { unreachable!("five matches") };
    let (listed, limit) = most_watched(&app, "").await;
    assert_eq!(
        (listed, limit),
        (vec![], LIST_MAX as u64),
        "nobody watches; 10 asked, past the bound"
    );

    let _a = followers(&app, a, 2).await;
    let _b = followers(&app, b, 4).await;
    let _c = followers(&app, c, 1).await;
    let mut sse = SseClient::open(&app.url(&format!("/sse?matches={c}")), None).await;
    assert_eq!(sse.next_event().await.1["k"], "snapshot");
    let _d = followers(&app, d, 1).await;
    let _star = connect(app.port, "matches=*").await;
    // c's two are one WebSocket and one SSE follower; a and c tie and the lower id comes first;
    // d, fourth, is past the bound of three.
    let expected = vec![(b, 4), (a, 2), (c, 2)];
    eventually(INTERVAL * 5, "the three most watched", || async {
        most_watched(&app, "limit=10").await == (expected.clone(), LIST_MAX as u64)
    })
    .await;
    assert_eq!(most_watched(&app, "limit=2").await, (expected[..2].to_vec(), 2));
    let (listed, _) = most_watched(&app, "limit=1000").await;
    assert!(!listed.iter().any(|(id, _)| *id == star_only), "`*` subscribers are not counted");

    // Followers leave and come: the order follows at the next interval.
    drop(_b);
    let _more_d = followers(&app, d, 2).await;
    let expected = vec![(d, 3), (a, 2), (c, 2)];
    eventually(INTERVAL * 5, "d first, b gone", || async {
        most_watched(&app, "").await.0 == expected
    })
    .await;

    for query in ["limit=0", "limit=1001"] {
        let problem =
            assert_problem(app.get(&format!("/api/v1/watching?{query}")).await, 400).await;
        assert_eq!(problem["detail"], "limit must be between 1 and 1000", "{query}");
    }
    for query in ["limit=-1", "limit=ten", "limit=1&limit=2"] {
        assert_problem(app.get(&format!("/api/v1/watching?{query}")).await, 400).await;
    }
}
