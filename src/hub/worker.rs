//! A worker thread's share of the hub: its connections, the index of who follows what, and the
//! two loops that serve them (delivery of broadcasts, and a once-a-second sweep for heartbeats,
//! slow consumers and shutdown). `WorkerState` is owned here: every change to it is a method in
//! this file or in `follow.rs` (what a connection follows). Everything lives on one thread, so it
//! needs no locks.

mod audience;
mod follow;
pub(in crate::hub) mod wheel;

use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_http::ws::CloseCode;
use slab::Slab;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::conn::{Conn, Due, Kind, Offer, Wire};
use super::index::{Index, Key};
use super::replay::Missed;
use super::{Admission, Broadcast, Delivery, Hub, Subscription};
use crate::domain::MatchId;
use wheel::Wheel;

/// How often the sweep looks at the connections that have something due: the resolution of
/// heartbeats and deadlines.
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);
/// Broadcasts handled per wake-up of the delivery loop.
const DELIVERY_BATCH: usize = 64;
/// Sockets written before the delivery loop yields: about 8 ms of writes at ~8 us each, the longest
/// an HTTP answer or a client read on this thread waits behind a large fan-out.
const DELIVERY_SLICE: usize = 1024;
/// Bytes read from a socket at a time, into one buffer shared by the worker's connections.
const READ_SCRATCH: usize = 4096;

pub(super) struct WorkerState {
    hub: Arc<Hub>,
    this: Weak<RefCell<WorkerState>>,
    conns: Slab<Conn>,
    next_id: u64,
    index: Index,
    scratch: Box<[u8]>,
    written: Written,
    /// When the sweep next looks at each connection.
    wheel: Wheel,
    /// The keys one sweep looks at (kept to reuse its memory).
    due: Vec<Key>,
}

/// Messages and bytes written since the last report to the metrics (counted locally, reported
/// once per batch rather than once per socket write).
#[derive(Default)]
struct Written {
    ws: (u64, u64),
    sse: (u64, u64),
}

/// What one broadcast did on this worker.
#[derive(Default)]
struct Tally {
    messages: u64,
    bytes: u64,
    conflated: u64,
}

impl WorkerState {
    /// Creates a thread's state and starts its loops; call on that thread.
    pub(super) fn start(hub: Arc<Hub>) -> Rc<RefCell<Self>> {
        let (inbox, lagged) = hub.register_worker();
        let gauge = hub.metrics.ws_subscriptions.clone();
        let state = Rc::new_cyclic(|this| {
            RefCell::new(WorkerState {
                hub,
                this: this.clone(),
                conns: Slab::new(),
                next_id: 0,
                index: Index::new(gauge),
                scratch: vec![0; READ_SCRATCH].into_boxed_slice(),
                written: Written::default(),
                wheel: Wheel::new(Instant::now()),
                due: Vec::new(),
            })
        });
        tokio::task::spawn_local(deliver(state.clone(), inbox, lagged));
        tokio::task::spawn_local(sweep(state.clone()));
        state
    }
}

async fn deliver(
    state: Rc<RefCell<WorkerState>>,
    mut inbox: mpsc::Receiver<Delivery>,
    lagged: Arc<AtomicBool>,
) {
    let mut batch = Vec::with_capacity(DELIVERY_BATCH);
    let mut targets = Vec::new();
    let mut audience = audience::Pending::default();
    loop {
        // Updates first: audience news is told a slice at a time, only while none waits.
        if audience.is_empty() || !inbox.is_empty() {
            if inbox.recv_many(&mut batch, DELIVERY_BATCH).await == 0 {
                return;
            }
        } else {
            audience.tell_slice(&state);
            // Let this thread's other tasks (HTTP answers, client reads) run between slices.
            tokio::task::yield_now().await;
            continue;
        }
        if lagged.swap(false, Ordering::AcqRel) {
            state.borrow_mut().resync_all();
        }
        for delivery in batch.drain(..) {
            let broadcast = match delivery {
                Delivery::Update(broadcast) => broadcast,
                Delivery::Audience(news) => {
                    audience.push(news);
                    continue;
                }
            };
            if let Some(left) = &broadcast.left {
                state.borrow_mut().leave(&broadcast, left);
            }
            let competition = broadcast.reach.as_ref().map(|r| &*r.competition);
            state.borrow().index.targets(broadcast.match_id, competition, &mut targets);
            let mut tally = Tally::default();
            for (i, slice) in targets.chunks(DELIVERY_SLICE).enumerate() {
                if i > 0 {
                    // Let this thread's other tasks (HTTP answers, client reads) run between slices.
                    tokio::task::yield_now().await;
                }
                state.borrow_mut().offer(slice, &broadcast, &mut tally);
            }
            state.borrow_mut().delivered(&broadcast, tally);
        }
        state.borrow_mut().report();
    }
}

async fn sweep(state: Rc<RefCell<WorkerState>>) {
    let shutdown = state.borrow().hub.shutdown.clone();
    let mut every = tokio::time::interval(SWEEP_INTERVAL);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut closing_all = false;
    loop {
        tokio::select! {
            _ = every.tick() => {}
            () = shutdown.cancelled(), if !closing_all => {
                closing_all = true;
                state.borrow_mut().close_all();
            }
        }
        state.borrow_mut().sweep(Instant::now());
    }
}

impl WorkerState {
    /// Takes a new connection and subscribes it as admitted; returns its key and id.
    pub(super) fn attach(&mut self, wire: Wire, admission: Admission) -> (Key, u64) {
        self.next_id += 1;
        let id = self.next_id;
        if wire.kind() == Kind::Sse {
            self.hub.metrics.sse_connections.inc();
        }
        wire.set_dead_peer_timeout(self.hub.settings.limits.dead_peer_timeout);
        // A `*` subscriber (only ever one from its handshake) is not counted as watching.
        let watching = admission.subscription != Subscription::All;
        let followers = self.hub.followers.clone();
        let key = self.conns.insert(Conn::new(id, wire, admission.permit, followers, watching));
        match admission.subscription {
            Subscription::All => self.subscribe_all(key, &admission.since),
            Subscription::Matches(mut ids, competitions) => {
                // The admission checked the competitions: neither `*` nor too many.
                let _ = self.subscribe_competitions(key, &competitions, &admission.since);
                // Matches resumed beside competitions are followed by id unless a competition
                // brought them.
                for id in admission.since.keys() {
                    if !ids.contains(id) && !self.conns[key].follows(*id) {
                        ids.push(*id);
                    }
                }
                self.subscribe(key, &ids, &admission.since)
            }
        }
        if self.hub.is_shutting_down() {
            self.conns[key].close(CloseCode::Away, "server shutting down");
        }
        self.rearm(key);
        (key, id)
    }

    /// Offers a broadcast to some of its targets. A key may have been reused by a new connection
    /// since the targets were listed; that connection skips updates its snapshot already covers.
    fn offer(&mut self, targets: &[(Key, bool)], broadcast: &Broadcast, tally: &mut Tally) {
        let now = Instant::now();
        let Self { conns, index, hub, wheel, .. } = self;
        let limits = &hub.settings.limits;
        let reach = broadcast.reach.as_ref();
        let competition = reach.map(|r| &*r.competition);
        let brings = reach.is_some_and(|r| r.brings);
        let mut written = 0;
        for &(key, brought) in targets {
            let Some(conn) = conns.get_mut(key) else { continue };
            // The key may belong to a newer connection since the targets were listed.
            let introduce = brought && brings && index.brings(key, competition);
            let (id, seq, message) = (broadcast.match_id, broadcast.seq, &broadcast.message);
            let offer = conn.offer(id, seq, message, limits, introduce, now);
            if offer != Offer::Skipped {
                // Sent data awaits its receipt, or a ping rode along: a verdict may come sooner.
                wheel.arm(key, conn.next_due(limits));
            }
            match offer {
                Offer::Written(n) => {
                    written += 1;
                    tally.messages += 1;
                    tally.bytes += n as u64;
                }
                // SSE messages are counted when the response body takes them.
                Offer::Queued if conn.kind() == Kind::WebSocket => tally.messages += 1,
                Offer::Queued | Offer::Skipped => {}
                Offer::Conflated => tally.conflated += 1,
            }
        }
        // A match introduced is no commit: its snapshot has no delivery latency.
        if let Some(committed_at) = broadcast.committed_at.filter(|_| written > 0) {
            // Two clock readings per slice, none per socket (`metrics::DeliveryLatency`).
            let since = |at: Instant| at.saturating_duration_since(committed_at);
            let latency = (since(now).as_secs_f64(), since(Instant::now()).as_secs_f64());
            hub.metrics.delivery_latency.observe_spread(written, latency.0, latency.1);
        }
    }

    fn delivered(&mut self, broadcast: &Broadcast, tally: Tally) {
        let metrics = &self.hub.metrics;
        if let Some(committed_at) = broadcast.committed_at {
            metrics.fanout_duration.observe(committed_at.elapsed().as_secs_f64());
        }
        metrics.ws_conflated.inc_by(tally.conflated);
        self.written.ws.0 += tally.messages;
        self.written.ws.1 += tally.bytes;
    }

    /// After lost broadcasts: every client whose copy of a match is older than the latest snapshot
    /// gets that snapshot.
    fn resync_all(&mut self) {
        let limits = &self.hub.settings.limits;
        for (key, conn) in self.conns.iter_mut() {
            let followed: Vec<MatchId> = conn.followed().collect();
            for id in followed {
                if let Some(snapshot) = self.hub.snapshots.get(id) {
                    conn.resync(id, snapshot.live.seq);
                }
            }
            self.wheel.arm(key, conn.next_due(limits));
        }
    }

    fn close_all(&mut self) {
        let limits = &self.hub.settings.limits;
        for (key, conn) in self.conns.iter_mut() {
            conn.close(CloseCode::Away, "server shutting down");
            self.wheel.arm(key, conn.next_due(limits));
        }
    }

    /// After a change to connection `key` that may bring its next verdict closer (data sent, a
    /// ping, a close, a queue waiting): makes sure the sweep looks at it in time.
    pub(super) fn rearm(&mut self, key: Key) {
        if let Some(conn) = self.conns.get(key) {
            self.wheel.arm(key, conn.next_due(&self.hub.settings.limits));
        }
    }

    /// Does what is due on the connections the wheel brings (exactly those the same look at
    /// every connection would find: `wheel::tests`), and arms each again.
    fn sweep(&mut self, now: Instant) {
        let Self { conns, hub, wheel, due, .. } = self;
        let limits = &hub.settings.limits;
        let metrics = &hub.metrics;
        wheel.take_due(now, due);
        for key in due.drain(..) {
            let Some(conn) = conns.get_mut(key) else { continue };
            match conn.due(now, limits) {
                None => {}
                Some(Due::Ping) => conn.ping(now),
                Some(Due::HeartbeatTimeout) => {
                    metrics.ws_heartbeat_timeouts.inc();
                    conn.close(CloseCode::Policy, "no answer to ping");
                }
                Some(Due::TooSlow) => {
                    metrics.ws_slow_consumers.inc();
                    conn.close(CloseCode::Again, "too slow: not reading updates");
                }
                Some(Due::Drop) => conn.abandon(),
            }
            wheel.arm(key, conn.next_due(limits));
        }
        #[cfg(debug_assertions)]
        for (key, conn) in conns.iter() {
            let next = conn.next_due(limits);
            assert!(wheel.holds(key, next), "connection {key} due at {next:?} is not in the wheel");
        }
        self.report();
    }

    /// Moves locally counted writes into the shared metrics (once per batch, not per socket write).
    fn report(&mut self) {
        let Written { ws, sse } = std::mem::take(&mut self.written);
        let metrics = &self.hub.metrics;
        metrics.ws_messages_sent.inc_by(ws.0);
        metrics.ws_bytes_sent.inc_by(ws.1);
        metrics.sse_messages_sent.inc_by(sse.0);
        metrics.sse_bytes_sent.inc_by(sse.1);
    }

    /// Forgets a finished connection; dropping it closes the socket and frees its permit.
    pub(super) fn remove(&mut self, key: Key, id: u64) {
        if self.conn(key, id).is_none() {
            return;
        }
        let conn = self.conns.remove(key);
        self.wheel.forget(key);
        if conn.kind() == Kind::Sse {
            self.hub.metrics.sse_connections.dec();
        }
        self.index.forget(key, conn.followed());
        self.report();
    }

    // --- for the handles of connections (`handle.rs`) ---

    /// The connection at `key`, if it is still the one numbered `id` (keys are reused).
    pub(super) fn conn(&mut self, key: Key, id: u64) -> Option<&mut Conn> {
        self.conns.get_mut(key).filter(|c| c.id() == id)
    }

    /// The connection, with the read buffer this worker's connections share.
    pub(super) fn reader(&mut self, key: Key, id: u64) -> Option<(&mut Conn, &mut [u8])> {
        let Self { conns, scratch, .. } = self;
        Some((conns.get_mut(key).filter(|c| c.id() == id)?, scratch))
    }

    pub(super) fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Counts bytes a connection's own task wrote, and for SSE the messages its body took.
    pub(super) fn wrote(&mut self, kind: Kind, messages: u64, bytes: u64) {
        let counter = match kind {
            Kind::WebSocket => &mut self.written.ws,
            Kind::Sse => &mut self.written.sse,
        };
        counter.0 += messages;
        counter.1 += bytes;
    }
}

/// Which resume a replay belongs to: the connection (key and id) and its resume of one match.
struct Resume {
    key: Key,
    conn_id: u64,
    match_id: MatchId,
    token: u32,
}

/// Waits for a resume's missed updates, then hands them to the connection, if it is still there.
async fn finish_replay(
    state: Weak<RefCell<WorkerState>>,
    resume: Resume,
    missed: impl std::future::Future<Output = Missed>,
) {
    let missed = missed.await;
    let Some(state) = state.upgrade() else { return };
    let mut state = state.borrow_mut();
    let snapshots = state.hub.snapshots.clone();
    let Some(conn) = state.conn(resume.key, resume.conn_id) else { return };
    let events = missed.as_ref().map(|events| events.as_slice());
    let finished = conn.finish_replay(resume.match_id, resume.token, events, &snapshots);
    state.rearm(resume.key);
    let Some(outcome) = finished else { return };
    let metrics = &state.hub.metrics;
    let label = if outcome.recovered { "recovered" } else { "not_recovered" };
    metrics.resumes.with_label_values(&[label]).inc();
    metrics.events_replayed.inc_by(outcome.replayed as u64);
}
