//! TLS for clients: scorecast serves HTTPS, `wss://` and SSE over TLS on its one listener when it
//! has a certificate and key (`--tls-cert`, `--tls-key`), with rustls.
//!
//! - `certificates`: the PEM files, read at start (a bad pair stops the start) and again on SIGHUP
//!   (a bad pair keeps the old one); handshakes always take the current pair.
//! - `accept`: the handshake of each new connection, bounded in time and in number, before the
//!   HTTP dispatcher sees the connection.
//! - `tracked`: the TCP stream under a session, keeping the start of a record not yet complete,
//!   which the hand-off carries over (`record`: where records end).
//! - `session`: a WebSocket's TLS session once it is handed out of the dispatcher: rustls's keys
//!   and record protection, with which the hub seals each shared plaintext frame for that one
//!   connection and opens what the client sends.
//! - `probe`: `scorecast healthcheck` against a node that serves TLS.

mod accept;
mod certificates;
pub mod probe;
mod record;
mod reload;
mod session;
mod tracked;

pub use reload::spawn_certificate_reloader;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use accept::TlsAcceptor;
pub use certificates::{Certificates, TlsError};
pub use session::TlsSession;
pub use tracked::Tracked;

/// A client connection over TLS, as the dispatcher reads and writes it.
pub type TlsStream = tokio_rustls::server::TlsStream<Tracked>;

/// Where the certificate chain and its private key are, and how handshakes are bounded.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub handshake_timeout: Duration,
    pub max_handshakes: usize,
}

/// Everything a listener needs to serve TLS: the reloadable certificates and the acceptor.
#[derive(Clone)]
pub struct Tls {
    pub certificates: Arc<Certificates>,
    pub acceptor: TlsAcceptor,
}

impl Tls {
    /// Reads the certificate and key; fails with what is wrong with them.
    pub fn load(settings: &TlsSettings) -> Result<Self, TlsError> {
        let certificates = Arc::new(Certificates::load(&settings.cert, &settings.key)?);
        let config = certificates::server_config(certificates.clone())?;
        let acceptor =
            TlsAcceptor::new(config, settings.handshake_timeout, settings.max_handshakes);
        Ok(Self { certificates, acceptor })
    }
}
