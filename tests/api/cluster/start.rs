//! A node's start against NATS: credentials NATS refuses stop it with a clear message; a NATS that
//! does not answer leaves it unready until it first connects, and ready through later outages.

use std::time::Duration;

use scorecast::configuration::Settings;
use scorecast::startup::Application;

use super::{eventually, join};
use crate::common::nats::NatsServer;
use crate::common::{fresh_database, spawn_on, Backend};

#[tokio::test]
async fn credentials_nats_refuses_stop_the_start_with_a_message_naming_them() {
    let Some(nats) = NatsServer::start_with(&["--user", "scorecast", "--pass", "s3cret"]) else {
        return;
    };
    let Some(database) = fresh_database(Backend::Postgres).await else { return };
    let mut settings = Settings::with_database(&database.url);
    settings.listen = "127.0.0.1:0".parse().unwrap();
    join(&mut settings, &nats.url());
    settings.cluster.nats_user = Some("scorecast".into());
    settings.cluster.nats_password = Some("wrong".into());
    let Err(e) = Application::build(settings).await else {
        panic!("a node with credentials NATS refuses started");
    };
    let message = format!("{e:#}");
    assert!(message.contains("NATS refused this node's credentials"), "{message}");
    assert!(message.contains("--nats-password"), "{message}");
}

#[tokio::test]
async fn a_node_is_unready_until_nats_first_answers_then_ready_through_outages() {
    let Some(mut nats) = NatsServer::start() else { return };
    let Some(database) = fresh_database(Backend::Postgres).await else { return };
    nats.kill();
    let url = nats.url();
    let node = spawn_on(database, |s| {
        join(s, &url);
        s.cluster.nats_connect_timeout_ms = 500;
    })
    .await;
    let readyz = || async { node.get("/readyz").await.status().as_u16() };
    assert_eq!(readyz().await, 503, "NATS has never answered");
    let problem: serde_json::Value = node.get("/readyz").await.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("NATS"), "{problem}");

    nats.run();
    eventually(Duration::from_secs(15), "ready once NATS answers", || async {
        readyz().await == 200
    })
    .await;
    nats.kill();
    for _ in 0..10 {
        assert_eq!(readyz().await, 200, "a later outage is bridged by the check");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
