//! What the worker's sweep asks of a connection (what is due now, and when something next can
//! be) and the heartbeat it sends; what a client's malformed messages count towards.

use tokio::time::Instant;

use super::{Conn, Due, Limits};

impl Conn {
    pub(in crate::hub) fn ping(&mut self, now: Instant) {
        let (heartbeat, awaits_answer) = self.wire.heartbeat();
        if self.is_open() {
            self.liveness.pinged(now, awaits_answer);
            self.enqueue(&heartbeat);
            self.wake();
        }
    }

    /// Counts a malformed message; true once there were more than `max`.
    pub(in crate::hub) fn malformed(&mut self, max: u32) -> bool {
        self.liveness.malformed(max)
    }

    pub(in crate::hub) fn due(&self, now: Instant, limits: &Limits) -> Option<Due> {
        let interval = self.wire.heartbeat_interval(limits);
        let answers = self.wire.answers_pings();
        let blocked = self.outbox.blocked_since();
        match self.liveness.due(now, limits, blocked, interval, answers) {
            // No answer heard yet, but one may wait in the socket, unread because this worker is
            // behind (a connect storm, a loaded machine): the reader takes it before the next
            // sweep. Cutting such clients would turn the server's own lag into a reconnect storm.
            // A full socket (`blocked`) is never excused: bytes coming in do not read bytes out.
            Some(Due::HeartbeatTimeout | Due::TooSlow)
                if blocked.is_none() && self.wire.has_unread_input() =>
            {
                None
            }
            // A heartbeat for a stream whose client has gone would only find that out a
            // heartbeat later; drop it now instead.
            Some(Due::Ping) if self.wire.sse_peer_closed() => Some(Due::Drop),
            due => due,
        }
    }

    /// The earliest instant at which `due` can find something, unless the connection changes
    /// before then; `None` once it is over. A verdict `due` excuses (an answer waiting unread)
    /// is already due: the sweep looks again at its next tick, as it did when it walked every
    /// connection.
    pub(in crate::hub) fn next_due(&self, limits: &Limits) -> Option<Instant> {
        let interval = self.wire.heartbeat_interval(limits);
        let answers = self.wire.answers_pings();
        self.liveness.next_due(limits, self.outbox.blocked_since(), interval, answers)
    }
}
