//! The TCP stream under a TLS session, remembering the incomplete record its last read ended in.
//!
//! rustls processes every complete record as soon as it is read, so when a WebSocket leaves
//! the dispatcher the only received bytes it has not opened are those of one incomplete record.
//! The hub's own session (`session`) takes them from here and goes on from there.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::record;

pub struct Tracked {
    tcp: TcpStream,
    /// The start of a record not yet complete: nothing (no memory) between records.
    partial: Vec<u8>,
    /// The framing broke (a record longer than allowed): rustls refuses it too, so this
    /// connection never reaches a hand-off.
    broken: bool,
}

impl Tracked {
    pub fn new(tcp: TcpStream) -> Self {
        Self { tcp, partial: Vec::new(), broken: false }
    }

    pub fn socket(&self) -> &TcpStream {
        &self.tcp
    }

    /// The socket, and the received bytes of the record not yet complete.
    pub fn into_parts(self) -> io::Result<(TcpStream, Vec<u8>)> {
        if self.broken {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "TLS record framing broke"));
        }
        Ok((self.tcp, self.partial))
    }
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let polled = Pin::new(&mut this.tcp).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            if !this.broken {
                // Only looked at: nothing here writes to the bytes read.
                let read = &mut buf.filled_mut()[before..];
                this.broken = record::each_record(&mut this.partial, read, |_| Ok(false)).is_err();
            }
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
}
