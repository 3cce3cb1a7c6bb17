//! The listener speaking TLS: the API, WebSocket and SSE over it with real clients that trust only
//! the test authority, and what happens to clients that do not speak TLS properly.

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::spawn_tls_app;
use crate::common::tls::TestCa;
use crate::common::{spawn_app_with, Backend};
use crate::sse_client::SseClient;
use crate::ws_client::{connect_tls, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_over_https_with_the_configured_certificate() {
    let (_ca, _issued, app) = spawn_tls_app(|_| {}).await;
    let id = app.live_match().await;
    let snapshot = app.snapshot(id).await;
    assert_eq!((snapshot["id"].as_i64(), snapshot["status"].as_str()), (Some(id), Some("live")));
    let plain = reqwest::Client::new().get(format!("http://127.0.0.1:{}/healthz", app.port));
    let answer = plain.send().await.expect("the TLS port answers plain HTTP with an error");
    assert_eq!(answer.status(), 400, "plain HTTP on the TLS port is told to use https");
    let problem: serde_json::Value = answer.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("https://"), "{problem}");
    let untrusting = reqwest::Client::builder().use_rustls_tls().build().unwrap();
    let refused = untrusting.get(app.url("/healthz")).send().await;
    assert!(refused.is_err(), "a client that does not trust the test authority is refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wss_subscriber_gets_the_snapshot_then_every_update_in_order() {
    let (ca, _issued, app) = spawn_tls_app(|_| {}).await;
    let id = app.live_match().await;
    let mut client = connect_tls(app.port, &format!("matches={id}"), ca.rustls_client())
        .await
        .expect("wss:// handshake");
    let snapshot = client.next().await;
    assert_eq!((snapshot["k"].as_str(), snapshot["s"].as_i64()), (Some("snapshot"), Some(1)));
    for minute in 1..=30 {
        app.store_event(id, &json!({"kind": "goal", "team": "home", "minute": minute})).await;
    }
    for seq in 2..=31 {
        let update = client.next().await;
        assert_eq!((update["k"].as_str(), update["s"].as_i64()), (Some("goal"), Some(seq)));
    }
    // A subscribe message from the client is opened by the hub's own TLS reader.
    let other = app.live_match().await;
    client.send_json(&json!({"op": "subscribe", "matches": [other]})).await;
    let snapshot = client.next().await;
    assert_eq!((snapshot["k"].as_str(), snapshot["m"].as_i64()), (Some("snapshot"), Some(other)));
    client.ws.close(None).await.unwrap();
    assert_eq!(client.close_code().await, Some(1000), "the close handshake completes over TLS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_snapshot_crosses_several_tls_records() {
    let (ca, _issued, app) = spawn_tls_app(|_| {}).await;
    let mut ids = Vec::new();
    for _ in 0..60 {
        ids.push(app.live_match().await);
    }
    let mut client = connect_tls(app.port, "matches=*", ca.rustls_client()).await.unwrap();
    let mut seen = std::collections::HashSet::new();
    while seen.len() < ids.len() {
        let message = client.next().await;
        assert_eq!(message["k"], "snapshot");
        seen.insert(message["m"].as_i64().unwrap());
    }
    app.store_event(ids[59], &json!({"kind": "goal", "team": "away", "minute": 3})).await;
    assert_eq!(client.next().await["s"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sse_stream_over_tls_gets_the_snapshot_and_updates() {
    let (ca, _issued, app) = spawn_tls_app(|_| {}).await;
    let id = app.live_match().await;
    let url = app.url(&format!("/sse?matches={id}"));
    let mut stream = SseClient::open_with(&ca.https_client(), &url, None).await;
    let (event_id, snapshot) = stream.next_event().await;
    assert_eq!(
        (event_id.as_deref(), snapshot["k"].as_str()),
        (Some(&*format!("{id}:1")), Some("snapshot"))
    );
    app.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 9})).await;
    let (event_id, update) = stream.next_event().await;
    assert_eq!(
        (event_id.as_deref(), update["k"].as_str()),
        (Some(&*format!("{id}:2")), Some("goal"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_plain_requests_on_the_tls_port_leave_other_connections_alone() {
    let (ca, _issued, app) = spawn_tls_app(|_| {}).await;
    let id = app.live_match().await;
    let mut subscriber =
        connect_tls(app.port, &format!("matches={id}"), ca.rustls_client()).await.unwrap();
    assert_eq!(subscriber.next().await["k"], "snapshot");
    // A plain WebSocket handshake, then bytes that are not TLS at all, then a TLS record header
    // announcing nonsense: each connection ends, none takes the server with it.
    let plain_ws = "GET /ws?matches=1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    for junk in [plain_ws.as_bytes(), &[0x16, 0x03, 0x01, 0xff, 0xff, 1, 2, 3][..], &[0u8; 64][..]]
    {
        let mut tcp = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
        tcp.write_all(junk).await.unwrap();
        let mut answer = Vec::new();
        let read = tokio::time::timeout(WAIT, tcp.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "the server ends a connection that does not speak TLS");
        if junk.starts_with(b"GET") {
            assert!(answer.starts_with(b"HTTP/1.1 400"), "{}", String::from_utf8_lossy(&answer));
        }
    }
    app.store_event(id, &json!({"kind": "goal", "team": "away", "minute": 2})).await;
    assert_eq!(
        subscriber.next().await["s"],
        2,
        "the established wss:// subscriber still gets updates"
    );
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_its_handshake_is_dropped_at_the_timeout() {
    let (_ca, _issued, app) = spawn_tls_app(|settings| {
        settings.tls.tls_handshake_timeout_ms = 300;
        settings.tls.tls_max_handshakes = 1;
    })
    .await;
    // Holds the only handshake turn by sending half a ClientHello and nothing more.
    let mut stalled = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    stalled.write_all(&[0x16, 0x03, 0x01, 0x00, 0x40]).await.unwrap();
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    let ended = tokio::time::timeout(WAIT, stalled.read_to_end(&mut rest)).await;
    assert!(ended.is_ok(), "the stalled handshake is dropped");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(250), "not before the timeout: {waited:?}");
    // The turn is free again: a real client gets through.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_unreadable_or_mismatched_certificate_stops_the_start() {
    let ca = TestCa::new();
    let first = ca.issue("first");
    let second = ca.issue("second");
    let garbage = ca.dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate").unwrap();
    let missing = ca.dir.path().join("missing.pem");
    let cases = [
        (missing.clone(), first.key.clone(), "cannot read the TLS certificate file"),
        (garbage.clone(), first.key.clone(), "no PEM CERTIFICATE"),
        (first.cert.clone(), missing.clone(), "cannot read the TLS key file"),
        (first.cert.clone(), second.key.clone(), "does not belong to the certificate"),
    ];
    for (cert, key, expected) in cases {
        let database = crate::common::fresh_database(Backend::Sqlite).await.unwrap();
        let mut settings = scorecast::configuration::Settings::with_database(&database.url);
        settings.listen = "127.0.0.1:0".parse().unwrap();
        settings.tls.tls_cert = Some(cert.clone());
        settings.tls.tls_key = Some(key.clone());
        let error = match scorecast::startup::Application::build(settings).await {
            Ok(_) => panic!("started with {cert:?} and {key:?}"),
            Err(e) => format!("{e:#}"),
        };
        assert!(error.contains(expected), "{cert:?}/{key:?}: {error}");
    }
    // The good pair starts.
    let issued = first.clone();
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.tls.tls_cert = Some(issued.cert);
        s.tls.tls_key = Some(issued.key);
    })
    .await
    .unwrap()
    .over_tls(ca.https_client());
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_healthcheck_probes_over_tls_trusting_only_the_nodes_own_certificate() {
    let (ca, issued, app) = spawn_tls_app(|_| {}).await;
    let other = ca.issue("other");
    let probe = |cert: &std::path::Path, key: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_scorecast"))
            .args(["healthcheck", "--listen", &format!("127.0.0.1:{}", app.port)])
            .env("SCORECAST_TLS_CERT", cert)
            .env("SCORECAST_TLS_KEY", key)
            .output()
            .unwrap()
    };
    let ready = tokio::task::block_in_place(|| probe(&issued.cert, &issued.key));
    assert!(ready.status.success(), "{}", String::from_utf8_lossy(&ready.stderr));
    assert!(String::from_utf8_lossy(&ready.stdout).contains("https://127.0.0.1"));
    let impostor = tokio::task::block_in_place(|| probe(&other.cert, &other.key));
    assert_eq!(impostor.status.code(), Some(1), "another certificate is not the node's own");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wss_client_that_never_reads_is_conflated_within_the_pending_bound_and_closed() {
    let (ca, _issued, app) = spawn_tls_app(|s| {
        s.ws_send_buffer_bytes = 4096;
        s.ws_max_pending_bytes = 2048;
        s.ws_slow_consumer_secs = 2;
    })
    .await;
    let id = app.live_match().await;
    // The stuck client: a small receive window, a TLS session, and no reading after the upgrade.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(2048).unwrap();
    let tcp = socket.connect(format!("127.0.0.1:{}", app.port).parse().unwrap()).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let tls =
        tokio_rustls::TlsConnector::from(ca.rustls_client()).connect(name, tcp).await.unwrap();
    let url = format!("wss://localhost:{}/ws?matches={id}", app.port);
    let stream = tokio_tungstenite::MaybeTlsStream::Rustls(tls);
    let (stuck, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
    let mut good =
        connect_tls(app.port, &format!("matches={id}"), ca.rustls_client()).await.unwrap();
    assert_eq!(good.next().await["s"], 1);

    let events = 300;
    let reader = tokio::spawn(async move {
        for seq in 2..=events + 1 {
            assert_eq!(good.next().await["s"], seq);
        }
    });
    for chunk in 0..events / 20 {
        let app = &app;
        let posts = (0..20).map(|i| async move {
            let card = json!({"kind": "card", "team": "home", "player": format!("Player {chunk}-{i}"), "color": "yellow"});
            app.post_event(id, &card).await
        });
        for response in futures_util::future::join_all(posts).await {
            assert_eq!(response.status(), 201);
        }
    }
    tokio::time::timeout(WAIT, reader).await.expect("the reading client kept up").unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while app.metric("scorecast_ws_slow_consumer_disconnects_total").await < 1.0 {
        assert!(tokio::time::Instant::now() < deadline, "the stuck wss:// client was not closed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(app.metric("scorecast_ws_conflated_total").await > 0.0, "updates were conflated");
    drop(stuck);
}
