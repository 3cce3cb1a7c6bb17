use std::time::{Duration, Instant};

use serde_json::json;

use super::proxy::Proxy;
use super::{join, polled_seq, start_cluster, CHECK_SECS};
use crate::common::spawn_on;
use crate::ws_client::{connect, WsClient};

async fn expect_seqs(client: &mut WsClient, seqs: std::ops::RangeInclusive<i64>) {
    for seq in seqs {
        let update = client.next().await;
        assert_eq!(update["s"], seq, "{update}");
    }
}

#[tokio::test]
async fn nats_killed_and_restarted_mid_stream_loses_nothing() {
    let Some(mut cluster) = start_cluster(2).await else { return };
    let id = cluster.nodes[0].live_match().await;
    // Subscribed once the kickoff has crossed: on a loaded machine it may still be on its way, and
    // the subscriber would start from the match's snapshot before it (seq 0).
    super::eventually(Duration::from_secs(5), "the kickoff reaches node B", || async {
        polled_seq(&cluster.nodes[1], id).await == 1
    })
    .await;
    let mut subscriber = connect(cluster.nodes[1].port, &format!("matches={id}")).await;
    assert_eq!(subscriber.next().await["s"], 1);
    let goal = |minute: i64| json!({"kind": "goal", "team": "away", "minute": minute});

    for minute in 0..5 {
        cluster.nodes[0].store_event(id, &goal(minute)).await;
    }
    expect_seqs(&mut subscriber, 2..=6).await;
    cluster.nats.kill();
    for minute in 5..15 {
        cluster.nodes[0].store_event(id, &goal(minute)).await;
    }
    // NATS is down: the periodic check brings node B the events from the database.
    expect_seqs(&mut subscriber, 7..=16).await;
    cluster.nats.run();
    for minute in 15..20 {
        cluster.nodes[0].store_event(id, &goal(minute)).await;
    }
    expect_seqs(&mut subscriber, 17..=21).await;
    subscriber.assert_silent(Duration::from_millis(300)).await;
    assert_eq!(polled_seq(&cluster.nodes[1], id).await, 21);
}

#[tokio::test]
async fn a_publish_lost_after_its_201_reaches_the_other_nodes_within_the_check_interval() {
    let Some(cluster) = start_cluster(1).await else { return };
    let b = &cluster.nodes[0];
    // A's link to NATS goes through a proxy that stops forwarding without closing anything.
    let proxy = Proxy::start(cluster.nats.port).await;
    let a = spawn_on(cluster.database.clone(), |s| join(s, &proxy.url())).await;
    let id = a.live_match().await;
    let mut subscriber = connect(b.port, &format!("matches={id}")).await;
    let first = subscriber.next().await;
    assert_eq!(first["k"], "snapshot", "{first}");
    let start_seq = first["s"].as_i64().unwrap();
    if start_seq == 0 {
        assert_eq!(subscriber.next().await["s"], 1);
    }

    proxy.freeze();
    let posted = Instant::now();
    a.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 1})).await;
    let update = subscriber.next().await;
    let took = posted.elapsed();
    assert_eq!((update["s"].as_i64(), update["k"].as_str()), (Some(2), Some("goal")), "{update}");
    let bound = Duration::from_secs(CHECK_SECS) + Duration::from_millis(1500);
    assert!(took < bound, "the lost publish took {took:?} to reach node B (bound {bound:?})");
}

#[tokio::test]
async fn a_node_stopped_with_sigterm_publishes_what_it_committed_before_it_exits() {
    let Some(mut cluster) = start_cluster(1).await else { return };
    let url = cluster.nats.url();
    // B never checks the database during the test: only NATS can bring it the events.
    let b = spawn_on(cluster.database.clone(), |s| {
        join(s, &url);
        s.cluster.nats_check_secs = 3600;
    })
    .await;
    let a = &mut cluster.nodes[0];
    let id = a.live_match().await;
    let mut subscriber = connect(b.port, &format!("matches={id}")).await;
    assert_eq!(subscriber.next().await["k"], "snapshot");
    for minute in 0..20 {
        a.store_event(id, &json!({"kind": "goal", "team": "home", "minute": minute})).await;
    }
    a.stop().await;
    let mut last = 0;
    while last < 21 {
        last = subscriber.next().await["s"].as_i64().unwrap();
    }
    assert_eq!(polled_seq(&b, id).await, 21);
}
