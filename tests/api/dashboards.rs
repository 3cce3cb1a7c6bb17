//! The compose monitoring files: the Grafana provisioning parses, and every metric a dashboard
//! panel queries exists in the `/metrics` of a real scorecast that has done what the panels show.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{json, Value};

use crate::common::{spawn_app, Backend};
use crate::ws_client::connect;

const DEPLOY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy");

fn yaml(path: &str) -> serde_yaml_ng::Value {
    let text = std::fs::read_to_string(Path::new(DEPLOY).join(path)).unwrap();
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_compose_file_and_the_grafana_provisioning_parse_and_point_at_each_other() {
    let compose = std::fs::read_to_string(Path::new(DEPLOY).join("../docker-compose.yml")).unwrap();
    let compose: serde_yaml_ng::Value = serde_yaml_ng::from_str(&compose).unwrap();
    let grafana = &compose["services"]["grafana"];
    let mounts: Vec<&str> =
        grafana["volumes"].as_sequence().unwrap().iter().filter_map(|v| v.as_str()).collect();
    assert!(mounts.contains(&"./deploy/grafana/provisioning:/etc/grafana/provisioning:ro"));
    assert!(mounts.contains(&"./deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro"));
    let sources = yaml("grafana/provisioning/datasources/prometheus.yml");
    let source = &sources["datasources"][0];
    assert_eq!(source["type"].as_str(), Some("prometheus"));
    assert_eq!(source["url"].as_str(), Some("http://prometheus:9090"), "the compose service");
    let providers = yaml("grafana/provisioning/dashboards/scorecast.yml");
    let folder = providers["providers"][0]["options"]["path"].as_str();
    assert_eq!(folder, Some("/var/lib/grafana/dashboards"), "where compose mounts the dashboards");
    let uid = source["uid"].as_str().unwrap();
    for panel in dashboard()["panels"].as_array().unwrap() {
        assert_eq!(panel["datasource"]["uid"].as_str(), Some(uid), "{}", panel["title"]);
    }
}

fn dashboard() -> Value {
    let text = std::fs::read_to_string(Path::new(DEPLOY).join("grafana/dashboards/scorecast.json"));
    serde_json::from_str(&text.unwrap()).expect("the dashboard is JSON")
}

/// Every metric name in the panels' queries (histogram series named by their family).
fn queried_metrics() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for panel in dashboard()["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            for word in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if word.starts_with("scorecast_") || word.starts_with("process_") {
                    let family = ["_bucket", "_sum", "_count"]
                        .iter()
                        .find_map(|s| word.strip_suffix(s))
                        .unwrap_or(word);
                    names.insert(family.to_owned());
                }
            }
        }
    }
    names
}

#[tokio::test]
async fn every_metric_a_dashboard_panel_queries_is_exposed_by_scorecast() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    // Do what the panels show: ingest, poll, subscribe, resume, get refused.
    let id = app.live_match().await;
    app.post_event(id, &json!({"kind": "goal", "team": "home", "minute": 3})).await;
    app.get(&format!("/api/v1/matches/{id}")).await;
    let mut resumed = connect(app.port, &format!("matches={id}&since={id}:1")).await;
    assert_eq!(resumed.next().await["k"], "resume");
    app.get("/ws?matches=nope").await;
    let exposition = app.get("/metrics").await.text().await.unwrap();
    let exposed: BTreeSet<&str> = exposition
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .collect();
    let queried = queried_metrics();
    assert!(queried.len() >= 20, "the dashboard queries {} metrics", queried.len());
    let missing: Vec<&String> = queried.iter().filter(|m| !exposed.contains(m.as_str())).collect();
    assert!(missing.is_empty(), "queried by a panel, absent from /metrics: {missing:?}");
}
