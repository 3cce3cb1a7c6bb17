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
//! - `sequencer`: per-match order of every committed update, local or remote; `repair`: reading
//!   a gap back from the database
//! - `replay`: the events a resuming client missed
//! - `slots`: the connection limit and its permits; `limits`: per-connection bounds
//! - `window`: which matches `*` and competition subscribers are brought without naming them
//! - `audience`: telling followers how many watch (the lowest priority of all they are sent)

mod audience;
mod conn;
mod handle;
mod index;
mod limits;
mod lookup;
mod per_address;
mod repair;
mod replay;
mod sequencer;
mod slots;
mod window;
mod worker;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::future::{BoxFuture, Shared};

use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

pub use conn::{Message, Read};
pub use handle::{ConnHandle, Worker};
pub use limits::{HeartbeatPolicy, Limits, MessageBounds};
pub use per_address::{AddressLimits, AddressRefusal};
pub use replay::HistoryWindow;
pub use slots::{Permit, Refusal};
pub use window::Window;

use replay::Replays;
use sequencer::{Sequencer, Verdict};
use slots::Slots;

use crate::catalog::Catalog;
use crate::domain::{LiveState, MatchId, Seq};
use crate::metrics::Metrics;
use crate::protocol::Encoded;
use crate::snapshots::{Recent, Snapshot, Snapshots};
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
    /// Which matches `*` and competition subscribers are brought without naming them.
    pub window: Window,
    pub history: HistoryWindow,
    /// How long an update that arrived before its predecessor waits for it before the gap is read
    /// from the database.
    pub reorder: Duration,
    /// Most updates held per match while a gap is open.
    pub max_held: usize,
    /// How many watch each match: how often followers are told, and the bounds.
    pub watching: crate::watching::WatchingSettings,
}

/// One committed event as every path delivers it (this node's commit, another node's, or a gap
/// read back from the database): the match's state after it, and the event in both encodings.
#[derive(Debug, Clone)]
pub struct Committed {
    pub match_id: MatchId,
    pub live: LiveState,
    pub recent: Recent,
    /// When the event's transaction committed (as near as this node can tell).
    pub committed_at: Instant,
}

/// One committed event (or a match's snapshot, when it is created or changed), encoded once, on
/// its way to every subscriber.
#[derive(Debug)]
pub struct Broadcast {
    pub match_id: MatchId,
    pub seq: Seq,
    pub message: Encoded,
    /// When the event's transaction committed: the start of the fan-out latency; `None` for a
    /// snapshot introducing a match.
    pub committed_at: Option<Instant>,
    /// The match's competition, and whether `*` and competition subscribers are brought it.
    pub reach: Option<window::Reach>,
    /// The competition a match was just moved out of: connections that followed it only through
    /// that competition get its new snapshot, then follow it no more.
    pub left: Option<Arc<str>>,
}

/// What a worker's inbox carries: committed updates and introduced matches, and now and then the
/// audience news of one interval.
pub(crate) enum Delivery {
    Update(Arc<Broadcast>),
    Audience(Arc<audience::News>),
}

struct Inbox {
    queue: mpsc::Sender<Delivery>,
    /// Set when the queue was full and an event was dropped: the worker must resynchronize.
    lagged: Arc<AtomicBool>,
}

/// Shared by every worker thread and the committer.
pub struct Hub {
    settings: HubSettings,
    store: Store,
    catalog: Arc<Catalog>,
    snapshots: Arc<Snapshots>,
    /// Connections per match on this node (counted by their cursors; keeps a match hot).
    followers: Arc<crate::followers::Followers>,
    /// How many watch each match, here and on the other nodes.
    watching: Arc<crate::watching::Watching>,
    metrics: Arc<Metrics>,
    replays: Arc<Replays>,
    sequencer: Mutex<Sequencer>,
    /// Gap reads in progress, one per match, shared by everyone waiting for it.
    repairs: Mutex<HashMap<MatchId, Shared<BoxFuture<'static, bool>>>>,
    inboxes: Mutex<Vec<Inbox>>,
    slots: Arc<Slots>,
    shutdown: CancellationToken,
}

impl Hub {
    pub fn new(
        settings: HubSettings,
        store: Store,
        catalog: Arc<Catalog>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let snapshots = catalog.snapshots().clone();
        let followers = catalog.followers().clone();
        let watching =
            Arc::new(crate::watching::Watching::new(settings.watching, followers.clone()));
        let window = settings.history.clone();
        let per_address = per_address::PerAddress::new(settings.per_address);
        let slots =
            Slots::new(settings.max_connections, metrics.ws_connections.clone(), per_address);
        Self {
            replays: Arc::new(Replays::new(
                store.clone(),
                snapshots.clone(),
                metrics.clone(),
                window,
            )),
            sequencer: Mutex::new(Sequencer::new(settings.max_held)),
            repairs: Mutex::new(HashMap::new()),
            store,
            catalog,
            settings,
            snapshots,
            followers,
            watching,
            metrics,
            inboxes: Mutex::new(Vec::new()),
            slots,
            shutdown: CancellationToken::new(),
        }
    }

    pub fn settings(&self) -> &HubSettings {
        &self.settings
    }

    /// How many watch each match, on every node.
    pub fn watching(&self) -> &Arc<crate::watching::Watching> {
        &self.watching
    }

    /// The one path of every committed update: in sequence per match, then into the match's
    /// snapshot, then to every worker. Never blocks.
    pub fn deliver(self: &Arc<Self>, update: Committed) {
        let id = update.match_id;
        let mut sequencer = self.sequencer();
        let Some(applied) = self.snapshots.get(id).map(|s| s.live.seq) else {
            drop(sequencer);
            // A match created on another node that this node has not heard of yet.
            tokio::spawn(self.clone().adopt_then_deliver(update));
            return;
        };
        match sequencer.offer(applied, update) {
            Verdict::Stale => self.metrics.cluster.updates_stale.inc(),
            Verdict::Held { opened } => {
                self.metrics.cluster.updates_held.set(sequencer.held() as i64);
                if opened {
                    tokio::spawn(self.clone().repair_after(id, self.settings.reorder));
                }
            }
            Verdict::Ready(ready) => {
                for update in ready {
                    self.apply(update);
                }
                self.metrics.cluster.updates_held.set(sequencer.held() as i64);
            }
        }
    }

    /// Applies an update the sequencer let through; called with the sequencer locked, so that
    /// every worker's queue receives a match's updates in order.
    fn apply(&self, update: Committed) {
        let Committed { match_id, live, recent, committed_at } = update;
        let message = recent.update.clone();
        let seq = recent.seq;
        // A fixture change (`match` event) may move the match to another competition.
        let before = recent.meta_change.as_ref().and_then(|_| self.snapshots.get(match_id));
        let snapshot = self.snapshots.record_event(match_id, live, recent);
        let reach = snapshot.as_ref().map(|s| self.settings.window.reach(s));
        let left = snapshot.as_ref().and_then(|s| left_competition(before.as_deref(), s));
        let committed_at = Some(committed_at);
        self.publish(Broadcast { match_id, seq, message, committed_at, reach, left });
    }

    /// Brings a match created or changed outside its events (here or on another node; `before`
    /// is what this node held of it) to the `*` and competition subscribers that do not follow
    /// it yet, as its snapshot, when it is in their window; and lets go of it on connections that
    /// followed it only through a competition it left.
    pub fn introduce(&self, before: Option<&Snapshot>, snapshot: &Snapshot) {
        let reach = self.settings.window.reach(snapshot);
        let left = left_competition(before, snapshot);
        if !reach.brings && left.is_none() {
            return;
        }
        let (match_id, seq) = (snapshot.meta.id, snapshot.live.seq);
        let message = snapshot.encoded.clone();
        let reach = Some(reach);
        // In order with the match's updates, which are published under the same lock.
        let _sequencer = self.sequencer();
        self.publish(Broadcast { match_id, seq, message, committed_at: None, reach, left });
    }

    fn sequencer(&self) -> MutexGuard<'_, Sequencer> {
        self.sequencer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hands an event to every worker. Never blocks: a worker whose queue is full is told to skip to
    /// the latest state instead.
    fn publish(&self, broadcast: Broadcast) {
        let broadcast = Arc::new(broadcast);
        let mut inboxes = self.inboxes.lock().unwrap_or_else(|p| p.into_inner());
        inboxes.retain(|inbox| match inbox.queue.try_send(Delivery::Update(broadcast.clone())) {
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

    fn register_worker(&self) -> (mpsc::Receiver<Delivery>, Arc<AtomicBool>) {
        let (queue, rx) = mpsc::channel(self.settings.worker_queue.max(1));
        let lagged = Arc::new(AtomicBool::new(false));
        let inbox = Inbox { queue, lagged: lagged.clone() };
        self.inboxes.lock().unwrap_or_else(|p| p.into_inner()).push(inbox);
        (rx, lagged)
    }
}

/// The competition a match was in `before` (what this node held), when `after` is in another.
fn left_competition(before: Option<&Snapshot>, after: &Snapshot) -> Option<Arc<str>> {
    let before = before?.meta.competition.as_str();
    (before != after.meta.competition).then(|| Arc::from(before))
}

/// What a client subscribed to in its handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscription {
    /// Every match in play or within the window, and every match brought into it while connected.
    All,
    /// These matches, and every match of these competitions in play or within the window (never
    /// together with `All`).
    Matches(Vec<MatchId>, Vec<Arc<str>>),
}

/// A subscriber the `/ws` or `/sse` route accepted (for `/ws`, carried in the 101 response to the
/// upgrade service).
pub struct Admission {
    pub permit: Permit,
    pub subscription: Subscription,
    /// Matches to resume, with the last sequence number the client has of each.
    pub since: HashMap<MatchId, Seq>,
}
