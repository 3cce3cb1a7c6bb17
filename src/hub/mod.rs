//! The hub: who is subscribed to what, and delivery of every committed update to them.
//!
//! Each HTTP worker thread owns a `Worker` with the subscriber connections (WebSocket and SSE) it
//! accepted. `Hub::publish` hands one shared, pre-encoded frame per event to every worker; the
//! worker writes those same bytes to each subscribed socket. Nothing is serialized per
//! subscriber, and no lock or channel sits between a worker and its own sockets.
//!
//! - `worker`: a thread's connections, the delivery loop and the sweep (owner of that state)
//! - `index`: who follows which match on a worker
//! - `conn/`: one connection (cursors, outbox, liveness, wire)
//! - `handle`: what transports hold: a thread's `Worker`, and a `ConnHandle` per connection
//! - `replay`: the events a resuming client missed
//! - `slots`: the connection limit and its permits; `limits`: per-connection bounds

mod conn;
mod handle;
mod index;
mod limits;
mod per_address;
mod replay;
mod slots;
mod worker;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

pub use conn::Read;
pub use handle::{ConnHandle, Worker};
pub use limits::{HeartbeatPolicy, Limits};
pub use per_address::{AddressLimits, AddressRefusal};
pub use replay::HistoryWindow;
pub use slots::{Permit, Refusal};

use replay::Replays;
use slots::Slots;

use crate::domain::{MatchId, Seq};
use crate::metrics::Metrics;
use crate::protocol::Encoded;
use crate::snapshots::Snapshots;
use crate::store::Store;

/// Bounds of the real-time side.
#[derive(Debug, Clone)]
pub struct HubSettings {
    /// Most subscriber connections (WebSocket and SSE) at once; more are refused with 503.
    pub max_connections: usize,
    /// Bounds per client address (429 beyond them).
    pub per_address: AddressLimits,
    /// Events waiting for one worker; beyond that the worker skips to the latest snapshots.
    pub worker_queue: usize,
    /// Kernel send buffer per socket (0: the kernel's default, which grows as needed).
    pub send_buffer_bytes: usize,
    pub limits: Limits,
    pub history: HistoryWindow,
}

/// One committed event, encoded once, on its way to every subscriber.
#[derive(Debug)]
pub struct Broadcast {
    pub match_id: MatchId,
    pub seq: Seq,
    pub message: Encoded,
    /// When the event's transaction committed: the start of the fan-out latency.
    pub committed_at: Instant,
}

struct Inbox {
    queue: mpsc::Sender<Arc<Broadcast>>,
    /// Set when the queue was full and an event was dropped: the worker must resynchronize.
    lagged: Arc<AtomicBool>,
}

/// Shared by every worker thread and the committer.
pub struct Hub {
    settings: HubSettings,
    snapshots: Arc<Snapshots>,
    metrics: Arc<Metrics>,
    replays: Arc<Replays>,
    inboxes: Mutex<Vec<Inbox>>,
    slots: Arc<Slots>,
    shutdown: CancellationToken,
}

impl Hub {
    pub fn new(
        settings: HubSettings,
        store: Store,
        snapshots: Arc<Snapshots>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let window = settings.history.clone();
        let per_address = per_address::PerAddress::new(settings.per_address);
        let slots =
            Slots::new(settings.max_connections, metrics.ws_connections.clone(), per_address);
        Self {
            replays: Arc::new(Replays::new(store, snapshots.clone(), metrics.clone(), window)),
            settings,
            snapshots,
            metrics,
            inboxes: Mutex::new(Vec::new()),
            slots,
            shutdown: CancellationToken::new(),
        }
    }

    pub fn settings(&self) -> &HubSettings {
        &self.settings
    }

    /// Hands an event to every worker. Never blocks: a worker whose queue is full is told to skip to
    /// the latest state instead.
    pub fn publish(&self, broadcast: Broadcast) {
        let broadcast = Arc::new(broadcast);
        let mut inboxes = self.inboxes.lock().unwrap_or_else(|p| p.into_inner());
        inboxes.retain(|inbox| match inbox.queue.try_send(broadcast.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                inbox.lagged.store(true, Ordering::Release);
                self.metrics.ws_worker_lagged.inc();
                true
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
    }

    /// Reserves room for one more connection from `address` (the client's, when known).
    pub fn admit(&self, address: Option<std::net::IpAddr>) -> Result<Permit, Refusal> {
        self.slots.take(address)
    }

    /// Counts a refused subscriber (WebSocket handshake or SSE request), by reason.
    pub fn refused(&self, reason: &str) {
        self.metrics.ws_refused.with_label_values(&[reason]).inc();
    }

    pub fn connections(&self) -> usize {
        self.slots.open()
    }

    /// Closes every connection with 1001 and refuses new ones.
    pub fn shut_down(&self) {
        self.shutdown.cancel();
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutdown.is_cancelled()
    }

    /// Waits until every connection has closed, or `timeout` has passed; returns how many remain.
    pub async fn drained(&self, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        while self.connections() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.connections()
    }

    fn register_worker(&self) -> (mpsc::Receiver<Arc<Broadcast>>, Arc<AtomicBool>) {
        let (queue, rx) = mpsc::channel(self.settings.worker_queue.max(1));
        let lagged = Arc::new(AtomicBool::new(false));
        let inbox = Inbox { queue, lagged: lagged.clone() };
        self.inboxes.lock().unwrap_or_else(|p| p.into_inner()).push(inbox);
        (rx, lagged)
    }
}

/// What a client subscribed to in its handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscription {
    /// Every match that is live now or starts while connected.
    All,
    Matches(Vec<MatchId>),
}

/// A subscriber the `/ws` or `/sse` route accepted (for `/ws`, carried in the 101 response to the
/// upgrade service).
pub struct Admission {
    pub permit: Permit,
    pub subscription: Subscription,
    /// Matches to resume, with the last sequence number the client has of each.
    pub since: HashMap<MatchId, Seq>,
}
