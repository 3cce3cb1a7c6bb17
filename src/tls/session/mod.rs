//! A WebSocket's TLS session after the hand-off: the hub writes and reads the raw TCP socket
//! itself (`hub/conn/wire/`), and this seals each frame into records for that one connection
//! and opens the records it receives.
//!
//! Once the handshake is done, rustls's connection is given up for what a session needs to go
//! on: the traffic keys and sequence numbers of both directions (`dangerous_extract_secrets`,
//! the way kernel TLS takes them over), and the crypto provider's own record protection
//! (`MessageEncrypter`, `MessageDecrypter`). So an idle session holds its two keys and nothing
//! else: no receive buffer (rustls keeps 4 KiB), no handshake state. What a seal produces goes
//! straight into the connection's outbox, where it counts against `--ws-max-pending-bytes` like
//! any queued frame.
//!
//! Not supported after the hand-off, each ending the connection (the client then reconnects and
//! resumes): a TLS 1.3 key update from the client (the keys it would derive from are not
//! extracted; browsers do not send one), TLS 1.2 renegotiation, and more records than the
//! cipher suite's confidentiality limit (2^23 to 2^24 for AES-GCM in rustls; the last one is
//! kept for the `close_notify`).

use std::io::{self, Read};

use bytes::{Bytes, BytesMut};
use rustls::crypto::cipher::{
    InboundOpaqueMessage, MessageDecrypter, MessageEncrypter, OutboundChunks, OutboundPlainMessage,
};
use rustls::{ContentType, ProtocolVersion, ServerConnection};

use super::record::{self, HEADER};

mod keys;
#[cfg(test)]
mod tests;

/// Most plaintext in one record (RFC 8446 §5.1).
const MAX_RECORD_PLAINTEXT: usize = 16 * 1024;

/// An alert's level: warning (the only level a session survives).
const WARNING: u8 = 1;
/// The alert that closes a session: level warning, `close_notify`.
const CLOSE_NOTIFY: [u8; 2] = [WARNING, 0];
/// `user_canceled`, which TLS 1.3 lets a peer send (as a warning) before its `close_notify`.
const USER_CANCELED: u8 = 90;

/// A handed-off TLS session (boxed: the connection enum stays one pointer wide).
pub struct TlsSession(Box<Keys>);

struct Keys {
    seal: Box<dyn MessageEncrypter>,
    open: Box<dyn MessageDecrypter>,
    /// Sequence numbers of the next record each way.
    sealed: u64,
    opened: u64,
    /// Records one key may seal.
    limit: u64,
    /// TLS 1.3: every record's outer type is application data (the real one is inside).
    tls13: bool,
    /// Our `close_notify` is sealed: nothing may follow it.
    sent_close: bool,
    /// The start of a received record not yet complete; no memory between records.
    partial: Vec<u8>,
    /// What the client sent right after its handshake, decrypted by rustls, until it is taken.
    early: Vec<u8>,
    /// The client closed its side (`close_notify`): nothing it sends after that counts.
    closed: bool,
}

impl TlsSession {
    /// Takes over the session of a stream leaving the dispatcher. The dispatcher flushed its
    /// last response, so rustls holds nothing to send; it may hold received plaintext (given
    /// back by `take_plaintext`), and the stream under it the start of a record (`partial`).
    pub fn new(mut conn: ServerConnection, partial: Vec<u8>) -> io::Result<Self> {
        let mut early = Vec::new();
        let closed = match conn.reader().read_to_end(&mut early) {
            Ok(_) => true,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => false,
            Err(e) => return Err(e),
        };
        let suite = conn.negotiated_cipher_suite().ok_or_else(|| invalid("no cipher suite"))?;
        let tls13 = suite.tls13().is_some();
        let secrets = conn.dangerous_extract_secrets().map_err(invalid)?;
        let (seal, open, limit) = keys::protection(suite, secrets.tx.1, secrets.rx.1)?;
        Ok(Self(Box::new(Keys {
            seal,
            open,
            sealed: secrets.tx.0,
            opened: secrets.rx.0,
            limit,
            tls13,
            sent_close: false,
            partial,
            early,
            closed,
        })))
    }

    /// How many bytes `plaintext_len` bytes of frames become on the wire.
    pub fn sealed_len(&self, plaintext_len: usize) -> usize {
        let records = plaintext_len.div_ceil(MAX_RECORD_PLAINTEXT).max(1);
        plaintext_len + records * (HEADER + self.0.seal.encrypted_payload_len(0))
    }

    /// Encrypts `plaintext` for this connection: the records to write, in order after every
    /// earlier output of this session.
    pub fn seal(&mut self, plaintext: &[u8]) -> io::Result<Bytes> {
        if plaintext.len() <= MAX_RECORD_PLAINTEXT {
            return self.0.seal(ContentType::ApplicationData, plaintext).map(Bytes::from);
        }
        let mut out = Vec::with_capacity(self.sealed_len(plaintext.len()));
        for chunk in plaintext.chunks(MAX_RECORD_PLAINTEXT) {
            out.extend_from_slice(&self.0.seal(ContentType::ApplicationData, chunk)?);
        }
        Ok(out.into())
    }

    /// `close_notify`, the TLS close that goes after the WebSocket close frame.
    pub fn close_notify(&mut self) -> io::Result<Bytes> {
        let notify = self.0.seal(ContentType::Alert, &CLOSE_NOTIFY)?;
        self.0.sent_close = true;
        Ok(notify.into())
    }

    /// Opens the records in `ciphertext` (in place), appending their plaintext to `plaintext`.
    /// True once the client closed its side of the session (`close_notify`); an error when the
    /// records are not valid, which ends the connection.
    pub fn open(&mut self, ciphertext: &mut [u8], plaintext: &mut BytesMut) -> io::Result<bool> {
        let keys = &mut *self.0;
        if !keys.closed {
            let Keys { partial, open, opened, tls13, .. } = &mut *keys;
            let closed = record::each_record(partial, ciphertext, |record| {
                open_record(&mut **open, opened, *tls13, record, plaintext)
            })?;
            keys.closed = closed;
        }
        Ok(keys.closed)
    }

    /// Moves what the client sent with its handshake into `plaintext`; true once it closed.
    pub fn take_plaintext(&mut self, plaintext: &mut BytesMut) -> bool {
        plaintext.extend_from_slice(&std::mem::take(&mut self.0.early));
        self.0.closed
    }
}

impl Keys {
    /// One record of `typ` carrying `payload` (at most one record's worth).
    fn seal(&mut self, typ: ContentType, payload: &[u8]) -> io::Result<Vec<u8>> {
        if self.sent_close {
            return Err(io::Error::other("TLS session closed"));
        }
        // The last record the key may seal is kept for the `close_notify`.
        let last = typ == ContentType::Alert;
        if self.sealed + u64::from(!last) >= self.limit {
            return Err(io::Error::other("TLS confidentiality limit of the key reached"));
        }
        let message = OutboundPlainMessage {
            typ,
            version: ProtocolVersion::TLSv1_2,
            payload: OutboundChunks::Single(payload),
        };
        let sealed = self.seal.encrypt(message, self.sealed).map_err(io::Error::other)?;
        self.sealed += 1;
        Ok(sealed.encode())
    }
}

/// Opens one whole record; true for the client's `close_notify`.
fn open_record(
    open: &mut dyn MessageDecrypter,
    seq: &mut u64,
    tls13: bool,
    record: &mut [u8],
    plaintext: &mut BytesMut,
) -> io::Result<bool> {
    let (header, body) = record.split_at_mut(HEADER);
    let typ = ContentType::from(header[0]);
    // After the handshake every record says TLS 1.2 (RFC 8446 §5.1), and under TLS 1.3 is
    // application data outside: the header is not authenticated there, so it is checked here.
    if header[1..3] != [3, 3] || (tls13 && typ != ContentType::ApplicationData) {
        return Err(invalid("a TLS record header not allowed after the handshake"));
    }
    let version = ProtocolVersion::from(u16::from_be_bytes([header[1], header[2]]));
    let message = InboundOpaqueMessage::new(typ, version, body);
    let opened = open.decrypt(message, *seq).map_err(invalid)?;
    *seq += 1;
    match (opened.typ, opened.payload) {
        (ContentType::ApplicationData, data) => {
            plaintext.extend_from_slice(data);
            Ok(false)
        }
        (ContentType::Alert, alert) if alert == CLOSE_NOTIFY => Ok(true),
        (ContentType::Alert, [WARNING, USER_CANCELED]) => Ok(false),
        (ContentType::Alert, alert) => {
            Err(invalid(format!("TLS alert from the client: {alert:?}")))
        }
        (other, _) => Err(invalid(format!(
            "a {other:?} record after the handshake (key updates and renegotiation are not \
             supported once the WebSocket is open)"
        ))),
    }
}

pub(super) fn invalid(e: impl ToString) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}
