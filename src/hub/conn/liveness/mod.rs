//! Whether a connection is alive, and how it ends: heartbeats, the slow-consumer deadline, the
//! malformed-message count and the close handshake, as one small state machine.

use std::time::Duration;

use tokio::time::Instant;

use crate::hub::{HeartbeatPolicy, Limits};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::hub) enum Phase {
    Open,
    /// The close is announced; the socket is shut once the queued bytes are written.
    Closing {
        since: Instant,
        shut: bool,
    },
    Done,
}

/// What the periodic sweep must do with a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::hub) enum Due {
    Ping,
    HeartbeatTimeout,
    TooSlow,
    Drop,
}

pub(super) struct Liveness {
    phase: Phase,
    /// The client's last frame (WebSocket), or under `ClientSilence` the last SSE comment.
    last_heard: Instant,
    /// The last bytes queued or written to the client, heartbeats included.
    last_sent: Instant,
    /// The first update or snapshot sent since the client's last frame: data it has not shown to
    /// have read (only a WebSocket client can show it, by answering anything).
    unconfirmed_since: Option<Instant>,
    ping_sent: Option<Instant>,
    malformed: u32,
    /// How much earlier than `Limits::receipt_window` this connection asks for proof of reading,
    /// in 256ths of `--ws-receipt-spread-secs` (see `receipt_spread`).
    receipt_spread: u8,
}

/// Golden-ratio multiplier (2^64 / φ): consecutive connection ids get fractions spread evenly
/// over [0, 1) (Fibonacci hashing, Knuth TAOCP vol. 3, 6.4).
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The share (in 256ths) of `--ws-receipt-spread-secs` by which connection `id` asks for proof
/// of reading early: evenly spread over a worker's connections, so that a crowd sent one update
/// together is not asked all at once, along one later update or in one sweep.
pub(super) fn receipt_spread(id: u64) -> u8 {
    (id.wrapping_mul(GOLDEN) >> 56) as u8
}

impl Liveness {
    pub(super) fn new() -> Self {
        let now = Instant::now();
        Self {
            phase: Phase::Open,
            last_heard: now,
            last_sent: now,
            unconfirmed_since: None,
            ping_sent: None,
            malformed: 0,
            receipt_spread: 0,
        }
    }

    /// A new connection's liveness, whose receipt window is its own (`receipt_spread`).
    pub(super) fn for_connection(id: u64) -> Self {
        Self { receipt_spread: receipt_spread(id), ..Self::new() }
    }

    pub(super) fn phase(&self) -> Phase {
        self.phase
    }

    pub(super) fn is_open(&self) -> bool {
        self.phase == Phase::Open
    }

    /// Starts closing; false if it already was.
    pub(super) fn begin_close(&mut self) -> bool {
        if self.phase != Phase::Open {
            return false;
        }
        self.phase = Phase::Closing { since: Instant::now(), shut: false };
        true
    }

    /// Records that the socket's write side is shut; true the first time.
    pub(super) fn mark_shut(&mut self) -> bool {
        match self.phase {
            Phase::Closing { since, shut: false } => {
                self.phase = Phase::Closing { since, shut: true };
                true
            }
            _ => false,
        }
    }

    pub(super) fn end(&mut self) {
        self.phase = Phase::Done;
    }

    /// Any frame from the client proves it is alive, and that it read what came before it.
    pub(super) fn heard(&mut self, now: Instant) {
        self.last_heard = now;
        self.ping_sent = None;
        self.unconfirmed_since = None;
    }

    /// Bytes went to the client: `data` (an update or snapshot) it should read, or bytes whose
    /// reading nobody needs proof of (a pong, an audience count).
    pub(super) fn sent(&mut self, now: Instant, data: bool) {
        self.last_sent = now;
        if data && self.unconfirmed_since.is_none() {
            self.unconfirmed_since = Some(now);
        }
    }

    /// A heartbeat went out; if the client must answer it, the answer is now awaited.
    pub(super) fn pinged(&mut self, now: Instant, awaits_answer: bool) {
        self.last_sent = now;
        if awaits_answer {
            self.ping_sent = Some(now);
        } else {
            self.last_heard = now;
        }
    }

    /// Counts a malformed message; true once more than `max` have come.
    pub(super) fn malformed(&mut self, max: u32) -> bool {
        self.malformed += 1;
        self.malformed > max
    }

    /// Whether the next update should carry a ping (a WebSocket under `Idle` only): data has
    /// waited unconfirmed for `receipt_after`. Asked along an update, a receipt costs the ping's
    /// two bytes, the pong's segment and its acknowledgement; asked on its own at the end of the
    /// receipt window, a segment more each way (112 against 216 wire bytes, measured with Linux
    /// clients by bench/heartbeat-share.sh), so the window opens before it ends.
    pub(super) fn wants_receipt(&self, now: Instant, limits: &Limits) -> bool {
        let Some(since) = self.unconfirmed_since else { return false };
        let (earliest, _) = self.receipt_window(limits);
        limits.heartbeat_policy == HeartbeatPolicy::Idle
            && self.ping_sent.is_none()
            && now >= since + earliest
    }

    /// This connection's receipt window: `Limits::receipt_window`, both ends earlier by its own
    /// share of `--ws-receipt-spread-secs` (at most the window's opening). Subscribers sent the
    /// same update (a goal to everyone) are then asked over that many seconds, along several
    /// updates or alone in several sweeps, never later than without the spread: the
    /// slow-consumer deadline holds as before.
    fn receipt_window(&self, limits: &Limits) -> (Duration, Duration) {
        let (earliest, latest) = limits.receipt_window();
        let early = limits.receipt_spread.min(earliest) * u32::from(self.receipt_spread) / 256;
        (earliest - early, latest - early)
    }

    /// What the sweep must do now: `blocked_since` is the outbox's slow-consumer clock,
    /// `interval` the silence after which this transport sends a heartbeat, and `answers`
    /// whether it has a client that answers pings (a WebSocket).
    pub(super) fn due(
        &self,
        now: Instant,
        limits: &Limits,
        blocked_since: Option<Instant>,
        interval: Duration,
        answers: bool,
    ) -> Option<Due> {
        match self.phase {
            Phase::Done => return None,
            Phase::Closing { since, .. } => {
                return (now >= since + limits.close_grace).then_some(Due::Drop);
            }
            Phase::Open => {}
        }
        if blocked_since.is_some_and(|since| now >= since + limits.slow_consumer_timeout) {
            return Some(Due::TooSlow);
        }
        if limits.heartbeat_policy == HeartbeatPolicy::ClientSilence {
            return match self.ping_sent {
                Some(sent) if now >= sent + limits.heartbeat_timeout => Some(Due::HeartbeatTimeout),
                Some(_) => None,
                None if now >= self.last_heard + interval => Some(Due::Ping),
                None => None,
            };
        }
        let unconfirmed = self.unconfirmed_since.filter(|_| answers);
        if let Some(sent) = self.ping_sent {
            // Asked for a sign of reading and got none: written data left unread. The client
            // always has the heartbeat timeout to answer, however late a busy server asked (a
            // goal to a million subscribers carried its ping 28 s after the data it asks about).
            let asked_long_enough = now >= sent + limits.heartbeat_timeout;
            if asked_long_enough
                && unconfirmed.is_some_and(|since| now >= since + limits.slow_consumer_timeout)
            {
                return Some(Due::TooSlow);
            }
            if unconfirmed.is_none() && now >= sent + limits.heartbeat_timeout {
                return Some(Due::HeartbeatTimeout);
            }
            return None;
        }
        // No update came to carry the receipt: ask on its own at the end of the window, which
        // still leaves the client half the heartbeat timeout to answer before the deadline.
        let (_, latest) = self.receipt_window(limits);
        if unconfirmed.is_some_and(|since| now >= since + latest) {
            return Some(Due::Ping);
        }
        let silent_since = self.last_heard.max(self.last_sent);
        (now >= silent_since + interval).then_some(Due::Ping)
    }

    /// The earliest instant at which `due`, asked with the same arguments, finds something,
    /// unless the state changes before then; `None`: never (the connection is over). The sweep
    /// looks at a connection at that second and not before (`hub/worker/wheel.rs`), so every
    /// change that can bring it closer is followed by a new look at it (`WorkerState::rearm`).
    pub(super) fn next_due(
        &self,
        limits: &Limits,
        blocked_since: Option<Instant>,
        interval: Duration,
        answers: bool,
    ) -> Option<Instant> {
        let after = |at: Instant, wait: Duration| at.checked_add(wait);
        match self.phase {
            Phase::Done => return None,
            Phase::Closing { since, .. } => return after(since, limits.close_grace),
            Phase::Open => {}
        }
        let too_slow = blocked_since.and_then(|since| after(since, limits.slow_consumer_timeout));
        let verdict = if limits.heartbeat_policy == HeartbeatPolicy::ClientSilence {
            match self.ping_sent {
                Some(sent) => after(sent, limits.heartbeat_timeout),
                None => after(self.last_heard, interval),
            }
        } else {
            let unconfirmed = self.unconfirmed_since.filter(|_| answers);
            match (self.ping_sent, unconfirmed) {
                (Some(sent), None) => after(sent, limits.heartbeat_timeout),
                // Too slow once both have passed: asked long enough, and past the deadline.
                (Some(sent), Some(since)) => after(sent, limits.heartbeat_timeout)
                    .zip(after(since, limits.slow_consumer_timeout))
                    .map(|(asked, deadline)| asked.max(deadline)),
                (None, unconfirmed) => {
                    let (_, latest) = self.receipt_window(limits);
                    let alone = unconfirmed.and_then(|since| after(since, latest));
                    let silence = after(self.last_heard.max(self.last_sent), interval);
                    earliest(alone, silence)
                }
            }
        };
        earliest(too_slow, verdict)
    }
}

/// The earlier of two instants, where `None` is never.
fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod sweep_tests;
#[cfg(test)]
mod tests;
