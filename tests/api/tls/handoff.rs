//! The hand-off of a `wss://` connection out of the HTTP dispatcher, driven record by record by a
//! rustls client over a raw socket: a message sent right behind the upgrade request, cut in the
//! middle of its TLS record, is read once the rest of the record arrives.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConnection;
use rustls_pki_types::ServerName;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::spawn_tls_app;
use crate::raw_client::{text_frame_header, WAIT};

/// A TLS client whose every record boundary the test decides.
struct RecordClient {
    tcp: TcpStream,
    tls: ClientConnection,
    plain: Vec<u8>,
}

impl RecordClient {
    async fn connect(port: u16, config: Arc<rustls::ClientConfig>) -> Self {
        let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        let tls = ClientConnection::new(config, name).unwrap();
        let mut client = Self { tcp, tls, plain: Vec::new() };
        while client.tls.is_handshaking() {
            let flight = client.records();
            client.tcp.write_all(&flight).await.unwrap();
            if client.tls.is_handshaking() {
                client.read_some().await;
            }
        }
        let finished = client.records();
        client.tcp.write_all(&finished).await.unwrap();
        client
    }

    /// The records of everything written to the session so far.
    fn records(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while self.tls.wants_write() {
            self.tls.write_tls(&mut out).unwrap();
        }
        out
    }

    fn seal(&mut self, plaintext: &[u8]) -> Vec<u8> {
        self.tls.writer().write_all(plaintext).unwrap();
        self.records()
    }

    async fn read_some(&mut self) {
        let mut buf = vec![0u8; 16 * 1024];
        let n = tokio::time::timeout(WAIT, self.tcp.read(&mut buf)).await.unwrap().unwrap();
        assert!(n > 0, "the server closed the connection");
        self.tls.read_tls(&mut &buf[..n]).unwrap();
        self.tls.process_new_packets().unwrap();
        let _ = self.tls.reader().read_to_end(&mut self.plain);
    }

    async fn read_head(&mut self) -> String {
        loop {
            if let Some(end) = self.plain.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = self.plain.drain(..end + 4).collect();
                return String::from_utf8(head).unwrap();
            }
            self.read_some().await;
        }
    }

    /// The next text message from the server (server frames are not masked).
    async fn next_text(&mut self) -> Value {
        loop {
            if let Some((start, len)) = frame_bounds(&self.plain) {
                let frame: Vec<u8> = self.plain.drain(..start + len).collect();
                assert_eq!(frame[0], 0x81, "a final text frame");
                return serde_json::from_slice(&frame[start..]).unwrap();
            }
            self.read_some().await;
        }
    }
}

/// Where a whole frame's payload starts and how long it is, once all of it is in `buf`.
fn frame_bounds(buf: &[u8]) -> Option<(usize, usize)> {
    let (start, len) = match *buf.get(1)? & 0x7F {
        126 => (4, usize::from(u16::from_be_bytes([*buf.get(2)?, *buf.get(3)?]))),
        127 => panic!("no server message here is that long"),
        n => (2, usize::from(n)),
    };
    (buf.len() >= start + len).then_some((start, len))
}

/// A masked text frame, as a client must send it.
fn client_text(message: &Value) -> Vec<u8> {
    let payload = message.to_string().into_bytes();
    let mut frame = text_frame_header(payload.len() as u64);
    let mask = [1, 2, 3, 4];
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscribe_cut_mid_record_behind_the_upgrade_is_read_once_the_rest_arrives() {
    let (ca, _issued, app) = spawn_tls_app(|_| {}).await;
    let (first, second) = (app.live_match().await, app.live_match().await);
    let mut client = RecordClient::connect(app.port, ca.rustls_client()).await;
    let upgrade = format!(
        "GET /ws?matches={first} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n\r\n"
    );
    let request = client.seal(upgrade.as_bytes());
    let subscribe = client.seal(&client_text(&json!({"op": "subscribe", "matches": [second]})));
    // The request and the start of the subscribe's record in one segment: the dispatcher reads
    // both, answers 101 and hands the connection off holding half a record.
    let (started, rest) = subscribe.split_at(12);
    client.tcp.write_all(&[request.as_slice(), started].concat()).await.unwrap();
    let head = client.read_head().await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    let snapshot = client.next_text().await;
    assert_eq!((snapshot["k"].as_str(), snapshot["m"].as_i64()), (Some("snapshot"), Some(first)));
    // Well after the hand-off, the rest of the record.
    tokio::time::sleep(Duration::from_millis(300)).await;
    client.tcp.write_all(rest).await.unwrap();
    let snapshot = client.next_text().await;
    assert_eq!(
        (snapshot["k"].as_str(), snapshot["m"].as_i64()),
        (Some("snapshot"), Some(second)),
        "the subscribe whose record was cut by the hand-off is read"
    );
}
