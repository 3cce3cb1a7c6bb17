//! How a fan-out run is shaped: how many clients, how many events, how fast, and where the clients
//! live.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use tokio::time::Instant;

use crate::common::sport::Sport;

/// One process may open 20,000 files here; leave room for the runtime, stdio and pipes.
pub const DEFAULT_PER_WORKER: usize = 15_000;
/// Ephemeral ports per source address are 32768-60999 (28,232); stay below with a margin.
pub const DEFAULT_PER_SOURCE: usize = 25_000;

/// Where the client connections live.
#[derive(Debug, Clone)]
pub enum Placement {
    /// Worker processes: this executable re-run with the hidden `fanout-worker` subcommand.
    Processes { exe: PathBuf },
    /// Worker threads in the calling process (tests; the caller's open-file limit applies to all).
    Threads,
}

impl Placement {
    /// Its name, for the report.
    pub fn name(&self) -> &'static str {
        match self {
            Placement::Processes { .. } => "processes",
            Placement::Threads => "threads",
        }
    }
}

#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// Subscribers (WebSocket clients) to connect.
    pub subscribers: usize,
    /// Events to post once everyone is connected.
    pub events: usize,
    /// Time between two posts.
    pub interval: Duration,
    /// Post an event only once every client has the one before (or `drain_timeout` passed), and
    /// still `interval` after it: at a million subscribers one goal takes longer than the
    /// interval, and overlapping goals would measure the queue, not the fan-out.
    pub sequential: bool,
    /// The measurement (connecting to the last update's arrival and the workers' reports) ends by
    /// then: no event is posted that could not reach everyone before it. The clean-up after it is
    /// not bounded by it, so whatever was measured is kept.
    pub measure_by: Option<Instant>,
    /// Pause after the last connection before the idle CPU is measured (receipts for the
    /// snapshots, and the connect's own work, fall in it rather than in the idle window).
    pub idle_after: Duration,
    /// Pause after that, before the first post: the idle CPU is measured over it (and the
    /// memory read at its end).
    pub settle: Duration,
    /// How long to wait after the last post for every update to arrive.
    pub drain_timeout: Duration,
    /// Upgrades in flight at once, over all workers.
    pub connect_concurrency: usize,
    /// Most new connections per second, over all workers (`None`: as fast as the concurrency
    /// allows).
    pub connect_rate: Option<u32>,
    /// Time a client has from its TCP connect to its first message.
    pub connect_timeout: Duration,
    /// Worker count; `None` picks enough for `per_worker`, and at least two.
    pub workers: Option<usize>,
    /// Most connections one worker holds.
    pub per_worker: usize,
    /// Source addresses for the clients; empty picks 127.0.0.1, 127.0.0.2, ... as needed.
    pub source_ips: Vec<IpAddr>,
    /// Most connections from one source address to one server.
    pub per_source: usize,
    /// Give each worker a source address of its own (127.0.0.2, 127.0.0.3, ...) instead of
    /// `source_ips`: the kernel then searches a free port among one worker's connections only,
    /// where ~20,000 connections from one address to each server make every connect() scan.
    pub source_per_worker: bool,
    /// Nice levels the worker processes run above this tool and the servers it starts (0: the
    /// same). Clients on other machines never take the server's CPU; here they share two cores,
    /// and a client that reads late leaves a 4 KiB page of kernel memory per unread update.
    pub client_priority: i32,
    pub placement: Placement,
    /// Draw progress bars (on a terminal).
    pub progress: bool,
    /// Reconnect and resume elsewhere when a server closes with 1001 (the failover run); the
    /// clients' random wait before reconnecting is up to this long.
    pub reconnect_jitter: Option<Duration>,
    /// The sport of scorecast's match, whose scoring events are posted (the floor always sends
    /// its football goal).
    pub sport: Sport,
}

impl LoadConfig {
    /// `subscribers` clients and `events` events with every other setting at its default.
    pub fn new(subscribers: usize, events: usize, placement: Placement) -> Self {
        Self {
            subscribers,
            events,
            interval: Duration::from_secs(2),
            sequential: false,
            measure_by: None,
            idle_after: Duration::ZERO,
            settle: Duration::from_secs(1),
            drain_timeout: Duration::from_secs(10),
            connect_concurrency: 500,
            connect_rate: None,
            connect_timeout: Duration::from_secs(15),
            workers: None,
            per_worker: DEFAULT_PER_WORKER,
            source_ips: Vec::new(),
            per_source: DEFAULT_PER_SOURCE,
            source_per_worker: false,
            client_priority: 0,
            placement,
            progress: false,
            reconnect_jitter: None,
            sport: Sport::Football,
        }
    }

    /// Workers to start: enough that none holds more than `per_worker`; at least two (one per
    /// core here, like the server's threads) unless there are fewer clients.
    pub fn worker_count(&self) -> usize {
        let needed = self.subscribers.div_ceil(self.per_worker.max(1));
        self.workers.unwrap_or(needed.max(2)).max(needed).clamp(1, self.subscribers.max(1))
    }

    /// Source addresses for clients spread over `targets` servers (with `source_per_worker`,
    /// every worker's).
    pub fn sources(&self, targets: usize) -> Vec<IpAddr> {
        if self.source_per_worker {
            return (0..self.worker_count()).map(worker_source).collect();
        }
        if !self.source_ips.is_empty() {
            return self.source_ips.clone();
        }
        let per_target = self.subscribers.div_ceil(targets.max(1));
        let needed = per_target.div_ceil(self.per_source.max(1)).max(1);
        (1..=needed.min(254)).map(|n| IpAddr::V4(Ipv4Addr::new(127, 0, 0, n as u8))).collect()
    }
}

/// Worker `w`'s own source address: 127.0.0.2 for the first, on through 127.0.1.x and beyond.
pub fn worker_source(w: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(u32::from(Ipv4Addr::new(127, 0, 0, 2)) + w as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_and_source_addresses_scale_with_the_client_count() {
        let mut cfg = LoadConfig::new(18_000, 1, Placement::Threads);
        assert_eq!(cfg.worker_count(), 2);
        assert_eq!(cfg.sources(1).len(), 1);
        cfg.subscribers = 60_000;
        assert_eq!(cfg.worker_count(), 4);
        assert_eq!(cfg.sources(1).len(), 3);
        assert_eq!(cfg.sources(3).len(), 1);
        cfg.subscribers = 1;
        assert_eq!(cfg.worker_count(), 1);
        cfg.subscribers = 100;
        cfg.workers = Some(5);
        assert_eq!(cfg.worker_count(), 5);
        cfg.source_per_worker = true;
        let sources: Vec<String> = cfg.sources(3).iter().map(ToString::to_string).collect();
        assert_eq!(sources, ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"]);
        assert_eq!(worker_source(254).to_string(), "127.0.1.0");
    }
}
