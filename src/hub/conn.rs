//! One subscriber connection's state on its worker (WebSocket or SSE): what it is subscribed to, what is waiting to be
//! written, and when it last showed signs of life. Small on purpose: an idle connection owns no
//! buffer and no timer.

use std::collections::VecDeque;
use std::io;
use std::task::Waker;
use std::time::Duration;

use actix_http::ws::{CloseCode, Codec, OpCode};
use bytes::{Bytes, BytesMut};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::Permit;
use crate::domain::MatchId;
use crate::protocol::{self, Encoded};
use crate::snapshots::Snapshots;

/// Per-connection bounds and timings.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest frame a client may send; larger ones close the connection with 1009.
    pub max_frame_bytes: usize,
    /// Most matches one connection may subscribe to (a `*` subscription is not counted).
    pub max_subscriptions: usize,
    /// Unwritten bytes kept for a client that reads slowly; beyond that, updates are conflated.
    pub max_pending_bytes: usize,
    /// Silence after which the server pings.
    pub heartbeat_interval: Duration,
    /// Time a client has to answer a ping before it is dropped.
    pub heartbeat_timeout: Duration,
    /// Time a client may leave written data unread before it is closed with 1013.
    pub slow_consumer_timeout: Duration,
    /// Malformed messages tolerated (each answered with an error) before closing with 1008.
    pub max_malformed: u32,
    /// Time given to a closing client to acknowledge the close frame.
    pub close_grace: Duration,
    /// Interval of the comment lines an SSE stream gets, so proxies keep it open.
    pub sse_heartbeat: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Open,
    /// A close frame is queued; the socket is shut once it is written.
    Closing {
        since: Instant,
        shut: bool,
    },
    Done,
}

/// What the periodic sweep must do with a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Due {
    Ping,
    HeartbeatTimeout,
    TooSlow,
    Drop,
}

/// What became of one update offered to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Offer {
    /// Not for this connection (not subscribed, or already covered by a snapshot it was sent).
    Skipped,
    /// Written to the socket now; the number of bytes.
    Written(usize),
    /// Queued behind earlier data.
    Queued,
    /// The client is too far behind: it will get the match's latest snapshot instead.
    Conflated,
}

/// How a connection's bytes travel.
pub(super) enum Transport {
    /// A WebSocket handed out of the HTTP dispatcher: written and read here.
    WebSocket(WsIo),
    /// A Server-Sent Events response: the response body takes the queued bytes as actix writes.
    Sse,
}

pub(super) struct WsIo {
    pub stream: TcpStream,
    pub codec: Codec,
    /// Bytes received but not yet decoded; empty (unallocated) while idle.
    pub read_buf: BytesMut,
}

/// A resume in progress: live updates of the match wait here until the missed ones are replayed.
struct Replay {
    match_id: MatchId,
    buffered: Vec<(i64, Encoded)>,
    overflowed: bool,
}

/// Live updates held for one match while its replay runs; beyond this the resume is not recovered.
const REPLAY_BUFFER: usize = 1024;

pub(super) struct Conn {
    /// Unique on its worker, unlike the slab key, which is reused.
    pub id: u64,
    pub transport: Transport,
    out: VecDeque<Bytes>,
    out_bytes: usize,
    /// Matches whose updates were skipped; each gets its latest snapshot once the output drains.
    stale: Vec<MatchId>,
    /// Subscribed matches with the last sequence number this client has.
    pub subs: Vec<(MatchId, i64)>,
    replays: Vec<Replay>,
    pub wildcard: bool,
    pub waker: Option<Waker>,
    pub last_heard: Instant,
    pub ping_sent: Option<Instant>,
    blocked_since: Option<Instant>,
    pub malformed: u32,
    pub phase: Phase,
    _permit: Permit,
}

impl Conn {
    pub fn websocket(
        id: u64,
        stream: TcpStream,
        read_buf: BytesMut,
        max_frame: usize,
        permit: Permit,
    ) -> Self {
        let io = WsIo { stream, codec: Codec::new().max_size(max_frame), read_buf };
        Self::new(id, Transport::WebSocket(io), permit)
    }

    pub fn sse(id: u64, permit: Permit) -> Self {
        Self::new(id, Transport::Sse, permit)
    }

    fn new(id: u64, transport: Transport, permit: Permit) -> Self {
        Self {
            id,
            transport,
            out: VecDeque::new(),
            out_bytes: 0,
            stale: Vec::new(),
            subs: Vec::new(),
            replays: Vec::new(),
            wildcard: false,
            waker: None,
            last_heard: Instant::now(),
            ping_sent: None,
            blocked_since: None,
            malformed: 0,
            phase: Phase::Open,
            _permit: permit,
        }
    }

    pub fn is_sse(&self) -> bool {
        matches!(self.transport, Transport::Sse)
    }

    /// This transport's bytes of a message.
    fn pick<'a>(&self, message: &'a Encoded) -> &'a Bytes {
        match self.transport {
            Transport::WebSocket(_) => &message.ws,
            Transport::Sse => &message.sse,
        }
    }

    /// Offers an update of `match_id` numbered `seq`. Writes it at once when nothing is waiting;
    /// queues it behind waiting data within `max_pending` bytes; beyond that, marks the match stale.
    pub fn offer(
        &mut self,
        match_id: MatchId,
        seq: i64,
        message: &Encoded,
        max_pending: usize,
    ) -> Offer {
        if self.phase != Phase::Open {
            return Offer::Skipped;
        }
        match self.subs.iter_mut().find(|(m, _)| *m == match_id) {
            Some((_, last)) if seq <= *last => return Offer::Skipped,
            Some((_, last)) => {
                if let Some(replay) = self.replays.iter_mut().find(|r| r.match_id == match_id) {
                    if replay.buffered.len() < REPLAY_BUFFER {
                        replay.buffered.push((seq, message.clone()));
                    } else {
                        replay.overflowed = true;
                    }
                    return Offer::Queued;
                }
                *last = seq;
            }
            // A `*` client meets a match for the first time: it needs the whole state, not a delta.
            None if self.wildcard => {
                self.subs.push((match_id, 0));
                self.mark_stale(match_id);
                return Offer::Conflated;
            }
            None => return Offer::Skipped,
        }
        // Borrowed, not cloned: the shared frame's reference count is touched only when queued, so
        // worker threads do not contend on it for every socket.
        let frame = self.pick(message);
        if !self.stale.is_empty() || self.out_bytes + frame.len() > max_pending {
            self.mark_stale(match_id);
            return Offer::Conflated;
        }
        let Transport::WebSocket(io) = &self.transport else {
            self.push(frame.clone());
            return Offer::Queued;
        };
        if !self.out.is_empty() {
            self.push(frame.clone());
            return Offer::Queued;
        }
        match io.stream.try_write(frame) {
            Ok(n) if n == frame.len() => Offer::Written(n),
            Ok(n) => {
                self.push(frame.slice(n..));
                Offer::Written(n)
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.push(frame.clone());
                Offer::Queued
            }
            Err(_) => {
                self.phase = Phase::Done;
                self.wake();
                Offer::Skipped
            }
        }
    }

    /// Queues a message for this client alone (snapshot on subscribe, replayed update, error).
    pub fn send(&mut self, message: &Encoded) {
        let frame = self.pick(message).clone();
        self.send_bytes(frame);
    }

    /// Queues bytes already in this transport's framing (pong, SSE comment).
    pub fn send_bytes(&mut self, frame: Bytes) {
        if self.phase == Phase::Open {
            self.push(frame);
        }
    }

    fn push(&mut self, frame: Bytes) {
        if self.out.is_empty() && self.blocked_since.is_none() {
            self.blocked_since = Some(Instant::now());
        }
        self.out_bytes += frame.len();
        self.out.push_back(frame);
        self.wake();
    }

    fn mark_stale(&mut self, match_id: MatchId) {
        if !self.stale.contains(&match_id) {
            self.stale.push(match_id);
        }
        self.blocked_since.get_or_insert_with(Instant::now);
        self.wake();
    }

    /// Marks `match_id` for a fresh snapshot if this client's copy is older than `seq`.
    pub fn resync(&mut self, match_id: MatchId, seq: i64) {
        if self.subs.iter().any(|(m, last)| *m == match_id && *last < seq) {
            self.mark_stale(match_id);
        }
    }

    /// Starts resuming `match_id` from `since`: its live updates wait until `finish_replay`.
    pub fn start_replay(&mut self, match_id: MatchId, since: i64) {
        self.subs.push((match_id, since));
        self.replays.push(Replay { match_id, buffered: Vec::new(), overflowed: false });
    }

    /// Ends a resume: the missed updates (or, if they could not be had, a snapshot marked as not
    /// recovered), then the live updates that arrived meanwhile. Returns (recovered, replayed).
    pub fn finish_replay(
        &mut self,
        match_id: MatchId,
        missed: Option<&[(i64, Encoded)]>,
        snapshots: &Snapshots,
    ) -> Option<(bool, usize)> {
        let position = self.replays.iter().position(|r| r.match_id == match_id)?;
        let replay = self.replays.swap_remove(position);
        let mut last = self.subs.iter().find(|(m, _)| *m == match_id)?.1;
        let outcome = match missed.filter(|_| !replay.overflowed) {
            Some(events) => {
                let missed: Vec<&(i64, Encoded)> =
                    events.iter().filter(|(s, _)| *s > last).collect();
                self.send(&protocol::resumed(match_id, last, missed.len()));
                for (seq, message) in &missed {
                    self.send(message);
                    last = *seq;
                }
                (true, missed.len())
            }
            None => {
                let snapshot = snapshots.get(match_id)?;
                self.send(&protocol::snapshot(&snapshot.meta, &snapshot.live, Some(false)));
                last = snapshot.live.seq;
                (false, 0)
            }
        };
        for (seq, message) in &replay.buffered {
            if *seq > last {
                self.send(message);
                last = *seq;
            }
        }
        if let Some((_, sub)) = self.subs.iter_mut().find(|(m, _)| *m == match_id) {
            *sub = last;
        }
        Some(outcome)
    }

    pub fn has_output(&self) -> bool {
        !self.out.is_empty() || !self.stale.is_empty()
    }

    /// The next bytes to write: queued data first, then the snapshots of stale matches. Returns
    /// `None`, and gives back the queue's memory, when there is nothing left.
    pub fn pop_output(&mut self, snapshots: &Snapshots) -> Option<Bytes> {
        loop {
            if let Some(front) = self.out.pop_front() {
                self.out_bytes -= front.len();
                return Some(front);
            }
            if self.stale.is_empty() {
                self.blocked_since = None;
                // An idle connection should own nothing.
                self.out = VecDeque::new();
                self.stale = Vec::new();
                return None;
            }
            let match_id = self.stale.remove(0);
            if let Some(snapshot) = snapshots.get(match_id) {
                if let Some((_, last)) = self.subs.iter_mut().find(|(m, _)| *m == match_id) {
                    *last = (*last).max(snapshot.live.seq);
                }
                let frame = self.pick(&snapshot.encoded).clone();
                self.out_bytes += frame.len();
                self.out.push_back(frame);
            }
        }
    }

    /// Writes what a WebSocket takes. Returns the bytes written and whether everything went out.
    pub fn flush(&mut self, snapshots: &Snapshots) -> io::Result<(usize, bool)> {
        let mut written = 0;
        while let Some(next) = self.pop_output(snapshots) {
            let Transport::WebSocket(io) = &self.transport else { return Ok((written, false)) };
            match io.stream.try_write(&next) {
                Ok(n) => {
                    written += n;
                    if n < next.len() {
                        self.unpop(next.slice(n..));
                        return Ok((written, false));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.unpop(next);
                    return Ok((written, false));
                }
                Err(e) => return Err(e),
            }
        }
        Ok((written, true))
    }

    fn unpop(&mut self, rest: Bytes) {
        self.out_bytes += rest.len();
        self.out.push_front(rest);
        self.blocked_since.get_or_insert_with(Instant::now);
    }

    /// Starts closing: a WebSocket gets a close frame and its socket is shut once that is written;
    /// an SSE stream ends once its queued bytes are taken.
    pub fn close(&mut self, code: CloseCode, reason: &str) {
        if self.phase != Phase::Open {
            return;
        }
        self.stale.clear();
        if !self.is_sse() {
            self.push(protocol::close_frame(code, reason));
        }
        self.phase = Phase::Closing { since: Instant::now(), shut: false };
        self.wake();
    }

    /// A WebSocket ping (answered by a pong) or an SSE comment (answered by nothing).
    pub fn ping(&mut self, now: Instant) {
        if self.is_sse() {
            self.last_heard = now;
            self.send_bytes(protocol::sse_comment("keep-alive"));
        } else {
            self.ping_sent = Some(now);
            self.send_bytes(protocol::control_frame(OpCode::Ping, b""));
        }
    }

    /// Any frame from the client proves it is alive.
    pub fn heard(&mut self, now: Instant) {
        self.last_heard = now;
        self.ping_sent = None;
    }

    /// What the periodic sweep must do now, if anything.
    pub fn due(&self, now: Instant, limits: &Limits) -> Option<Due> {
        match self.phase {
            Phase::Done => return None,
            Phase::Closing { since, .. } => {
                return (now >= since + limits.close_grace).then_some(Due::Drop);
            }
            Phase::Open => {}
        }
        if self.blocked_since.is_some_and(|since| now >= since + limits.slow_consumer_timeout) {
            return Some(Due::TooSlow);
        }
        let interval = if self.is_sse() { limits.sse_heartbeat } else { limits.heartbeat_interval };
        match self.ping_sent {
            Some(sent) if now >= sent + limits.heartbeat_timeout => Some(Due::HeartbeatTimeout),
            Some(_) => None,
            None if now >= self.last_heard + interval => Some(Due::Ping),
            None => None,
        }
    }

    pub fn wake(&self) {
        if let Some(waker) = &self.waker {
            waker.wake_by_ref();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_frame_bytes: 4096,
            max_subscriptions: 200,
            max_pending_bytes: 64,
            heartbeat_interval: Duration::from_secs(20),
            heartbeat_timeout: Duration::from_secs(10),
            slow_consumer_timeout: Duration::from_secs(30),
            max_malformed: 3,
            close_grace: Duration::from_secs(1),
            sse_heartbeat: Duration::from_secs(15),
        }
    }

    fn message(payload: &'static [u8]) -> Encoded {
        Encoded { ws: Bytes::from_static(payload), sse: Bytes::from_static(payload) }
    }

    async fn conn() -> (Conn, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let permit = Permit::detached();
        (Conn::websocket(1, server, BytesMut::new(), 4096, permit), client)
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_client_is_pinged_then_dropped() {
        let (mut conn, _client) = conn().await;
        let start = Instant::now();
        let l = limits();
        assert_eq!(conn.due(start + Duration::from_secs(19), &l), None);
        assert_eq!(conn.due(start + Duration::from_secs(20), &l), Some(Due::Ping));
        conn.ping(start + Duration::from_secs(20));
        assert_eq!(conn.flush(&Snapshots::default()).unwrap(), (2, true), "the ping is written");
        assert_eq!(conn.due(start + Duration::from_secs(29), &l), None);
        assert_eq!(conn.due(start + Duration::from_secs(30), &l), Some(Due::HeartbeatTimeout));
        conn.heard(start + Duration::from_secs(25));
        assert_eq!(conn.due(start + Duration::from_secs(30), &l), None, "a pong resets the clock");
    }

    #[tokio::test(start_paused = true)]
    async fn updates_already_covered_are_skipped_and_a_backlog_conflates() {
        let (mut conn, _client) = conn().await;
        conn.subs.push((7, 3));
        let frame = message(b"0123456789012345678901234567890123456789");
        assert_eq!(conn.offer(7, 3, &frame, 64), Offer::Skipped, "the client already has seq 3");
        assert_eq!(conn.offer(8, 9, &frame, 64), Offer::Skipped, "not subscribed");
        assert_eq!(conn.offer(7, 4, &frame, 64), Offer::Written(40));
        conn.push(frame.ws.clone()); // pretend the socket is full: something is waiting
        assert_eq!(conn.offer(7, 5, &frame, 64), Offer::Conflated, "40 + 40 bytes exceed 64");
        assert_eq!(conn.offer(7, 6, &frame, 64), Offer::Conflated);
        assert_eq!(
            conn.stale,
            vec![7],
            "one snapshot per match, however many updates were skipped"
        );
        let start = Instant::now();
        assert_eq!(conn.due(start + Duration::from_secs(30), &limits()), Some(Due::TooSlow));
    }

    #[tokio::test(start_paused = true)]
    async fn a_closing_connection_is_dropped_after_the_grace_period() {
        let (mut conn, _client) = conn().await;
        conn.close(CloseCode::Away, "bye");
        let start = Instant::now();
        assert_eq!(conn.due(start, &limits()), None);
        assert_eq!(conn.due(start + Duration::from_secs(1), &limits()), Some(Due::Drop));
        assert_eq!(conn.offer(1, 1, &message(b"x"), 64), Offer::Skipped);
    }
}
