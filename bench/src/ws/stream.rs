//! A client's connection: plain TCP, or TLS (`wss://`) over it. Plain connections keep their
//! readiness-based reads (`readable` + `try_read_buf`); TLS ones read through tokio-rustls.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::sync::Arc;

use rustls::ClientConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::handshake;
use crate::common::tls::client_config;

pub enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

thread_local! {
    /// One client configuration per authority on this worker thread (full handshakes only: a
    /// fan-out's clients are a crowd of new clients).
    static CONFIGS: RefCell<HashMap<String, Arc<ClientConfig>>> = RefCell::new(HashMap::new());
}

impl Stream {
    /// `tcp` as is, or after a TLS handshake trusting `ca_pem`.
    pub async fn open(tcp: TcpStream, ca_pem: Option<&str>) -> Result<Self, String> {
        let Some(ca_pem) = ca_pem else { return Ok(Self::Plain(tcp)) };
        let config = CONFIGS.with(|configs| {
            let mut configs = configs.borrow_mut();
            if let Some(config) = configs.get(ca_pem) {
                return Ok(config.clone());
            }
            let config = client_config(ca_pem, 0).map_err(|e| format!("TLS setup: {e:#}"))?;
            configs.insert(ca_pem.to_owned(), config.clone());
            Ok::<_, String>(config)
        })?;
        Self::handshake(tcp, config, "localhost").await
    }

    /// A TLS handshake with `config`, naming the server `name`.
    pub async fn handshake(
        tcp: TcpStream,
        config: Arc<ClientConfig>,
        name: &str,
    ) -> Result<Self, String> {
        let name = rustls_pki_types::ServerName::try_from(name.to_owned())
            .map_err(|e| format!("TLS name: {e}"))?;
        let tls = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS handshake: {e}"))?;
        Ok(Self::Tls(Box::new(tls)))
    }

    pub async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Self::Plain(tcp) => tcp.write_all(bytes).await,
            Self::Tls(tls) => {
                tls.write_all(bytes).await?;
                tls.flush().await
            }
        }
    }

    /// Reads what arrives into `buf`: `Ok(0)` at the end of the stream; `WouldBlock` when a
    /// plain socket was woken with nothing to read.
    pub async fn read_buf(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        match self {
            Self::Plain(tcp) => {
                tcp.readable().await?;
                tcp.try_read_buf(buf)
            }
            Self::Tls(tls) => tls.read_buf(buf).await,
        }
    }

    /// Whether the TLS handshake resumed an earlier session.
    pub fn resumed(&self) -> bool {
        match self {
            Self::Plain(_) => false,
            Self::Tls(tls) => {
                tls.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
            }
        }
    }
}

/// Sends the upgrade request for `path` and reads the answer's head; returns what came after it
/// (the first frames, if they arrived with it).
pub async fn upgrade(stream: &mut Stream, host: &str, path: &str) -> Result<Vec<u8>, String> {
    let key = handshake::new_key();
    let request = handshake::request(host, path, &key);
    stream.write_all(request.as_bytes()).await.map_err(|e| format!("upgrade request: {e}"))?;
    let mut buf = Vec::with_capacity(512);
    loop {
        if buf.len() >= handshake::MAX_HEAD_BYTES {
            return Err("upgrade: response head too large".into());
        }
        match stream.read_buf(&mut buf).await {
            Ok(0) => return Err("upgrade: closed by the server".into()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(format!("upgrade: {e}")),
        }
        if let Some(len) = handshake::head_len(&buf) {
            handshake::check_response(&buf[..len], &key).map_err(|e| format!("upgrade: {e}"))?;
            buf.drain(..len);
            return Ok(buf);
        }
    }
}
