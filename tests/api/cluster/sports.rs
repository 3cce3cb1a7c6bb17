//! A sport other than football across the cluster: a basketball game's updates, posted on one
//! node, reach a subscriber of another in the same compact form, and its state there is the same.

use std::time::Duration;

use serde_json::json;

use super::{eventually, polled_seq, start_cluster};
use crate::sports::create_game;
use crate::ws_client::connect;

#[tokio::test]
async fn a_basketball_games_updates_reach_a_subscriber_on_another_node() {
    let Some(cluster) = start_cluster(2).await else { return };
    let [a, b] = &cluster.nodes[..] else { unreachable!() };
    let id = create_game(a, "basketball", json!({"quarter_minutes": 12})).await;
    eventually(Duration::from_secs(5), "node B knows the match", || async {
        b.get(&format!("/api/v1/matches/{id}")).await.status() == 200
    })
    .await;
    let mut ws = connect(b.port, &format!("matches={id}")).await;
    let snapshot = ws.next().await;
    assert_eq!((&snapshot["k"], &snapshot["sp"]), (&json!("snapshot"), &json!("basketball")));

    a.store_event(id, &json!({"kind": "start"})).await;
    let clock = json!({"kind": "clock", "running": true, "remaining_ms": 720_000});
    a.store_event(id, &clock).await;
    a.store_event(id, &json!({"kind": "points", "team": "home", "value": 3, "player": "Curry"}))
        .await;
    a.store_event(id, &json!({"kind": "foul", "team": "away", "player": "James"})).await;
    a.store_event(id, &json!({"kind": "clock", "running": false, "remaining_ms": 655_000})).await;
    a.store_event(id, &json!({"kind": "period", "period": "q2"})).await;

    let mut updates = Vec::new();
    for _ in 0..6 {
        updates.push(ws.next().await);
    }
    let seqs: Vec<i64> = updates.iter().map(|u| u["s"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6], "in order, gapless, once");
    assert_eq!((&updates[0]["pd"], &updates[0]["ck"]), (&json!("q1"), &json!([0, 720_000])));
    assert_eq!((&updates[1]["ck"][0], &updates[1]["ck"][1]), (&json!(1), &json!(720_000)));
    assert_eq!(
        updates[2],
        json!({"m": id, "s": 3, "k": "points", "t": "h", "sc": [3, 0], "p": "Curry", "v": 3})
    );
    assert_eq!((&updates[3]["t"], &updates[3]["p"]), (&json!("a"), &json!("James")));
    assert_eq!(updates[4]["ck"], json!([0, 655_000]));
    assert_eq!((&updates[5]["pd"], &updates[5]["ck"]), (&json!("q2"), &json!([0, 720_000])));

    eventually(Duration::from_secs(5), "node B's snapshot is at event 6", || async {
        polled_seq(b, id).await == 6
    })
    .await;
    let on_b = b.snapshot(id).await;
    assert_eq!(on_b["score"], json!({"home": 3, "away": 0}));
    assert_eq!(on_b["period"], "q2");
    assert_eq!(on_b["fouls"]["team"], json!({"home": 0, "away": 0}), "a new quarter");
    assert_eq!(on_b["periods"], a.snapshot(id).await["periods"]);
}
