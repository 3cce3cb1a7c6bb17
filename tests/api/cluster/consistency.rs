use std::time::Duration;

use serde_json::{json, Value};

use super::proxy::Proxy;
use super::{eventually, join, polled_seq, start_cluster};
use crate::common::nats::NatsServer;
use crate::common::{fresh_database, spawn_on, Backend, TestApp, TOKEN};
use crate::sse_client::SseClient;
use crate::ws_client::connect;

async fn post_with_key(node: &TestApp, path: &str, key: &str, body: &Value) -> reqwest::Response {
    node.client
        .post(node.url(path))
        .bearer_auth(TOKEN)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_same_idempotency_key_posted_on_two_nodes_stores_one_event_and_one_match() {
    let Some(cluster) = start_cluster(2).await else { return };
    let [a, b] = &cluster.nodes[..] else { unreachable!() };
    let new = json!({"home": "Ajax", "away": "PSV", "competition": "Eredivisie",
                     "kickoff_at": "2026-11-21T19:00:00Z"});
    let (first, retry) = tokio::join!(
        post_with_key(a, "/api/v1/matches", "create-1", &new),
        post_with_key(b, "/api/v1/matches", "create-1", &new),
    );
    assert_eq!((first.status().as_u16(), retry.status().as_u16()), (201, 201));
    let replays = [&first, &retry]
        .iter()
        .filter(|r| r.headers().get("Idempotency-Replayed").is_some())
        .count();
    assert_eq!(replays, 1, "one of the two created the match, the other replayed it");
    let (first, retry): (Value, Value) = (first.json().await.unwrap(), retry.json().await.unwrap());
    assert_eq!(first["id"], retry["id"]);
    let listed: Value = a.get("/api/v1/matches").await.json().await.unwrap();
    assert_eq!(listed["total"], 1, "{listed}");
    let other = json!({"home": "Ajax", "away": "AZ", "competition": "Eredivisie",
                       "kickoff_at": "2026-11-21T19:00:00Z"});
    assert_eq!(post_with_key(b, "/api/v1/matches", "create-1", &other).await.status(), 422);

    let id = first["id"].as_i64().unwrap();
    a.store_event(id, &json!({"kind": "kickoff"})).await;
    let goal = json!({"kind": "goal", "team": "home", "minute": 3});
    let path = format!("/api/v1/matches/{id}/events");
    let (one, two) = tokio::join!(
        post_with_key(a, &path, "goal-1", &goal),
        post_with_key(b, &path, "goal-1", &goal)
    );
    assert_eq!((one.status().as_u16(), two.status().as_u16()), (201, 201));
    let history: Value = a.get(&path).await.json().await.unwrap();
    assert_eq!(history["events"].as_array().unwrap().len(), 2, "kickoff and one goal: {history}");
}

#[tokio::test]
async fn a_poll_naming_a_later_state_than_this_node_has_is_answered_304() {
    let Some(cluster) = start_cluster(1).await else { return };
    let node = &cluster.nodes[0];
    let id = node.live_match().await;
    let etag = node.get(&format!("/api/v1/matches/{id}")).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(etag, format!("\"{id}-1-0\""));
    let poll = |tag: String| async move {
        node.client
            .get(node.url(&format!("/api/v1/matches/{id}")))
            .header("If-None-Match", tag)
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(poll(format!("\"{id}-5-0\"")).await, 304, "another node was ahead");
    assert_eq!(poll(format!("\"{id}-1-2\"")).await, 304, "a newer revision elsewhere");
    assert_eq!(poll(format!("\"{id}-0-0\"")).await, 200, "the client is behind");
    assert_eq!(poll(format!("\"{}-9-9\"", id + 1)).await, 200, "another match's tag");
}

#[tokio::test]
async fn sqlite_with_a_nats_url_refuses_to_start_saying_several_nodes_need_postgres() {
    let database = fresh_database(Backend::Sqlite).await.unwrap();
    let mut settings = scorecast::configuration::Settings::with_database(&database.url);
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.cluster.nats_url = vec!["nats://127.0.0.1:1".into()];
    let error = match scorecast::startup::Application::build(settings).await {
        Ok(_) => panic!("a clustered node on SQLite started"),
        Err(e) => format!("{e:#}"),
    };
    assert!(error.contains("several nodes need one shared database"), "{error}");
    assert!(error.contains("postgres://"), "{error}");
}

/// A resume on a node that did not commit the events, from behind it and from ahead of it (the
/// client came from a node that had more): exactly the missed events, never `rec: false`.
#[tokio::test]
async fn a_resume_on_another_node_gets_exactly_what_it_missed_even_from_ahead_of_it() {
    let Some(mut cluster) = start_cluster(1).await else { return };
    let a = cluster.nodes.remove(0);
    // B hears NATS through a proxy that will stop forwarding, and checks rarely: it stays behind.
    let proxy = Proxy::start(cluster.nats.port).await;
    let b = spawn_on(cluster.database.clone(), |s| {
        join(s, &proxy.url());
        s.cluster.nats_check_secs = 3600;
    })
    .await;
    let id = a.live_match().await;
    for minute in 0..3 {
        a.store_event(id, &json!({"kind": "goal", "team": "home", "minute": minute})).await;
    }
    eventually(Duration::from_secs(5), "B has seq 4", || async { polled_seq(&b, id).await == 4 })
        .await;

    // From behind: the client has 2 of 4.
    let mut behind = connect(b.port, &format!("matches={id}&since={id}:2")).await;
    let marker = behind.next().await;
    assert_eq!(
        (marker["k"].as_str(), marker["rec"].as_bool(), marker["n"].as_i64()),
        (Some("resume"), Some(true), Some(2)),
        "{marker}"
    );
    assert_eq!(behind.next().await["s"], 3);
    assert_eq!(behind.next().await["s"], 4);
    // The same over SSE, from Last-Event-ID.
    let mut sse =
        SseClient::open(&b.url(&format!("/sse?matches={id}")), Some(&format!("{id}:3"))).await;
    let (_, marker) = sse.next_event().await;
    assert_eq!((marker["k"].as_str(), marker["n"].as_i64()), (Some("resume"), Some(1)), "{marker}");
    assert_eq!(sse.next_event().await.1["s"], 4);

    // From ahead: B stops hearing NATS, A commits two more, the client saw them on A.
    proxy.freeze();
    for minute in 3..5 {
        a.store_event(id, &json!({"kind": "goal", "team": "home", "minute": minute})).await;
    }
    assert_eq!(polled_seq(&b, id).await, 4, "B is behind");
    let mut ahead = connect(b.port, &format!("matches={id}&since={id}:6")).await;
    let marker = ahead.next().await;
    assert_eq!(
        (marker["k"].as_str(), marker["rec"].as_bool(), marker["n"].as_i64()),
        (Some("resume"), Some(true), Some(0)),
        "{marker}"
    );
    assert_eq!(polled_seq(&b, id).await, 6, "B caught up before it answered");
    // The client that was behind got 5 and 6 through that catch-up, once each.
    assert_eq!(behind.next().await["s"], 5);
    assert_eq!(behind.next().await["s"], 6);
    assert_eq!(sse.next_event().await.1["s"], 5);
    assert_eq!(sse.next_event().await.1["s"], 6);
    behind.assert_silent(Duration::from_millis(300)).await;
    ahead.assert_silent(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn nodes_authenticate_to_nats_and_ignore_and_count_messages_of_an_unknown_format_version() {
    let Some(nats) = NatsServer::start_with(&["--user", "scorecast", "--pass", "s3cret"]) else {
        return;
    };
    let Some(database) = fresh_database(Backend::Postgres).await else { return };
    let node = |password: &'static str| {
        let url = nats.url();
        spawn_on(database.clone(), move |s| {
            join(s, &url);
            s.cluster.nats_user = Some("scorecast".into());
            s.cluster.nats_password = Some(password.into());
        })
    };
    let (a, b) = (node("s3cret").await, node("s3cret").await);
    let id = a.live_match().await;
    a.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 1})).await;
    eventually(Duration::from_secs(3), "B hears A through the authenticated NATS", || async {
        polled_seq(&b, id).await == 2
    })
    .await;
    let metrics = b.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("scorecast_nats_received_total{kind=\"event\"}"), "{metrics}");

    // A release from the future publishes v3: this one ignores it and counts it.
    let client =
        async_nats::ConnectOptions::with_user_and_password("scorecast".into(), "s3cret".into())
            .connect(nats.url())
            .await
            .unwrap();
    let subject = format!("scorecast.v3.event.{id}");
    client.publish(subject, r#"{"anything":"new"}"#.into()).await.unwrap();
    client.flush().await.unwrap();
    eventually(Duration::from_secs(3), "the unknown version is counted", || async {
        let metrics = b.get("/metrics").await.text().await.unwrap();
        metrics.contains("scorecast_nats_ignored_total{reason=\"version\"} 1")
    })
    .await;
    assert_eq!(polled_seq(&b, id).await, 2, "nothing applied from it");
}
