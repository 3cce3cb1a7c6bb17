//! The core's new events across nodes: a correction and a fixture change posted on one node reach
//! another node's subscribers and snapshot as on the node that stored them.

use std::time::Duration;

use serde_json::json;

use super::{eventually, polled_seq, start_cluster};
use crate::common::TOKEN;
use crate::ws_client::connect;

#[tokio::test]
async fn a_void_and_a_patch_on_one_node_reach_another_nodes_subscribers_and_snapshot() {
    let Some(cluster) = start_cluster(2).await else { return };
    let [a, b] = &cluster.nodes[..] else { unreachable!() };
    let id = a.live_match().await;
    // Subscribe once the kickoff has crossed, so it is in B's snapshot rather than an update.
    eventually(Duration::from_secs(5), "node B has the kickoff", || async {
        b.get(&format!("/api/v1/matches/{id}")).await.status() == 200
            && polled_seq(b, id).await == 1
    })
    .await;
    let mut ws = connect(b.port, &format!("matches={id}")).await;
    assert_eq!(ws.next().await["k"], "snapshot");

    let goal = a.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 9})).await;
    a.store_event(id, &json!({"kind": "void", "target": goal["seq"], "reason": "handball"})).await;
    let patched = a
        .client
        .patch(a.url(&format!("/api/v1/matches/{id}")))
        .bearer_auth(TOKEN)
        .json(&json!({"competition": "Cup final"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);

    let (goal_update, void, change) = (ws.next().await, ws.next().await, ws.next().await);
    assert_eq!(
        (goal_update["k"].as_str(), goal_update["sc"].clone()),
        (Some("goal"), json!([1, 0]))
    );
    assert_eq!(
        (void["k"].as_str(), void["of"].clone(), void["sc"].clone()),
        (Some("void"), goal["seq"].clone(), json!([0, 0]))
    );
    assert_eq!((change["k"].as_str(), change["comp"].as_str()), (Some("match"), Some("Cup final")));

    eventually(Duration::from_secs(5), "B's snapshot reaches seq 4", || async {
        polled_seq(b, id).await == 4
    })
    .await;
    let (on_a, on_b) = (a.snapshot(id).await, b.snapshot(id).await);
    assert_eq!(on_b, on_a, "both nodes serve the same snapshot");
    assert_eq!(on_b["events"][1]["voided_by"], 3);
    assert_eq!(on_b["competition"], "Cup final");
    assert_eq!(etag(a, id).await, etag(b, id).await, "the same metadata revision on both nodes");
}

async fn etag(node: &crate::common::TestApp, id: i64) -> String {
    let response = node.get(&format!("/api/v1/matches/{id}")).await;
    response.headers()["etag"].to_str().unwrap().to_owned()
}
