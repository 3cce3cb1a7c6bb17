//! Reading a WebSocket client: its socket (through TLS when there is a session) into the read
//! buffer, and the buffer into frames within the size limit; SSE clients send nothing.

use std::io;
use std::task::{Context, Poll};

use actix_codec::Decoder;
use actix_http::ws::{CloseCode, Codec, Frame, ProtocolError};
use bytes::BytesMut;

use super::{Socket, Wire};

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
    use actix_http::ws::OpCode;
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
