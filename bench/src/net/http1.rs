//! A lean HTTP/1.1 keep-alive client connection: one request at a time, responses framed by
//! `Content-Length` (scorecast and nginx both send it; a `304` or `204` has no body). It counts the
//! bytes it wrote and read, so application bytes can be set beside the kernel's [`TcpCounters`].

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;

use thiserror::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::tcp_info::TcpCounters;

/// Largest response head accepted: real ones are ~150 bytes.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Largest body accepted: a snapshot is at most a few KB.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Read buffer to start with: one snapshot response fits.
const READ_BUF: usize = 8 * 1024;

#[derive(Debug, Error)]
pub enum HttpError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("the server closed the connection")]
    Closed,
    #[error("malformed response: {0}")]
    Malformed(&'static str),
    #[error("response too large")]
    TooLarge,
}

/// One answer, as far as the benchmark needs it.
#[derive(Debug, Clone, Default)]
pub struct Response {
    pub status: u16,
    /// Bytes of the status line and headers, blank line included.
    pub head_bytes: usize,
    pub body_bytes: usize,
    pub etag: Option<String>,
    /// The body, when asked for.
    pub body: Option<Vec<u8>>,
    /// The server said `Connection: close`.
    pub close: bool,
}

pub struct HttpConn {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Bytes in `buf` not yet consumed.
    filled: usize,
    /// Bytes written and read by the application over this connection.
    pub app_sent: u64,
    pub app_received: u64,
}

impl HttpConn {
    pub async fn connect(addr: SocketAddr) -> io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self { stream, buf: vec![0; READ_BUF], filled: 0, app_sent: 0, app_received: 0 })
    }

    /// The kernel's counters for this connection.
    pub fn counters(&self) -> io::Result<TcpCounters> {
        TcpCounters::of(self.stream.as_raw_fd())
    }

    /// Sends `request` (a complete HTTP/1.1 request) and reads its answer; keeps the body only
    /// when `keep_body`.
    pub async fn request(
        &mut self,
        request: &[u8],
        keep_body: bool,
    ) -> Result<Response, HttpError> {
        self.stream.write_all(request).await?;
        self.app_sent += request.len() as u64;
        let head_len = loop {
            if let Some(at) = find(&self.buf[..self.filled], b"\r\n\r\n") {
                break at + 4;
            }
            if self.filled >= MAX_HEAD_BYTES {
                return Err(HttpError::TooLarge);
            }
            self.fill().await?;
        };
        let mut response = parse_head(&self.buf[..head_len])?;
        let total = head_len + response.body_bytes;
        if total > MAX_HEAD_BYTES + MAX_BODY_BYTES {
            return Err(HttpError::TooLarge);
        }
        while self.filled < total {
            self.fill().await?;
        }
        if keep_body {
            response.body = Some(self.buf[head_len..total].to_vec());
        }
        self.buf.copy_within(total..self.filled, 0);
        self.filled -= total;
        self.app_received += total as u64;
        Ok(response)
    }

    async fn fill(&mut self) -> Result<(), HttpError> {
        if self.filled == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        match self.stream.read(&mut self.buf[self.filled..]).await? {
            0 => Err(HttpError::Closed),
            n => {
                self.filled += n;
                Ok(())
            }
        }
    }
}

/// Reads the status, `Content-Length`, `ETag` and `Connection` of a response head.
fn parse_head(head: &[u8]) -> Result<Response, HttpError> {
    let head = std::str::from_utf8(head).map_err(|_| HttpError::Malformed("not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or(HttpError::Malformed("status line"))?;
    let mut response = Response { status, head_bytes: head.len(), ..Default::default() };
    let mut length = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse().map_err(|_| HttpError::Malformed("content-length"))?);
        } else if name.eq_ignore_ascii_case("etag") {
            response.etag = Some(value.to_owned());
        } else if name.eq_ignore_ascii_case("connection") {
            response.close = value.eq_ignore_ascii_case("close");
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(HttpError::Malformed("chunked bodies are not supported"));
        }
    }
    response.body_bytes = match (status, length) {
        (204 | 304, _) | (100..=199, _) => 0,
        (_, Some(n)) => n,
        (_, None) => return Err(HttpError::Malformed("no content-length")),
    };
    Ok(response)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A `GET` request for `path`, with `If-None-Match` when an ETag is given.
pub fn get(host: &str, path: &str, if_none_match: Option<&str>) -> Vec<u8> {
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n");
    if let Some(etag) = if_none_match {
        req.push_str(&format!("If-None-Match: {etag}\r\n"));
    }
    req.push_str("\r\n");
    req.into_bytes()
}

/// A `POST` of a JSON body with a bearer token.
pub fn post_json(host: &str, path: &str, token: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_give_status_length_and_etag() {
        let head = b"HTTP/1.1 200 OK\r\ncontent-length: 12\r\nETag: \"1-2-3\"\r\n\r\n";
        let r = parse_head(head).unwrap();
        assert_eq!((r.status, r.body_bytes, r.head_bytes), (200, 12, head.len()));
        assert_eq!(r.etag.as_deref(), Some("\"1-2-3\""));
        let not_modified = parse_head(b"HTTP/1.1 304 Not Modified\r\netag: \"x\"\r\n\r\n").unwrap();
        assert_eq!(not_modified.body_bytes, 0);
        assert!(parse_head(b"HTTP/1.1 200 OK\r\n\r\n").is_err());
    }

    #[tokio::test]
    async fn two_requests_share_one_connection() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            for _ in 0..2 {
                let _ = s.read(&mut buf).await.unwrap();
                s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello").await.unwrap();
            }
        });
        let mut conn = HttpConn::connect(addr).await.unwrap();
        for _ in 0..2 {
            let r = conn.request(&get("x", "/", None), true).await.unwrap();
            assert_eq!(r.body.as_deref(), Some(&b"hello"[..]));
        }
        assert_eq!(conn.app_received, 2 * (38 + 5));
    }
}
