//! The task that serves one connection: it reads and answers client frames, and writes whatever the
//! delivery loop could not write at once. It waits with `poll_read_ready`/`poll_write_ready`, which
//! replace the waker the HTTP dispatcher left on the socket instead of adding one beside it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_codec::Decoder;
use actix_http::ws::{CloseCode, Frame, OpCode, ProtocolError};
use bytes::BytesMut;
use tokio::time::Instant;

use super::conn::{Phase, Transport};
use super::worker::WorkerState;
use crate::domain::MatchId;
use crate::protocol::{self, ClientMessage};

/// Socket reads per wake-up before yielding, so one chatty client cannot starve the others.
const READS_PER_POLL: usize = 16;

pub(super) async fn run(state: Rc<RefCell<WorkerState>>, key: usize) {
    std::future::poll_fn(|cx| state.borrow_mut().poll_session(key, cx)).await;
    state.borrow_mut().remove(key);
}

impl WorkerState {
    fn poll_session(&mut self, key: usize, cx: &mut Context<'_>) -> Poll<()> {
        let conn = &mut self.conns[key];
        if !conn.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            conn.waker = Some(cx.waker().clone());
        }
        self.poll_reads(key, cx);
        self.poll_writes(key, cx);
        if self.conns[key].phase == Phase::Done {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    fn poll_reads(&mut self, key: usize, cx: &mut Context<'_>) {
        for _ in 0..READS_PER_POLL {
            let conn = &mut self.conns[key];
            if conn.phase == Phase::Done {
                return;
            }
            let Transport::WebSocket(io) = &mut conn.transport else { return };
            match io.stream.poll_read_ready(cx) {
                Poll::Pending => return,
                Poll::Ready(Err(_)) => {
                    conn.phase = Phase::Done;
                    return;
                }
                Poll::Ready(Ok(())) => {}
            }
            match io.stream.try_read(&mut self.scratch) {
                Ok(0) => {
                    conn.phase = Phase::Done;
                    return;
                }
                Ok(n) => {
                    if conn.phase != Phase::Open {
                        continue; // closing: discard until the client closes too
                    }
                    io.read_buf.extend_from_slice(&self.scratch[..n]);
                    conn.heard(Instant::now());
                    self.decode(key);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => {
                    conn.phase = Phase::Done;
                    return;
                }
            }
        }
        cx.waker().wake_by_ref();
    }

    fn poll_writes(&mut self, key: usize, cx: &mut Context<'_>) {
        loop {
            let conn = &mut self.conns[key];
            let Transport::WebSocket(io) = &conn.transport else { return };
            if !conn.has_output() {
                if let Phase::Closing { since, shut: false } = conn.phase {
                    // The close frame is out: send FIN, then wait for the client's own close.
                    let _ = socket2::SockRef::from(&io.stream).shutdown(std::net::Shutdown::Write);
                    conn.phase = Phase::Closing { since, shut: true };
                }
                return;
            }
            match io.stream.poll_write_ready(cx) {
                Poll::Pending => return,
                Poll::Ready(Err(_)) => {
                    conn.phase = Phase::Done;
                    return;
                }
                Poll::Ready(Ok(())) => {}
            }
            match conn.flush(&self.hub.snapshots) {
                Ok((written, _)) => self.written.ws.1 += written as u64,
                Err(_) => {
                    self.conns[key].phase = Phase::Done;
                    return;
                }
            }
        }
    }

    /// Decodes and handles every complete frame in the connection's read buffer.
    fn decode(&mut self, key: usize) {
        loop {
            let conn = &mut self.conns[key];
            let Transport::WebSocket(io) = &mut conn.transport else { return };
            if conn.phase != Phase::Open {
                return;
            }
            match io.codec.decode(&mut io.read_buf) {
                Ok(Some(frame)) => self.handle(key, frame),
                Ok(None) => break,
                Err(err) => {
                    let (code, reason) =
                        protocol_error(&err, self.hub.settings.limits.max_frame_bytes);
                    self.conns[key].close(code, &reason);
                    return;
                }
            }
        }
        if let Transport::WebSocket(io) = &mut self.conns[key].transport {
            if io.read_buf.is_empty() {
                // Idle connections hold no read memory.
                io.read_buf = BytesMut::new();
            }
        }
    }

    fn handle(&mut self, key: usize, frame: Frame) {
        let conn = &mut self.conns[key];
        match frame {
            Frame::Text(text) => self.handle_text(key, &text),
            Frame::Binary(_) => conn
                .close(CloseCode::Unsupported, "binary frames are not supported; send JSON text"),
            Frame::Continuation(_) => {
                conn.close(CloseCode::Unsupported, "fragmented messages are not supported")
            }
            Frame::Ping(payload) => {
                conn.send_bytes(protocol::control_frame(OpCode::Pong, &payload))
            }
            Frame::Pong(_) => {}
            Frame::Close(reason) => {
                let code = reason.map_or(CloseCode::Normal, |r| r.code);
                conn.close(code, "");
            }
        }
    }

    fn handle_text(&mut self, key: usize, text: &[u8]) {
        let Ok(text) = std::str::from_utf8(text) else {
            self.conns[key].close(CloseCode::Invalid, "text frame is not valid UTF-8");
            return;
        };
        match serde_json::from_str::<ClientMessage>(text) {
            Ok(ClientMessage::Subscribe { matches, since }) => {
                let since: Option<HashMap<MatchId, i64>> = since
                    .into_iter()
                    .map(|(id, seq)| Some((id.parse().ok()?, seq)).filter(|_| seq >= 0))
                    .collect();
                match since {
                    Some(since) => self.subscribe(key, &matches, &since),
                    None => self.malformed(key, "since: keys must be match ids, values 0 or more"),
                }
            }
            Ok(ClientMessage::Unsubscribe { matches }) => self.unsubscribe(key, &matches),
            Err(e) => self.malformed(key, &e.to_string()),
        }
    }

    /// Answers a malformed message with an error, and closes after too many.
    fn malformed(&mut self, key: usize, why: &str) {
        let max = self.hub.settings.limits.max_malformed;
        let conn = &mut self.conns[key];
        conn.malformed += 1;
        if conn.malformed > max {
            conn.close(CloseCode::Policy, &format!("more than {max} malformed messages"));
        } else {
            conn.send(&protocol::error(
                "bad_message",
                &format!("not a valid message: {why}"),
                None,
            ));
        }
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
