//! What the soak coordinator and its workers say to each other: one JSON object per line, the plan
//! and then `finish` on the worker's stdin, status lines and the report on its stdout (or the same
//! values over channels for in-process workers).

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::check::Counts;

/// One worker's share of the subscribers and how they churn.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub addr: SocketAddr,
    /// `Host` header value.
    pub host: String,
    /// The matches every client subscribes to (`/ws?matches=...`).
    pub matches: Vec<i64>,
    /// Clients this worker keeps connected.
    pub clients: usize,
    /// Handshakes in flight at once while connecting the first time.
    pub concurrency: usize,
    /// Churn actions per second across this worker's clients (0: none).
    pub churn_per_sec: f64,
    /// A slow reader stops reading for a random time in this range, in ms.
    pub slow_pause_ms: (u64, u64),
    /// A client that left or lost its connection waits a random time up to this before it
    /// reconnects, in ms.
    pub reconnect_jitter_ms: u64,
    /// Receive buffer of each client socket, in bytes (0: the kernel's default), so that a slow
    /// reader's socket fills within a pause.
    pub recv_buffer_bytes: usize,
    /// Time a client has from its TCP connect to its first message.
    pub connect_timeout_ms: u64,
    /// Seed of this worker's random choices, so runs can be repeated.
    pub seed: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Command {
    /// The last events are posted: stop churning, read until every match reaches `finals` (in the
    /// plan's match order) or `drain_ms` passes, then report.
    Finish { finals: Vec<i64>, drain_ms: u64 },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "ev", rename_all = "snake_case")]
pub enum Event {
    Status(Status),
    Report(WorkerReport),
    /// The worker cannot go on.
    Fatal {
        message: String,
    },
}

/// A worker's clients right now.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Status {
    /// Clients with an open, subscribed connection.
    pub connected: usize,
    /// Clients paused as slow readers.
    pub paused: usize,
    pub delivered: u64,
}

/// What the churn did, counted per action and per outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Churn {
    /// Connections opened without `since` (the first ones and those after a leave).
    pub fresh_connects: u64,
    /// Clients that closed and came back as new users (no `since`).
    pub leaves: u64,
    /// Clients that closed and reconnected with `since`.
    pub resumes: u64,
    /// Clients that stopped reading for a while.
    pub slow_pauses: u64,
    /// Slow readers whose connection was still open when they read again (they read late).
    pub slow_read_late: u64,
    /// Slow readers the server closed (`1013`, too slow) or cut; they reconnected with `since`.
    pub slow_cut: u64,
    /// Connections that ended without the client asking (besides slow readers), by reason; each
    /// reconnected with `since`.
    pub dropped: BTreeMap<String, u64>,
    /// Connection attempts that failed, by reason (each retried).
    pub connect_failures: BTreeMap<String, u64>,
    /// Clients that gave up reconnecting.
    pub abandoned: u64,
    /// Pongs sent to the server's pings.
    pub pongs: u64,
}

impl Churn {
    pub fn add(&mut self, other: &Churn) {
        self.fresh_connects += other.fresh_connects;
        self.leaves += other.leaves;
        self.resumes += other.resumes;
        self.slow_pauses += other.slow_pauses;
        self.slow_read_late += other.slow_read_late;
        self.slow_cut += other.slow_cut;
        for (reason, n) in &other.dropped {
            *self.dropped.entry(reason.clone()).or_default() += n;
        }
        for (reason, n) in &other.connect_failures {
            *self.connect_failures.entry(reason.clone()).or_default() += n;
        }
        self.abandoned += other.abandoned;
        self.pongs += other.pongs;
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WorkerReport {
    pub counts: Counts,
    pub churn: Churn,
    /// Updates the clients still lacked when the drain time ran out (lost, too).
    pub behind_at_end: u64,
    /// Clients that had not caught up when the drain time ran out.
    pub clients_behind: usize,
    pub rss_kib: u64,
}
