//! Per-connection bounds and timings, the same for WebSocket and SSE subscribers unless a field
//! says otherwise.

use std::time::Duration;

/// When heartbeats go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeartbeatPolicy {
    /// Only on a connection silent both ways for the heartbeat interval; a busy WebSocket is asked
    /// for proof of reading instead (a ping riding along an update), and dead peers are left to
    /// the kernel (`TCP_USER_TIMEOUT`).
    Idle,
    /// The behaviour before `Idle`, kept for measuring against it: ping a WebSocket whose client
    /// sent nothing for the interval, and send an SSE comment every interval, however busy.
    ClientSilence,
}

#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest message (one frame, or all the fragments of one) a WebSocket client may send;
    /// larger ones close the connection with 1009.
    pub max_frame_bytes: usize,
    /// Most frames one WebSocket message may come in; more close the connection with 1009.
    pub max_fragments: usize,
    /// Most matches one connection may subscribe to (a `*` subscription is not counted).
    pub max_subscriptions: usize,
    /// Most competitions one connection may follow; the matches they bring are not counted in
    /// `max_subscriptions`.
    pub max_competitions: usize,
    /// Unwritten bytes kept for a client that reads slowly; beyond that, updates are conflated.
    pub max_pending_bytes: usize,
    /// Silence (both ways, under `HeartbeatPolicy::Idle`) after which a WebSocket is pinged.
    pub heartbeat_interval: Duration,
    pub heartbeat_policy: HeartbeatPolicy,
    /// Time sent data may stay unacknowledged before the kernel drops the connection
    /// (`TCP_USER_TIMEOUT`): a dead peer, the cable pulled.
    pub dead_peer_timeout: Duration,
    /// Time a WebSocket client has to answer a ping before it is dropped.
    pub heartbeat_timeout: Duration,
    /// Time a client may leave written data unread before it is closed (1013 on a WebSocket).
    pub slow_consumer_timeout: Duration,
    /// Time sent data waits unconfirmed before an update may carry a ping asking for proof of
    /// reading (a WebSocket under `Idle`). Earlier, more updates can carry that ping (cheap)
    /// instead of a ping on its own (a segment more each way), but each answer covers less time;
    /// on the seeded workload of bench/heartbeat-share.sh, half the deadline cost more than the
    /// deadline less the answer time, the default. See `Limits::receipt_window`.
    pub receipt_after: Duration,
    /// Seconds over which the receipts of a crowd are spread: each WebSocket's receipt window
    /// (`receipt_window`) comes earlier by its own share of this, from its id (at most the
    /// window's opening). Without it, subscribers sent one update together (a goal to a
    /// million) were all asked along the same later update: one goal carried every receipt.
    pub receipt_spread: Duration,
    /// Malformed messages tolerated (each answered with an error) before closing with 1008.
    pub max_malformed: u32,
    /// Time given to a closing client to acknowledge the close frame.
    pub close_grace: Duration,
    /// Interval of the comment lines an SSE stream gets, so proxies keep it open.
    pub sse_heartbeat: Duration,
}

/// What one WebSocket message from a client may be.
#[derive(Debug, Clone, Copy)]
pub struct MessageBounds {
    /// Largest message: one frame, or all the fragments of one message together.
    pub max_bytes: usize,
    /// Most frames one message may come in.
    pub max_fragments: usize,
}

impl Limits {
    /// When proof of reading is asked of a WebSocket, counted from its first unconfirmed update:
    /// from the first of these along any update, and at the second at the latest, on its own.
    /// The latest leaves the client half the heartbeat timeout to answer before the slow-consumer
    /// deadline (when that deadline is shorter than the timeout, half the timeout); a
    /// `receipt_after` beyond it counts as it.
    pub fn receipt_window(&self) -> (Duration, Duration) {
        let (slow, answer) = (self.slow_consumer_timeout, self.heartbeat_timeout);
        let latest = slow.saturating_sub(answer) + answer / 2;
        (self.receipt_after.min(latest), latest)
    }

    /// What one WebSocket message may be.
    pub fn message_bounds(&self) -> MessageBounds {
        MessageBounds { max_bytes: self.max_frame_bytes, max_fragments: self.max_fragments }
    }
}

#[cfg(test)]
impl Limits {
    /// Small, round values for unit tests.
    pub(crate) fn for_tests() -> Self {
        Self {
            max_frame_bytes: 4096,
            max_fragments: 16,
            max_subscriptions: 200,
            max_competitions: 20,
            max_pending_bytes: 64,
            heartbeat_interval: Duration::from_secs(20),
            heartbeat_policy: HeartbeatPolicy::Idle,
            dead_peer_timeout: Duration::from_secs(20),
            heartbeat_timeout: Duration::from_secs(10),
            slow_consumer_timeout: Duration::from_secs(30),
            // The default: the deadline less the answer time.
            receipt_after: Duration::from_secs(20),
            receipt_spread: Duration::from_secs(10),
            max_malformed: 3,
            close_grace: Duration::from_secs(1),
            sse_heartbeat: Duration::from_secs(15),
        }
    }
}
