//! The `bandwidth` result, as written to JSON. Bytes per second are per user and per simulated
//! second; "at 1M users" multiplies them by 1,000,000 (in MB/s, 10^6 bytes).

use serde::{Deserialize, Serialize};

use crate::common::meta::Meta;
use crate::net::tcp_info::TcpCounters;

/// The README's reference figures: 1,000,000 users polling 1 KB every 5 s, against 50 B per event
/// pushed, one event every 10 s.
pub const REFERENCE_POLL_MB_S: f64 = 200.0;
pub const REFERENCE_WS_MB_S: f64 = 5.0;
pub const USERS_SCALED: f64 = 1_000_000.0;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BandwidthReport {
    pub meta: Meta,
    pub setup: Setup,
    pub events: Events,
    pub snapshot: SnapshotSizes,
    /// Plain polling, polling with `If-None-Match`, WebSocket.
    pub groups: Vec<Group>,
    /// Server-to-client TCP payload (HTTP headers and WebSocket framing included), polling ÷
    /// WebSocket: what the reference figures compare.
    pub ratio_poll_to_ws: Option<f64>,
    pub ratio_conditional_poll_to_ws: Option<f64>,
    /// The same over all bytes on the wire, both directions, TCP/IP headers included.
    pub ratio_poll_to_ws_wire: Option<f64>,
    pub ratio_conditional_poll_to_ws_wire: Option<f64>,
    pub problems: Vec<String>,
    pub passed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Setup {
    pub server: String,
    pub match_id: i64,
    /// Polling clients per polling group (plain and conditional each have this many).
    pub pollers: usize,
    pub subscribers: usize,
    /// Simulated match time; real time is this divided by `speedup`.
    pub duration_s: f64,
    pub speedup: f64,
    pub poll_interval_s: f64,
    pub mean_event_interval_s: f64,
    pub seed: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Events {
    pub posted: usize,
    pub accepted: usize,
    /// Simulated time of each post, in seconds.
    pub at_s: Vec<f64>,
    /// Sequence numbers the server gave them.
    pub seqs: Vec<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SnapshotSizes {
    /// Body bytes of `GET /api/v1/matches/{id}` before the first posted event, and how many events
    /// the snapshot carried then (the kickoff).
    pub start_bytes: usize,
    pub start_events: usize,
    /// The same after the last.
    pub end_bytes: usize,
    pub end_events: usize,
    /// Mean body bytes over every `200` the plain pollers received.
    pub mean_polled_body_bytes: Option<f64>,
}

/// One way of following the match, measured over every client that used it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Group {
    /// `polling`, `polling + If-None-Match` or `websocket`.
    pub method: String,
    pub users: usize,
    pub connected: usize,
    /// Polls sent, and the answers by kind.
    pub requests: u64,
    pub ok_200: u64,
    pub not_modified_304: u64,
    pub failed: u64,
    /// Polling: connections the server closed, after which the client connected again.
    pub reconnects: u64,
    /// WebSocket: updates expected (connected clients × accepted events) and received in order.
    pub updates_expected: u64,
    pub updates_received: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub pings_answered: u64,
    /// Kernel counters of the client sockets summed, from connect until steady (TCP handshake; for
    /// WebSocket also the upgrade and the first snapshot): a one-time cost per user.
    pub join: TcpCounters,
    /// The same from then until the end: what following the match costs.
    pub steady: TcpCounters,
    /// Bytes the clients' code wrote and read over the steady phase.
    pub app_sent: u64,
    pub app_received: u64,
    pub per_user: PerUser,
    pub at_1m_users: AtScale,
}

/// Bytes per second for one user over the steady phase (simulated seconds).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PerUser {
    /// TCP payload, server to client and client to server (`tcpi_bytes_received`/`_acked`).
    pub down_bps: f64,
    pub up_bps: f64,
    /// Including 52 bytes of IP and TCP header per segment, both directions summed.
    pub wire_total_bps: f64,
    pub segments_per_s: f64,
    /// What the application read, for comparison with the kernel's count.
    pub app_down_bps: f64,
    /// One-time bytes per user to join (both directions, payload).
    pub join_bytes: f64,
}

/// `PerUser` × 1,000,000, in MB/s.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AtScale {
    pub down_mb_s: f64,
    pub up_mb_s: f64,
    pub wire_total_mb_s: f64,
}

impl Group {
    /// Fills `per_user` and `at_1m_users` from the counters over `duration_s` simulated seconds.
    pub fn compute_rates(&mut self, duration_s: f64) {
        let users = self.connected.max(1) as f64;
        let per = |bytes: u64| bytes as f64 / users / duration_s;
        let s = &self.steady;
        self.per_user = PerUser {
            down_bps: per(s.bytes_received),
            up_bps: per(s.bytes_sent),
            wire_total_bps: per(s.wire_sent() + s.wire_received()),
            segments_per_s: per(s.segs_in + s.segs_out),
            app_down_bps: per(self.app_received),
            join_bytes: (self.join.bytes_sent + self.join.bytes_received) as f64 / users,
        };
        let mb = |bps: f64| bps * USERS_SCALED / 1e6;
        self.at_1m_users = AtScale {
            down_mb_s: mb(self.per_user.down_bps),
            up_mb_s: mb(self.per_user.up_bps),
            wire_total_mb_s: mb(self.per_user.wire_total_bps),
        };
    }
}
