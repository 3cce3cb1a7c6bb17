//! The bound on request heads (`--max-header-bytes`), enforced while a head is read.
//!
//! actix-http has no setting for it: its decoder buffers up to a hard-coded 128 KiB of an
//! unfinished head before it refuses one. [`HeadLimit`] sits between the accepted socket and
//! actix's HTTP/1 dispatcher, follows the request framing in the bytes the dispatcher reads
//! (`framing`), and when a head grows past the limit it gives the dispatcher no more of it. The
//! dispatcher then finishes the requests before it, as on any end of input, and shuts the
//! connection down; at that shutdown the wrapper writes `431` with a problem body, closes its
//! sending side, and reads (and drops) a bounded amount of what the client still sends, so that
//! the close does not reset the connection before the client has read the answer. The refusal
//! is logged and counted as any answered request is (`routes::refused`).
//!
//! The wrapper holds no bytes of its own: every byte it reads goes to the dispatcher's buffer,
//! so [`HeadLimit::into_inner`] hands the socket to the WebSocket hub as it is.

mod framing;

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use actix_web::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use crate::metrics::Metrics;
use crate::routes::{self, REQUEST_ID};
use framing::{Event, Framing};

/// How long the refusal waits for the client to stop sending, after the answer: long enough for
/// a client to read a small answer, short enough that a slow sender does not hold the slot.
const LINGER: Duration = Duration::from_secs(1);
/// Most bytes read and dropped after the answer: past a few hundred KiB the client is not
/// reading; a reset is what it gets.
const LINGER_BYTES: usize = 512 * 1024;
/// Room on the stack for the bytes read and dropped.
const DRAIN_CHUNK: usize = 2048;

/// A connection whose request heads may each have up to `limit` bytes. Generic over the stream,
/// so that it wraps a plain socket or a TLS session alike.
pub struct HeadLimit<S> {
    inner: S,
    framing: Framing,
    limit: usize,
    refusal: Refusal,
    /// When the head passed the limit: the refusal's duration in the log and metrics runs from it.
    refused_at: Option<Instant>,
    metrics: Arc<Metrics>,
}

/// How far the refusal of an oversized head has come.
#[derive(Debug)]
enum Refusal {
    None,
    /// The dispatcher has every byte before the limit, maybe not decoded yet.
    Passed,
    /// The dispatcher was told to wait one turn, in which it decodes what it has.
    Decoding,
    /// The dispatcher decoded what it had without refusing it and asked for more: it was told the
    /// input ended, and the answer is this side's to give at shutdown.
    Owed,
    /// Writing the answer; `written` bytes of it are out.
    Answering {
        answer: Vec<u8>,
        written: usize,
    },
    /// The answer is out and the sending side closed; dropping what the client still sends.
    Lingering {
        until: Pin<Box<Sleep>>,
        drained: usize,
    },
    Done,
}

impl<S: std::fmt::Debug> std::fmt::Debug for HeadLimit<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeadLimit")
            .field("inner", &self.inner)
            .field("framing", &self.framing)
            .field("limit", &self.limit)
            .field("refusal", &self.refusal)
            .finish_non_exhaustive()
    }
}

impl<S> HeadLimit<S> {
    /// `metrics` counts the refusal, as the App counts the requests it answers.
    pub fn new(inner: S, limit: usize, metrics: Arc<Metrics>) -> Self {
        Self {
            inner,
            framing: Framing::new(limit),
            limit,
            refusal: Refusal::None,
            refused_at: None,
            metrics,
        }
    }

    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The stream, for the WebSocket hand-off: nothing read from it is kept here.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: std::os::fd::AsRawFd> std::os::fd::AsRawFd for HeadLimit<S> {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.inner.as_raw_fd()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for HeadLimit<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match this.refusal {
            Refusal::None => {}
            Refusal::Passed => {
                // Asked again before decoding what it has: wait one turn, so that a head it
                // refuses by itself (a 400) is not answered twice.
                this.refusal = Refusal::Decoding;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            Refusal::Decoding => {
                // Decoded, not refused, and still asking: the input ends here.
                this.refusal = Refusal::Owed;
                return Poll::Ready(Ok(()));
            }
            _ => return Poll::Ready(Ok(())),
        }
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        let mut offset = before;
        while offset < buf.filled().len() {
            let (n, event) = this.framing.advance(&buf.filled()[offset..]);
            offset += n;
            if event == Some(Event::Overflow) {
                // Everything before the byte past the limit goes on; the rest is never looked at.
                buf.set_filled(offset - 1);
                tracing::debug!(
                    limit = this.limit,
                    "request head over --max-header-bytes; answering 431"
                );
                this.refusal = Refusal::Passed;
                this.refused_at = Some(Instant::now());
                if offset - 1 == before {
                    // Nothing new to hand over, and an empty read would mean the end of input.
                    this.refusal = Refusal::Decoding;
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                break;
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for HeadLimit<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    /// The dispatcher has written every answer before the oversized head: the 431 goes last.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            match &mut this.refusal {
                Refusal::None | Refusal::Passed | Refusal::Decoding | Refusal::Done => {
                    return Pin::new(&mut this.inner).poll_shutdown(cx);
                }
                Refusal::Owed => {
                    let request_id = routes::new_request_id();
                    let (answer, body_bytes) = refusal(this.limit, &request_id);
                    let elapsed = this.refused_at.map(|at| at.elapsed()).unwrap_or_default();
                    routes::refused(
                        &this.metrics,
                        this.framing.refused_method(),
                        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                        elapsed,
                        body_bytes,
                        &request_id,
                    );
                    this.refusal = Refusal::Answering { answer, written: 0 };
                }
                Refusal::Answering { answer, written } => {
                    while *written < answer.len() {
                        let n =
                            ready!(Pin::new(&mut this.inner).poll_write(cx, &answer[*written..]))?;
                        if n == 0 {
                            return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                        }
                        *written += n;
                    }
                    ready!(Pin::new(&mut this.inner).poll_flush(cx))?;
                    ready!(Pin::new(&mut this.inner).poll_shutdown(cx))?;
                    let until = Box::pin(tokio::time::sleep(LINGER));
                    this.refusal = Refusal::Lingering { until, drained: 0 };
                }
                Refusal::Lingering { until, drained } => {
                    let mut chunk = [0u8; DRAIN_CHUNK];
                    loop {
                        if *drained >= LINGER_BYTES || until.as_mut().poll(cx).is_ready() {
                            break;
                        }
                        let mut read = ReadBuf::new(&mut chunk);
                        match Pin::new(&mut this.inner).poll_read(cx, &mut read) {
                            Poll::Ready(Ok(())) if !read.filled().is_empty() => {
                                *drained += read.filled().len();
                            }
                            // The client read the answer and closed, or is gone.
                            Poll::Ready(_) => break,
                            Poll::Pending => return Poll::Pending,
                        }
                    }
                    this.refusal = Refusal::Done;
                    return Poll::Ready(Ok(()));
                }
            }
        }
    }
}

/// The answer to an oversized head: `431` with a problem body, closing the connection; and the
/// length of its body.
fn refusal(limit: usize, request_id: &str) -> (Vec<u8>, u64) {
    let status = StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE;
    let body = crate::problem::problem_json(
        status,
        &format!(
            "the request head (request line and headers) is larger than the limit of {limit} bytes"
        ),
    );
    let reason = status.canonical_reason().unwrap_or("Request Header Fields Too Large");
    let answer = format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: application/problem+json\r\n\
         content-length: {}\r\n{}: {request_id}\r\nconnection: close\r\n\r\n{body}",
        status.as_u16(),
        body.len(),
        REQUEST_ID.as_str(),
    );
    (answer.into_bytes(), body.len() as u64)
}

#[cfg(test)]
mod tests;
