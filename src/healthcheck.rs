//! `scorecast healthcheck`: a readiness probe for container health checks, which ship no curl.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// Most response bytes read: the status line and a problem body fit many times over.
const MAX_RESPONSE_BYTES: u64 = 8 * 1024;

/// Why the server is not ready, in one line.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("no answer from {url} within {timeout:?}")]
    Timeout { url: String, timeout: Duration },
    #[error("cannot reach {url}: {source}")]
    Io {
        url: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{url} answered {status}: {detail}")]
    NotReady { url: String, status: String, detail: String },
}

/// The address to probe for a server listening on `listen`: loopback when it listens on every
/// interface, since 0.0.0.0 and :: are not addresses one can connect to everywhere.
pub fn probe_address(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

/// `GET /readyz` on the server listening on `listen`: `Ok` on 200, otherwise why not. Over TLS
/// when the server serves it (`tls_cert`: its certificate file, the only certificate trusted).
pub async fn probe(
    listen: SocketAddr,
    tls_cert: Option<&Path>,
    timeout: Duration,
) -> Result<String, ProbeError> {
    let address = probe_address(listen);
    let url = format!("{}://{address}/readyz", if tls_cert.is_some() { "https" } else { "http" });
    let response = tokio::time::timeout(timeout, fetch(address, tls_cert))
        .await
        .map_err(|_| ProbeError::Timeout { url: url.clone(), timeout })?
        .map_err(|source| ProbeError::Io { url: url.clone(), source })?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status_line = head.lines().next().unwrap_or_default();
    let status = status_line.split_once(' ').map(|(_, status)| status).unwrap_or(status_line);
    if status.starts_with("200") {
        return Ok(format!("{url} is ready"));
    }
    Err(ProbeError::NotReady { url, status: status.to_owned(), detail: detail(body) })
}

async fn fetch(address: SocketAddr, tls_cert: Option<&Path>) -> std::io::Result<String> {
    let tcp = TcpStream::connect(address).await?;
    match tls_cert {
        None => exchange(tcp, address).await,
        Some(cert) => {
            let config = crate::tls::probe::pinned_client(cert).map_err(std::io::Error::other)?;
            let name = rustls_pki_types::ServerName::IpAddress(address.ip().into());
            let stream = tokio_rustls::TlsConnector::from(config).connect(name, tcp).await?;
            exchange(stream, address).await
        }
    }
}

async fn exchange(
    mut stream: impl AsyncRead + AsyncWrite + Unpin,
    address: SocketAddr,
) -> std::io::Result<String> {
    let request = format!("GET /readyz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.take(MAX_RESPONSE_BYTES).read_to_end(&mut response).await?;
    Ok(String::from_utf8_lossy(&response).into_owned())
}

/// The `detail` of a problem body, or the body itself, on one line.
fn detail(body: &str) -> String {
    let detail = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|problem| problem["detail"].as_str().map(str::to_owned))
        .unwrap_or_else(|| body.trim().to_owned());
    let line = detail.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        "no detail".to_owned()
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_on_every_interface_is_probed_on_loopback() {
        let probe = |listen: &str| probe_address(listen.parse().unwrap()).to_string();
        assert_eq!(probe("0.0.0.0:8080"), "127.0.0.1:8080");
        assert_eq!(probe("[::]:8080"), "[::1]:8080");
        assert_eq!(probe("10.1.2.3:8080"), "10.1.2.3:8080");
    }

    #[test]
    fn the_reason_is_the_problem_detail_on_one_line() {
        assert_eq!(detail(r#"{"status":503,"detail":"not ready: db"}"#), "not ready: db");
        assert_eq!(detail("a\nb  c\n"), "a b c");
        assert_eq!(detail(""), "no detail");
    }
}
