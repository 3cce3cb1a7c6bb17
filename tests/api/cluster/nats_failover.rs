//! Three nats-servers clustered on loopback, two scorecast processes using all three: the server a
//! node is connected to is killed mid-stream; the node moves to another, every subscriber on
//! every node gets every event in order, once, and every node exits 0 on SIGTERM.

use std::time::Duration;

use reqwest::Client;
use serde_json::{json, Value};

use super::eventually;
use crate::common::nats::NatsServer;
use crate::common::postgres::free_port;
use crate::common::{fresh_database, Backend, TOKEN};
use crate::process::Server;
use crate::ws_client::connect;

/// Three nats-servers routed to each other, each with its monitoring port.
async fn nats_cluster() -> Option<Vec<(NatsServer, u16)>> {
    let routes: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let mut servers = Vec::new();
    for (i, own) in routes.iter().enumerate() {
        let others: Vec<String> = routes
            .iter()
            .filter(|port| *port != own)
            .map(|port| format!("nats://127.0.0.1:{port}"))
            .collect();
        let monitor = free_port();
        let args = [
            "--cluster_name".to_owned(),
            "scorecast-test".to_owned(),
            "--cluster".to_owned(),
            format!("nats://127.0.0.1:{own}"),
            "--routes".to_owned(),
            others.join(","),
            "-m".to_owned(),
            monitor.to_string(),
            "--server_name".to_owned(),
            format!("n{i}"),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        servers.push((NatsServer::start_with(&args)?, monitor));
    }
    let client = Client::new();
    for (_, monitor) in &servers {
        eventually(Duration::from_secs(10), "the NATS routes are up", || async {
            monitoring(&client, *monitor, "routez").await["num_routes"].as_u64() == Some(2)
        })
        .await;
    }
    Some(servers)
}

async fn monitoring(client: &Client, port: u16, what: &str) -> Value {
    match client.get(format!("http://127.0.0.1:{port}/{what}")).send().await {
        Ok(response) => response.json().await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

/// The client names connected to the server monitored on `port`.
async fn connected_names(client: &Client, port: u16) -> Vec<String> {
    let connz = monitoring(client, port, "connz").await;
    let connections = connz["connections"].as_array().cloned().unwrap_or_default();
    connections.iter().filter_map(|c| c["name"].as_str().map(str::to_owned)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_nats_server_a_node_uses_mid_stream_moves_it_and_loses_nothing() {
    let Some(mut nats) = nats_cluster().await else { return };
    let Some(database) = fresh_database(Backend::Postgres).await else { return };
    let urls: Vec<String> = nats.iter().map(|(server, _)| server.url()).collect();
    let urls = urls.join(",");
    // A check interval longer than the test: what NATS loses must come back through the link.
    let flags = ["--nats-url", &urls, "--nats-check-secs", "3600"];
    let mut nodes = vec![
        Server::start_with(&database.url, &flags).await,
        Server::start_with(&database.url, &flags).await,
    ];
    let client = Client::new();
    for node in &nodes {
        eventually(Duration::from_secs(10), "ready", || async {
            let ready = client.get(format!("{}/readyz", node.base)).send().await;
            ready.is_ok_and(|r| r.status() == 200)
        })
        .await;
    }
    let id = nodes[0].create_live_match().await;
    let mut subscribers = Vec::new();
    for node in &nodes {
        for _ in 0..2 {
            let mut subscriber = connect(node.port, &format!("matches={id}")).await;
            assert_eq!(subscriber.next().await["s"], 1);
            subscribers.push(subscriber);
        }
    }
    // A server a node is connected to (the scorecast nodes name themselves `scorecast …`).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let used = loop {
        let mut scorecasts = Vec::new();
        for (i, (_, monitor)) in nats.iter().enumerate() {
            let names = connected_names(&client, *monitor).await;
            scorecasts.extend(names.iter().filter(|n| n.starts_with("scorecast")).map(|_| i));
        }
        if scorecasts.len() == 2 {
            break scorecasts[0];
        }
        assert!(tokio::time::Instant::now() < deadline, "the nodes' NATS links: {scorecasts:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    let events = format!("{}/api/v1/matches/{id}/events", nodes[0].base);
    let post = |minute: i64| {
        let team = if minute % 2 == 0 { "home" } else { "away" };
        client
            .post(&events)
            .bearer_auth(TOKEN)
            .json(&json!({"kind": "goal", "team": team, "minute": minute}))
            .send()
    };
    for minute in 0..20 {
        assert_eq!(post(minute).await.unwrap().status(), 201);
        tokio::time::sleep(Duration::from_millis(10)).await;
        if minute == 9 {
            nats[used].0.kill();
        }
    }
    // Both nodes hold two connections each across the surviving servers again.
    eventually(Duration::from_secs(15), "every node moved to a surviving server", || async {
        let mut count = 0;
        for (i, (_, monitor)) in nats.iter().enumerate() {
            if i != used {
                let names = connected_names(&client, *monitor).await;
                count += names.iter().filter(|n| n.starts_with("scorecast")).count();
            }
        }
        count == 2
    })
    .await;
    for minute in 20..30 {
        assert_eq!(post(minute).await.unwrap().status(), 201);
    }
    for (i, subscriber) in subscribers.iter_mut().enumerate() {
        for seq in 2..=31 {
            let update = subscriber.next().await;
            assert_eq!(update["s"], seq, "subscriber {i}: {update}");
        }
        subscriber.assert_silent(Duration::from_millis(300)).await;
    }
    for node in &mut nodes {
        node.signal(libc::SIGTERM);
        let status = node.wait();
        assert!(status.success(), "a node exited {status} after SIGTERM");
    }
}
