//! A body refused for its size is read and dropped, within bounds, before the answer, so a client
//! that writes its whole body before reading (as Python's urllib does) reads the 413 instead of a
//! broken pipe; a body past those bounds does not hold the connection.

use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::common::{spawn_app, spawn_app_with, Backend, TOKEN};
use crate::raw_client::{read_response, WAIT};

fn head(len: usize) -> String {
    format!(
        "POST /api/v1/matches HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_writes_a_512_kib_body_before_reading_reads_the_413() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let body = vec![b' '; 512 * 1024];
    for attempt in 0..5 {
        let mut stream = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
        stream.write_all(head(body.len()).as_bytes()).await.unwrap();
        // In pieces, as a client on a real network would: all of it must be taken.
        for piece in body.chunks(16 * 1024) {
            let written = tokio::time::timeout(WAIT, stream.write_all(piece)).await;
            let written = written.expect("written in time");
            written.unwrap_or_else(|e| panic!("attempt {attempt}: the body was cut off: {e}"));
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let (head, problem) = read_response(&mut stream).await;
        assert!(head.starts_with("HTTP/1.1 413"), "attempt {attempt}: {head}");
        let problem: serde_json::Value = serde_json::from_slice(&problem).unwrap();
        assert_eq!(problem["status"], 413);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_body_past_the_linger_bounds_is_cut_off_in_time() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.refused_body_linger_ms = 300;
        s.refused_body_linger_bytes = 64 * 1024;
    })
    .await
    .unwrap();
    let mut stream = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    stream.write_all(head(64 << 20).as_bytes()).await.unwrap();
    let started = Instant::now();
    let chunk = vec![b' '; 64 * 1024];
    let mut cut = false;
    // At most 64 MiB; the server stops reading after 64 KiB and closes once it has answered.
    for _ in 0..1024 {
        match tokio::time::timeout(WAIT, stream.write_all(&chunk)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) | Err(_) => {
                cut = true;
                break;
            }
        }
    }
    assert!(cut, "the server read all 64 MiB");
    assert!(started.elapsed() < Duration::from_secs(5), "cut after {:?}", started.elapsed());
}
