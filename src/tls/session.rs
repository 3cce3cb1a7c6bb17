//! A WebSocket's TLS session after the hand-off: the hub writes and reads the raw TCP socket
//! itself (`hub/conn/wire/`), and this seals each frame into records for that one connection
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConfig};
    use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};

    use super::*;

    /// A server session after a handshake with a real rustls client, both in memory.
    fn pair() -> (TlsSession, ClientConnection) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .unwrap();
        let mut roots = RootCertStore::empty();
        roots.add(cert.der().clone()).unwrap();
        let client = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut server = ServerConnection::new(Arc::new(server)).unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        let mut client = ClientConnection::new(Arc::new(client), name).unwrap();
        while client.is_handshaking() || server.is_handshaking() {
            pump(&mut client, &mut server);
        }
        pump(&mut client, &mut server);
        (TlsSession::new(server), client)
    }

    fn pump(client: &mut ClientConnection, server: &mut ServerConnection) {
        // An empty read would tell rustls the peer is gone.
        let mut wire = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut wire).unwrap();
        }
        if !wire.is_empty() {
            server.read_tls(&mut &wire[..]).unwrap();
            server.process_new_packets().unwrap();
        }
        let mut wire = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut wire).unwrap();
        }
        if !wire.is_empty() {
            client.read_tls(&mut &wire[..]).unwrap();
            client.process_new_packets().unwrap();
        }
    }

    fn client_reads(client: &mut ClientConnection, records: &[u8]) -> Vec<u8> {
        let (mut rest, mut plain) = (records, Vec::new());
        while !rest.is_empty() {
            client.read_tls(&mut rest).unwrap();
            client.process_new_packets().unwrap();
            let _ = client.reader().read_to_end(&mut plain);
        }
        plain
    }

    #[test]
    fn sealed_frames_open_in_order_on_the_client_and_take_no_more_than_sealed_len() {
        let (mut session, mut client) = pair();
        let mut wire = Vec::new();
        for frame in [&b"first"[..], &[7u8; 40_000][..], b"third"] {
            let sealed = session.seal(frame).unwrap();
            assert!(sealed.len() <= TlsSession::sealed_len(frame.len()), "{}", frame.len());
            wire.extend_from_slice(&sealed);
        }
        assert!(!session.0.wants_write(), "rustls keeps nothing once a seal returns");
        let plain = client_reads(&mut client, &wire);
        assert_eq!(plain.len(), 5 + 40_000 + 5);
        assert!(plain.starts_with(b"first") && plain.ends_with(b"third"));
    }

    #[test]
    fn what_the_client_sends_opens_into_the_read_buffer_and_its_close_is_seen() {
        let (mut session, mut client) = pair();
        client.writer().write_all(b"subscribe").unwrap();
        let mut wire = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut wire).unwrap();
        }
        let mut plain = BytesMut::new();
        // In two pieces, split inside a record: the session keeps the partial record.
        let (a, b) = wire.split_at(wire.len() / 2);
        assert!(!session.open(a, &mut plain).unwrap());
        assert!(!session.open(b, &mut plain).unwrap());
        assert_eq!(&plain[..], b"subscribe");
        client.send_close_notify();
        let mut wire = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut wire).unwrap();
        }
        assert!(session.open(&wire, &mut plain).unwrap(), "close_notify ends the session");
    }

    #[test]
    fn the_close_notify_reaches_the_client() {
        let (mut session, mut client) = pair();
        let notify = session.close_notify().unwrap();
        let mut rest = &notify[..];
        client.read_tls(&mut rest).unwrap();
        let state = client.process_new_packets().unwrap();
        assert!(state.peer_has_closed());
    }
}
