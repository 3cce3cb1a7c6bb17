//! Raw TCP clients, for input that well-behaved client libraries refuse to send: frame headers
//! without their payload, bodies that stop halfway, oversized heads.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a test waits for the server to answer or close.
pub const WAIT: Duration = Duration::from_secs(10);

/// Opens `/ws` with a hand-written handshake and returns the socket after the server's 101.
pub async fn upgraded(port: u16) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let request = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
                   Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
                   Sec-WebSocket-Version: 13\r\n\r\n";
    stream.write_all(request.as_bytes()).await.unwrap();
    let head = read_head(&mut stream).await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    stream
}

/// Reads one byte at a time up to the blank line that ends an HTTP head, so nothing behind it is
/// consumed.
async fn read_head(stream: &mut (impl AsyncReadExt + Unpin)) -> String {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let byte = tokio::time::timeout(WAIT, stream.read_u8()).await.expect("a head in time");
        head.push(byte.expect("the head"));
    }
    String::from_utf8(head).unwrap()
}

/// A masked client frame header (RFC 6455 §5.2) for a final text frame announcing `len` bytes.
pub fn text_frame_header(len: u64) -> Vec<u8> {
    let mut header = vec![0x81];
    match len {
        0..=125 => header.push(0x80 | len as u8),
        126..=0xFFFF => {
            header.push(0x80 | 126);
            header.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            header.push(0x80 | 127);
            header.extend_from_slice(&len.to_be_bytes());
        }
    }
    header.extend_from_slice(&[1, 2, 3, 4]);
    header
}

/// A masked client frame with `opcode`, final or not, carrying `payload`.
pub fn client_frame(opcode: u8, fin: bool, payload: &[u8]) -> Vec<u8> {
    let mut frame = text_frame_header(payload.len() as u64);
    frame[0] = if fin { 0x80 | opcode } else { opcode };
    let mask = [1, 2, 3, 4];
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

/// The next frame the server sends: its opcode and payload; `None` when the socket ended.
pub async fn next_frame(stream: &mut (impl AsyncReadExt + Unpin)) -> Option<(u8, Vec<u8>)> {
    tokio::time::timeout(WAIT, async {
        let mut header = [0u8; 2];
        stream.read_exact(&mut header).await.ok()?;
        let len = match header[1] & 0x7F {
            126 => usize::from(stream.read_u16().await.ok()?),
            127 => usize::try_from(stream.read_u64().await.ok()?).ok()?,
            short => usize::from(short),
        };
        let mut payload = vec![0; len];
        stream.read_exact(&mut payload).await.ok()?;
        Some((header[0] & 0x0F, payload))
    })
    .await
    .expect("a frame or the end in time")
}

/// Reads server frames until a close frame and returns its code and reason; `None` when the
/// socket ended without one. Panics when the server neither closes nor ends within `WAIT`.
pub async fn close_frame(stream: &mut (impl AsyncReadExt + Unpin)) -> Option<(u16, String)> {
    loop {
        let (opcode, payload) = next_frame(stream).await?;
        if opcode == 0x8 {
            let code = u16::from_be_bytes([*payload.first()?, *payload.get(1)?]);
            return Some((code, String::from_utf8(payload[2..].to_vec()).unwrap()));
        }
    }
}

/// Like `close_frame`, the code alone.
pub async fn close_code(stream: &mut (impl AsyncReadExt + Unpin)) -> Option<u16> {
    close_frame(stream).await.map(|(code, _)| code)
}

/// Sends `request` as it is and returns the server's answer: status line, headers and whatever
/// body arrived before the server closed (or `WAIT` passed).
pub async fn exchange(port: u16, request: &[u8]) -> (String, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    // The server may answer (and close) before it has read everything.
    let _ = stream.write_all(request).await;
    let head = read_head(&mut stream).await;
    let mut body = Vec::new();
    let _ = tokio::time::timeout(WAIT, stream.read_to_end(&mut body)).await;
    (head, body)
}

/// Reads one answer: its head, and as many body bytes as its `Content-Length` says.
pub async fn read_response(stream: &mut (impl AsyncReadExt + Unpin)) -> (String, Vec<u8>) {
    let head = read_head(stream).await;
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, value)| value.trim().parse().expect("a length"));
    let mut body = vec![0; length];
    tokio::time::timeout(WAIT, stream.read_exact(&mut body))
        .await
        .expect("a body in time")
        .unwrap();
    (head, body)
}
