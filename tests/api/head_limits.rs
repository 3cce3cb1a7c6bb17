//! `--max-header-bytes`: a request head past the limit is answered `431` (problem JSON) and the
//! connection closed as soon as the limit is passed, whatever follows; heads within it, bodies of
//! any size, keep-alive and pipelining are untouched.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{spawn_app_with, Backend, TOKEN};
use crate::raw_client::{read_response, WAIT};

/// A `GET /healthz` head of exactly `len` bytes, padded with one header.
fn head_of(len: usize) -> Vec<u8> {
    let start = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ";
    let end = "\r\n\r\n";
    let pad = len - start.len() - end.len();
    format!("{start}{}{end}", "p".repeat(pad)).into_bytes()
}

async fn connect(port: u16) -> TcpStream {
    TcpStream::connect(("127.0.0.1", port)).await.unwrap()
}

/// Reads until the server closes; panics if it does not within `WAIT`.
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut rest = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut rest))
        .await
        .expect("the server closed the connection")
        .ok();
    rest
}

fn assert_refused(head: &str, body: &[u8], limit: usize) {
    assert!(head.starts_with("HTTP/1.1 431 "), "{head}");
    assert!(head.to_ascii_lowercase().contains("content-type: application/problem+json"), "{head}");
    let problem: Value = serde_json::from_slice(body).expect("a problem body");
    assert_eq!(problem["status"], 431);
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains(&format!("limit of {limit} bytes")), "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_at_the_default_limit_is_served_and_one_byte_more_is_answered_431_and_closed() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await.unwrap();
    let limit = 16 * 1024;

    let mut stream = connect(app.port).await;
    stream.write_all(&head_of(limit)).await.unwrap();
    let (head, _) = read_response(&mut stream).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    // The same connection goes on: the next head is counted from its own start.
    stream.write_all(&head_of(limit)).await.unwrap();
    let (head, _) = read_response(&mut stream).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");

    let mut stream = connect(app.port).await;
    stream.write_all(&head_of(limit + 1)).await.unwrap();
    let (head, body) = read_response(&mut stream).await;
    assert_refused(&head, &body, limit);
    assert!(until_closed(&mut stream).await.is_empty(), "nothing after the answer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_heads_are_counted_in_the_http_metrics_under_the_unmatched_route() {
    let limit = 1024;
    let app = spawn_app_with(Backend::Sqlite, |s| s.max_header_bytes = limit).await.unwrap();
    let refusals = [
        // Cut in a header, in the request target, and in the method itself (an unread method is
        // `other`, as a method no route knows).
        (head_of(limit + 1), "GET"),
        (format!("POST /{} HTTP/1.1\r\n", "a".repeat(limit)).into_bytes(), "POST"),
        (vec![b'G'; limit + 1], "other"),
    ];
    for (request, _) in &refusals {
        let mut stream = connect(app.port).await;
        stream.write_all(request).await.unwrap();
        let (head, body) = read_response(&mut stream).await;
        assert_refused(&head, &body, limit);
        assert!(head.to_ascii_lowercase().contains("\r\nx-request-id: "), "{head}");
    }
    for (_, method) in refusals {
        let labels = format!("method=\"{method}\",route=\"unmatched\"");
        let counted = format!("scorecast_http_requests_total{{{labels},status=\"431\"}}");
        assert_eq!(app.metric(&counted).await, 1.0, "{counted}");
        let timed = format!("scorecast_http_request_duration_seconds_count{{{labels}}}");
        assert_eq!(app.metric(&timed).await, 1.0, "{timed}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_120_kb_head_under_actix_own_128_kib_is_refused_at_the_configured_limit() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.max_header_bytes = 4096).await.unwrap();
    let mut stream = connect(app.port).await;
    // Written from a task: the server stops reading long before the end.
    let mut request = head_of(120_000);
    let (mut reader, mut writer) = stream.into_split();
    let sending = tokio::spawn(async move {
        let _ = writer.write_all(&request).await;
        request.clear();
        writer
    });
    let mut answer = Vec::new();
    tokio::time::timeout(WAIT, reader.read_to_end(&mut answer)).await.unwrap().unwrap();
    let text = String::from_utf8(answer).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert_refused(head, body.as_bytes(), 4096);
    drop(sending.await.unwrap());
    stream = connect(app.port).await;
    stream.write_all(&head_of(4096)).await.unwrap();
    assert!(read_response(&mut stream).await.0.starts_with("HTTP/1.1 200"), "still serving");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_dribbled_past_the_limit_is_refused_without_waiting_for_its_end() {
    let limit = 1024;
    let app = spawn_app_with(Backend::Sqlite, |s| s.max_header_bytes = limit).await.unwrap();
    let stream = connect(app.port).await;
    stream.set_nodelay(true).unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let started = Instant::now();
    let dribble = tokio::spawn(async move {
        writer.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").await.unwrap();
        let mut sent = 0usize;
        // 64 bytes every 5 ms: the limit is passed in about 80 ms; the head would never end.
        while sent < 1_000_000 && writer.write_all(&[b's'; 64]).await.is_ok() {
            sent += 64;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    let (head, body) = read_response(&mut reader).await;
    assert_refused(&head, &body, limit);
    assert!(started.elapsed() < Duration::from_secs(3), "refused once past the limit");
    dribble.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_with_bodies_larger_than_the_limit_are_all_served_in_order() {
    let limit = 1024;
    let app = spawn_app_with(Backend::Sqlite, |s| s.max_header_bytes = limit).await.unwrap();
    // Bodies of 4 KB whose bytes look like heads: they are bodies, not counted.
    let junk = "GET / HTTP/1.1\r\nX: y\r\n".repeat(200);
    let json = format!("{{\"home\":\"{junk}");
    let chunked: String = json
        .as_bytes()
        .chunks(1000)
        .map(|c| format!("{:x}\r\n{}\r\n", c.len(), std::str::from_utf8(c).unwrap()))
        .collect::<String>()
        + "0\r\n\r\n";
    let post = |framing: &str, body: &str| {
        format!(
            "POST /api/v1/matches HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\
             Content-Type: application/json\r\n{framing}\r\n\r\n{body}"
        )
    };
    let get = String::from_utf8(head_of(limit)).unwrap();
    let stream = [
        get.clone(),
        post(&format!("Content-Length: {}", json.len()), &json),
        get.clone(),
        post("Transfer-Encoding: chunked", &chunked),
        get.clone(),
    ]
    .concat();
    let mut conn = connect(app.port).await;
    conn.write_all(stream.as_bytes()).await.unwrap();
    for expected in ["200", "400", "200", "400", "200"] {
        let (head, _) = read_response(&mut conn).await;
        assert!(head.starts_with(&format!("HTTP/1.1 {expected}")), "{expected}: {head}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_head_behind_pipelined_requests_is_answered_after_them_then_closed() {
    let limit = 1024;
    let app = spawn_app_with(Backend::Sqlite, |s| s.max_header_bytes = limit).await.unwrap();
    let stream = [head_of(limit), head_of(100), head_of(limit + 500)].concat();
    let mut conn = connect(app.port).await;
    conn.write_all(&stream).await.unwrap();
    for _ in 0..2 {
        let (head, _) = read_response(&mut conn).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    }
    let (head, body) = read_response(&mut conn).await;
    assert_refused(&head, &body, limit);
    assert!(until_closed(&mut conn).await.is_empty(), "nothing after the answer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_upgrade_with_a_head_near_the_limit_still_gets_its_updates() {
    let limit = 1024;
    let app = spawn_app_with(Backend::Sqlite, |s| s.max_header_bytes = limit).await.unwrap();
    let id = app.live_match().await;
    let start = format!(
        "GET /ws?matches={id} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\nX-Pad: "
    );
    let head = format!("{start}{}\r\n\r\n", "p".repeat(limit - start.len() - 4));
    let mut conn = connect(app.port).await;
    conn.write_all(head.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    // The 101, then the snapshot frame: its JSON names the match.
    tokio::time::timeout(WAIT, async {
        while !String::from_utf8_lossy(&seen).contains("\"snapshot\"") {
            let mut chunk = [0; 1024];
            let n = conn.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the server closed: {}", String::from_utf8_lossy(&seen));
            seen.extend_from_slice(&chunk[..n]);
        }
    })
    .await
    .expect("a snapshot over the upgraded connection");
    assert!(String::from_utf8_lossy(&seen).starts_with("HTTP/1.1 101"));
}
