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
        }
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

    /// Bytes went to the client: `data` (an update or snapshot) it should read, or protocol
    /// bytes (a pong).
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
        let (earliest, _) = limits.receipt_window();
        limits.heartbeat_policy == HeartbeatPolicy::Idle
            && self.ping_sent.is_none()
            && now >= since + earliest
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
        let (_, latest) = limits.receipt_window();
        if unconfirmed.is_some_and(|since| now >= since + latest) {
            return Some(Due::Ping);
        }
        let silent_since = self.last_heard.max(self.last_sent);
        (now >= silent_since + interval).then_some(Due::Ping)
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
        assert_eq!(live.due(at(19), &l, None, every, true), None);
        assert_eq!(live.due(at(20), &l, None, every, true), Some(Due::Ping));
        live.pinged(at(20), true);
        assert_eq!(live.due(at(29), &l, None, every, true), None);
        assert_eq!(live.due(at(30), &l, None, every, true), Some(Due::HeartbeatTimeout));
        live.heard(at(25));
        assert_eq!(live.due(at(30), &l, None, every, true), None, "a pong resets the clock");
    }

    /// docs/protocol.md: an unanswered silence ping closes 1008, unless data sent still awaits
    /// its receipt: then the slow-consumer deadline decides, and the close is 1013.
    #[tokio::test(start_paused = true)]
    async fn a_silence_ping_unanswered_while_data_awaits_its_receipt_is_left_to_the_deadline() {
        let mut live = Liveness::new();
        let two = Duration::from_secs(2);
        let l = Limits { heartbeat_interval: two, heartbeat_timeout: two, ..Limits::for_tests() };
        let start = Instant::now();
        let at = |s| start + Duration::from_secs(s);
        live.sent(at(0), true);
        assert_eq!(live.due(at(2), &l, None, two, true), Some(Due::Ping), "2 s of silence");
        live.pinged(at(2), true);
        assert_eq!(live.due(at(4), &l, None, two, true), None, "the snapshot has 30 s");
        assert_eq!(live.due(at(29), &l, None, two, true), None);
        assert_eq!(live.due(at(30), &l, None, two, true), Some(Due::TooSlow));
    }

    #[tokio::test(start_paused = true)]
    async fn unread_data_past_the_deadline_is_too_slow_and_a_close_ends_after_its_grace() {
        let mut live = Liveness::new();
        let (start, l, every) = (Instant::now(), Limits::for_tests(), Duration::from_secs(20));
        let blocked = Some(start);
        assert_eq!(
            live.due(start + Duration::from_secs(30), &l, blocked, every, true),
            Some(Due::TooSlow)
        );
        assert!(live.begin_close());
        assert!(!live.begin_close(), "closing twice is one close");
        assert_eq!(live.due(start, &l, None, every, true), None);
        assert_eq!(
            live.due(start + Duration::from_secs(1), &l, None, every, true),
            Some(Due::Drop)
        );
    }

    /// One event every 10 s for `secs` seconds, swept every second: the pings that rode along
    /// updates, and the first thing the sweep found due, if anything.
    fn busy(
        live: &mut Liveness,
        l: &Limits,
        secs: u64,
        answers: bool,
    ) -> (u32, Option<(u64, Due)>) {
        let start = Instant::now();
        let every = l.heartbeat_interval;
        let mut receipts = 0;
        for t in 0..secs {
            let now = start + Duration::from_secs(t);
            if t % 10 == 0 {
                if live.wants_receipt(now, l) {
                    receipts += 1;
                    live.pinged(now, true);
                }
                live.sent(now, true);
                if answers && live.ping_sent.is_some() {
                    live.heard(now + Duration::from_millis(5));
                }
            }
            if let Some(due) = live.due(now + Duration::from_millis(500), l, None, every, true) {
                return (receipts, Some((t, due)));
            }
        }
        (receipts, None)
    }

    #[tokio::test(start_paused = true)]
    async fn a_busy_reader_is_never_pinged_for_silence_only_asked_now_and_then_along_an_update() {
        let (mut live, l) = (Liveness::new(), Limits::for_tests());
        let (receipts, due) = busy(&mut live, &l, 600, true);
        assert_eq!(due, None, "nothing due while updates flow and are read");
        // Slow-consumer 30 s less the 10 s answer time: one ping per three updates.
        assert_eq!(receipts, 20, "one receipt every 30 s over 600 s");
    }

    #[tokio::test(start_paused = true)]
    async fn a_stopped_reader_is_closed_by_the_slow_consumer_deadline_at_one_event_per_10_s() {
        let (mut live, l) = (Liveness::new(), Limits::for_tests());
        let (receipts, due) = busy(&mut live, &l, 600, false);
        assert_eq!(receipts, 1);
        assert_eq!(due, Some((30, Due::TooSlow)), "30 s after the first unread update");
    }

    #[tokio::test(start_paused = true)]
    async fn an_update_once_the_receipt_window_opens_carries_the_ping_so_none_goes_alone() {
        let (start, every) = (Instant::now(), Duration::from_secs(45));
        let at = |s| start + Duration::from_secs(s);
        // 30 s deadline, 10 s to answer: asked along an update from 15 s, alone at 25 s.
        let l = Limits { receipt_after: Duration::from_secs(15), ..Limits::for_tests() };
        assert_eq!(l.receipt_window(), (Duration::from_secs(15), Duration::from_secs(25)));
        let mut live = Liveness::new();
        live.sent(at(0), true);
        assert!(!live.wants_receipt(at(14), &l));
        assert!(live.wants_receipt(at(16), &l), "the update at 16 s carries it");
        live.pinged(at(16), true);
        live.sent(at(16), true);
        assert_eq!(live.due(at(25), &l, None, every, true), None, "no ping alone");
        // Never answered: the deadline still counts from the first unconfirmed update.
        assert_eq!(live.due(at(29), &l, None, every, true), None);
        assert_eq!(live.due(at(30), &l, None, every, true), Some(Due::TooSlow));
        // Asked only from 20 s (the default), the same update went without it, and the ping
        // went alone.
        let mut before = Liveness::new();
        let l = Limits::for_tests();
        before.sent(at(0), true);
        assert!(!before.wants_receipt(at(16), &l));
        before.sent(at(16), true);
        assert_eq!(before.due(at(25), &l, None, every, true), Some(Due::Ping));
    }

    #[tokio::test(start_paused = true)]
    async fn a_receipt_asked_later_than_the_deadline_allows_is_asked_alone_in_time() {
        let (start, every) = (Instant::now(), Duration::from_secs(45));
        let at = |s| start + Duration::from_secs(s);
        let l = Limits { receipt_after: Duration::from_secs(60), ..Limits::for_tests() };
        assert_eq!(l.receipt_window(), (Duration::from_secs(25), Duration::from_secs(25)));
        let mut live = Liveness::new();
        live.sent(at(0), true);
        assert!(!live.wants_receipt(at(24), &l));
        assert_eq!(live.due(at(24), &l, None, every, true), None);
        assert_eq!(live.due(at(25), &l, None, every, true), Some(Due::Ping));
        // A deadline shorter than the answer time: asked alone after half the answer time (the
        // close then waits for the answer time after the ping, as for any ping).
        let short = Limits { slow_consumer_timeout: Duration::from_secs(2), ..l };
        assert_eq!(short.receipt_window(), (Duration::from_secs(5), Duration::from_secs(5)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_asked_late_by_a_busy_server_still_has_the_heartbeat_timeout_to_answer() {
        let mut live = Liveness::new();
        let (start, l, every) = (Instant::now(), Limits::for_tests(), Duration::from_secs(45));
        let at = |s| start + Duration::from_secs(s);
        live.sent(at(0), true);
        // The server fell behind: the ping asking about the data at 0 only went out at 28.
        live.pinged(at(28), true);
        assert_eq!(live.due(at(30), &l, None, every, true), None, "asked 2 s ago");
        assert_eq!(live.due(at(37), &l, None, every, true), None, "asked 9 s ago");
        assert_eq!(live.due(at(38), &l, None, every, true), Some(Due::TooSlow));
        live.heard(at(37));
        assert_eq!(live.due(at(38), &l, None, every, true), None, "it answered in time");
    }

    #[tokio::test(start_paused = true)]
    async fn only_a_connection_silent_both_ways_is_pinged_and_sse_on_the_same_rule() {
        let mut live = Liveness::new();
        let (start, l, every) = (Instant::now(), Limits::for_tests(), Duration::from_secs(20));
        let at = |s| start + Duration::from_secs(s);
        live.sent(at(15), false);
        assert_eq!(live.due(at(34), &l, None, every, true), None, "we spoke at 15");
        assert_eq!(live.due(at(35), &l, None, every, true), Some(Due::Ping));
        // An SSE stream (no answers): its comments follow the same silence, and updates count.
        let mut sse = Liveness::new();
        sse.sent(at(10), true);
        assert_eq!(sse.due(at(29), &l, None, every, false), None);
        assert_eq!(sse.due(at(30), &l, None, every, false), Some(Due::Ping));
        sse.pinged(at(30), false);
        assert_eq!(sse.due(at(49), &l, None, every, false), None, "no answer is awaited");
    }

    #[tokio::test(start_paused = true)]
    async fn the_old_policy_pings_a_receiving_client_whatever_it_is_sent() {
        let mut live = Liveness::new();
        let l = Limits { heartbeat_policy: HeartbeatPolicy::ClientSilence, ..Limits::for_tests() };
        let (start, every) = (Instant::now(), Duration::from_secs(20));
        live.sent(start + Duration::from_secs(19), true);
        assert!(!live.wants_receipt(start + Duration::from_secs(40), &l));
        assert_eq!(
            live.due(start + Duration::from_secs(20), &l, None, every, true),
            Some(Due::Ping)
        );
    }
}
