//! What the coordinator and its workers say to each other: one JSON object per line, commands on the
//! worker's stdin, events on its stdout (or the same values over channels for in-process workers).

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

use crate::histogram::Histogram;

/// A WebSocket endpoint clients connect to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WsTarget {
    pub addr: SocketAddr,
    /// `Host` header value.
    pub host: String,
    /// Path and query, e.g. `/ws?matches=7`.
    pub path: String,
    /// `wss://`: the PEM authority the server's certificate is signed by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_ca: Option<String>,
}

/// Which clients a worker opens. Clients are numbered 0..N across all workers; client `i` connects
/// to `targets[i % targets.len()]` from source address `source_ips[(i / targets.len()) / per_source]`
/// (the last one when the list runs out), so each source address holds at most `per_source`
/// connections to any one target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConnectPlan {
    pub targets: Vec<WsTarget>,
    pub source_ips: Vec<IpAddr>,
    pub per_source: usize,
    /// This worker's clients: `first, first + step, ...`, `count` of them.
    pub first: usize,
    pub step: usize,
    pub count: usize,
    /// Handshakes in flight at once in this worker.
    pub concurrency: usize,
    /// Most connects per second in this worker (`None`: no pacing).
    #[serde(default)]
    pub rate_per_sec: Option<f64>,
    pub timeout_ms: u64,
    /// What a client does when its server closes it with 1001 (going away): reconnect elsewhere
    /// and resume, or (`None`) end.
    #[serde(default)]
    pub reconnect: Option<Reconnect>,
}

/// Resuming after a 1001 close: the client waits a random 0..`jitter_ms`, then connects to one of
/// the other targets with `since=<match_id>:<last seq it had>`, trying each other target once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reconnect {
    pub match_id: i64,
    pub jitter_ms: u64,
}

impl ConnectPlan {
    /// Target and source address of client number `i`.
    pub fn route(&self, i: usize) -> (&WsTarget, Option<IpAddr>) {
        let target = &self.targets[i % self.targets.len()];
        let rank = i / self.targets.len();
        let source = match self.source_ips.len() {
            0 => None,
            n => Some(self.source_ips[(rank / self.per_source.max(1)).min(n - 1)]),
        };
        (target, source)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Command {
    /// Open the clients of the plan; answered by `Progress` events, then `Connected`.
    Connect(ConnectPlan),
    /// Answered by `Status`.
    Status,
    /// The events were posted at these times (`seq`, ns on the shared clock); answered by `Report`.
    Report { first_seq: i64, last_seq: i64, starts: Vec<(i64, u64)> },
    /// Close every connection and stop.
    Exit,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "ev", rename_all = "snake_case")]
pub enum Event {
    Progress {
        connected: usize,
        failed: usize,
    },
    Connected(ConnectSummary),
    /// Every client of this worker still connected now has the update numbered `seq`.
    Complete {
        seq: i64,
    },
    Status(Status),
    Report(WorkerReport),
    /// The worker cannot go on.
    Fatal {
        message: String,
    },
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConnectSummary {
    pub connected: usize,
    pub failed: usize,
    /// Failure reason and count.
    pub failures: BTreeMap<String, usize>,
    /// From the start of a client's TCP connect to its first message (the snapshot), in ns.
    pub connect_ns: Histogram,
    /// Sequence numbers of the first snapshots, lowest and highest.
    pub snapshot_seq: Option<(i64, i64)>,
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Status {
    /// Updates received, not counting duplicates.
    pub delivered: u64,
    /// Connections that the server closed or that failed after connecting.
    pub closed: usize,
    /// Clients that were closed with 1001 and have resumed (marker and every replayed update).
    #[serde(default)]
    pub resumed: u64,
    /// Clients between a 1001 close and the end of their resume.
    #[serde(default)]
    pub resuming: usize,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WorkerReport {
    /// Per posted event: received updates and their latency from the post, in ns.
    pub events: Vec<EventTally>,
    pub duplicates: u64,
    /// Updates that arrived after a gap in the sequence (the gap's events are lost).
    pub gaps: u64,
    /// Snapshots received in place of updates (the server's answer to a slow client).
    pub resync_snapshots: u64,
    /// Updates whose sequence number had no matching post.
    pub unexpected: u64,
    pub closed: usize,
    /// Why connections ended early, and how many.
    pub close_reasons: BTreeMap<String, usize>,
    pub pongs_sent: u64,
    pub rss_kib: u64,
    #[serde(default)]
    pub resumes: ResumeTally,
}

/// What clients that were closed with 1001 went through to resume elsewhere.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ResumeTally {
    /// Close frames with code 1001 received.
    pub going_away: u64,
    /// Reconnections that were refused or failed (each other target is tried once).
    pub reconnect_failures: u64,
    /// Clients that could not reconnect anywhere.
    pub abandoned: u64,
    /// Resume markers `{"k":"resume","rec":true}` received.
    pub recovered: u64,
    /// Snapshots with `"rec":false` received in place of a resume.
    pub not_recovered: u64,
    /// Resume markers that no resuming client was waiting for.
    pub unexpected_markers: u64,
    /// Clients whose marker arrived and then every update it announced.
    pub completed: u64,
    /// Per completed client: from its 1001 close to its last replayed update, in ns.
    pub resume_ns: Histogram,
    /// When the last client completed its resume (shared clock, ns).
    pub last_completed_at_ns: Option<u64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EventTally {
    pub seq: i64,
    pub received: u64,
    pub latency_ns: Histogram,
    /// The update's JSON payload in bytes (every client gets the same bytes), if one arrived.
    #[serde(default)]
    pub update_bytes: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_spread_over_targets_then_over_source_addresses() {
        let target = |port| WsTarget {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            host: String::new(),
            path: String::new(),
            tls_ca: None,
        };
        let plan = ConnectPlan {
            targets: vec![target(1), target(2)],
            source_ips: vec![[127, 0, 0, 1].into(), [127, 0, 0, 2].into()],
            per_source: 3,
            first: 0,
            step: 1,
            count: 20,
            concurrency: 1,
            rate_per_sec: None,
            timeout_ms: 1,
            reconnect: None,
        };
        let routes: Vec<(u16, String)> = (0..14)
            .map(|i| plan.route(i))
            .map(|(t, s)| (t.addr.port(), s.unwrap().to_string()))
            .collect();
        assert_eq!(routes[0], (1, "127.0.0.1".into()));
        assert_eq!(routes[1], (2, "127.0.0.1".into()));
        assert_eq!(routes[5], (2, "127.0.0.1".into()), "third client on port 2");
        assert_eq!(routes[6], (1, "127.0.0.2".into()), "fourth client on port 1 moves on");
        assert_eq!(routes[13], (2, "127.0.0.2".into()), "the last address takes the rest");
        let line = serde_json::to_string(&Command::Connect(plan)).unwrap();
        assert!(line.starts_with(r#"{"cmd":"connect","#), "{line}");
    }
}
