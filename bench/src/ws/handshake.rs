//! The HTTP/1.1 upgrade handshake, both sides: a client request and the check of its answer, and
//! the few request fields the floor server reads.

use base64::Engine;
use sha1::{Digest, Sha1};
use thiserror::Error;

/// RFC 6455's fixed GUID, hashed with the client's key to prove the server understood the upgrade.
const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Largest response or request head read: real ones are a few hundred bytes.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum HandshakeError {
    #[error("status {0}")]
    Status(u16),
    #[error("malformed response")]
    Malformed,
    #[error("wrong Sec-WebSocket-Accept")]
    BadAccept,
}

/// The value a server must answer in `Sec-WebSocket-Accept` for `key`.
pub fn accept_key(key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(key.as_bytes());
    sha.update(GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(sha.finalize())
}

/// A fresh random `Sec-WebSocket-Key`.
pub fn new_key() -> String {
    base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 16]>())
}

/// The upgrade request for `path` (with its query) on `host`.
pub fn request(host: &str, path: &str, key: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
}

/// Length of the head (up to and including the blank line), once it is all in `buf`.
pub fn head_len(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|at| at + 4)
}

/// Checks a server's answer head: `101` with the right accept value.
pub fn check_response(head: &[u8], key: &str) -> Result<(), HandshakeError> {
    let head = std::str::from_utf8(head).map_err(|_| HandshakeError::Malformed)?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or(HandshakeError::Malformed)?;
    if status != 101 {
        return Err(HandshakeError::Status(status));
    }
    match header(head, "sec-websocket-accept") {
        Some(value) if value == accept_key(key) => Ok(()),
        _ => Err(HandshakeError::BadAccept),
    }
}

/// The first value of header `name` (lower case) in a head, trimmed.
pub fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.split("\r\n").skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Method and target of a request head.
pub fn request_line(head: &str) -> Option<(&str, &str)> {
    let mut parts = head.split("\r\n").next()?.split(' ');
    Some((parts.next()?, parts.next()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_accept_value_matches_the_rfc_example() {
        assert_eq!(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[test]
    fn a_101_with_the_right_accept_passes_and_anything_else_does_not() {
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        let ok =
            "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\
                  sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
        assert_eq!(head_len(ok.as_bytes()), Some(ok.len()));
        assert_eq!(check_response(ok.as_bytes(), key), Ok(()));
        let full = "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(check_response(full.as_bytes(), key), Err(HandshakeError::Status(503)));
        let wrong = ok.replace("s3pP", "AAAA");
        assert_eq!(check_response(wrong.as_bytes(), key), Err(HandshakeError::BadAccept));
    }

    #[test]
    fn request_fields_are_read_case_insensitively() {
        let head = request("127.0.0.1:80", "/ws?matches=1", "abc");
        assert_eq!(request_line(&head), Some(("GET", "/ws?matches=1")));
        assert_eq!(header(&head, "sec-websocket-key"), Some("abc"));
        assert_eq!(header(&head, "content-length"), None);
    }
}
