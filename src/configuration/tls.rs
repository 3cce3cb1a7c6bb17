//! Flags of a node that serves TLS itself (HTTPS, `wss://`, SSE over TLS) on its listener.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::tls::TlsSettings;

#[derive(Debug, Clone, Args)]
pub struct TlsArgs {
    /// PEM certificate chain (the server's certificate first): with --tls-key, the listener
    /// speaks only TLS (https://, wss://). Re-read on SIGHUP.
    #[arg(long, env = "SCORECAST_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1). Re-read on SIGHUP.
    #[arg(long, env = "SCORECAST_TLS_KEY", requires = "tls_cert", hide_env_values = true)]
    pub tls_key: Option<PathBuf>,

    /// Milliseconds a new connection has to finish its TLS handshake (waiting for a turn
    /// included); then it is dropped.
    #[arg(long, env = "SCORECAST_TLS_HANDSHAKE_TIMEOUT_MS", default_value_t = 10_000)]
    pub tls_handshake_timeout_ms: u64,

    /// TLS handshakes in progress at once; more connections wait for a turn (a handshake costs
    /// far more CPU than a request: this keeps a reconnecting crowd from starving the rest).
    #[arg(long, env = "SCORECAST_TLS_MAX_HANDSHAKES", default_value_t = 256)]
    pub tls_max_handshakes: usize,
}

impl TlsArgs {
    /// The TLS settings, or `None` when the listener speaks plain HTTP.
    pub fn settings(&self) -> Option<TlsSettings> {
        Some(TlsSettings {
            cert: self.tls_cert.clone()?,
            key: self.tls_key.clone()?,
            handshake_timeout: Duration::from_millis(self.tls_handshake_timeout_ms),
            max_handshakes: self.tls_max_handshakes,
        })
    }
}
