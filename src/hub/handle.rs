//! The handles transports hold: `Worker`, a thread's share of the hub, which takes new
//! connections; and `ConnHandle`, one connection, with what the WebSocket conversation and the SSE
//! body may do to it. Each call borrows the worker's state for that call only, and ends by
//! arming the sweep's wheel for what it changed (`WorkerState::rearm`). Dropping a `ConnHandle`
//! forgets its connection.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::task::{Context, Poll};

use std::sync::Arc;

use actix_http::ws::CloseCode;
use bytes::{Bytes, BytesMut};
use tokio::net::TcpStream;

use super::conn::{Conn, Kind, Phase, Read, Wire};
use super::index::Key;
use super::worker::WorkerState;
use super::{Admission, Hub};
use crate::domain::{MatchId, Seq};
use crate::protocol::{self, Encoded};
use crate::tls::TlsSession;

/// This thread's share of the hub. Start one per HTTP worker thread, on that thread, and hand it
/// to the transports that accept subscribers there.
#[derive(Clone)]
pub struct Worker {
    state: Rc<RefCell<WorkerState>>,
}

impl Worker {
    /// Creates this thread's worker and starts its loops; call on the worker thread.
    pub fn start(hub: Arc<Hub>) -> Self {
        Self { state: WorkerState::start(hub) }
    }

    /// Takes over an upgraded WebSocket (and any bytes already read from it, and its TLS session
    /// when it has one).
    pub fn attach_websocket(
        &self,
        stream: TcpStream,
        tls: Option<TlsSession>,
        read_buf: BytesMut,
        admission: Admission,
    ) -> ConnHandle {
        let mut state = self.state.borrow_mut();
        let settings = &state.hub().settings;
        if settings.send_buffer_bytes > 0 {
            let _ =
                socket2::SockRef::from(&stream).set_send_buffer_size(settings.send_buffer_bytes);
        }
        let wire = Wire::websocket(stream, tls, read_buf);
        let (key, id) = state.attach(wire, admission);
        ConnHandle { state: self.state.clone(), key, id }
    }

    /// Registers an SSE subscriber, whose response body takes its messages; `socket` is its own
    /// handle on the HTTP connection, with which a stuck stream is cut off.
    pub fn attach_sse(&self, admission: Admission, socket: Option<socket2::Socket>) -> ConnHandle {
        let mut state = self.state.borrow_mut();
        let send_buffer = state.hub().settings.send_buffer_bytes;
        if let (Some(socket), true) = (&socket, send_buffer > 0) {
            let _ = socket.set_send_buffer_size(send_buffer);
        }
        let (key, id) = state.attach(Wire::sse(socket), admission);
        ConnHandle { state: self.state.clone(), key, id }
    }
}

pub struct ConnHandle {
    state: Rc<RefCell<WorkerState>>,
    key: Key,
    id: u64,
}

impl ConnHandle {
    /// The next message from a WebSocket client; `Gone` once the connection is over.
    pub fn poll_read(&self, cx: &mut Context<'_>) -> Poll<Read> {
        let mut state = self.state.borrow_mut();
        let bounds = state.hub().settings.limits.message_bounds();
        let Some((conn, scratch)) = state.reader(self.key, self.id) else {
            return Poll::Ready(Read::Gone);
        };
        conn.set_waker(cx);
        let read = conn.poll_read(cx, scratch, bounds);
        if read.is_ready() {
            // Heard from: the wait for an answer is over, and the silence ping may come sooner.
            state.rearm(self.key);
        }
        read
    }

    /// Writes what a WebSocket takes; ready once the connection is over.
    pub fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.state.borrow_mut();
        let snapshots = state.hub().snapshots.clone();
        let Some(conn) = state.conn(self.key, self.id) else { return Poll::Ready(()) };
        conn.set_waker(cx);
        let written = conn.poll_flush(cx, &snapshots);
        let done = conn.phase() == Phase::Done;
        state.wrote(Kind::WebSocket, 0, written as u64);
        state.rearm(self.key);
        if done {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// The next chunk of an SSE response body; `None` once the stream is over.
    pub fn poll_chunk(&self, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        let mut state = self.state.borrow_mut();
        let snapshots = state.hub().snapshots.clone();
        let Some(conn) = state.conn(self.key, self.id) else { return Poll::Ready(None) };
        if conn.phase() == Phase::Done {
            return Poll::Ready(None);
        }
        conn.set_waker(cx);
        let chunk = match conn.pop_output(&snapshots) {
            Some(chunk) => {
                state.wrote(Kind::Sse, 1, chunk.len() as u64);
                Poll::Ready(Some(chunk))
            }
            None if !conn.is_open() => {
                conn.end();
                Poll::Ready(None)
            }
            None => Poll::Pending,
        };
        state.rearm(self.key);
        chunk
    }

    /// Subscribes to more competitions and matches (resuming those in `since`). A `*`
    /// subscriber naming competitions is answered with an error, as for a malformed message.
    pub fn subscribe(
        &self,
        ids: &[MatchId],
        competitions: &[Arc<str>],
        since: &HashMap<MatchId, Seq>,
    ) {
        let refused = {
            let mut state = self.state.borrow_mut();
            let open = |state: &mut WorkerState| {
                state.conn(self.key, self.id).is_some_and(|c| c.is_open())
            };
            if !open(&mut state) {
                return;
            }
            let refused = state.subscribe_competitions(self.key, competitions, since).is_err();
            if !refused && open(&mut state) {
                state.subscribe(self.key, ids, since);
            }
            state.rearm(self.key);
            refused
        };
        if refused {
            self.malformed("a * subscription cannot also follow competitions");
        }
    }

    pub fn unsubscribe(&self, ids: &[MatchId], competitions: &[Arc<str>]) {
        let mut state = self.state.borrow_mut();
        if state.conn(self.key, self.id).is_some() {
            state.unsubscribe_competitions(self.key, competitions);
            state.unsubscribe(self.key, ids);
            state.rearm(self.key);
        }
    }

    /// Queues a message for this client alone.
    pub fn send(&self, message: &Encoded) {
        self.with(|conn| conn.send(message));
    }

    /// Queues bytes already in this transport's framing (a pong).
    pub fn send_bytes(&self, frame: Bytes) {
        self.with(|conn| conn.send_bytes(frame));
    }

    pub fn close(&self, code: CloseCode, reason: &str) {
        self.with(|conn| conn.close(code, reason));
    }

    /// Answers a malformed message with an error, and closes after too many.
    pub fn malformed(&self, why: &str) {
        let max = self.state.borrow().hub().settings.limits.max_malformed;
        self.with(|conn| {
            if conn.malformed(max) {
                conn.close(CloseCode::Policy, &format!("more than {max} malformed messages"));
            } else {
                let detail = format!("not a valid message: {why}");
                conn.send(&protocol::error("bad_message", &detail, None));
            }
        });
    }

    fn with(&self, f: impl FnOnce(&mut Conn)) {
        let mut state = self.state.borrow_mut();
        if let Some(conn) = state.conn(self.key, self.id) {
            f(conn);
            state.rearm(self.key);
        }
    }
}

impl Drop for ConnHandle {
    fn drop(&mut self) {
        if let Ok(mut state) = self.state.try_borrow_mut() {
            state.remove(self.key, self.id);
        }
    }
}
