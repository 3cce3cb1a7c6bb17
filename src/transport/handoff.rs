//! What a connection's stream must give up when a WebSocket leaves the HTTP dispatcher: the raw
//! TCP socket, which the hub worker reads and writes itself, and the TLS session if the
//! connection has one, which the hub then uses to seal and open that connection's records.
//!
//! The listener's service chain (`startup/mod.rs`) may wrap the TCP socket (TLS, or any other layer
//! that implements this trait); the upgrade service and the SSE route only rely on this.

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::tls::TlsSession;

pub trait HandOff: AsyncRead + AsyncWrite + Unpin + 'static {
    /// The TCP socket under every layer (for socket options and the SSE stream's own handle).
    fn socket(&self) -> &TcpStream;

    /// The TCP socket and, over TLS, the session, for the hub worker.
    fn hand_off(self) -> (TcpStream, Option<TlsSession>);
}

impl HandOff for TcpStream {
    fn socket(&self) -> &TcpStream {
        self
    }

    fn hand_off(self) -> (TcpStream, Option<TlsSession>) {
        (self, None)
    }
}

impl HandOff for tokio_rustls::server::TlsStream<TcpStream> {
    fn socket(&self) -> &TcpStream {
        self.get_ref().0
    }

    fn hand_off(self) -> (TcpStream, Option<TlsSession>) {
        let (tcp, session) = self.into_inner();
        (tcp, Some(TlsSession::new(session)))
    }
}

/// Behind the bound on request heads: the bound has nothing more to do once a WebSocket leaves
/// the dispatcher, and keeps no bytes of its own, so the stream under it is handed on.
impl<S: HandOff> HandOff for crate::transport::head_limit::HeadLimit<S> {
    fn socket(&self) -> &TcpStream {
        self.get_ref().socket()
    }

    fn hand_off(self) -> (TcpStream, Option<TlsSession>) {
        self.into_inner().hand_off()
    }
}
