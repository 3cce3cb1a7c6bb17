//! SIGHUP re-reads the certificate: new handshakes get the new one, established connections stay,
//! and a pair that does not load leaves the current one in use with the reason in the log.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::net::TcpStream;

use crate::common::tls::{replace, TestCa};
use crate::common::TOKEN;
use crate::ws_client::connect_tls;

/// The binary serving TLS on SQLite, as an operator runs it, with its log in a file.
struct TlsServer {
    child: Child,
    port: u16,
}

impl TlsServer {
    fn start(dir: &Path, cert: &Path, key: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = std::fs::File::create(dir.join("server.log")).unwrap();
        let database = format!("sqlite://{}", dir.join("scorecast.db").display());
        let child = Command::new(env!("CARGO_BIN_EXE_scorecast"))
            .args(["--listen", &format!("127.0.0.1:{port}"), "--database-url", &database])
            .args(["--admin-token", TOKEN, "--drain-secs", "2"])
            .arg("--tls-cert")
            .arg(cert)
            .arg("--tls-key")
            .arg(key)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start scorecast");
        Self { child, port }
    }

    fn hang_up(&self) {
        // SAFETY: a signal to our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGHUP) };
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The common name of the certificate the server presents to a new handshake.
async fn presented_name(port: u16, tls: Arc<rustls::ClientConfig>) -> String {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let stream = tokio_rustls::TlsConnector::from(tls).connect(name, tcp).await.expect("handshake");
    let cert = stream.get_ref().1.peer_certificates().unwrap()[0].clone();
    let text = String::from_utf8_lossy(cert.as_ref()).into_owned();
    ["first", "second"].into_iter().find(|n| text.contains(n)).unwrap_or("?").to_owned()
}

async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "{what} within 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_the_certificate_without_dropping_connections_and_keeps_it_when_the_new_one_is_bad(
) {
    let ca = TestCa::new();
    let first = ca.issue("first");
    let second = ca.issue("second");
    let live = ca.issue("live");
    replace(&first.cert, &live.cert);
    replace(&first.key, &live.key);
    let server = TlsServer::start(ca.dir.path(), &live.cert, &live.key);
    let client = ca.https_client();
    let base = format!("https://127.0.0.1:{}", server.port);
    until("the server starts", async || client.get(format!("{base}/healthz")).send().await.is_ok())
        .await;
    assert_eq!(presented_name(server.port, ca.rustls_client()).await, "first");

    let created: serde_json::Value = client
        .post(format!("{base}/api/v1/matches"))
        .bearer_auth(TOKEN)
        .json(&json!({"home": "A", "away": "B", "competition": "C", "kickoff_at": "2026-11-21T19:00:00Z"}))
        .send().await.unwrap().json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    let mut subscriber =
        connect_tls(server.port, &format!("matches={id}"), ca.rustls_client()).await.unwrap();
    assert_eq!(subscriber.next().await["k"], "snapshot");

    replace(&second.cert, &live.cert);
    replace(&second.key, &live.key);
    server.hang_up();
    until("the new certificate is presented", async || {
        presented_name(server.port, ca.rustls_client()).await == "second"
    })
    .await;

    // A broken pair: the key of another certificate. The server keeps "second" and says why.
    replace(&first.key, &live.key);
    server.hang_up();
    let log = ca.dir.path().join("server.log");
    until("the failed reload is logged", async || {
        std::fs::read_to_string(&log).unwrap().contains("TLS certificate not reloaded")
    })
    .await;
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("does not belong to the certificate"), "{logged}");
    assert_eq!(presented_name(server.port, ca.rustls_client()).await, "second");

    let posted = client
        .post(format!("{base}/api/v1/matches/{id}/events"))
        .bearer_auth(TOKEN)
        .json(&json!({"kind": "kickoff"}))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 201);
    let update = subscriber.next().await;
    assert_eq!(
        (update["k"].as_str(), update["s"].as_i64()),
        (Some("kickoff"), Some(1)),
        "the subscriber from before both reloads is still served"
    );
}
