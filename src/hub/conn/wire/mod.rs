//! How a connection's bytes travel: the one place that knows the difference between a WebSocket
//! (a socket handed out of the HTTP dispatcher, written and read here) and a Server-Sent Events
//! stream (a response body that takes queued bytes as actix writes them). A WebSocket over TLS
//! keeps its session here: every frame is sealed for it on its way into the outbox, so what the
//! outbox holds and writes is always the connection's wire bytes.

mod frames;
mod read;

use std::borrow::Cow;
use std::io;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_http::ws::{CloseCode, OpCode};
use bytes::{Bytes, BytesMut};
use tokio::net::TcpStream;

use crate::hub::Limits;
use crate::protocol::{self, Encoded};
use crate::tls::TlsSession;

pub use frames::Message;
pub use read::Read;

/// Which transport a connection uses, for metrics and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    WebSocket,
    Sse,
}

pub(in crate::hub) enum Wire {
    WebSocket(Socket),
    /// The stream's own handle on its HTTP connection's socket, when it could get one.
    Sse(Option<socket2::Socket>),
}

pub(in crate::hub) struct Socket {
    stream: TcpStream,
    /// Over TLS, the connection's session: it seals what is written and opens what is read.
    tls: Option<TlsSession>,
    /// The client closed its TLS session: nothing more will arrive after what is buffered.
    closed: bool,
    /// Bytes received but not yet decoded; empty (unallocated) while idle. Holds at most one
    /// frame within the limit (header included) plus one scratch read.
    read_buf: BytesMut,
    /// The fragments of a text message whose last fragment has not come yet.
    partial: Option<Box<frames::Partial>>,
    /// The client broke the framing: whatever it sends now is read and dropped, never kept.
    broken: bool,
}

impl Wire {
    pub(in crate::hub) fn websocket(
        stream: TcpStream,
        mut tls: Option<TlsSession>,
        read_buf: BytesMut,
    ) -> Self {
        // The dispatcher's read buffer has 8 KiB of capacity: keep only the bytes in it.
        let mut read_buf =
            if read_buf.is_empty() { BytesMut::new() } else { BytesMut::from(&read_buf[..]) };
        // What the client sent right after its handshake may wait decrypted in the session.
        let closed = match &mut tls {
            Some(session) => session.take_plaintext(&mut read_buf),
            None => false,
        };
        Self::WebSocket(Socket { stream, tls, closed, read_buf, partial: None, broken: false })
    }

    pub(in crate::hub) fn sse(socket: Option<socket2::Socket>) -> Self {
        Self::Sse(socket)
    }

    /// Cuts a connection whose close could not be delivered: an SSE response that actix no
    /// longer polls (its write buffer is full) is dropped once its socket is shut both ways.
    /// A WebSocket needs nothing: its socket is closed when the connection is dropped.
    pub(in crate::hub) fn abort(&self) {
        if let Self::Sse(Some(socket)) = self {
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
    }

    pub(in crate::hub) fn kind(&self) -> Kind {
        match self {
            Self::WebSocket(_) => Kind::WebSocket,
            Self::Sse(_) => Kind::Sse,
        }
    }

    /// This transport's bytes of a message.
    pub(in crate::hub) fn frame<'a>(&self, message: &'a Encoded) -> &'a Bytes {
        match self {
            Self::WebSocket(_) => &message.ws,
            Self::Sse(_) => &message.sse,
        }
    }

    /// `frame` as this connection writes it: the frame itself (shared with every other
    /// recipient), or over TLS its records, sealed for this connection alone.
    pub(in crate::hub) fn seal<'a>(&mut self, frame: &'a Bytes) -> io::Result<Cow<'a, Bytes>> {
        match self {
            Self::WebSocket(Socket { tls: Some(session), .. }) => {
                session.seal(frame).map(Cow::Owned)
            }
            _ => Ok(Cow::Borrowed(frame)),
        }
    }

    /// How many bytes a frame of `len` bytes takes once sealed.
    pub(in crate::hub) fn sealed_len(&self, len: usize) -> usize {
        match self {
            Self::WebSocket(Socket { tls: Some(session), .. }) => session.sealed_len(len),
            _ => len,
        }
    }

    /// What ends the TLS session after the close frame (`close_notify`), if there is one.
    pub(in crate::hub) fn close_notify(&mut self) -> Option<Bytes> {
        match self {
            Self::WebSocket(Socket { tls: Some(session), .. }) => session.close_notify().ok(),
            _ => None,
        }
    }

    /// Writes what the socket takes now. An SSE stream takes nothing here: its bytes wait for the
    /// response body (`WouldBlock`).
    pub(in crate::hub) fn try_write(&self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            Self::WebSocket(socket) => socket.stream.try_write(bytes),
            Self::Sse(_) => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    /// Ready when the socket can take more bytes (never, for SSE: its body pulls instead).
    pub(in crate::hub) fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Self::WebSocket(socket) => socket.stream.poll_write_ready(cx),
            Self::Sse(_) => Poll::Pending,
        }
    }

    /// Whether the client's bytes wait in the socket, not yet read by this worker (a WebSocket
    /// only): a worker that fell behind has not seen an answer that already came.
    pub(in crate::hub) fn has_unread_input(&self) -> bool {
        match self {
            Self::WebSocket(socket) => {
                let mut one = [std::mem::MaybeUninit::<u8>::uninit(); 1];
                // A non-blocking peek: Ok(0) is the end of the stream, WouldBlock an empty queue.
                matches!(socket2::SockRef::from(&socket.stream).peek(&mut one), Ok(n) if n > 0)
            }
            Self::Sse(_) => false,
        }
    }

    /// Whether an SSE client has closed its end: its request was read long ago, so the end of
    /// the stream (a peek of 0 bytes) is all that can wait there. Asked before each heartbeat, so
    /// a closed stream goes then, not at the second write after it (the first one still succeeds).
    pub(in crate::hub) fn sse_peer_closed(&self) -> bool {
        let Self::Sse(Some(socket)) = self else { return false };
        let mut one = [std::mem::MaybeUninit::<u8>::uninit(); 1];
        // The descriptor shares the dispatcher's non-blocking flag: an open, quiet stream answers
        // WouldBlock.
        matches!(socket.peek(&mut one), Ok(0))
    }

    /// After the close frame is written: a WebSocket sends FIN and waits for the client's close.
    pub(in crate::hub) fn shut_write(&self) {
        if let Self::WebSocket(socket) = self {
            let _ = socket2::SockRef::from(&socket.stream).shutdown(std::net::Shutdown::Write);
        }
    }

    /// The bytes that announce a close: a close frame, or nothing for SSE (the stream just ends).
    pub(in crate::hub) fn close_frame(&self, code: CloseCode, reason: &str) -> Option<Bytes> {
        match self {
            Self::WebSocket(_) => Some(protocol::close_frame(code, reason)),
            Self::Sse(_) => None,
        }
    }

    /// The heartbeat to send after silence, and whether the client must answer it: a WebSocket
    /// ping (answered by a pong) or an SSE comment (answered by nothing).
    pub(in crate::hub) fn heartbeat(&self) -> (Bytes, bool) {
        match self {
            Self::WebSocket(_) => (protocol::control_frame(OpCode::Ping, b""), true),
            Self::Sse(_) => (protocol::sse_comment("keep-alive"), false),
        }
    }

    /// Whether the client answers heartbeats (a WebSocket's pong); an SSE client sends nothing.
    pub(in crate::hub) fn answers_pings(&self) -> bool {
        matches!(self, Self::WebSocket(_))
    }

    /// `frame` followed by this transport's heartbeat, for the one client that gets both.
    pub(in crate::hub) fn with_heartbeat(&self, frame: &Bytes) -> Bytes {
        let (heartbeat, _) = self.heartbeat();
        let mut both = BytesMut::with_capacity(frame.len() + heartbeat.len());
        both.extend_from_slice(frame);
        both.extend_from_slice(&heartbeat);
        both.freeze()
    }

    /// Lets the kernel drop the connection once sent data has waited `timeout` for an
    /// acknowledgement (`TCP_USER_TIMEOUT`): a dead peer is noticed by the first bytes sent to it.
    pub(in crate::hub) fn set_dead_peer_timeout(&self, timeout: Duration) {
        let result = match self {
            Self::WebSocket(socket) => {
                socket2::SockRef::from(&socket.stream).set_tcp_user_timeout(Some(timeout))
            }
            Self::Sse(Some(socket)) => socket.set_tcp_user_timeout(Some(timeout)),
            Self::Sse(None) => Ok(()),
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, "TCP_USER_TIMEOUT not set");
        }
    }

    pub(in crate::hub) fn heartbeat_interval(&self, limits: &Limits) -> Duration {
        match self {
            Self::WebSocket(_) => limits.heartbeat_interval,
            Self::Sse(_) => limits.sse_heartbeat,
        }
    }
}
