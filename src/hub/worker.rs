//! A worker thread's share of the hub: its connections, the index of who follows which match, and
//! the two loops that serve them (delivery of broadcasts, and a once-a-second sweep for heartbeats,
//! slow consumers and shutdown). Everything here lives on one thread, so it needs no locks.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_http::ws::CloseCode;
use bytes::BytesMut;
use slab::Slab;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::conn::{Conn, Due, Offer};
use super::{session, Admission, Broadcast, Hub, Subscription};
use crate::domain::{MatchId, Status};

/// How often the sweep looks at every connection: the resolution of heartbeats and deadlines.
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);
/// Broadcasts handled per wake-up of the delivery loop.
const DELIVERY_BATCH: usize = 64;
/// Bytes read from a socket at a time, into one buffer shared by the worker's connections.
const READ_SCRATCH: usize = 4096;

/// This thread's handle on its share of the hub.
#[derive(Clone)]
pub struct Worker {
    state: Rc<RefCell<WorkerState>>,
}

pub(super) struct WorkerState {
    pub hub: Arc<Hub>,
    pub conns: Slab<Conn>,
    by_match: HashMap<MatchId, HashSet<usize>>,
    wildcard: HashSet<usize>,
    pub scratch: Box<[u8]>,
    /// Messages and bytes written since the last report to the metrics.
    written: (u64, u64),
}

impl Worker {
    /// Creates this thread's worker and starts its loops; call on the worker thread.
    pub fn start(hub: Arc<Hub>) -> Self {
        let (inbox, lagged) = hub.register_worker();
        let state = Rc::new(RefCell::new(WorkerState {
            hub,
            conns: Slab::new(),
            by_match: HashMap::new(),
            wildcard: HashSet::new(),
            scratch: vec![0; READ_SCRATCH].into_boxed_slice(),
            written: (0, 0),
        }));
        tokio::task::spawn_local(deliver(state.clone(), inbox, lagged));
        tokio::task::spawn_local(sweep(state.clone()));
        Self { state }
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
            let key = state
                .conns
                .insert(Conn::new(stream, read_buf, max_frame, admission.permit));
            match admission.subscription {
                Subscription::All => state.subscribe_all(key),
                Subscription::Matches(ids) => state.subscribe(key, &ids),
            }
            if state.hub.is_shutting_down() {
                state.conns[key].close(CloseCode::Away, "server shutting down");
            }
            key
        };
        tokio::task::spawn_local(session::run(self.state.clone(), key));
    }
}

async fn deliver(
    state: Rc<RefCell<WorkerState>>,
    mut inbox: mpsc::Receiver<Arc<Broadcast>>,
    lagged: Arc<AtomicBool>,
) {
    let mut batch = Vec::with_capacity(DELIVERY_BATCH);
    while inbox.recv_many(&mut batch, DELIVERY_BATCH).await > 0 {
        let mut state = state.borrow_mut();
        if lagged.swap(false, Ordering::AcqRel) {
            state.resync_all();
        }
        for broadcast in batch.drain(..) {
            state.deliver(&broadcast);
        }
        state.report();
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
                for (_, conn) in state.borrow_mut().conns.iter_mut() {
                    conn.close(CloseCode::Away, "server shutting down");
                }
            }
        }
        state.borrow_mut().sweep(Instant::now());
    }
}

impl WorkerState {
    fn deliver(&mut self, broadcast: &Broadcast) {
        let max_pending = self.hub.settings.limits.max_pending_bytes;
        let (mut messages, mut bytes, mut conflated) = (0u64, 0u64, 0u64);
        let followers = self.by_match.get(&broadcast.match_id).into_iter().flatten();
        for key in followers.chain(self.wildcard.iter()) {
            let Some(conn) = self.conns.get_mut(*key) else {
                continue;
            };
            match conn.offer(
                broadcast.match_id,
                broadcast.seq,
                &broadcast.frame,
                max_pending,
            ) {
                Offer::Written(n) => {
                    messages += 1;
                    bytes += n as u64;
                }
                Offer::Queued => messages += 1,
                Offer::Conflated => conflated += 1,
                Offer::Skipped => {}
            }
        }
        let metrics = &self.hub.metrics;
        metrics
            .fanout_duration
            .observe(broadcast.committed_at.elapsed().as_secs_f64());
        metrics.ws_conflated.inc_by(conflated);
        self.written.0 += messages;
        self.written.1 += bytes;
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
                    conn.phase = super::conn::Phase::Done;
                    conn.wake();
                }
            }
        }
        self.report();
    }

    /// Moves locally counted writes into the shared metrics (once per batch, not per socket write).
    pub fn report(&mut self) {
        let (messages, bytes) = std::mem::take(&mut self.written);
        self.hub.metrics.ws_messages_sent.inc_by(messages);
        self.hub.metrics.ws_bytes_sent.inc_by(bytes);
    }

    pub fn count_written(&mut self, bytes: usize) {
        self.written.1 += bytes as u64;
    }

    /// Subscribes `key` to `ids`: each known match's snapshot first, then its updates.
    pub fn subscribe(&mut self, key: usize, ids: &[MatchId]) {
        let max = self.hub.settings.limits.max_subscriptions;
        for &id in ids {
            let conn = &mut self.conns[key];
            if conn.subs.iter().any(|(m, _)| *m == id) {
                continue;
            }
            if !conn.wildcard && conn.subs.len() >= max {
                conn.close(
                    CloseCode::Policy,
                    &format!("too many subscriptions (limit {max})"),
                );
                return;
            }
            let Some(snapshot) = self.hub.snapshots.get(id) else {
                conn.send(crate::protocol::error_frame(
                    "unknown_match",
                    "there is no such match",
                    Some(id),
                ));
                continue;
            };
            conn.subs.push((id, snapshot.live.seq));
            conn.send(snapshot.frame.clone());
            self.by_match.entry(id).or_default().insert(key);
            self.hub.metrics.ws_subscriptions.inc();
        }
    }

    /// Subscribes `key` to every match: the snapshots of those live now, then every update.
    pub fn subscribe_all(&mut self, key: usize) {
        let conn = &mut self.conns[key];
        if conn.wildcard {
            return;
        }
        conn.wildcard = true;
        let mut live = self.hub.snapshots.all();
        live.retain(|s| matches!(s.live.status, Status::Live | Status::HalfTime));
        live.sort_by_key(|s| s.meta.id);
        for snapshot in live {
            if !conn.subs.iter().any(|(m, _)| *m == snapshot.meta.id) {
                conn.subs.push((snapshot.meta.id, snapshot.live.seq));
                conn.send(snapshot.frame.clone());
            }
        }
        self.wildcard.insert(key);
        self.hub.metrics.ws_subscriptions.inc();
    }

    pub fn unsubscribe(&mut self, key: usize, ids: &[MatchId]) {
        for id in ids {
            let conn = &mut self.conns[key];
            let before = conn.subs.len();
            conn.subs.retain(|(m, _)| m != id);
            if conn.subs.len() < before {
                self.unindex(key, *id);
            }
        }
    }

    fn unindex(&mut self, key: usize, id: MatchId) {
        if let Some(followers) = self.by_match.get_mut(&id) {
            if followers.remove(&key) {
                self.hub.metrics.ws_subscriptions.dec();
            }
            if followers.is_empty() {
                self.by_match.remove(&id);
            }
        }
    }

    /// Forgets a finished connection; dropping it closes the socket and frees its permit.
    pub fn remove(&mut self, key: usize) {
        let conn = self.conns.remove(key);
        for (id, _) in &conn.subs {
            self.unindex(key, *id);
        }
        if self.wildcard.remove(&key) {
            self.hub.metrics.ws_subscriptions.dec();
        }
        self.report();
    }
}
