//! A WebSocket's TLS session after the hand-off: the hub writes and reads the raw TCP socket
//! itself (`hub/conn/wire.rs`), and this seals each frame into records for that one connection
//! and opens the records it receives.
//!
//! Nothing is kept between calls: what a seal produces goes straight into the connection's
//! outbox, where it counts against `--ws-max-pending-bytes` like any queued frame, so rustls's
//! own send buffer is empty whenever the hub is not inside one of these calls.

use std::io::{self, Read, Write};

use bytes::{Bytes, BytesMut};
use rustls::ServerConnection;

/// Bytes a TLS 1.3 record adds to its plaintext (header 5, content type 1, AEAD tag 16).
const RECORD_OVERHEAD: usize = 22;

/// Most plaintext in one record (RFC 8446 §5.1).
const MAX_RECORD_PLAINTEXT: usize = 16 * 1024;

/// A handed-off TLS session (boxed: the connection enum stays one pointer wide).
pub struct TlsSession(Box<ServerConnection>);

impl TlsSession {
    /// Takes the session of a stream leaving the dispatcher. The dispatcher flushed its last
    /// response, so rustls holds nothing to send; it may hold received plaintext, which
    /// `take_plaintext` gives back.
    pub fn new(mut conn: ServerConnection) -> Self {
        // Sealed records are taken out at once (`seal`): no limit needed on what rustls holds.
        conn.set_buffer_limit(None);
        Self(Box::new(conn))
    }

    /// How many bytes `plaintext_len` bytes of frames become on the wire.
    pub fn sealed_len(plaintext_len: usize) -> usize {
        plaintext_len + plaintext_len.div_ceil(MAX_RECORD_PLAINTEXT).max(1) * RECORD_OVERHEAD
    }

    /// Encrypts `plaintext` for this connection: the records to write, in order after every
    /// earlier output of this session.
    pub fn seal(&mut self, plaintext: &[u8]) -> io::Result<Bytes> {
        let mut out = Vec::with_capacity(Self::sealed_len(plaintext.len()));
        let mut rest = plaintext;
        while !rest.is_empty() {
            let taken = self.0.writer().write(rest)?;
            if taken == 0 {
                return Err(io::Error::new(io::ErrorKind::BrokenPipe, "TLS session closed"));
            }
            rest = &rest[taken..];
            self.drain_into(&mut out)?;
        }
        Ok(out.into())
    }

    /// Records rustls produced on its own (an alert, a key update answer) since the last call.
    pub fn take_output(&mut self) -> io::Result<Option<Bytes>> {
        if !self.0.wants_write() {
            return Ok(None);
        }
        let mut out = Vec::new();
        self.drain_into(&mut out)?;
        Ok(Some(out.into()))
    }

    /// `close_notify`, the TLS close that goes after the WebSocket close frame.
    pub fn close_notify(&mut self) -> io::Result<Bytes> {
        self.0.send_close_notify();
        let mut out = Vec::new();
        self.drain_into(&mut out)?;
        Ok(out.into())
    }

    /// Opens the records in `ciphertext`, appending their plaintext to `plaintext`. True once the
    /// client closed its side of the session (`close_notify`); an error when the records are not
    /// valid, which ends the connection.
    pub fn open(&mut self, mut ciphertext: &[u8], plaintext: &mut BytesMut) -> io::Result<bool> {
        let mut closed = false;
        while !ciphertext.is_empty() {
            self.0.read_tls(&mut ciphertext)?;
            let state = self
                .0
                .process_new_packets()
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            closed |= state.peer_has_closed();
            closed |= self.take_plaintext(plaintext)?;
        }
        Ok(closed)
    }

    /// Moves decrypted bytes waiting in rustls into `plaintext`; true once the client closed.
    pub fn take_plaintext(&mut self, plaintext: &mut BytesMut) -> io::Result<bool> {
        let mut chunk = [0u8; 4096];
        loop {
            match self.0.reader().read(&mut chunk) {
                Ok(0) => return Ok(true),
                Ok(n) => plaintext.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) => return Err(e),
            }
        }
    }

    fn drain_into(&mut self, out: &mut Vec<u8>) -> io::Result<()> {
        while self.0.wants_write() {
            self.0.write_tls(out)?;
        }
        Ok(())
    }
}
