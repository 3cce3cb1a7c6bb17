//! Several scorecast nodes on one Postgres database and one real nats-server, as a cluster.

mod competitions;
mod consistency;
mod corrections;
mod fanout;
mod history;
mod nats_failover;
mod outages;
mod proxy;
mod rolling_upgrade;
mod sports;
mod start;
mod watching;

use std::time::Duration;

use scorecast::configuration::Settings;

use crate::common::nats::NatsServer;
use crate::common::{fresh_database, spawn_on, Backend, TestApp, TestDatabase};

/// The check interval the tests run with: short, so lost messages are repaired quickly.
pub const CHECK_SECS: u64 = 1;

pub struct TestCluster {
    pub nats: NatsServer,
    pub nodes: Vec<TestApp>,
    pub database: TestDatabase,
}

/// `n` nodes on a fresh Postgres database and a fresh nats-server; `None` when either is
/// not installed here (and not required).
pub async fn start_cluster(n: usize) -> Option<TestCluster> {
    let nats = NatsServer::start()?;
    let database = fresh_database(Backend::Postgres).await?;
    Some(start_nodes(nats, database, n).await)
}

/// `n` nodes on `database` (already holding what the test wrote into it), joined by `nats`.
pub async fn start_nodes(nats: NatsServer, database: TestDatabase, n: usize) -> TestCluster {
    let mut nodes = Vec::with_capacity(n);
    for _ in 0..n {
        let url = nats.url();
        let node = spawn_on(database.clone(), |s| join(s, &url)).await;
        // Ready once its NATS link is up: before, what others commit could pass it by.
        eventually(Duration::from_secs(10), "the node is ready", || async {
            node.get("/readyz").await.status() == 200
        })
        .await;
        nodes.push(node);
    }
    TestCluster { nats, nodes, database }
}

/// Settings of a node that joins the NATS server at `url`.
pub fn join(settings: &mut Settings, url: &str) {
    settings.cluster.nats_url = vec![url.to_owned()];
    settings.cluster.nats_check_secs = CHECK_SECS;
}

/// Polls `until` every 20 ms for at most `within`; panics with `what` if it never holds.
pub async fn eventually<F, Fut>(within: Duration, what: &str, mut until: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    while !until().await {
        assert!(tokio::time::Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The sequence number a node's polling endpoint shows for a match.
pub async fn polled_seq(node: &TestApp, id: i64) -> i64 {
    node.snapshot(id).await["seq"].as_i64().expect("seq")
}
