use std::time::Duration;

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;

use super::start_cluster;
use crate::sse_client::SseClient;
use crate::ws_client::connect;

/// Creates a match of `competition` on `node`, kicking off in an hour; returns its id.
async fn create(node: &crate::common::TestApp, home: &str, competition: &str) -> i64 {
    let kickoff = (time::OffsetDateTime::now_utc() + time::Duration::hours(1)).format(&Rfc3339);
    let body = json!({"home": home, "away": format!("{home} II"), "competition": competition,
                      "kickoff_at": kickoff.unwrap()});
    let response = node.post_json("/api/v1/matches", &body).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_match_created_on_another_node_reaches_competition_and_star_subscribers_as_a_snapshot() {
    let Some(cluster) = start_cluster(2).await else { return };
    let [a, b] = &cluster.nodes[..] else { unreachable!() };
    let mut follower = connect(b.port, "competitions=Eredivisie").await;
    let mut serie_a = connect(b.port, "competitions=Serie%20A").await;
    let mut star = SseClient::open(&b.url("/sse?matches=*"), None).await;
    follower.assert_silent(Duration::from_millis(200)).await;

    let id = create(a, "Ajax", "Eredivisie").await;
    let first = follower.next().await;
    assert_eq!(
        (first["k"].as_str(), first["m"].as_i64(), first["comp"].as_str()),
        (Some("snapshot"), Some(id), Some("Eredivisie")),
        "{first}"
    );
    let (_, seen) = star.next_event().await;
    assert_eq!((seen["k"].as_str(), seen["m"].as_i64()), (Some("snapshot"), Some(id)), "{seen}");

    // Not this competition: the follower gets nothing, until a PATCH on A moves it in.
    let other = create(a, "Milan", "Serie A").await;
    let (_, seen) = star.next_event().await;
    assert_eq!(seen["m"], other, "{seen}");
    assert_eq!(serie_a.next().await["m"], other);
    follower.assert_silent(Duration::from_millis(300)).await;
    let path = format!("/api/v1/matches/{other}");
    let patched = a.patch_json(&path, &json!({"competition": "Eredivisie"})).await;
    assert_eq!(patched.status(), 200);
    let moved = follower.next().await;
    assert_eq!((moved["k"].as_str(), moved["m"].as_i64()), (Some("snapshot"), Some(other)));
    let left = serie_a.next().await;
    assert_eq!((left["m"].as_i64(), left["comp"].as_str()), (Some(other), Some("Eredivisie")));

    a.store_event(id, &json!({"kind": "kickoff"})).await;
    let update = follower.next().await;
    assert_eq!(
        (update["k"].as_str(), update["m"].as_i64(), update["s"].as_i64()),
        (Some("kickoff"), Some(id), Some(1))
    );
    a.store_event(other, &json!({"kind": "kickoff"})).await;
    assert_eq!(follower.next().await["m"], other);
    serie_a.assert_silent(Duration::from_millis(300)).await;
}
