//! The `bandwidth` result, as written to JSON. Bytes per second are per user and per simulated
//! second; "at 1M users" multiplies them by 1,000,000 (in MB/s, 10^6 bytes).

use serde::{Deserialize, Serialize};

use super::watching::WatchingCheck;
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
    /// What the audience messages (`watching`, how many watch) were of the subscribers' bytes.
    #[serde(default)]
    pub audience: Option<AudienceShare>,
    /// Whether the subscribers there at the end were last told the cluster's count (`None`: none
    /// was told a count).
    #[serde(default)]
    pub watching: Option<WatchingCheck>,
    /// CPU time of the server process (user + system, every thread) over the steady phase, when
    /// its pid is known (spawned, or `--server-pid`): the fan-out, the polls and the event posts.
    /// Over several nodes, every node's summed.
    #[serde(default)]
    pub server_cpu_s: Option<f64>,
    /// The same for each node (one for a run on one node), in the order they were started.
    #[serde(default)]
    pub server_cpu_by_node_s: Vec<f64>,
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
    /// Percent of the subscribers leaving (each replaced at once) per simulated minute.
    #[serde(default)]
    pub churn_per_min: f64,
    #[serde(default)]
    pub placement: Placement,
}

/// Where the run ran: scorecast nodes (a cluster on one Postgres and one nats-server when more
/// than one) and the processes holding the subscribers.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Placement {
    pub nodes: usize,
    /// Client worker processes (1: the clients run in the bench's own process).
    pub client_processes: usize,
}

impl Default for Placement {
    /// One node, the clients in the bench's process: every run before there was a choice.
    fn default() -> Self {
        Self { nodes: 1, client_processes: 1 }
    }
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
    /// WebSocket, over the steady phase: the audience messages (`watching`) and the updates read,
    /// by whole frame (WebSocket header included), and the bytes of pings read.
    #[serde(default)]
    pub audience: Frames,
    #[serde(default)]
    pub updates: Frames,
    #[serde(default)]
    pub control_bytes: u64,
    /// WebSocket: subscriber slots told at least one audience message.
    #[serde(default)]
    pub told: usize,
    /// WebSocket churn: subscribers that left before the end, and newcomers that joined after
    /// the start, with the newcomers' joins (TCP handshake, upgrade, snapshot) summed.
    #[serde(default)]
    pub left: u64,
    #[serde(default)]
    pub joined_late: u64,
    #[serde(default)]
    pub late_join: TcpCounters,
    /// WebSocket: subscribers present on average over the steady phase (each counted for the
    /// share of it it was there); the per-user rates divide by it. 0 for polling.
    #[serde(default)]
    pub mean_users: f64,
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

/// Messages of one kind and their bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frames {
    pub messages: u64,
    pub bytes: u64,
}

impl Frames {
    pub fn add(&mut self, bytes: u64) {
        self.messages += 1;
        self.bytes += bytes;
    }

    pub fn sum(&mut self, other: &Frames) {
        self.messages += other.messages;
        self.bytes += other.bytes;
    }
}

/// The audience messages beside the updates, for the WebSocket subscribers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AudienceShare {
    /// Audience frame bytes ÷ the frame bytes of updates and audience messages: the share of
    /// what the server sent as messages.
    pub of_messages: f64,
    /// Audience frame bytes ÷ every payload byte the subscribers received (kernel count: frames,
    /// pings, and the newcomers' joins under churn).
    pub of_payload: f64,
    /// Per subscriber and simulated second.
    pub audience_bps: f64,
    pub updates_bps: f64,
    /// Audience messages per subscriber over the run.
    pub messages_per_user: f64,
}

impl AudienceShare {
    /// The shares of a WebSocket group over `duration_s`; `None` without subscribers or bytes.
    pub fn of(g: &Group, duration_s: f64) -> Option<Self> {
        let messages = g.audience.bytes + g.updates.bytes;
        let payload = g.steady.bytes_received + g.late_join.bytes_received;
        if g.connected == 0 || messages == 0 || payload == 0 {
            return None;
        }
        let users = g.users_for_rates();
        Some(Self {
            of_messages: g.audience.bytes as f64 / messages as f64,
            of_payload: g.audience.bytes as f64 / payload as f64,
            audience_bps: g.audience.bytes as f64 / users / duration_s,
            updates_bps: g.updates.bytes as f64 / users / duration_s,
            messages_per_user: g.audience.messages as f64 / users,
        })
    }
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
    /// Users the rates are per: the mean present over the steady phase where it is known.
    pub fn users_for_rates(&self) -> f64 {
        if self.mean_users > 0.0 {
            self.mean_users
        } else {
            self.connected.max(1) as f64
        }
    }

    pub fn compute_rates(&mut self, duration_s: f64) {
        let users = self.users_for_rates();
        let per = |bytes: u64| bytes as f64 / users / duration_s;
        let s = &self.steady;
        self.per_user = PerUser {
            down_bps: per(s.bytes_received),
            up_bps: per(s.bytes_sent),
            wire_total_bps: per(s.wire_sent() + s.wire_received()),
            segments_per_s: per(s.segs_in + s.segs_out),
            app_down_bps: per(self.app_received),
            // Newcomers' joins are in `late_join`, not `join`.
            join_bytes: (self.join.bytes_sent + self.join.bytes_received) as f64
                / (self.connected as u64).saturating_sub(self.joined_late).max(1) as f64,
        };
        let mb = |bps: f64| bps * USERS_SCALED / 1e6;
        self.at_1m_users = AtScale {
            down_mb_s: mb(self.per_user.down_bps),
            up_mb_s: mb(self.per_user.up_bps),
            wire_total_mb_s: mb(self.per_user.wire_total_bps),
        };
    }
}
