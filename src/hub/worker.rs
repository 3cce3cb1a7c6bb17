//! A worker thread's share of the hub: its connections, the index of who follows which match, and
//! the two loops that serve them (delivery of broadcasts, and a once-a-second sweep for heartbeats,
//! slow consumers and shutdown). Everything here lives on one thread, so it needs no locks.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_http::ws::CloseCode;
use bytes::BytesMut;
use slab::Slab;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::conn::{Conn, Due, Offer, Phase};
use super::{session, sse::SseBody, Admission, Broadcast, Hub, Subscription};
use crate::domain::MatchId;

/// How often the sweep looks at every connection: the resolution of heartbeats and deadlines.
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);
/// Broadcasts handled per wake-up of the delivery loop.
const DELIVERY_BATCH: usize = 64;
/// Sockets written before the delivery loop yields: about 8 ms of writes at ~8 us each, the longest
/// an HTTP answer or a client read on this thread waits behind a large fan-out.
const DELIVERY_SLICE: usize = 1024;
/// Bytes read from a socket at a time, into one buffer shared by the worker's connections.
const READ_SCRATCH: usize = 4096;

/// This thread's handle on its share of the hub.
#[derive(Clone)]
pub struct Worker {
    state: Rc<RefCell<WorkerState>>,
}

thread_local! {
    /// The worker of this HTTP worker thread, for routes (SSE) that subscribe from a handler.
    static CURRENT: RefCell<Option<Worker>> = const { RefCell::new(None) };
}

/// Messages and bytes written since the last report to the metrics (counted locally, reported
/// once per batch rather than once per socket write).
#[derive(Default)]
pub(super) struct Written {
    pub ws: (u64, u64),
    pub sse: (u64, u64),
}

pub(super) struct WorkerState {
    pub hub: Arc<Hub>,
    pub(super) this: Weak<RefCell<WorkerState>>,
    pub conns: Slab<Conn>,
    next_id: u64,
    pub(super) by_match: HashMap<MatchId, HashSet<usize>>,
    pub(super) wildcard: HashSet<usize>,
    pub scratch: Box<[u8]>,
    pub written: Written,
}

impl Worker {
    /// Creates this thread's worker and starts its loops; call on the worker thread.
    pub fn start(hub: Arc<Hub>) -> Self {
        let (inbox, lagged) = hub.register_worker();
        let state = Rc::new_cyclic(|this| {
            RefCell::new(WorkerState {
                hub,
                this: this.clone(),
                conns: Slab::new(),
                next_id: 0,
                by_match: HashMap::new(),
                wildcard: HashSet::new(),
                scratch: vec![0; READ_SCRATCH].into_boxed_slice(),
                written: Written::default(),
            })
        });
        tokio::task::spawn_local(deliver(state.clone(), inbox, lagged));
        tokio::task::spawn_local(sweep(state.clone()));
        let worker = Self { state };
        CURRENT.with(|current| *current.borrow_mut() = Some(worker.clone()));
        worker
    }

    /// The worker of the current thread, once it has started.
    pub fn current() -> Option<Self> {
        CURRENT.with(|current| current.borrow().clone())
    }

    /// Takes over an upgraded socket (and any bytes already read from it) and serves it.
    pub fn accept(&self, stream: TcpStream, read_buf: BytesMut, admission: Admission) {
        let key = {
            let mut state = self.state.borrow_mut();
            let send_buffer = state.hub.settings.send_buffer_bytes;
            if send_buffer > 0 {
                let _ = socket2::SockRef::from(&stream).set_send_buffer_size(send_buffer);
            }
            let max_frame = state.hub.settings.limits.max_frame_bytes;
            // The dispatcher's read buffer has 8 KiB of capacity: keep only the bytes in it.
            let read_buf =
                if read_buf.is_empty() { BytesMut::new() } else { BytesMut::from(&read_buf[..]) };
            let id = state.new_id();
            let conn = Conn::websocket(id, stream, read_buf, max_frame, admission.permit);
            let key = state.conns.insert(conn);
            state.admit(key, admission.subscription, &admission.since);
            key
        };
        tokio::task::spawn_local(session::run(self.state.clone(), key));
    }

    /// Registers an SSE subscriber; the returned body streams its messages.
    pub fn accept_sse(&self, admission: Admission) -> SseBody {
        let mut state = self.state.borrow_mut();
        let id = state.new_id();
        let key = state.conns.insert(Conn::sse(id, admission.permit));
        state.hub.metrics.sse_connections.inc();
        state.admit(key, admission.subscription, &admission.since);
        SseBody::new(self.state.clone(), key, id)
    }
}

async fn deliver(
    state: Rc<RefCell<WorkerState>>,
    mut inbox: mpsc::Receiver<Arc<Broadcast>>,
    lagged: Arc<AtomicBool>,
) {
    let mut batch = Vec::with_capacity(DELIVERY_BATCH);
    let mut targets = Vec::new();
    while inbox.recv_many(&mut batch, DELIVERY_BATCH).await > 0 {
        if lagged.swap(false, Ordering::AcqRel) {
            state.borrow_mut().resync_all();
        }
        for broadcast in batch.drain(..) {
            state.borrow().targets(broadcast.match_id, &mut targets);
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

/// What one broadcast did on this worker.
#[derive(Default)]
struct Tally {
    messages: u64,
    bytes: u64,
    conflated: u64,
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
                for (_, conn) in state.borrow_mut().conns.iter_mut() {
                    conn.close(CloseCode::Away, "server shutting down");
                }
            }
        }
        state.borrow_mut().sweep(Instant::now());
    }
}

impl WorkerState {
    fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn admit(&mut self, key: usize, subscription: Subscription, since: &HashMap<MatchId, i64>) {
        match subscription {
            Subscription::All => self.subscribe_all(key, since),
            Subscription::Matches(ids) => self.subscribe(key, &ids, since),
        }
        if self.hub.is_shutting_down() {
            self.conns[key].close(CloseCode::Away, "server shutting down");
        }
    }

    /// The connections that may want an update of `match_id`: its followers and `*` subscribers.
    fn targets(&self, match_id: MatchId, into: &mut Vec<usize>) {
        into.clear();
        into.extend(self.by_match.get(&match_id).into_iter().flatten());
        into.extend(self.wildcard.iter());
    }

    /// Offers a broadcast to some of its targets. A key may have been reused by a new connection
    /// since the targets were listed; that connection skips updates its snapshot already covers.
    fn offer(&mut self, keys: &[usize], broadcast: &Broadcast, tally: &mut Tally) {
        let max_pending = self.hub.settings.limits.max_pending_bytes;
        for key in keys {
            let Some(conn) = self.conns.get_mut(*key) else { continue };
            match conn.offer(broadcast.match_id, broadcast.seq, &broadcast.message, max_pending) {
                Offer::Written(n) => {
                    tally.messages += 1;
                    tally.bytes += n as u64;
                }
                // SSE bytes are counted when the response body takes them.
                Offer::Queued if !conn.is_sse() => tally.messages += 1,
                Offer::Queued => {}
                Offer::Conflated => tally.conflated += 1,
                Offer::Skipped => {}
            }
        }
    }

    fn delivered(&mut self, broadcast: &Broadcast, tally: Tally) {
        let metrics = &self.hub.metrics;
        metrics.fanout_duration.observe(broadcast.committed_at.elapsed().as_secs_f64());
        metrics.ws_conflated.inc_by(tally.conflated);
        self.written.ws.0 += tally.messages;
        self.written.ws.1 += tally.bytes;
    }

    /// After lost broadcasts: every client whose copy of a match is older than the latest snapshot
    /// gets that snapshot.
    fn resync_all(&mut self) {
        for (_, conn) in self.conns.iter_mut() {
            let subs: Vec<MatchId> = conn.subs.iter().map(|(m, _)| *m).collect();
            for match_id in subs {
                if let Some(snapshot) = self.hub.snapshots.get(match_id) {
                    conn.resync(match_id, snapshot.live.seq);
                }
            }
        }
    }

    fn sweep(&mut self, now: Instant) {
        let limits = self.hub.settings.limits.clone();
        let metrics = self.hub.metrics.clone();
        for (_, conn) in self.conns.iter_mut() {
            match conn.due(now, &limits) {
                None => {}
                Some(Due::Ping) => conn.ping(now),
                Some(Due::HeartbeatTimeout) => {
                    metrics.ws_heartbeat_timeouts.inc();
                    conn.close(CloseCode::Policy, "no answer to ping");
                    conn.wake();
                }
                Some(Due::TooSlow) => {
                    metrics.ws_slow_consumers.inc();
                    conn.close(CloseCode::Again, "too slow: not reading updates");
                    conn.wake();
                }
                Some(Due::Drop) => {
                    conn.phase = Phase::Done;
                    conn.wake();
                }
            }
        }
        self.report();
    }

    /// Moves locally counted writes into the shared metrics (once per batch, not per socket write).
    pub fn report(&mut self) {
        let Written { ws, sse } = std::mem::take(&mut self.written);
        let metrics = &self.hub.metrics;
        metrics.ws_messages_sent.inc_by(ws.0);
        metrics.ws_bytes_sent.inc_by(ws.1);
        metrics.sse_messages_sent.inc_by(sse.0);
        metrics.sse_bytes_sent.inc_by(sse.1);
    }

    /// Forgets a finished connection; dropping it closes the socket and frees its permit.
    pub fn remove(&mut self, key: usize) {
        let conn = self.conns.remove(key);
        if conn.is_sse() {
            self.hub.metrics.sse_connections.dec();
        }
        for (id, _) in &conn.subs {
            self.unindex(key, *id);
        }
        if self.wildcard.remove(&key) {
            self.hub.metrics.ws_subscriptions.dec();
        }
        self.report();
    }
}
