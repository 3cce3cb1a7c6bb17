//! Whether a connection is alive, and how it ends: heartbeats, the slow-consumer deadline, the
//! malformed-message count and the close handshake, as one small state machine.

use std::time::Duration;

use tokio::time::Instant;

use crate::hub::Limits;

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
    last_heard: Instant,
    ping_sent: Option<Instant>,
    malformed: u32,
}

impl Liveness {
    pub(super) fn new() -> Self {
        Self { phase: Phase::Open, last_heard: Instant::now(), ping_sent: None, malformed: 0 }
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

    /// Any frame from the client proves it is alive.
    pub(super) fn heard(&mut self, now: Instant) {
        self.last_heard = now;
        self.ping_sent = None;
    }

    /// A heartbeat went out; if the client must answer it, the answer is now awaited.
    pub(super) fn pinged(&mut self, now: Instant, awaits_answer: bool) {
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

    /// What the sweep must do now: `blocked_since` is the outbox's slow-consumer clock, and
    /// `interval` the silence after which this transport sends a heartbeat.
    pub(super) fn due(
        &self,
        now: Instant,
        limits: &Limits,
        blocked_since: Option<Instant>,
        interval: Duration,
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
        match self.ping_sent {
            Some(sent) if now >= sent + limits.heartbeat_timeout => Some(Due::HeartbeatTimeout),
            Some(_) => None,
            None if now >= self.last_heard + interval => Some(Due::Ping),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_silent_client_is_pinged_then_dropped_unless_it_answers() {
        let mut live = Liveness::new();
        let (start, l, every) = (Instant::now(), Limits::for_tests(), Duration::from_secs(20));
        let at = |s| start + Duration::from_secs(s);
        assert_eq!(live.due(at(19), &l, None, every), None);
        assert_eq!(live.due(at(20), &l, None, every), Some(Due::Ping));
        live.pinged(at(20), true);
        assert_eq!(live.due(at(29), &l, None, every), None);
        assert_eq!(live.due(at(30), &l, None, every), Some(Due::HeartbeatTimeout));
        live.heard(at(25));
        assert_eq!(live.due(at(30), &l, None, every), None, "a pong resets the clock");
    }

    #[tokio::test(start_paused = true)]
    async fn unread_data_past_the_deadline_is_too_slow_and_a_close_ends_after_its_grace() {
        let mut live = Liveness::new();
        let (start, l, every) = (Instant::now(), Limits::for_tests(), Duration::from_secs(20));
        let blocked = Some(start);
        assert_eq!(
            live.due(start + Duration::from_secs(30), &l, blocked, every),
            Some(Due::TooSlow)
        );
        assert!(live.begin_close());
        assert!(!live.begin_close(), "closing twice is one close");
        assert_eq!(live.due(start, &l, None, every), None);
        assert_eq!(live.due(start + Duration::from_secs(1), &l, None, every), Some(Due::Drop));
    }
}
