//! Subscribing and unsubscribing a connection on its worker: the snapshot or the replay of what
//! it missed first, then live updates.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Weak;

use actix_http::ws::CloseCode;

use super::replay::Missed;
use super::worker::WorkerState;
use crate::domain::{MatchId, Status};
use crate::protocol;
use crate::snapshots::Snapshot;

impl WorkerState {
    /// Subscribes `key` to `ids`: each known match's snapshot first, then its updates. A match in
    /// `since` is resumed instead: the updates after that sequence number, then live ones.
    pub fn subscribe(&mut self, key: usize, ids: &[MatchId], since: &HashMap<MatchId, i64>) {
        let max = self.hub.settings.limits.max_subscriptions;
        for &id in ids {
            let conn = &mut self.conns[key];
            if conn.subs.iter().any(|(m, _)| *m == id) {
                continue;
            }
            if !conn.wildcard && conn.subs.len() >= max {
                conn.close(CloseCode::Policy, &format!("too many subscriptions (limit {max})"));
                return;
            }
            let Some(snapshot) = self.hub.snapshots.get(id) else {
                conn.send(&protocol::error("unknown_match", "there is no such match", Some(id)));
                continue;
            };
            self.follow(key, &snapshot, since.get(&id).copied());
            self.by_match.entry(id).or_default().insert(key);
            self.hub.metrics.ws_subscriptions.inc();
        }
    }

    /// Subscribes `key` to every match: those live now, and those it resumes (which may have
    /// ended meanwhile), then every update of any match.
    pub fn subscribe_all(&mut self, key: usize, since: &HashMap<MatchId, i64>) {
        if self.conns[key].wildcard {
            return;
        }
        self.conns[key].wildcard = true;
        let mut matches = self.hub.snapshots.all();
        matches.retain(|s| {
            matches!(s.live.status, Status::Live | Status::HalfTime)
                || since.contains_key(&s.meta.id)
        });
        matches.sort_by_key(|s| s.meta.id);
        for snapshot in matches {
            if !self.conns[key].subs.iter().any(|(m, _)| *m == snapshot.meta.id) {
                self.follow(key, &snapshot, since.get(&snapshot.meta.id).copied());
            }
        }
        self.wildcard.insert(key);
        self.hub.metrics.ws_subscriptions.inc();
    }

    /// Starts following one match: replays what the client missed after `since`, or sends the
    /// current snapshot.
    fn follow(&mut self, key: usize, snapshot: &Snapshot, since: Option<i64>) {
        let conn = &mut self.conns[key];
        let id = snapshot.meta.id;
        match since {
            Some(since) => {
                // Subscribed (and buffering) before the replay is read: nothing falls between.
                conn.start_replay(id, since);
                let missed = self.hub.replays.missed(id, since, snapshot.live.seq);
                let (this, conn_id) = (self.this.clone(), conn.id);
                tokio::task::spawn_local(finish_replay(this, key, conn_id, id, missed));
            }
            None => {
                conn.subs.push((id, snapshot.live.seq));
                conn.send(&snapshot.encoded);
            }
        }
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

    pub(super) fn unindex(&mut self, key: usize, id: MatchId) {
        if let Some(followers) = self.by_match.get_mut(&id) {
            if followers.remove(&key) {
                self.hub.metrics.ws_subscriptions.dec();
            }
            if followers.is_empty() {
                self.by_match.remove(&id);
            }
        }
    }
}

/// Waits for a resume's missed updates, then hands them to the connection, if it is still there.
async fn finish_replay(
    state: Weak<RefCell<WorkerState>>,
    key: usize,
    conn_id: u64,
    match_id: MatchId,
    missed: impl std::future::Future<Output = Missed>,
) {
    let missed = missed.await;
    let Some(state) = state.upgrade() else { return };
    let mut state = state.borrow_mut();
    let state = &mut *state;
    let Some(conn) = state.conns.get_mut(key).filter(|c| c.id == conn_id) else { return };
    let events = missed.as_ref().map(|events| events.as_slice());
    let Some((recovered, replayed)) = conn.finish_replay(match_id, events, &state.hub.snapshots)
    else {
        return;
    };
    let metrics = &state.hub.metrics;
    let outcome = if recovered { "recovered" } else { "not_recovered" };
    metrics.resumes.with_label_values(&[outcome]).inc();
    metrics.events_replayed.inc_by(replayed as u64);
}
