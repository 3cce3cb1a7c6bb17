//! The compose load balancer's TLS variant (docker-compose.tls.yml, deploy/nginx/nginx-tls.conf)
//! without Docker: the override mounts the configuration and the certificate volume, `nginx -t`
//! accepts the file with a certificate made now, and a real nginx with it terminates TLS in front
//! of a plain node for the API, wss:// and SSE, and redirects plain http:// to https://.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::cluster::eventually;
use crate::common::postgres::free_port;
use crate::common::tls::TestCa;
use crate::common::{spawn_app, Backend};
use crate::load_balancer::{nginx, nginx_command, read, Nginx};
use crate::sse_client::SseClient;
use crate::ws_client::connect_tls;

#[test]
fn the_tls_override_mounts_the_tls_configuration_and_the_certificate_volume() {
    let compose: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&read("docker-compose.tls.yml")).unwrap();
    let nginx = &compose["services"]["nginx"];
    let volumes: Vec<&str> =
        nginx["volumes"].as_sequence().unwrap().iter().filter_map(|v| v.as_str()).collect();
    assert!(
        volumes.contains(&"./deploy/nginx/nginx-tls.conf:/etc/nginx/nginx.conf:ro"),
        "{volumes:?}"
    );
    assert!(volumes.contains(&"./deploy/tls:/etc/nginx/tls:ro"), "{volumes:?}");
    let config = read("deploy/nginx/nginx-tls.conf");
    for path in ["/etc/nginx/tls/tls.crt", "/etc/nginx/tls/tls.key"] {
        assert!(config.contains(path), "nginx-tls.conf reads {path}");
    }
    // Everything behind the TLS listener is as in the plain configuration.
    let plain = read("deploy/nginx/nginx.conf");
    for directive in ["proxy_read_timeout 75s;", "proxy_buffering off;", "server scorecast-2:8080"]
    {
        assert!(plain.contains(directive) && config.contains(directive), "{directive}");
    }
}

/// nginx-tls.conf with loopback ports for its listeners and nodes, and the certificate at `tls`.
fn render(dir: &Path, http: u16, https: u16, node: u16, cert: &Path, key: &Path) -> PathBuf {
    let config = read("deploy/nginx/nginx-tls.conf")
        .replace("listen 8080;", &format!("listen 127.0.0.1:{http};"))
        .replace("listen 8443 ssl;", &format!("listen 127.0.0.1:{https} ssl;"))
        .replace("$host:8443", &format!("$host:{https}"))
        .replace("scorecast-1:8080", &format!("127.0.0.1:{node}"))
        .replace("scorecast-2:8080", &format!("127.0.0.1:{node}"))
        .replace("/etc/nginx/tls/tls.crt", &cert.display().to_string())
        .replace("/etc/nginx/tls/tls.key", &key.display().to_string());
    let path = dir.join("nginx-tls.conf");
    std::fs::write(&path, config).unwrap();
    path
}

#[test]
fn nginx_accepts_the_tls_load_balancer_configuration_with_a_certificate_made_now() {
    let Some(_) = nginx() else { return };
    let ca = TestCa::new();
    let issued = ca.issue("nginx");
    let dir = tempfile::tempdir().unwrap();
    let config =
        render(dir.path(), free_port(), free_port(), free_port(), &issued.cert, &issued.key);
    let output = nginx_command(dir.path(), &config).arg("-t").output().unwrap();
    assert!(output.status.success(), "nginx -t: {}", String::from_utf8_lossy(&output.stderr));
    // And a configuration whose key is missing is refused: the check is real.
    let broken = render(
        dir.path(),
        free_port(),
        free_port(),
        free_port(),
        &issued.cert,
        &dir.path().join("none.key"),
    );
    let output = nginx_command(dir.path(), &broken).arg("-t").output().unwrap();
    assert!(!output.status.success(), "nginx -t accepted a missing key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_the_tls_load_balancer_a_plain_node_serves_https_wss_and_sse() {
    let Some(_) = nginx() else { return };
    let Some(app) = spawn_app(Backend::Sqlite).await else { return };
    let ca = TestCa::new();
    let issued = ca.issue("nginx");
    let dir = tempfile::tempdir().unwrap();
    let (http, https) = (free_port(), free_port());
    let config = render(dir.path(), http, https, app.port, &issued.cert, &issued.key);
    let child = nginx_command(dir.path(), &config)
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx");
    let _nginx = Nginx(child);
    let client = ca.https_client();
    let base = format!("https://127.0.0.1:{https}");
    eventually(Duration::from_secs(10), "nginx answers over TLS", || async {
        client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status() == 200)
    })
    .await;

    let id = app.live_match().await;
    let mut ws = connect_tls(https, &format!("matches={id}"), ca.rustls_client()).await.unwrap();
    assert_eq!(ws.next().await["s"], 1, "wss:// through the load balancer");
    let mut sse = SseClient::open_with(&client, &format!("{base}/sse?matches={id}"), None).await;
    assert_eq!(sse.next_event().await.1["s"], 1, "SSE over TLS through the load balancer");
    app.store_event(id, &serde_json::json!({"kind": "goal", "team": "home", "minute": 1})).await;
    assert_eq!(ws.next().await["s"], 2);
    assert_eq!(sse.next_event().await.1["s"], 2);

    let no_redirects =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let answer = no_redirects.get(format!("http://127.0.0.1:{http}/healthz")).send().await.unwrap();
    assert_eq!(answer.status(), 308, "plain http:// is sent to https://");
    assert_eq!(answer.headers()["location"], format!("https://127.0.0.1:{https}/healthz").as_str());
}
