//! The benchmark's own TLS: a certificate authority made at run time (rcgen), a server certificate
//! it signs for the spawned scorecast (`--tls-cert`/`--tls-key`), and client configurations that
//! trust that authority alone. The certificate names `localhost`, 127.0.0.1 and `*.bench.test`, so
//! a client can give each connection a name of its own (`c17.bench.test`) and keep a resumption
//! ticket per connection.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use anyhow::Context;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use rustls::client::Resumption;
use rustls::ClientConfig;

/// The names the server certificate holds.
const NAMES: [&str; 3] = ["localhost", "127.0.0.1", "*.bench.test"];

pub struct BenchCa {
    pub ca_pem: String,
    pub cert: PathBuf,
    pub key: PathBuf,
    _dir: tempfile::TempDir,
}

static CA: OnceLock<BenchCa> = OnceLock::new();

/// The authority and server certificate of this run, made on first use.
pub fn bench_ca() -> anyhow::Result<&'static BenchCa> {
    if let Some(ca) = CA.get() {
        return Ok(ca);
    }
    let made = make().context("making the benchmark's TLS certificate")?;
    Ok(CA.get_or_init(|| made))
}

/// The authority, if this run made one (then HTTP clients trust it).
pub fn made_ca() -> Option<&'static BenchCa> {
    CA.get()
}

fn make() -> anyhow::Result<BenchCa> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, "scorecast-bench CA");
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let ca_key = KeyPair::generate()?;
    let ca = params.self_signed(&ca_key)?;
    let mut server = CertificateParams::new(NAMES.map(str::to_owned).to_vec())?;
    server.distinguished_name.push(DnType::CommonName, "scorecast-bench");
    let key = KeyPair::generate()?;
    let cert = server.signed_by(&key, &ca, &ca_key)?;
    let dir = tempfile::Builder::new().prefix("scorecast-bench-tls-").tempdir()?;
    let (cert_path, key_path) = (dir.path().join("server.pem"), dir.path().join("server.key"));
    std::fs::write(&cert_path, cert.pem())?;
    std::fs::write(&key_path, key.serialize_pem())?;
    Ok(BenchCa { ca_pem: ca.pem(), cert: cert_path, key: key_path, _dir: dir })
}

/// A client configuration trusting `ca_pem`; `sessions` resumption tickets kept (0: every
/// handshake is a full one).
pub fn client_config(ca_pem: &str, sessions: usize) -> anyhow::Result<Arc<ClientConfig>> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pki_types::CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert?)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.resumption = match sessions {
        0 => Resumption::disabled(),
        n => Resumption::in_memory_sessions(n),
    };
    Ok(Arc::new(config))
}
