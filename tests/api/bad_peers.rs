//! The two kinds of bad subscriber, each closed within a bounded, configurable time although busy
//! connections get no heartbeats: a dead peer that acknowledges nothing any more (its packets
//! dropped in a network namespace, as root), and a peer whose kernel acknowledges but whose
//! program stopped reading (SIGSTOP).

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use crate::common::{spawn_app_with, Backend, TestApp};
use crate::ws_client::connect;

/// Waits until the server counts `open` WebSocket connections; how long that took.
async fn until_connections(app: &TestApp, open: f64, within: Duration) -> Duration {
    let started = Instant::now();
    while app.metric("scorecast_ws_connections").await != open {
        let waited = started.elapsed();
        assert!(waited < within, "still not {open} connections after {waited:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    started.elapsed()
}

fn run(program: &str, args: &[&str]) -> bool {
    Command::new(program).args(args).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

fn sh(script: &str) {
    assert!(run("sh", &["-ec", script]), "failed: {script}");
}

/// A network namespace with a veth pair to the host: the host end is `10.77.<n>.1`, the
/// namespace's `.2`. Deleted on drop.
struct Namespace {
    name: String,
    host: String,
}

impl Namespace {
    /// `None` when this test cannot make one (not root, or `ip`/`nft` missing).
    fn create() -> Option<Self> {
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        if !root || !run("ip", &["-V"]) || !run("nft", &["--version"]) {
            if std::env::var_os("SCORECAST_REQUIRE_NETNS").is_some() {
                panic!("needs root, ip and nft (SCORECAST_REQUIRE_NETNS is set)");
            }
            eprintln!("skipped: a dead peer needs root, ip and nft");
            return None;
        }
        let n = std::process::id() % 250 + 1;
        let name = format!("scdead{n}");
        let host = format!("10.77.{n}.1");
        let _ = run("ip", &["netns", "del", &name]);
        sh(&format!(
            "ip netns add {name}
             ip link add {name}a type veth peer name {name}b
             ip link set {name}b netns {name}
             ip addr add {host}/30 dev {name}a
             ip link set {name}a up
             ip netns exec {name} ip addr add 10.77.{n}.2/30 dev {name}b
             ip netns exec {name} ip link set {name}b up
             ip netns exec {name} ip link set lo up"
        ));
        Some(Self { name, host })
    }

    /// A TCP connection to `port` on the host end, made from inside the namespace.
    fn connect(&self, port: u16) -> std::net::TcpStream {
        let (path, host) = (format!("/run/netns/{}", self.name), self.host.clone());
        std::thread::spawn(move || {
            let ns = std::fs::File::open(path).unwrap();
            use std::os::fd::AsRawFd;
            // SAFETY: a namespace file descriptor, for this thread only; the socket made next
            // belongs to that namespace for its whole life.
            assert_eq!(unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) }, 0);
            std::net::TcpStream::connect((host.as_str(), port)).unwrap()
        })
        .join()
        .unwrap()
    }

    /// From now on the namespace sends and receives nothing: the cable is pulled.
    fn drop_everything(&self) {
        sh(&format!(
            "ip netns exec {ns} nft add table inet cut
             ip netns exec {ns} nft 'add chain inet cut in {{ type filter hook input priority 0; policy drop; }}'
             ip netns exec {ns} nft 'add chain inet cut out {{ type filter hook output priority 0; policy drop; }}'",
            ns = self.name
        ));
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = run("ip", &["netns", "del", &self.name]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_peer_is_closed_once_what_it_was_sent_goes_unacknowledged_for_the_dead_peer_time() {
    let Some(ns) = Namespace::create() else { return };
    let dead_peer = Duration::from_secs(2);
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.listen = "0.0.0.0:0".parse().unwrap();
        s.ws_dead_peer_secs = dead_peer.as_secs();
    })
    .await
    .unwrap();
    let id = app.live_match().await;
    let stream = ns.connect(app.port);
    stream.set_nonblocking(true).unwrap();
    let stream = tokio::net::TcpStream::from_std(stream).unwrap();
    let url = format!("ws://{}:{}/ws?matches={id}", ns.host, app.port);
    let (mut dead, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
    use futures_util::StreamExt;
    let snapshot = tokio::time::timeout(Duration::from_secs(5), dead.next()).await.unwrap();
    assert!(snapshot.is_some_and(|m| m.is_ok()), "the peer got its snapshot while alive");
    until_connections(&app, 1.0, Duration::from_secs(5)).await;

    ns.drop_everything();
    app.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 3})).await;
    // The update goes unacknowledged; the kernel gives up after the dead-peer time (retransmits
    // back off, so allow for the one in flight then), and the connection is dropped at once.
    let took = until_connections(&app, 0.0, dead_peer + Duration::from_secs(4)).await;
    assert!(took >= dead_peer - Duration::from_millis(300), "closed too early: {took:?}");
    assert_eq!(app.metric("scorecast_ws_heartbeat_timeouts_total").await, 0.0, "no ping needed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_reader_is_closed_by_the_slow_consumer_deadline_while_a_reading_one_stays() {
    // 30 s with a 10 s answer time, one event per 10 s, scaled down: 4 s, 2 s, one per second.
    let slow_consumer = Duration::from_secs(4);
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.ws_slow_consumer_secs = slow_consumer.as_secs();
        s.ws_heartbeat_timeout_secs = 2;
    })
    .await
    .unwrap();
    let id = app.live_match().await;
    let mut reading = connect(app.port, &format!("matches={id}")).await;
    assert_eq!(reading.next().await["k"], "snapshot");
    // A real client process: it opens the WebSocket, then stops itself (SIGSTOP) without reading
    // its answer. Its kernel goes on acknowledging what arrives.
    let handshake = format!(
        "GET /ws?matches={id} HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nUpgrade: websocket\\r\\n\
         Connection: Upgrade\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n\
         Sec-WebSocket-Version: 13\\r\\n\\r\\n"
    );
    let script = format!(
        "exec 3<>/dev/tcp/127.0.0.1/{port}; printf '{handshake}' >&3; kill -STOP $$",
        port = app.port
    );
    let mut stopped = Command::new("bash").args(["-c", &script]).spawn().unwrap();
    until_connections(&app, 2.0, Duration::from_secs(5)).await;

    let started = Instant::now();
    let bound = slow_consumer + Duration::from_secs(6);
    let mut seq = 1;
    while app.metric("scorecast_ws_slow_consumer_disconnects_total").await < 1.0 {
        assert!(started.elapsed() < bound, "the stopped reader is still open after {bound:?}");
        seq += 1;
        let card =
            json!({"kind": "card", "team": "home", "player": format!("P{seq}"), "color": "yellow"});
        app.store_event(id, &card).await;
        assert_eq!(reading.next().await["s"], seq, "the reading client gets every update");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let took = started.elapsed();
    assert!(took >= slow_consumer - Duration::from_secs(1), "closed too early: {took:?}");
    until_connections(&app, 1.0, Duration::from_secs(5)).await;
    assert_eq!(app.metric("scorecast_ws_heartbeat_timeouts_total").await, 0.0);
    // The reading client answered the pings that rode along its updates, and stays.
    for _ in 0..3 {
        seq += 1;
        app.store_event(id, &json!({"kind": "goal", "team": "away", "minute": 9})).await;
        assert_eq!(reading.next().await["s"], seq);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert_eq!(app.metric("scorecast_ws_connections").await, 1.0);
    let _ = stopped.kill();
    let _ = stopped.wait();
}
