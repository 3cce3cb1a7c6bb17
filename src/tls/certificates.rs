//! The server's certificate chain and key, read from PEM files, replaced on SIGHUP.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// Session tickets each new session gets (TLS 1.3): one is enough for a client that reconnects
/// once at a time, and each costs handshake bytes and CPU.
const TICKETS_PER_SESSION: usize = 1;

/// What is wrong with a certificate or key file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the TLS certificate file {path}: {reason}")]
    Certificate { path: PathBuf, reason: String },
    #[error("cannot read the TLS key file {path}: {reason}")]
    Key { path: PathBuf, reason: String },
    #[error(
        "the TLS key in {key} does not belong to the certificate in {cert} (or is not a key \
         rustls can sign with): {reason}"
    )]
    Mismatch { cert: PathBuf, key: PathBuf, reason: String },
    #[error("cannot set up TLS: {0}")]
    Setup(String),
}

/// The current certificate and key; handshakes ask for it (`ResolvesServerCert`), so a reload
/// reaches every new handshake while established sessions keep theirs.
#[derive(Debug)]
pub struct Certificates {
    cert_path: PathBuf,
    key_path: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
}

impl Certificates {
    pub fn load(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        Ok(Self {
            cert_path: cert.to_owned(),
            key_path: key.to_owned(),
            current: RwLock::new(Arc::new(read_pair(cert, key)?)),
        })
    }

    /// Reads the files again; on any error the current pair stays and the error says why.
    pub fn reload(&self) -> Result<(), TlsError> {
        let pair = Arc::new(read_pair(&self.cert_path, &self.key_path)?);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = pair;
        Ok(())
    }

    fn current(&self) -> Arc<CertifiedKey> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

/// The one crypto provider scorecast uses (ring, as NATS and sqlx do), named so that nothing
/// depends on a process-wide default being installed.
pub(super) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A server configuration that takes its certificate from `certificates`: HTTP/1.1 only (ALPN;
/// WebSocket upgrades are HTTP/1.1), and stateless session tickets so that a crowd reconnecting
/// at once resumes its sessions instead of paying full handshakes.
pub(super) fn server_config(
    certificates: Arc<Certificates>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let setup = |e: rustls::Error| TlsError::Setup(e.to_string());
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(setup)?
        .with_no_client_auth()
        .with_cert_resolver(certificates);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.ticketer = rustls::crypto::ring::Ticketer::new().map_err(setup)?;
    config.send_tls13_tickets = TICKETS_PER_SESSION;
    // A WebSocket's session goes on with its keys alone once it leaves the dispatcher (`session`).
    config.enable_secret_extraction = true;
    Ok(Arc::new(config))
}

fn read_pair(cert: &Path, key: &Path) -> Result<CertifiedKey, TlsError> {
    let cert_error = |reason: String| TlsError::Certificate { path: cert.to_owned(), reason };
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| cert_error(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cert_error(e.to_string()))?;
    if chain.is_empty() {
        return Err(cert_error("no PEM CERTIFICATE in it".into()));
    }
    let private_key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| TlsError::Key { path: key.to_owned(), reason: e.to_string() })?;
    CertifiedKey::from_der(chain, private_key, &provider()).map_err(|e| TlsError::Mismatch {
        cert: cert.to_owned(),
        key: key.to_owned(),
        reason: e.to_string(),
    })
}
