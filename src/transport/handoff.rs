//! What a connection's stream must give up when a WebSocket leaves the HTTP dispatcher: the raw
//! TCP socket, which the hub worker reads and writes itself, and the TLS session if the
//! connection has one, which the hub then uses to seal and open that connection's records.
//!
//! The listener's service chain (`startup/mod.rs`) may wrap the TCP socket (TLS, or any other layer
//! that implements this trait); the upgrade service and the SSE route only rely on this.

use std::io;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::tls::{TlsSession, TlsStream};

pub trait HandOff: AsyncRead + AsyncWrite + Unpin + 'static {
    /// The TCP socket under every layer (for socket options and the SSE stream's own handle).
    fn socket(&self) -> &TcpStream;

    /// The TCP socket and, over TLS, the session, for the hub worker; an error when the session
    /// cannot go on outside the dispatcher (the connection is then dropped).
    fn hand_off(self) -> io::Result<(TcpStream, Option<TlsSession>)>;
}

impl HandOff for TcpStream {
    fn socket(&self) -> &TcpStream {
        self
    }

    fn hand_off(self) -> io::Result<(TcpStream, Option<TlsSession>)> {
        Ok((self, None))
    }
}

impl HandOff for TlsStream {
    fn socket(&self) -> &TcpStream {
        self.get_ref().0.socket()
    }

    fn hand_off(self) -> io::Result<(TcpStream, Option<TlsSession>)> {
        let (tracked, session) = self.into_inner();
        let (tcp, partial) = tracked.into_parts()?;
        Ok((tcp, Some(TlsSession::new(session, partial)?)))
    }
}

/// Behind the bound on request heads: the bound has nothing more to do once a WebSocket leaves
/// the dispatcher, and keeps no bytes of its own, so the stream under it is handed on.
impl<S: HandOff> HandOff for crate::transport::head_limit::HeadLimit<S> {
    fn socket(&self) -> &TcpStream {
        self.get_ref().socket()
    }

    fn hand_off(self) -> io::Result<(TcpStream, Option<TlsSession>)> {
        self.into_inner().hand_off()
    }
}
