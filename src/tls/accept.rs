//! The TLS handshake of a new connection, run as the first step of the listener's service chain
//! (`startup/mod.rs`), so the HTTP dispatcher only ever sees decrypted streams.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::{TlsStream, Tracked};

/// Bytes of ciphertext a connection's TLS session holds while actix writes a response through
/// it (rustls keeps up to 64 KiB by default): a stalled SSE reader then holds this much in
/// rustls on top of what the dispatcher and the hub bound.
const SESSION_BUFFER_BYTES: usize = 16 * 1024;

/// Reads of what a plain HTTP client sent, at most, before its connection is dropped: 8 KiB.
const PLAIN_HTTP_READS: usize = 8;

/// The first byte of every TLS record that starts a handshake (content type 22).
const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// The problem a client that speaks plain HTTP to the TLS port is told before the connection
/// closes.
const PLAIN_HTTP_PROBLEM: &str = r#"{"type":"about:blank","title":"Bad Request","status":400,"detail":"this port speaks HTTPS: use https:// or wss://"}"#;

fn plain_http_answer() -> String {
    format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json\r\n\
         Connection: close\r\nContent-Length: {}\r\n\r\n{PLAIN_HTTP_PROBLEM}",
        PLAIN_HTTP_PROBLEM.len()
    )
}

/// Runs handshakes with the current certificate: at most `max_handshakes` at once across the
/// process (more wait for a turn), each within `timeout` (waiting included).
#[derive(Clone)]
pub struct TlsAcceptor {
    inner: tokio_rustls::TlsAcceptor,
    timeout: Duration,
    handshakes: Arc<Semaphore>,
}

impl TlsAcceptor {
    pub(super) fn new(config: Arc<ServerConfig>, timeout: Duration, max_handshakes: usize) -> Self {
        Self {
            inner: tokio_rustls::TlsAcceptor::from(config),
            timeout,
            handshakes: Arc::new(Semaphore::new(max_handshakes.max(1))),
        }
    }

    /// The decrypted stream, or why the client did not get one (logged by the caller at debug:
    /// scanners and impatient clients are not the server's problem).
    pub async fn accept(&self, tcp: TcpStream) -> io::Result<TlsStream> {
        let handshake = async {
            let _turn = self.handshakes.acquire().await.map_err(io::Error::other)?;
            let mut tcp = tcp;
            if !starts_with_tls(&tcp).await? {
                answer_plain_http(&mut tcp).await;
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "plain HTTP on the TLS port (answered 400)",
                ));
            }
            let mut stream = self.inner.accept(Tracked::new(tcp)).await?;
            stream.get_mut().1.set_buffer_limit(Some(SESSION_BUFFER_BYTES));
            Ok(stream)
        };
        match tokio::time::timeout(self.timeout, handshake).await {
            Ok(result) => result,
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("TLS handshake not done within {:?}", self.timeout),
            )),
        }
    }
}

/// Whether the client's first byte opens a TLS handshake (otherwise it is most likely a plain
/// HTTP request sent to the wrong scheme).
async fn starts_with_tls(tcp: &TcpStream) -> io::Result<bool> {
    let mut first = [0u8; 1];
    match tcp.peek(&mut first).await? {
        0 => Err(io::ErrorKind::UnexpectedEof.into()),
        _ => Ok(first[0] == TLS_HANDSHAKE_RECORD),
    }
}

/// Answers 400 and closes gently: the request is read (a little of it, within the handshake
/// timeout) after the answer, since closing on unread bytes resets the connection and the client
/// would see a reset instead of the answer.
async fn answer_plain_http(tcp: &mut TcpStream) {
    if tcp.write_all(plain_http_answer().as_bytes()).await.is_err() {
        return;
    }
    let _ = tcp.shutdown().await;
    let mut sink = [0u8; 1024];
    for _ in 0..PLAIN_HTTP_READS {
        match tcp.read(&mut sink).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}
