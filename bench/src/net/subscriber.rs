//! One WebSocket subscriber on its own socket: upgrade, then hand out each text message's match
//! and sequence number, answering pings on the way. Unlike the fan-out clients (which are built to
//! be many and small), it exposes its socket's counters and the bytes it moved.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::tcp_info::TcpCounters;
use crate::ws::{frame, handshake, message};

/// A text message from the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Update {
    /// `m`, the match (absent from some messages, e.g. errors).
    pub match_id: Option<i64>,
    /// `s` and whether `k` is `snapshot`.
    pub message: Option<message::Message>,
    /// An audience message (`"k":"watching"`): no update, though it carries `m` and `s`.
    pub audience: bool,
    /// The count an audience message tells (`"w"`).
    pub watching: Option<u64>,
    /// Payload bytes, and the whole frame with its header.
    pub payload_bytes: usize,
    pub frame_bytes: usize,
}

pub struct Subscriber {
    stream: TcpStream,
    buf: Vec<u8>,
    filled: usize,
    /// Application bytes written (upgrade request, pongs) and read (upgrade answer, frames).
    pub app_sent: u64,
    pub app_received: u64,
    /// Bytes of the frames read that were not text (pings, and any other control frame).
    pub control_received: u64,
    pub pings: u64,
}

impl Subscriber {
    /// Connects to `addr` and upgrades `GET path` (e.g. `/ws?matches=1`).
    pub async fn connect(addr: SocketAddr, path: &str) -> io::Result<Self> {
        Self::connect_from(addr, None, path).await
    }

    /// `connect`, from the `source` address when given.
    pub async fn connect_from(
        addr: SocketAddr,
        source: Option<IpAddr>,
        path: &str,
    ) -> io::Result<Self> {
        let stream = super::connect_from(addr, source).await?;
        stream.set_nodelay(true)?;
        let mut s = Self {
            stream,
            buf: vec![0; 4096],
            filled: 0,
            app_sent: 0,
            app_received: 0,
            control_received: 0,
            pings: 0,
        };
        let key = handshake::new_key();
        let request = handshake::request(&addr.to_string(), path, &key);
        s.stream.write_all(request.as_bytes()).await?;
        s.app_sent += request.len() as u64;
        let head_len = loop {
            if let Some(n) = handshake::head_len(&s.buf[..s.filled]) {
                break n;
            }
            if s.filled >= handshake::MAX_HEAD_BYTES {
                return Err(invalid("upgrade answer too long"));
            }
            s.fill().await?;
        };
        handshake::check_response(&s.buf[..head_len], &key)
            .map_err(|e| invalid(&format!("upgrade refused: {e}")))?;
        s.consume(head_len);
        Ok(s)
    }

    /// Bytes read from the socket and not yet handed out as a frame.
    pub fn buffered(&self) -> usize {
        self.filled
    }

    pub fn counters(&self) -> io::Result<TcpCounters> {
        TcpCounters::of(self.stream.as_raw_fd())
    }

    /// The next text message; answers pings meanwhile. Ends with an error when the server closes.
    pub async fn next(&mut self) -> io::Result<Update> {
        loop {
            let parsed =
                frame::parse(&self.buf[..self.filled]).map_err(|e| invalid(&e.to_string()))?;
            let Some(parsed) = parsed else {
                self.fill().await?;
                continue;
            };
            let payload = &self.buf[parsed.payload.clone()];
            match parsed.opcode {
                frame::OP_TEXT => {
                    let update = Update {
                        match_id: match_id(payload),
                        message: message::read(payload),
                        audience: message::is_audience(payload),
                        watching: message::watching(payload),
                        payload_bytes: payload.len(),
                        frame_bytes: parsed.len,
                    };
                    self.consume(parsed.len);
                    return Ok(update);
                }
                frame::OP_PING => {
                    self.control_received += parsed.len as u64;
                    let mut pong = Vec::with_capacity(payload.len() + 6);
                    frame::write_masked(&mut pong, frame::OP_PONG, payload, rand::random());
                    self.consume(parsed.len);
                    self.stream.write_all(&pong).await?;
                    self.app_sent += pong.len() as u64;
                    self.pings += 1;
                }
                frame::OP_CLOSE => {
                    return Err(io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        "closed by the server",
                    ))
                }
                _ => {
                    self.control_received += parsed.len as u64;
                    self.consume(parsed.len);
                }
            }
        }
    }

    async fn fill(&mut self) -> io::Result<()> {
        if self.filled == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        match self.stream.read(&mut self.buf[self.filled..]).await? {
            0 => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the socket")),
            n => {
                self.filled += n;
                self.app_received += n as u64;
                Ok(())
            }
        }
    }

    fn consume(&mut self, n: usize) {
        self.buf.copy_within(n..self.filled, 0);
        self.filled -= n;
    }
}

/// `"m":<integer>` of a compact JSON message.
fn match_id(payload: &[u8]) -> Option<i64> {
    let at = payload.windows(4).position(|w| w == b"\"m\":")? + 4;
    let digits = payload[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&payload[at..at + digits]).ok()?.parse().ok()
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_match_is_read_from_an_update() {
        assert_eq!(super::match_id(br#"{"m":42,"s":17,"k":"goal"}"#), Some(42));
        assert_eq!(super::match_id(br#"{"k":"error"}"#), None);
    }
}
