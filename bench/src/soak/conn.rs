//! One soak connection: connect (with a small receive buffer, so a reader that stops fills it
//! soon), upgrade, then read what is there, frame by frame, answering pings. Reading waits only in
//! `readable`, so a caller may drop that wait for a churn timer without tearing a frame or a pong.

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::ws::{frame, handshake, message, read_buf};

/// Initial read buffer: a scorecast update is ~60 bytes, a snapshot ~200.
const READ_BUF: usize = 512;

/// Why a connection ended, as a short label for the report (`close 1013`, `eof`, `read error`).
pub(super) type End = String;

pub(super) struct Conn {
    stream: TcpStream,
    /// Bytes read and not yet parsed.
    buf: Vec<u8>,
}

impl Conn {
    /// Connects to `addr` and upgrades `GET path` (e.g. `/ws?matches=1,2&since=1:5`).
    pub(super) async fn open(
        addr: SocketAddr,
        host: &str,
        path: &str,
        recv_buffer: usize,
    ) -> Result<Self, End> {
        let socket = match addr {
            SocketAddr::V4(_) => TcpSocket::new_v4(),
            SocketAddr::V6(_) => TcpSocket::new_v6(),
        }
        .map_err(|e| format!("socket: {e}"))?;
        if recv_buffer > 0 {
            socket.set_recv_buffer_size(recv_buffer as u32).map_err(|e| format!("rcvbuf: {e}"))?;
        }
        let mut stream =
            socket.connect(addr).await.map_err(|e| format!("connect: {}", e.kind()))?;
        stream.set_nodelay(true).map_err(|e| format!("nodelay: {e}"))?;
        let key = handshake::new_key();
        let request = handshake::request(host, path, &key);
        stream.write_all(request.as_bytes()).await.map_err(|e| format!("upgrade: {}", e.kind()))?;
        let mut buf = Vec::with_capacity(READ_BUF);
        loop {
            if buf.len() >= handshake::MAX_HEAD_BYTES {
                return Err("upgrade: answer head too large".into());
            }
            match stream.read_buf(&mut buf).await {
                Ok(0) => return Err("upgrade: closed by the server".into()),
                Ok(_) => {}
                Err(e) => return Err(format!("upgrade: {}", e.kind())),
            }
            if let Some(len) = handshake::head_len(&buf) {
                handshake::check_response(&buf[..len], &key)
                    .map_err(|e| format!("upgrade: {e}"))?;
                buf.drain(..len);
                return Ok(Self { stream, buf });
            }
        }
    }

    /// Waits until there is something to read (cancel-safe).
    pub(super) async fn readable(&self) -> Result<(), End> {
        self.stream.readable().await.map_err(|e| format!("read error: {}", e.kind()))
    }

    /// Reads everything the socket holds now and hands each text message to `on_message`;
    /// answers pings. Returns the number of pongs sent, or why the connection ended.
    pub(super) async fn read_available(
        &mut self,
        mut on_message: impl FnMut(&message::Message),
    ) -> Result<u64, End> {
        let mut pongs = 0;
        loop {
            read_buf::make_room(&mut self.buf, READ_BUF);
            let read = match self.stream.try_read_buf(&mut self.buf) {
                Ok(0) => Err("closed without a close frame".to_owned()),
                Ok(_) => Ok(true),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
                Err(e) => Err(format!("read error: {}", e.kind())),
            };
            // Frames already read are handled before an end is reported: a close frame says why.
            pongs += self.handle_frames(&mut on_message).await?;
            if !read? {
                return Ok(pongs);
            }
        }
    }

    async fn handle_frames(
        &mut self,
        on_message: &mut impl FnMut(&message::Message),
    ) -> Result<u64, End> {
        let mut consumed = 0;
        let (mut pongs, mut sent) = (Vec::new(), 0);
        let mut end = None;
        while let Some(parsed) =
            frame::parse(&self.buf[consumed..]).map_err(|e| format!("bad frame: {e}"))?
        {
            let payload = &self.buf[consumed + parsed.payload.start..consumed + parsed.payload.end];
            match parsed.opcode {
                frame::OP_TEXT if parsed.fin => {
                    if let Some(msg) = message::read(payload) {
                        on_message(&msg);
                    }
                }
                frame::OP_PING => {
                    frame::write_masked(&mut pongs, frame::OP_PONG, payload, rand::random());
                    sent += 1;
                }
                frame::OP_PONG => {}
                frame::OP_CLOSE => {
                    let code = frame::close_code(payload).unwrap_or(1005);
                    end = Some(format!("close {code}"));
                }
                op => end = Some(format!("unexpected frame (opcode {op})")),
            }
            consumed += parsed.len;
            if end.is_some() {
                break;
            }
        }
        read_buf::consume(&mut self.buf, consumed, READ_BUF);
        if let Some(end) = end {
            return Err(end);
        }
        if !pongs.is_empty() {
            self.stream.write_all(&pongs).await.map_err(|e| format!("pong: {}", e.kind()))?;
        }
        Ok(sent)
    }

    /// Closes politely: a close frame with 1000, then the socket.
    pub(super) async fn close(mut self) {
        let mut out = Vec::with_capacity(8);
        frame::write_masked(&mut out, frame::OP_CLOSE, &1000u16.to_be_bytes(), rand::random());
        let _ = self.stream.write_all(&out).await;
    }
}
