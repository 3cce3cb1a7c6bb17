use std::io::Write;
use std::sync::Arc;

use rustls::crypto::{ring, CryptoProvider};
use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConfig, SupportedCipherSuite};
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};

use super::*;

/// Every cipher suite scorecast's provider offers, TLS 1.3 and 1.2, that the test's ECDSA
/// certificate can serve.
fn suites() -> Vec<SupportedCipherSuite> {
    let ecdsa = rustls::SignatureAlgorithm::ECDSA;
    let all = ring::default_provider().cipher_suites;
    all.into_iter().filter(|s| s.usable_for_signature_algorithm(ecdsa)).collect()
}

/// A server connection after a handshake with a real rustls client restricted to `suite`, both
/// in memory, before the hand-off.
fn handshake(suite: SupportedCipherSuite) -> (ServerConnection, ClientConnection) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert =
        rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap().self_signed(&key).unwrap();
    let server_provider = Arc::new(ring::default_provider());
    let mut server = ServerConfig::builder_with_provider(server_provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    server.enable_secret_extraction = true;
    let mut roots = RootCertStore::empty();
    roots.add(cert.der().clone()).unwrap();
    let client_provider = CryptoProvider { cipher_suites: vec![suite], ..ring::default_provider() };
    let client = ClientConfig::builder_with_provider(Arc::new(client_provider))
        .with_protocol_versions(&[suite.version()])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut server = ServerConnection::new(Arc::new(server)).unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let mut client = ClientConnection::new(Arc::new(client), name).unwrap();
    while client.is_handshaking() || server.is_handshaking() {
        pump(&mut client, &mut server);
    }
    // The server's tickets (TLS 1.3): the session starts past sequence number 0.
    pump(&mut client, &mut server);
    assert_eq!(server.negotiated_cipher_suite(), Some(suite));
    (server, client)
}

fn pair(suite: SupportedCipherSuite) -> (TlsSession, ClientConnection) {
    let (server, client) = handshake(suite);
    (TlsSession::new(server, Vec::new()).unwrap(), client)
}

fn pump(client: &mut ClientConnection, server: &mut ServerConnection) {
    let wire = client_sends(client);
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

/// The records the client has to send.
fn client_sends(client: &mut ClientConnection) -> Vec<u8> {
    let mut wire = Vec::new();
    while client.wants_write() {
        client.write_tls(&mut wire).unwrap();
    }
    wire
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
fn every_cipher_suite_seals_frames_the_client_opens_in_order_within_sealed_len() {
    let versions: Vec<_> = suites().iter().map(|s| s.version().version).collect();
    assert_eq!(versions.len(), 6, "three TLS 1.3 suites, three TLS 1.2 ECDSA suites");
    assert!(versions.contains(&ProtocolVersion::TLSv1_2));
    for suite in suites() {
        let (mut session, mut client) = pair(suite);
        let mut wire = Vec::new();
        for frame in [&b"first"[..], &[7u8; 40_000][..], b"third"] {
            let sealed = session.seal(frame).unwrap();
            assert!(sealed.len() <= session.sealed_len(frame.len()), "{suite:?} {}", frame.len());
            wire.extend_from_slice(&sealed);
        }
        let plain = client_reads(&mut client, &wire);
        assert_eq!(plain.len(), 5 + 40_000 + 5, "{suite:?}");
        assert!(plain.starts_with(b"first") && plain.ends_with(b"third"), "{suite:?}");
        // One record: exactly its bound.
        assert_eq!(session.seal(b"x").unwrap().len(), session.sealed_len(1), "{suite:?}");
    }
}

#[test]
fn every_cipher_suite_opens_what_the_client_sends_and_sees_its_close() {
    for suite in suites() {
        let (mut session, mut client) = pair(suite);
        client.writer().write_all(b"subscribe").unwrap();
        client.writer().write_all(b" and more").unwrap();
        let mut wire = client_sends(&mut client);
        let mut plain = BytesMut::new();
        // In two pieces, split inside a record: the session keeps the partial record.
        let (a, b) = wire.split_at_mut(7);
        assert!(!session.open(a, &mut plain).unwrap());
        assert!(!session.open(b, &mut plain).unwrap());
        assert_eq!(&plain[..], b"subscribe and more", "{suite:?}");
        assert_eq!(session.0.partial.capacity(), 0, "no memory kept between records");
        client.send_close_notify();
        let mut wire = client_sends(&mut client);
        assert!(session.open(&mut wire, &mut plain).unwrap(), "{suite:?}: close_notify ends it");
    }
}

#[test]
fn the_close_notify_reaches_the_client() {
    for suite in suites() {
        let (mut session, mut client) = pair(suite);
        let notify = session.close_notify().unwrap();
        let mut rest = &notify[..];
        client.read_tls(&mut rest).unwrap();
        let state = client.process_new_packets().unwrap();
        assert!(state.peer_has_closed(), "{suite:?}");
    }
}

#[test]
fn what_rustls_had_opened_and_the_record_it_had_not_finished_both_carry_over() {
    let (mut server, mut client) = handshake(suites()[0]);
    // Opened by rustls before the hand-off: waits in it as plaintext.
    client.writer().write_all(b"opened, ").unwrap();
    let wire = client_sends(&mut client);
    server.read_tls(&mut &wire[..]).unwrap();
    server.process_new_packets().unwrap();
    // Half a record read by the stream under rustls (kept by `Tracked`), the rest after.
    client.writer().write_all(b"then finished").unwrap();
    let mut wire = client_sends(&mut client);
    let (started, rest) = wire.split_at_mut(9);
    let mut session = TlsSession::new(server, started.to_vec()).unwrap();
    let mut plain = BytesMut::new();
    assert!(!session.take_plaintext(&mut plain));
    assert!(!session.open(rest, &mut plain).unwrap());
    assert_eq!(&plain[..], b"opened, then finished");
}

#[test]
fn a_key_update_or_a_tampered_record_ends_the_session() {
    let (mut session, mut client) = pair(suites()[0]);
    client.writer().write_all(b"tampered").unwrap();
    let mut wire = client_sends(&mut client);
    let last = wire.len() - 1;
    wire[last] ^= 1;
    let err = session.open(&mut wire, &mut BytesMut::new()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);

    // A header TLS 1.3 does not allow, though its body would open.
    let (mut session, mut client) = pair(suites()[0]);
    client.writer().write_all(b"odd header").unwrap();
    let mut wire = client_sends(&mut client);
    wire[0] = 22;
    let err = session.open(&mut wire, &mut BytesMut::new()).unwrap_err();
    assert!(err.to_string().contains("header"), "{err}");

    let (mut session, mut client) = pair(suites()[0]);
    client.refresh_traffic_keys().unwrap();
    let mut wire = client_sends(&mut client);
    let err = session.open(&mut wire, &mut BytesMut::new()).unwrap_err();
    assert!(err.to_string().contains("key updates"), "{err}");
}

#[test]
fn tls12_gcm_nonces_go_on_from_where_rustls_left_them() {
    let gcm = |s: &SupportedCipherSuite| {
        s.version().version == ProtocolVersion::TLSv1_2
            && format!("{:?}", s.suite()).contains("GCM")
    };
    let suites: Vec<_> = suites().into_iter().filter(gcm).collect();
    assert_eq!(suites.len(), 2, "AES-128-GCM and AES-256-GCM");
    for suite in suites {
        let (mut server, mut client) = handshake(suite);
        server.writer().write_all(b"before").unwrap();
        let mut before = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut before).unwrap();
        }
        assert_eq!(client_reads(&mut client, &before), b"before");
        let mut session = TlsSession::new(server, Vec::new()).unwrap();
        let after = session.seal(b"after").unwrap();
        assert_eq!(client_reads(&mut client, &after), b"after");
        // The explicit nonce is the IV's tail XOR the sequence number, so records k and k + 1
        // (the last rustls sealed, the first after the hand-off) differ by exactly k ^ (k + 1).
        let explicit = |r: &[u8]| u64::from_be_bytes(r[HEADER..HEADER + 8].try_into().unwrap());
        let k = session.0.sealed - 2;
        assert_eq!(explicit(&before) ^ explicit(&after), k ^ (k + 1), "{suite:?}");
    }
}

#[test]
fn nothing_is_sealed_after_the_close_notify() {
    let (mut session, _client) = pair(suites()[0]);
    session.close_notify().unwrap();
    assert!(session.seal(b"late").is_err());
    assert!(session.close_notify().is_err());
}
