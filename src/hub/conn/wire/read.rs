//! Reading a WebSocket client: its socket (through TLS when there is a session) into the read
//! buffer, and the buffer into messages within their bounds (`frames.rs`); SSE clients send
//! nothing.

use std::io;
use std::task::{Context, Poll};

use actix_http::ws::CloseCode;
use bytes::BytesMut;

use super::frames::{self, Message, Refusal};
use super::{Socket, Wire};
use crate::hub::MessageBounds;

/// What reading a WebSocket gave.
pub enum Read {
    Message(Message),
    /// The client broke the protocol: close with this code and reason.
    Invalid(CloseCode, String),
    /// The peer is gone (end of stream or a socket error).
    Gone,
}

/// Socket reads per wake-up before yielding, so one chatty client cannot starve the others.
const READS_PER_POLL: usize = 16;

impl Wire {
    /// The next message a WebSocket client sent, reading the socket as needed (through
    /// `scratch`, a buffer shared by the worker's connections). Pending when nothing complete has arrived;
    /// SSE clients send nothing. With `discard` (the connection is closing), what arrives is
    /// dropped unread until the peer is gone.
    pub(in crate::hub) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        scratch: &mut [u8],
        bounds: MessageBounds,
        discard: bool,
    ) -> Poll<Read> {
        let Self::WebSocket(socket) = self else { return Poll::Pending };
        for _ in 0..READS_PER_POLL {
            if discard && !socket.broken {
                // Closing: nothing the client sends matters any more.
                socket.broken = true;
                socket.read_buf = BytesMut::new();
                socket.partial = None;
            }
            if !socket.broken {
                match socket.decode(bounds) {
                    Ok(Some(message)) => return Poll::Ready(Read::Message(message)),
                    Ok(None) => {}
                    Err((code, reason)) => {
                        // The frame boundaries are lost: forget what came and drop what comes.
                        socket.broken = true;
                        socket.read_buf = BytesMut::new();
                        socket.partial = None;
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
                    Some(session) => match session.open(&mut scratch[..n], &mut socket.read_buf) {
                        Ok(closed) => socket.closed = closed,
                        // Records that do not open: the session is over.
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
    /// The next complete message in the read buffer, its fragments put together within `bounds`.
    fn decode(&mut self, bounds: MessageBounds) -> Result<Option<Message>, Refusal> {
        frames::decode(&mut self.partial, &mut self.read_buf, bounds)
    }
}
