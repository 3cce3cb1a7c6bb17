//! Years of matches on a cluster (issue 28): two nodes started on a Postgres database of 100,000
//! matches hold what is live, not the history; serve an old match as their peer does; pick up a
//! match that goes live on the other node; and stay in step through a NATS outage, each update
//! reaching the other node's subscribers once and in order.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use sqlx::{Connection, PgConnection};

use super::{eventually, start_nodes, TestCluster};
use crate::common::nats::NatsServer;
use crate::common::seed::{seed, Seed};
use crate::common::{fresh_database, spawn_on, Backend, TestApp};
use crate::history::{answers, held};
use crate::ws_client::{connect, WsClient, WAIT};

/// The history: old results, ids 1 to `FINISHED`, oldest first (the seeder kicks one off every
/// five minutes back from three days ago: about a year of them).
const FINISHED: i64 = 100_000;
/// After them the seeder adds three matches in play (kicked off 30 minutes ago, two events each)…
const IN_PLAY: [i64; 3] = [FINISHED + 1, FINISHED + 2, FINISHED + 3];
/// …and four kicking off within 24 hours, the last three of which the test moves to next week.
const TODAY: i64 = FINISHED + 4;
const NEXT_WEEK: [i64; 3] = [FINISHED + 5, FINISHED + 6, FINISHED + 7];
/// What a node holds hot at start: the matches in play and the one kicking off today.
const HOT_AT_START: f64 = 4.0;
const WEEK_MS: i64 = 7 * 24 * 3_600_000;

/// Two nodes joined by a fresh nats-server, started on a database that already holds the history;
/// `None` when Postgres or nats-server is not installed here (and not required).
async fn cluster_on_history() -> Option<TestCluster> {
    let nats = NatsServer::start()?;
    let database = fresh_database(Backend::Postgres).await?;
    // A first start migrates the database; the history is written while no node runs.
    spawn_on(database.clone(), |_| {}).await.stop().await;
    let now_ms = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    let history = Seed { finished: FINISHED as u64, live: 3, scheduled: 4, now_ms };
    seed(&database.url, &history).await.expect("seeding the history");
    let mut conn = PgConnection::connect(&database.url).await.expect("connecting to Postgres");
    sqlx::query("UPDATE matches SET kickoff_at = kickoff_at + $1 WHERE id >= $2")
        .bind(WEEK_MS)
        .bind(NEXT_WEEK[0])
        .execute(&mut conn)
        .await
        .expect("moving three fixtures to next week");
    Some(start_nodes(nats, database, 2).await)
}

/// Rows a node's periodic checks have read from the database since it started.
async fn check_rows(node: &TestApp) -> f64 {
    node.metric("scorecast_cluster_check_rows_total").await
}

/// Where a subscriber stands in each match it has heard of (the `s` of its last message).
#[derive(Default)]
struct Stream(HashMap<i64, i64>);

impl Stream {
    /// Reads `client` until it stands at least at `upto` in each match named there, asserting
    /// that a match starts with its snapshot and then goes on one `s` at a time: no gap, no
    /// repeat.
    async fn read(&mut self, client: &mut WsClient, upto: &[(i64, i64)]) {
        while upto.iter().any(|(id, s)| self.0.get(id).is_none_or(|at| at < s)) {
            // Within the client's own wait, to say what was missing.
            let next = tokio::time::timeout(WAIT - Duration::from_secs(1), client.next());
            let message = next.await.unwrap_or_else(|_| panic!("at {:?}, not {upto:?}", self.0));
            let (id, s) = (message["m"].as_i64().expect("m"), message["s"].as_i64().expect("s"));
            match self.0.get(&id) {
                None => assert_eq!(message["k"], "snapshot", "match {id} starts with: {message}"),
                Some(at) => assert_eq!(s, at + 1, "match {id} after s={at}: {message}"),
            }
            self.0.insert(id, s);
        }
    }
}

#[tokio::test]
async fn nodes_started_on_100000_matches_hold_what_is_live_and_serve_an_old_match_alike() {
    let Some(cluster) = cluster_on_history().await else { return };
    let [a, b] = &cluster.nodes[..] else { unreachable!() };
    for node in [a, b] {
        assert_eq!(held(node).await, (HOT_AT_START, 0.0), "start-up read the hot set only");
    }
    // The oldest result and the latest: read from the database, each node as the other.
    for id in [1, FINISHED] {
        let (on_a, on_b) = (answers(a, id).await, answers(b, id).await);
        assert_eq!(on_b, on_a, "match {id} on both nodes");
        let (snapshot, _, history, poll) = on_b;
        assert_eq!(snapshot["status"], "finished", "{snapshot}");
        assert_eq!(snapshot["score"], json!({"home": 1, "away": 0}));
        let kinds: Vec<&str> = history["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| e["kind"].as_str().expect("kind"))
            .collect();
        assert_eq!(kinds, ["kickoff", "goal", "end"], "{history}");
        assert_eq!(poll, 304);
    }
    assert_eq!(held(b).await, (HOT_AT_START, 2.0), "the two old matches in the cold cache");

    // A subscriber to an old match gets its snapshot, then nothing: nothing happens to it.
    let mut follower = connect(b.port, "matches=1").await;
    let snapshot = follower.next().await;
    assert_eq!((snapshot["k"].as_str(), snapshot["s"].as_i64()), (Some("snapshot"), Some(3)));
    assert_eq!(snapshot["sc"], json!([1, 0]), "{snapshot}");
    follower.assert_silent(Duration::from_millis(500)).await;
    let (hot, cold) = held(b).await;
    assert_eq!(hot + cold, HOT_AT_START + 2.0, "the followed match is kept, nothing else read");

    // Until it is corrected on the other node: the result was never confirmed.
    let void = json!({"kind": "void", "target": 2, "reason": "offside, seen on video"});
    assert_eq!(a.store_event(1, &void).await["seq"], 4);
    let update = follower.next().await;
    let fields = (update["k"].as_str(), update["s"].as_i64(), update["of"].as_i64());
    assert_eq!(fields, (Some("void"), Some(4), Some(2)), "{update}");
    assert_eq!(update["sc"], json!([0, 0]), "{update}");
    follower.assert_silent(Duration::from_millis(300)).await;
    assert_eq!(answers(b, 1).await, answers(a, 1).await, "the corrected match on both nodes");

    // B's checks read the one change since its start (the void), never the history.
    eventually(Duration::from_secs(5), "B's check reads the void's row", || async {
        check_rows(b).await == 1.0
    })
    .await;
    assert_eq!(held(a).await, (HOT_AT_START + 1.0, 1.0), "a match changed today is hot");
}

#[tokio::test]
async fn matches_kicked_off_on_one_node_reach_the_other_in_order_through_a_nats_outage() {
    let Some(mut cluster) = cluster_on_history().await else { return };
    // x is followed on B by id before it starts, y kicks off while NATS is up, z while it is down.
    let [x, y, z] = NEXT_WEEK;
    let b_port = cluster.nodes[1].port;
    let mut named = connect(b_port, &format!("matches={x}")).await;
    let mut named_stream = Stream::default();
    named_stream.read(&mut named, &[(x, 0)]).await;
    let mut every = connect(b_port, "matches=*").await;
    let mut every_stream = Stream::default();
    let window: Vec<(i64, i64)> = IN_PLAY.iter().map(|&id| (id, 2)).chain([(TODAY, 0)]).collect();
    every_stream.read(&mut every, &window).await;
    assert_eq!(every_stream.0.len(), 4, "next week's matches are not in the window yet");
    let (hot, cold) = held(&cluster.nodes[1]).await;
    assert_eq!(hot + cold, HOT_AT_START + 1.0, "x is read in as it is followed");

    let a = &cluster.nodes[0];
    let goal = |minute: i64| json!({"kind": "goal", "team": "home", "minute": minute});
    let kickoff = json!({"kind": "kickoff"});
    a.store_event(x, &kickoff).await;
    a.store_event(y, &kickoff).await;
    // A `*` subscriber gets a match that kicks off as its snapshot, before any later update.
    every_stream.read(&mut every, &[(x, 1), (y, 1)]).await;
    for minute in 1..=3 {
        a.store_event(x, &goal(minute)).await;
        a.store_event(y, &goal(minute)).await;
    }
    named_stream.read(&mut named, &[(x, 4)]).await;
    every_stream.read(&mut every, &[(x, 4), (y, 4)]).await;
    let b = &cluster.nodes[1];
    assert_eq!(held(b).await.0, HOT_AT_START + 2.0, "x and y are in play");

    cluster.nats.kill();
    a.store_event(z, &kickoff).await;
    for minute in 4..=10 {
        a.store_event(x, &goal(minute)).await;
        a.store_event(y, &goal(minute)).await;
        a.store_event(z, &goal(minute)).await;
    }
    // NATS is down: B's check reads what changed from the database.
    named_stream.read(&mut named, &[(x, 11)]).await;
    every_stream.read(&mut every, &[(x, 11), (y, 11), (z, 8)]).await;

    cluster.nats.run();
    for node in &cluster.nodes {
        eventually(Duration::from_secs(15), "the node is back on NATS", || async {
            node.metric("scorecast_nats_connected").await == 1.0
        })
        .await;
    }
    for minute in 11..=14 {
        for id in NEXT_WEEK {
            cluster.nodes[0].store_event(id, &goal(minute)).await;
        }
    }
    named_stream.read(&mut named, &[(x, 15)]).await;
    every_stream.read(&mut every, &[(x, 15), (y, 15), (z, 12)]).await;
    named.assert_silent(Duration::from_millis(500)).await;
    every.assert_silent(Duration::from_millis(100)).await;

    let [a, b] = &cluster.nodes[..] else { unreachable!() };
    for id in NEXT_WEEK {
        assert_eq!(answers(b, id).await, answers(a, id).await, "match {id} on both nodes");
    }
    assert_eq!(a.snapshot(x).await["score"], json!({"home": 14, "away": 0}));
    assert_eq!(held(b).await, (HOT_AT_START + 3.0, 0.0), "what is in play, not the history");
    // While NATS was down the check brought x and y by gap reads and z by loading it, reading
    // the matches that changed (one row each per check), never the history.
    let repairs = b.metric("scorecast_gap_repairs_total{reason=\"check\"}").await;
    assert!(repairs >= 2.0, "{repairs} gap reads by the check");
    assert!(b.metric("scorecast_matches_loaded_total").await >= 1.0, "z loaded by the check");
    let rows = check_rows(b).await;
    assert!((3.0..200.0).contains(&rows), "B's checks read {rows} rows");
}
