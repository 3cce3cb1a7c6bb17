//! The compose topology without Docker: the compose file and its nginx and Prometheus files fit
//! together, the nginx configuration is valid (`nginx -t`), and a real nginx with that
//! configuration in front of two clustered nodes passes WebSockets, streams SSE unbuffered and
//! never shows a poller a match going backwards.
//!
//! Without nginx installed the nginx tests are skipped, unless `SCORECAST_REQUIRE_NGINX=1` (CI).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use scorecast::configuration::Settings;
use serde_json::json;

use crate::cluster::{eventually, start_cluster};
use crate::common::postgres::free_port;
use crate::sse_client::SseClient;
use crate::ws_client::connect;

pub(crate) const REPO: &str = env!("CARGO_MANIFEST_DIR");

pub(crate) fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(REPO).join(path)).unwrap()
}

#[test]
fn the_compose_file_runs_two_nodes_on_postgres_and_nats_behind_nginx_and_prometheus_scrapes_both() {
    let compose: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&read("docker-compose.yml")).unwrap();
    let services = &compose["services"];
    for node in ["scorecast-1", "scorecast-2"] {
        let env = &services[node]["environment"];
        assert!(env["DATABASE_URL"].as_str().unwrap().starts_with("postgres://"), "{node}");
        assert_eq!(env["SCORECAST_NATS_URL"].as_str(), Some("nats://nats:4222"), "{node}");
        let proxy = env["SCORECAST_TRUSTED_PROXIES"].as_str().unwrap();
        let lb = &services["nginx"]["networks"]["default"]["ipv4_address"];
        assert_eq!(Some(proxy), lb.as_str(), "{node} trusts the load balancer's address");
    }
    assert!(services["nats"]["image"].as_str().unwrap().starts_with("nats:"));
    let volumes: Vec<&str> = services["nginx"]["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(volumes.contains(&"./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro"), "{volumes:?}");
    let config = nginx_config();
    for node in ["scorecast-1:8080", "scorecast-2:8080"] {
        assert!(config.contains(&format!("server {node}")), "nginx balances over {node}");
        assert!(
            read("deploy/prometheus.yml").contains(&format!("\"{node}\"")),
            "Prometheus scrapes {node}"
        );
    }
}

#[test]
fn the_load_balancers_idle_timeouts_exceed_the_longest_silence_scorecast_allows() {
    let defaults = Settings::with_database("sqlite::memory:");
    // Server to client: a ping after this much silence, a close if unanswered; an SSE comment.
    let longest = (defaults.ws_heartbeat_secs + defaults.ws_heartbeat_timeout_secs)
        .max(defaults.sse_heartbeat_secs);
    let config = nginx_config();
    for directive in ["proxy_read_timeout", "proxy_send_timeout"] {
        let value = config
            .lines()
            .find_map(|l| l.trim().strip_prefix(directive))
            .unwrap_or_else(|| panic!("{directive} is set"))
            .trim()
            .trim_end_matches(';')
            .trim_end_matches('s');
        let secs: u64 = value.parse().unwrap();
        assert!(secs > longest, "{directive} {secs} s must exceed {longest} s");
        assert!(secs >= 60, "{directive} {secs} s is below nginx's own default");
    }
}

fn nginx_config() -> String {
    read("deploy/nginx/nginx.conf")
}

/// nginx, if installed (or required).
pub(crate) fn nginx() -> Option<&'static str> {
    let installed = Command::new("nginx").arg("-v").output().is_ok();
    if !installed {
        assert!(
            std::env::var("SCORECAST_REQUIRE_NGINX").is_err(),
            "SCORECAST_REQUIRE_NGINX is set but nginx is not installed"
        );
        eprintln!("no nginx installed: load balancer tests are skipped");
        return None;
    }
    Some("nginx")
}

/// The compose nginx configuration with the compose host names and port replaced by loopback
/// ports: everything else is the file as shipped.
fn render(dir: &Path, listen: u16, nodes: &[u16]) -> PathBuf {
    let mut config = nginx_config().replace("listen 8080;", &format!("listen 127.0.0.1:{listen};"));
    for (i, port) in nodes.iter().enumerate() {
        config = config.replace(&format!("scorecast-{}:8080", i + 1), &format!("127.0.0.1:{port}"));
    }
    let path = dir.join("nginx.conf");
    std::fs::write(&path, config).unwrap();
    path
}

pub(crate) fn nginx_command(dir: &Path, config: &Path) -> Command {
    let mut command = Command::new("nginx");
    let globals =
        format!("pid {}/nginx.pid; error_log {}/error.log;", dir.display(), dir.display());
    command.args(["-p", &dir.display().to_string(), "-c", &config.display().to_string()]);
    command.args(["-g", &globals]);
    command
}

#[test]
fn nginx_accepts_the_compose_load_balancer_configuration() {
    let Some(_) = nginx() else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = render(dir.path(), free_port(), &[free_port(), free_port()]);
    let output = nginx_command(dir.path(), &config).arg("-t").output().unwrap();
    assert!(output.status.success(), "nginx -t: {}", String::from_utf8_lossy(&output.stderr));
}

pub(crate) struct Nginx(pub(crate) Child);

impl Drop for Nginx {
    /// SIGTERM, for the master to stop its workers before it exits (SIGKILL would leave them
    /// running, orphaned, after the test); SIGKILL only if that takes over 5 s.
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.0.id()) {
            unsafe { libc::kill(pid, libc::SIGTERM) };
            for _ in 0..100 {
                if let Ok(Some(_)) = self.0.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn behind_nginx_two_nodes_serve_websockets_sse_and_polls_that_never_go_backwards() {
    let Some(_) = nginx() else { return };
    let Some(cluster) = start_cluster(2).await else { return };
    let [a, b] = &cluster.nodes[..] else { unreachable!() };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = render(dir.path(), port, &[a.port, b.port]);
    let child = nginx_command(dir.path(), &config)
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx");
    let _nginx = Nginx(child);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    eventually(Duration::from_secs(10), "nginx answers", || async {
        client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status() == 200)
    })
    .await;

    let id = a.live_match().await;
    let mut ws = connect(port, &format!("matches={id}")).await;
    assert_eq!(ws.next().await["s"], 1, "a WebSocket through nginx");
    let mut sse = SseClient::open(&format!("{base}/sse?matches={id}"), None).await;
    assert_eq!(sse.next_event().await.1["s"], 1, "an SSE stream through nginx");

    let mut last_seen = 1;
    let mut etag: Option<String> = None;
    for minute in 0..10 {
        let posted = client
            .post(format!("{base}/api/v1/matches/{id}/events"))
            .bearer_auth(crate::common::TOKEN)
            .json(&json!({"kind": "goal", "team": "home", "minute": minute}))
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 201);
        let seq = 2 + minute;
        assert_eq!(ws.next().await["s"], seq);
        // Unbuffered: the event arrives now, not when a proxy buffer fills or the stream ends.
        let (_, data) = tokio::time::timeout(Duration::from_secs(2), sse.next_event())
            .await
            .expect("SSE event in time");
        assert_eq!(data["s"], seq);
        // Polls go to either node, conditionally as clients poll: a node a moment behind the
        // client's copy answers 304, never the older state.
        for _ in 0..3 {
            let mut poll = client.get(format!("{base}/api/v1/matches/{id}"));
            if let Some(tag) = &etag {
                poll = poll.header("If-None-Match", tag);
            }
            let answer = poll.send().await.unwrap();
            if answer.status() == 304 {
                continue;
            }
            assert_eq!(answer.status(), 200);
            etag = answer.headers().get("etag").map(|v| v.to_str().unwrap().to_owned());
            let polled = answer.json::<serde_json::Value>().await.unwrap()["seq"].as_i64().unwrap();
            assert!(polled >= last_seen, "poll went from {last_seen} back to {polled}");
            last_seen = polled;
        }
    }
}
