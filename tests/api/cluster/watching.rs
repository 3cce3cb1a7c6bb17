//! How many are watching, summed across nodes over a real nats-server: one node killed (SIGKILL,
//! so it says no goodbye) stops counting once its share expires, and after it is restarted the
//! count settles to the true number within two intervals.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::{eventually, join};
use crate::common::nats::NatsServer;
use crate::common::{fresh_database, spawn_on, Backend};
use crate::process::Server;
use crate::ws_client::connect;

/// The interval the nodes run with.
const INTERVAL: Duration = Duration::from_secs(1);

async fn watching_at(base: &str, id: i64) -> u64 {
    let url = format!("{base}/api/v1/matches/{id}/watching");
    let response = reqwest::get(url).await.expect("an answer");
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.unwrap()["watching"].as_u64().expect("a count")
}

/// The ids and counts a node lists as the most watched.
async fn most_watched_at(base: &str) -> Vec<(i64, u64)> {
    let response = reqwest::get(format!("{base}/api/v1/watching")).await.expect("an answer");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let listed = body["matches"].as_array().expect("matches").iter();
    listed.map(|m| (m["id"].as_i64().unwrap(), m["watching"].as_u64().unwrap())).collect()
}

/// Whether both nodes answer that `n` watch.
async fn both(a: &str, b: &str, id: i64, n: u64) -> bool {
    watching_at(a, id).await == n && watching_at(b, id).await == n
}

/// Node B: the scorecast binary on the cluster's database and NATS server, ready.
async fn node_b(database_url: &str, nats_url: &str) -> Server {
    let interval = INTERVAL.as_secs().to_string();
    let args =
        ["--nats-url", nats_url, "--nats-check-secs", "1", "--watching-interval-secs", &interval];
    let node = Server::start_with(database_url, &args).await;
    eventually(Duration::from_secs(10), "node B is ready", || async {
        let ready = reqwest::get(format!("{}/readyz", node.base)).await;
        ready.is_ok_and(|r| r.status() == 200)
    })
    .await;
    node
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_count_is_summed_across_nodes_and_settles_after_a_node_is_killed_and_restarted() {
    let Some(nats) = NatsServer::start() else { return };
    let Some(database) = fresh_database(Backend::Postgres).await else { return };
    let url = nats.url();
    let a = spawn_on(database.clone(), |s| {
        join(s, &url);
        s.watching.watching_interval_secs = INTERVAL.as_secs();
    })
    .await;
    eventually(Duration::from_secs(10), "node A is ready", || async {
        a.get("/readyz").await.status() == 200
    })
    .await;
    let mut b = node_b(&database.url, &url).await;
    let id = a.create_match_today("Ajax", "PSV").await;

    let mut on_a = Vec::new();
    for _ in 0..2 {
        let mut client = connect(a.port, &format!("matches={id}")).await;
        assert_eq!(client.next_any().await["k"], "snapshot");
        on_a.push(client);
    }
    let mut on_b = Vec::new();
    for _ in 0..3 {
        let mut client = connect(b.port, &format!("matches={id}")).await;
        assert_eq!(client.next_any().await["k"], "snapshot");
        on_b.push(client);
    }
    let (at_a, at_b) = (a.address.clone(), b.base.clone());
    eventually(INTERVAL * 3, "5 watch, on both nodes", || both(&at_a, &at_b, id, 5)).await;
    // Each node ranks the summed count as the most watched.
    eventually(INTERVAL * 2, "ranked on both nodes", || async {
        most_watched_at(&at_a).await == [(id, 5)] && most_watched_at(&at_b).await == [(id, 5)]
    })
    .await;

    b.signal(libc::SIGKILL);
    b.wait();
    drop(on_b);
    assert_eq!(watching_at(&a.address, id).await, 5, "a share outlives a missed report");
    let killed = Instant::now();
    eventually(INTERVAL * 5, "B's share expired", || async {
        watching_at(&a.address, id).await == 2
    })
    .await;
    assert!(killed.elapsed() >= INTERVAL, "not before B missed a report");

    let b = node_b(&database.url, &url).await;
    let mut on_b = Vec::new();
    for _ in 0..4 {
        let mut client = connect(b.port, &format!("matches={id}")).await;
        assert_eq!(client.next_any().await["k"], "snapshot");
        on_b.push(client);
    }
    let at_b = b.base.clone();
    let settling = "6 watch, on both nodes, within two intervals";
    eventually(INTERVAL * 2, settling, || both(&at_a, &at_b, id, 6)).await;
    // The followers on A are told too.
    let told = &mut on_a[0];
    loop {
        let message = told.next_any().await;
        if message["k"] == "watching" && message["w"] == 6 {
            break;
        }
    }
}
