//! Heartbeats as docs/protocol.md describes them, with short flags and raw clients that read
//! everything and never send a frame: a silence ping unanswered closes `1008` after the heartbeat
//! timeout, unless data sent awaits its receipt, when the slow-consumer deadline closes `1013`; the
//! receipt is asked along the first update once `--ws-receipt-after-secs` has passed; a closed SSE
//! stream is gone at its first heartbeat.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{spawn_app_with, Backend, TestApp};
use crate::raw_client::{client_frame, next_frame, upgraded, WAIT};

const TEXT: u8 = 0x1;
const PING: u8 = 0x9;
const CLOSE: u8 = 0x8;

async fn app() -> TestApp {
    spawn_app_with(Backend::Sqlite, |s| {
        s.ws_heartbeat_secs = 1;
        s.ws_heartbeat_timeout_secs = 1;
        s.ws_slow_consumer_secs = 5;
        s.sse_heartbeat_secs = 3;
    })
    .await
    .unwrap()
}

/// Reads every frame until the close; the seconds from `start` to the first ping and to the
/// close, and the close code.
async fn until_close(socket: &mut TcpStream, start: Instant) -> (f64, f64, u16) {
    let mut first_ping = None;
    loop {
        let (opcode, payload) = next_frame(socket).await.expect("a close frame");
        let at = start.elapsed().as_secs_f64();
        match opcode {
            PING => {
                first_ping.get_or_insert(at);
            }
            CLOSE => {
                let code = u16::from_be_bytes([payload[0], payload[1]]);
                return (first_ping.expect("a ping before the close"), at, code);
            }
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_silence_ping_closes_1008_after_the_heartbeat_timeout() {
    let app = app().await;
    // No subscription: nothing is sent, so nothing awaits a receipt.
    let mut socket = upgraded(app.port).await;
    let start = Instant::now();
    let (ping, closed, code) = until_close(&mut socket, start).await;
    assert_eq!(code, 1008);
    // Silence of 1 s, checked once a second; then 1 s to answer, checked once a second (with
    // room for a loaded machine, far below the 5 s slow-consumer deadline). The timeout runs
    // from the check that sent the ping: a ping a loaded machine wrote late arrives up to a
    // quarter second after it.
    assert!((1.0..3.5).contains(&ping), "first ping at {ping:.1} s");
    assert!(
        (ping + 0.75..ping + 3.5).contains(&closed),
        "closed at {closed:.2} s, ping at {ping:.2} s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_confirms_its_snapshot_is_closed_1013_at_the_slow_consumer_deadline() {
    let app = app().await;
    let id = app.live_match().await;
    let mut socket = upgraded(app.port).await;
    let subscribe = format!(r#"{{"op":"subscribe","matches":[{id}]}}"#);
    socket.write_all(&client_frame(0x1, true, subscribe.as_bytes())).await.unwrap();
    let start = Instant::now();
    let (ping, closed, code) = until_close(&mut socket, start).await;
    assert_eq!(code, 1013, "the snapshot is data it never showed it read");
    assert!(ping < 3.5, "the silence ping still comes after 1 s of silence: {ping:.1} s");
    // The deadline is 5 s after the snapshot; the unanswered silence ping does not shorten it.
    assert!((5.0..8.0).contains(&closed), "closed at {closed:.1} s");
}

/// docs/protocol.md: once what a client was sent has waited unconfirmed for
/// `--ws-receipt-after-secs`, the next update carries the ping in the same write, instead of a
/// ping going alone at the deadline less half the answer time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_update_once_the_receipt_window_opens_carries_the_ping() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.ws_slow_consumer_secs = 8;
        s.ws_heartbeat_timeout_secs = 2;
        s.ws_receipt_after_secs = Some(1);
    })
    .await
    .unwrap();
    let id = app.live_match().await;
    let mut socket = upgraded(app.port).await;
    let subscribe = format!(r#"{{"op":"subscribe","matches":[{id}]}}"#);
    socket.write_all(&client_frame(0x1, true, subscribe.as_bytes())).await.unwrap();
    let text = |(opcode, payload): (u8, Vec<u8>)| -> serde_json::Value {
        let text = (opcode == TEXT).then(|| serde_json::from_slice(&payload).ok());
        text.flatten().unwrap_or_default()
    };
    while text(next_frame(&mut socket).await.expect("the snapshot"))["k"] != "snapshot" {}
    let snapshot = Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let card = serde_json::json!({"kind": "card", "team": "home", "player": "P", "color": "red"});
    app.store_event(id, &card).await;
    // Skips what else may come (a count of watchers) up to the update.
    loop {
        let frame = next_frame(&mut socket).await.expect("the update");
        assert_ne!(frame.0, PING, "a ping before the update: it went alone");
        if text(frame)["s"] == 2 {
            break;
        }
    }
    let (opcode, _) = next_frame(&mut socket).await.expect("a frame after the update");
    assert_eq!(opcode, PING, "the ping comes right behind the update, in the same write");
    // Alone, it would have waited for 7 s (8 s less half of 2 s).
    assert!(snapshot.elapsed() < Duration::from_secs(6), "after {:?}", snapshot.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_sse_stream_is_dropped_at_its_first_heartbeat() {
    let app = app().await;
    let id = app.live_match().await;
    let mut stream = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    let request = format!("GET /sse?matches={id} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    // The head and the snapshot: the stream is under way when the client goes.
    let mut got = Vec::new();
    while !String::from_utf8_lossy(&got).contains("data:") {
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(WAIT, stream.read(&mut chunk)).await.unwrap().unwrap();
        got.extend_from_slice(&chunk[..n]);
    }
    assert_eq!(app.metric("scorecast_sse_connections").await, 1.0);
    let closed = Instant::now();
    drop(stream);
    while app.metric("scorecast_sse_connections").await > 0.0 {
        // Heartbeats every 3 s of silence, checked once a second: gone within 4 s (5.5 with room
        // for a loaded machine), where the write that finds out took a second heartbeat (7 s).
        assert!(closed.elapsed() < Duration::from_millis(5500), "still counted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
