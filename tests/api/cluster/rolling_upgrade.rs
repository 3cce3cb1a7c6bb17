//! A rolling upgrade: a node of the previous release keeps running while a new node migrates the
//! database and joins the same NATS. The old node then sees rows, events and messages it does not
//! know; it must not crash (it may leave out what it cannot show), and what it stores still
//! reaches the new node. (The previous release cannot start again on the migrated database: it
//! refuses migrations it does not know. This release ignores them, so the next one can be rolled
//! out beside it: `a_node_starts_on_a_database_a_newer_release_migrated`.)
//!
//! The previous release's binary is named by `SCORECAST_PREVIOUS_BINARY` (`.ci/run` builds it
//! from the commit in `tests/fixtures/previous-release.json`); without it the test is skipped,
//! unless `SCORECAST_REQUIRE_PREVIOUS=1`.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use super::{eventually, join, polled_seq, CHECK_SECS};
use crate::common::nats::NatsServer;
use crate::common::{fresh_database, spawn_on, Backend, TestApp, TOKEN};

fn previous_binary() -> Option<String> {
    match std::env::var("SCORECAST_PREVIOUS_BINARY") {
        Ok(path) if std::path::Path::new(&path).exists() => Some(path),
        _ => {
            assert!(
                std::env::var("SCORECAST_REQUIRE_PREVIOUS").is_err(),
                "SCORECAST_REQUIRE_PREVIOUS is set but SCORECAST_PREVIOUS_BINARY names no binary"
            );
            eprintln!("skipped: no SCORECAST_PREVIOUS_BINARY");
            None
        }
    }
}

/// The previous release, serving on a free loopback port.
struct OldNode {
    child: Child,
    base: String,
}

impl OldNode {
    /// Without `nats_url`, the node shares only the database: what it stores reaches others
    /// through their periodic check alone.
    async fn start(binary: &str, database_url: &str, nats_url: Option<&str>) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut command = Command::new(binary);
        command
            .args(["--listen", &format!("127.0.0.1:{port}"), "--database-url", database_url])
            .args(["--admin-token", TOKEN]);
        if let Some(nats_url) = nats_url {
            command.args(["--nats-url", nats_url, "--nats-check-secs", &CHECK_SECS.to_string()]);
        }
        let child = command
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the previous release");
        let node = Self { child, base: format!("http://127.0.0.1:{port}") };
        let client = reqwest::Client::new();
        eventually(Duration::from_secs(30), "the previous release is ready", || async {
            client
                .get(format!("{}/readyz", node.base))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        })
        .await;
        node
    }

    fn still_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Posts `body` as the admin; the status and the JSON answer.
    async fn post(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let response = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(serde_json::Value::Null))
    }

    async fn status(&self, path: &str) -> u16 {
        let response = reqwest::Client::new().get(format!("{}{path}", self.base)).send().await;
        response.unwrap().status().as_u16()
    }
}

impl Drop for OldNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn patch(node: &TestApp, id: i64, body: serde_json::Value) {
    let response = node
        .client
        .patch(node.url(&format!("/api/v1/matches/{id}")))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_node_of_the_previous_release_beside_a_new_one_keeps_serving_and_its_events_reach_the_new_one(
) {
    let Some(previous) = previous_binary() else { return };
    let Some(nats) = NatsServer::start() else { return };
    let Some(database) = fresh_database(Backend::Postgres).await else { return };
    // The old node first, on its own schema; then the new node migrates the database under it.
    let mut old = OldNode::start(&previous, &database.url, Some(&nats.url())).await;
    let url = nats.url();
    let new = &spawn_on(database.clone(), |s| join(s, &url)).await;

    // Everything the old release does not know, made on the new node.
    let id = new.live_match().await;
    let goal = new.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 5})).await;
    new.store_event(id, &json!({"kind": "void", "target": goal["seq"]})).await;
    new.store_event(id, &json!({"kind": "status", "status": "interrupted", "reason": "fog"})).await;
    new.store_event(id, &json!({"kind": "status", "status": "live"})).await;
    new.store_event(id, &json!({"kind": "added_time", "minutes": 3})).await;
    patch(new, id, json!({"home": "Renamed FC"})).await;
    let postponed = new.create_match().await;
    new.store_event(postponed, &json!({"kind": "status", "status": "postponed"})).await;
    let confirmed = new.live_match().await;
    new.store_event(confirmed, &json!({"kind": "end"})).await;
    new.store_event(confirmed, &json!({"kind": "confirm"})).await;

    // Let the old node's periodic check meet all of it, a few times.
    tokio::time::sleep(Duration::from_secs(4 * CHECK_SECS)).await;
    assert!(old.still_running(), "the previous release crashed on the new rows or messages");
    assert_eq!(old.status("/readyz").await, 200);
    assert_eq!(old.status("/api/v1/matches").await, 200);
    for match_id in [id, postponed, confirmed] {
        assert_eq!(old.status(&format!("/api/v1/matches/{match_id}")).await, 200);
    }

    // What the old node stores reaches the new one, which folds it with the rest.
    let client = reqwest::Client::new();
    let answer = client
        .post(format!("{}/api/v1/matches/{id}/events", old.base))
        .bearer_auth(TOKEN)
        .json(&json!({"kind": "goal", "team": "away", "minute": 80}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201, "the previous release still stores events");
    let seq: serde_json::Value = answer.json().await.unwrap();
    let seq = seq["seq"].as_i64().unwrap();
    eventually(Duration::from_secs(10), "the new node takes the old node's event", || async {
        polled_seq(new, id).await == seq
    })
    .await;
    let snapshot = new.snapshot(id).await;
    assert_eq!(snapshot["score"], json!({"home": 0, "away": 1}), "{snapshot}");
    assert_eq!(snapshot["home"], "Renamed FC");
    assert!(old.still_running());
}

/// The previous release knows nothing of the change sequence; the database's triggers move it for
/// every match it creates or writes, so a new node's periodic check finds those writes with no
/// message.
#[tokio::test]
async fn what_a_node_of_the_previous_release_stores_reaches_a_new_one_through_the_check_alone() {
    let Some(previous) = previous_binary() else { return };
    let Some(nats) = NatsServer::start() else { return };
    let Some(database) = fresh_database(Backend::Postgres).await else { return };
    // The old node on no NATS at all: nothing it stores is published.
    let old = OldNode::start(&previous, &database.url, None).await;
    let url = nats.url();
    let new = &spawn_on(database.clone(), |s| join(s, &url)).await;
    let within = Duration::from_secs(5 * CHECK_SECS);

    // A match the old node creates, kicking off now (so it is hot), and its kickoff.
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let (status, created) = old
        .post(
            "/api/v1/matches",
            json!({"home": "Old Town", "away": "New Town", "competition": "Eredivisie",
                   "kickoff_at": now}),
        )
        .await;
    assert_eq!(status, 201, "the previous release creates the match: {created}");
    let id = created["id"].as_i64().unwrap();
    let path = format!("/api/v1/matches/{id}/events");
    assert_eq!(old.post(&path, json!({"kind": "kickoff"})).await.0, 201);
    eventually(within, "the check finds the old node's match", || async {
        new.get(&format!("/api/v1/matches/{id}")).await.status() == 200
            && polled_seq(new, id).await == 1
    })
    .await;

    // Its events and its metadata changes.
    let (status, goal) =
        old.post(&path, json!({"kind": "goal", "team": "home", "minute": 12})).await;
    assert_eq!(status, 201, "the previous release stores the goal: {goal}");
    let seq = goal["seq"].as_i64().unwrap();
    eventually(within, "the check finds the old node's event", || async {
        polled_seq(new, id).await == seq
    })
    .await;
    assert_eq!(new.snapshot(id).await["score"], json!({"home": 1, "away": 0}));
    let renamed = reqwest::Client::new()
        .patch(format!("{}/api/v1/matches/{id}", old.base))
        .bearer_auth(TOKEN)
        .json(&json!({"home": "Renamed by the old node"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200, "the previous release changes the match");
    eventually(within, "the check finds the old node's change", || async {
        new.snapshot(id).await["home"] == "Renamed by the old node"
    })
    .await;
}
