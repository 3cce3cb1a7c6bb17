//! Two nodes sharing their audience over a nats-server that speaks TLS only and asks each client
//! for a certificate (`verify: true`): `tls://` URLs, --nats-tls-ca and --nats-tls-cert/-key.

use std::time::Duration;

use serde_json::json;

use crate::cluster::{eventually, polled_seq};

use crate::common::nats::NatsServer;
use crate::common::postgres::shared_admin_url;
use crate::common::tls::TestCa;
use crate::common::{fresh_database, spawn_on, Backend};
use crate::ws_client::connect;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_share_updates_over_nats_with_tls_and_client_certificates() {
    let ca = TestCa::new();
    let server_cert = ca.issue("nats");
    let config = ca.dir.path().join("nats.conf");
    std::fs::write(
        &config,
        format!(
            "tls {{\n  cert_file: \"{}\"\n  key_file: \"{}\"\n  ca_file: \"{}\"\n  verify: true\n  timeout: 2\n}}\n",
            server_cert.cert.display(),
            server_cert.key.display(),
            ca.ca_file().display()
        ),
    )
    .unwrap();
    let Some(nats) = NatsServer::start_with(&["-c", config.to_str().unwrap()]) else { return };
    if shared_admin_url().is_none() {
        return;
    }
    let database = fresh_database(Backend::Postgres).await.unwrap();
    let url = format!("tls://127.0.0.1:{}", nats.port);
    let node_cert = ca.issue("node");
    let mut nodes = Vec::new();
    for _ in 0..2 {
        let (url, ca_file, cert) = (url.clone(), ca.ca_file(), node_cert.clone());
        nodes.push(
            spawn_on(database.clone(), move |s| {
                s.cluster.nats_url = vec![url];
                s.cluster.nats_tls_ca = Some(ca_file);
                s.cluster.nats_tls_cert = Some(cert.cert);
                s.cluster.nats_tls_key = Some(cert.key);
            })
            .await,
        );
    }
    let id = nodes[0].live_match().await;
    // The kickoff crosses first; subscribing before it has would see it come as an update.
    eventually(Duration::from_secs(5), "the second node has the kickoff", || async {
        polled_seq(&nodes[1], id).await == 1
    })
    .await;
    let mut watcher = connect(nodes[1].port, &format!("matches={id}")).await;
    assert_eq!(watcher.next().await["k"], "snapshot");
    nodes[0].store_event(id, &json!({"kind": "goal", "team": "home", "minute": 4})).await;
    let update = watcher.next().await;
    assert_eq!(
        (update["k"].as_str(), update["s"].as_i64()),
        (Some("goal"), Some(2)),
        "the update committed on the first node reaches the second over NATS with TLS"
    );

    // Without a client certificate the server refuses the node: no update crosses.
    let lonely = spawn_on(database.clone(), |s| {
        s.cluster.nats_url = vec![format!("tls://127.0.0.1:{}", nats.port)];
        s.cluster.nats_tls_ca = Some(ca.ca_file());
    })
    .await;
    let mut unheard = connect(lonely.port, &format!("matches={id}")).await;
    assert_eq!(unheard.next().await["k"], "snapshot");
    nodes[0].store_event(id, &json!({"kind": "goal", "team": "home", "minute": 5})).await;
    assert_eq!(watcher.next().await["s"], 3);
    let status = lonely.get("/metrics").await.text().await.unwrap();
    let connected =
        status.lines().find(|l| l.starts_with("scorecast_nats_connected")).map(str::to_owned);
    assert_eq!(connected.as_deref(), Some("scorecast_nats_connected 0"), "{status}");
}
