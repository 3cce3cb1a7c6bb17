//! How a connection's bytes travel: the one place that knows the difference between a WebSocket
//! (a socket handed out of the HTTP dispatcher, written and read here) and a Server-Sent Events
//! stream (a response body that takes queued bytes as actix writes them). A WebSocket over TLS
//! keeps its session here: every frame is sealed for it on its way into the outbox, so what the
//! outbox holds and writes is always the connection's wire bytes.

use std::borrow::Cow;
use std::io;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_codec::Decoder;
use actix_http::ws::{CloseCode, Codec, Frame, OpCode, ProtocolError};
use bytes::{Bytes, BytesMut};
use tokio::net::TcpStream;

use crate::hub::Limits;
use crate::protocol::{self, Encoded};
use crate::tls::TlsSession;

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
    codec: Codec,
    /// Bytes received but not yet decoded; empty (unallocated) while idle. Holds at most one
    /// frame within the limit (header included) plus one scratch read.
    read_buf: BytesMut,
    /// The client broke the framing: whatever it sends now is read and dropped, never kept.
    broken: bool,
}

/// What reading a WebSocket gave.
pub enum Read {
    Frame(Frame),
    /// The client broke the protocol: close with this code and reason.
    Invalid(CloseCode, String),
    /// The peer is gone (end of stream or a socket error).
    Gone,
}

/// Socket reads per wake-up before yielding, so one chatty client cannot starve the others.
const READS_PER_POLL: usize = 16;

impl Wire {
    pub(in crate::hub) fn websocket(
        stream: TcpStream,
        mut tls: Option<TlsSession>,
        read_buf: BytesMut,
        max_frame: usize,
    ) -> Self {
        // The dispatcher's read buffer has 8 KiB of capacity: keep only the bytes in it.
        let mut read_buf =
            if read_buf.is_empty() { BytesMut::new() } else { BytesMut::from(&read_buf[..]) };
        // What the client sent right after its handshake may wait decrypted in the session.
        let closed = match &mut tls {
            Some(session) => session.take_plaintext(&mut read_buf).unwrap_or(true),
            None => false,
        };
        Self::WebSocket(Socket {
            stream,
            tls,
            closed,
            codec: Codec::new().max_size(max_frame),
            read_buf,
            broken: false,
        })
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
            Self::WebSocket(Socket { tls: Some(_), .. }) => TlsSession::sealed_len(len),
            _ => len,
        }
    }

    /// Records the TLS session produced by itself while reading (an alert, a key update), to be
    /// written next.
    pub(in crate::hub) fn take_output(&mut self) -> Option<Bytes> {
        match self {
            Self::WebSocket(Socket { tls: Some(session), .. }) => {
                session.take_output().ok().flatten()
            }
            _ => None,
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

    /// The next frame a WebSocket client sent, reading the socket as needed (through `scratch`,
    /// a buffer shared by the worker's connections). Pending when nothing complete has arrived;
    /// SSE clients send nothing. With `discard` (the connection is closing), what arrives is
    /// dropped unread until the peer is gone.
    pub(in crate::hub) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        scratch: &mut [u8],
        max_frame: usize,
        discard: bool,
    ) -> Poll<Read> {
        let Self::WebSocket(socket) = self else { return Poll::Pending };
        for _ in 0..READS_PER_POLL {
            if discard && !socket.broken {
                // Closing: nothing the client sends matters any more.
                socket.broken = true;
                socket.read_buf = BytesMut::new();
            }
            if !socket.broken {
                match socket.decode(max_frame) {
                    Ok(Some(frame)) => return Poll::Ready(Read::Frame(frame)),
                    Ok(None) => {}
                    Err((code, reason)) => {
                        // The frame boundaries are lost: forget what came and drop what comes.
                        socket.broken = true;
                        socket.read_buf = BytesMut::new();
                        return Poll::Ready(Read::Invalid(code, reason));
                    }
                }
            }
            if socket.read_buf.is_empty() {
                // Idle connections hold no read memory.
                socket.read_buf = BytesMut::new();
            }
            if socket.closed {
                return Poll::Ready(Read::Gone);
            }
            match socket.stream.poll_read_ready(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(_)) => return Poll::Ready(Read::Gone),
                Poll::Ready(Ok(())) => {}
            }
            match socket.stream.try_read(scratch) {
                Ok(0) => return Poll::Ready(Read::Gone),
                Ok(_) if socket.broken => {}
                Ok(n) => match &mut socket.tls {
                    None => socket.read_buf.extend_from_slice(&scratch[..n]),
                    Some(session) => match session.open(&scratch[..n], &mut socket.read_buf) {
                        Ok(closed) => socket.closed = closed,
                        // Records that do not open: the session is over (rustls queued an alert).
                        Err(_) => return Poll::Ready(Read::Gone),
                    },
                },
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => return Poll::Ready(Read::Gone),
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl Socket {
    /// The next complete frame in the read buffer. A frame whose header announces more than
    /// `max_frame` bytes is refused at the header, before any of its payload is read: the codec
    /// itself would only refuse it once all of it had arrived.
    fn decode(&mut self, max_frame: usize) -> Result<Option<Frame>, (CloseCode, String)> {
        decode_frame(&mut self.codec, &mut self.read_buf, max_frame)
    }
}

/// See `Socket::decode`; apart from the socket so that it can be tested on any bytes.
fn decode_frame(
    codec: &mut Codec,
    buf: &mut BytesMut,
    max_frame: usize,
) -> Result<Option<Frame>, (CloseCode, String)> {
    if let Some(announced) = announced_len(buf) {
        if announced > max_frame as u64 {
            return Err((CloseCode::Size, format!("frame larger than {max_frame} bytes")));
        }
    }
    codec.decode(buf).map_err(|err| protocol_error(&err, max_frame))
}

/// The payload length a frame header announces (RFC 6455 §5.2), once enough of it has arrived.
fn announced_len(buf: &[u8]) -> Option<u64> {
    let len = buf.get(1)? & 0x7F;
    match len {
        126 => Some(u16::from_be_bytes(buf.get(2..4)?.try_into().ok()?).into()),
        127 => Some(u64::from_be_bytes(buf.get(2..10)?.try_into().ok()?)),
        short => Some(short.into()),
    }
}

fn protocol_error(err: &ProtocolError, max_frame: usize) -> (CloseCode, String) {
    match err {
        ProtocolError::Overflow => {
            (CloseCode::Size, format!("frame larger than {max_frame} bytes"))
        }
        ProtocolError::UnmaskedFrame => {
            (CloseCode::Protocol, "client frames must be masked".into())
        }
        other => (CloseCode::Protocol, format!("protocol error: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever a client sends, in whatever pieces: frames within the limit, or a close with
        /// a documented code (1009 too large, 1002 protocol error), never a panic.
        #[test]
        fn any_bytes_decode_into_frames_within_the_limit_or_a_documented_close(
            chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..8),
            max_frame in 1usize..256,
        ) {
            let mut codec = Codec::new().max_size(max_frame);
            let mut buf = BytesMut::new();
            'feed: for chunk in chunks {
                buf.extend_from_slice(&chunk);
                loop {
                    match decode_frame(&mut codec, &mut buf, max_frame) {
                        Ok(Some(Frame::Text(b) | Frame::Binary(b) | Frame::Continuation(
                            actix_http::ws::Item::FirstText(b)
                            | actix_http::ws::Item::FirstBinary(b)
                            | actix_http::ws::Item::Continue(b)
                            | actix_http::ws::Item::Last(b),
                        ))) => prop_assert!(b.len() <= max_frame),
                        Ok(Some(_)) => {}
                        Ok(None) => break,
                        Err((code, reason)) => {
                            prop_assert!(matches!(code, CloseCode::Size | CloseCode::Protocol));
                            prop_assert!(!reason.is_empty() && reason.len() <= 123);
                            break 'feed;
                        }
                    }
                }
            }
        }

        /// Masked frames made by a real client encoder come back whole when within the limit.
        #[test]
        fn well_formed_client_frames_within_the_limit_decode_to_their_payload(
            payload in prop::collection::vec(any::<u8>(), 0..300),
        ) {
            let max_frame = 256;
            let mut wire = BytesMut::new();
            actix_http::ws::Parser::write_message(&mut wire, &payload[..], OpCode::Binary, true, true);
            let mut codec = Codec::new().max_size(max_frame);
            match decode_frame(&mut codec, &mut wire, max_frame) {
                Ok(Some(Frame::Binary(b))) => {
                    prop_assert!(payload.len() <= max_frame);
                    prop_assert_eq!(&b[..], &payload[..]);
                }
                Err((CloseCode::Size, _)) => prop_assert!(payload.len() > max_frame),
                other => prop_assert!(false, "unexpected {:?}", other.map(|f| f.is_some())),
            }
        }
    }

    #[test]
    fn a_frame_header_announces_its_length_once_its_length_bytes_arrived() {
        assert_eq!(announced_len(&[0x81]), None);
        assert_eq!(announced_len(&[0x81, 0x85]), Some(5));
        assert_eq!(announced_len(&[0x81, 0xFE, 0x01]), None);
        assert_eq!(announced_len(&[0x81, 0xFE, 0x01, 0x00]), Some(256));
        let four_gib = [0x81, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0];
        assert_eq!(announced_len(&four_gib[..9]), None);
        assert_eq!(announced_len(&four_gib), Some(1 << 32));
    }
}
