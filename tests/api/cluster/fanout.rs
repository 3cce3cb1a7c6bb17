use std::time::Duration;

use serde_json::{json, Value};

use super::{eventually, polled_seq, start_cluster};
use crate::sse_client::SseClient;
use crate::ws_client::{connect, WsClient};

/// Events each of the two posting nodes stores in the fan-out test.
const PER_NODE: usize = 30;

/// Reads updates of `id` until `last`, returning the sequence numbers in arrival order.
async fn ws_seqs(client: &mut WsClient, id: i64, last: i64) -> Vec<i64> {
    let mut seqs = Vec::new();
    while seqs.last() != Some(&last) {
        let message = client.next().await;
        assert_eq!(message["m"], id, "{message}");
        seqs.push(message["s"].as_i64().unwrap());
    }
    seqs
}

async fn sse_seqs(client: &mut SseClient, last: i64) -> Vec<i64> {
    let mut seqs = Vec::new();
    while seqs.last() != Some(&last) {
        let (_, data) = client.next_event().await;
        seqs.push(data["s"].as_i64().unwrap());
    }
    seqs
}

async fn post_goals(node: &crate::common::TestApp, id: i64, team: &str, count: usize) {
    for minute in 0..count {
        node.store_event(id, &json!({"kind": "goal", "team": team, "minute": minute})).await;
    }
}

#[tokio::test]
async fn events_posted_on_two_nodes_reach_a_third_nodes_subscribers_in_order_gapless_once() {
    let Some(cluster) = start_cluster(3).await else { return };
    let [a, b, c] = &cluster.nodes[..] else { unreachable!() };
    let id = a.live_match().await;
    eventually(Duration::from_secs(5), "node C knows the match", || async {
        c.get(&format!("/api/v1/matches/{id}")).await.status() == 200
    })
    .await;
    let mut ws = connect(c.port, &format!("matches={id}")).await;
    let snapshot = ws.next().await;
    assert_eq!((snapshot["k"].as_str(), snapshot["s"].as_i64()), (Some("snapshot"), Some(1)));
    let mut sse = SseClient::open(&c.url(&format!("/sse?matches={id}")), None).await;
    assert_eq!(sse.next_event().await.1["s"], 1);

    // Alternately: one on A, one on B, each stored before the next is posted.
    for i in 0..10 {
        let node = if i % 2 == 0 { a } else { b };
        node.store_event(
            id,
            &json!({"kind": "card", "team": "home", "player": "X", "color": "yellow"}),
        )
        .await;
    }
    // Concurrently: both nodes at once, so their sequence numbers interleave.
    tokio::join!(post_goals(a, id, "home", PER_NODE), post_goals(b, id, "away", PER_NODE));
    let last = 1 + 10 + 2 * PER_NODE as i64;
    let expected: Vec<i64> = (2..=last).collect();
    assert_eq!(ws_seqs(&mut ws, id, last).await, expected, "WebSocket on node C");
    assert_eq!(sse_seqs(&mut sse, last).await, expected, "SSE on node C");
    ws.assert_silent(Duration::from_millis(300)).await;

    for node in [a, b, c] {
        eventually(Duration::from_secs(5), "every node's polling endpoint converges", || async {
            polled_seq(node, id).await == last
        })
        .await;
        let snapshot = node.snapshot(id).await;
        assert_eq!(
            (snapshot["score"]["home"].as_i64(), snapshot["score"]["away"].as_i64()),
            (Some(PER_NODE as i64), Some(PER_NODE as i64)),
            "{snapshot}"
        );
    }
}

#[tokio::test]
async fn a_match_created_on_one_node_is_served_at_once_by_the_others() {
    let Some(cluster) = start_cluster(3).await else { return };
    let [a, b, c] = &cluster.nodes[..] else { unreachable!() };
    let id = a.create_match().await;
    // No waiting: a node that has not heard of the match yet reads it from the database.
    let snapshot: Value = b.snapshot(id).await;
    assert_eq!(snapshot["home"], "Ajax");
    let mut ws = connect(c.port, &format!("matches={id}")).await;
    let first = ws.next().await;
    assert_eq!((first["k"].as_str(), first["m"].as_i64()), (Some("snapshot"), Some(id)), "{first}");

    // A change made on B is seen on A and C.
    let response = b
        .client
        .patch(b.url(&format!("/api/v1/matches/{id}")))
        .bearer_auth(crate::common::TOKEN)
        .json(&json!({"competition": "KNVB Beker"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    for node in [a, c] {
        eventually(Duration::from_secs(5), "the change reaches every node", || async {
            node.snapshot(id).await["competition"] == "KNVB Beker"
        })
        .await;
    }
    // Ids nobody created are still unknown everywhere.
    assert_eq!(c.get("/api/v1/matches/999999").await.status(), 404);
}
