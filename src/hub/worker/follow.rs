//! What a connection follows: matches by id, every match (`*`), or competitions. Matches brought
//! by `*` or a competition are followed without an entry in the index's match lists (a board of
//! every match would otherwise cost an entry per connection per match); their updates reach the
//! connection through the `*` and competition lists instead.

use std::collections::HashMap;
use std::sync::Arc;

use actix_http::ws::CloseCode;
use time::OffsetDateTime;

use super::{finish_replay, Key, Resume, WorkerState};
use crate::domain::{MatchId, Seq};
use crate::hub::Broadcast;
use crate::snapshots::Snapshot;

/// Why a competition subscription was refused without closing the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::hub) enum CompetitionRefusal {
    /// A `*` subscriber is brought every match already; competitions would change nothing.
    Wildcard,
}

impl WorkerState {
    /// Subscribes `key` to `ids`: each known match's snapshot first, then its updates. A match in
    /// `since` is resumed instead: the updates after that sequence number, then live ones.
    pub(in crate::hub) fn subscribe(
        &mut self,
        key: Key,
        ids: &[MatchId],
        since: &HashMap<MatchId, Seq>,
    ) {
        self.subscribe_found(key, ids, since, &[]);
    }

    /// `subscribe`, with the snapshots of matches just looked up in the database (`found`),
    /// which this node may not hold any more.
    fn subscribe_found(
        &mut self,
        key: Key,
        ids: &[MatchId],
        since: &HashMap<MatchId, Seq>,
        found: &[Arc<Snapshot>],
    ) {
        let max = self.hub.settings.limits.max_subscriptions;
        let wildcard = self.index.is_wildcard(key);
        let mut counted = self.followed_by_id(key);
        let mut unknown = Vec::new();
        for &id in ids {
            let conn = &mut self.conns[key];
            let brought = conn.follows(id);
            if brought && (wildcard || self.index.follows(key, id)) {
                continue;
            }
            if !wildcard && counted >= max {
                conn.close(CloseCode::Policy, &format!("too many subscriptions (limit {max})"));
                return;
            }
            if brought {
                // Brought by a competition, and now named: it stays when the competition goes.
                self.index.follow(key, id);
                counted += 1;
                continue;
            }
            let looked_up = || {
                let snapshot = found.iter().find(|s| s.meta.id == id)?.clone();
                // Followed from now on, so kept in memory whatever the cold cache let go.
                self.hub.snapshots.restore(snapshot.clone());
                Some(snapshot)
            };
            let Some(snapshot) = self.hub.snapshots.get(id).or_else(looked_up) else {
                // Not in memory: an old match (read into the cold cache), one another node just
                // created, or none at all.
                unknown.push(id);
                continue;
            };
            self.follow(key, &snapshot, since.get(&id).copied());
            self.index.follow(key, id);
            counted += 1;
        }
        if !unknown.is_empty() {
            // Ids this node does not hold: looked up in the database, then subscribed (as this
            // connection now follows them, they stay in memory while it does).
            let (state, conn_id) = (self.this.clone(), self.conns[key].id());
            let (catalog, since) = (self.hub.catalog.clone(), since.clone());
            tokio::task::spawn_local(async move {
                let (found, missing) = crate::hub::lookup::resolve(catalog, unknown).await;
                let Some(state) = state.upgrade() else { return };
                let mut state = state.borrow_mut();
                let Some(conn) = state.conn(key, conn_id) else { return };
                for id in missing {
                    conn.send(&crate::hub::lookup::unknown_match(id));
                }
                let ids: Vec<MatchId> = found.iter().map(|s| s.meta.id).collect();
                state.subscribe_found(key, &ids, &since, &found);
                state.rearm(key);
            });
        }
    }

    /// The matches `key` follows by id (those `*` or its competitions brought aside).
    fn followed_by_id(&self, key: Key) -> usize {
        let conn = &self.conns[key];
        if self.index.competitions(key).is_empty() {
            return conn.subscription_count();
        }
        conn.followed().filter(|id| self.index.follows(key, *id)).count()
    }

    /// Subscribes `key` to every match: those in play or within the window now, and those it
    /// resumes (which may have ended meanwhile), then every match brought into the window.
    pub(in crate::hub) fn subscribe_all(&mut self, key: Key, since: &HashMap<MatchId, Seq>) {
        if !self.index.follow_all(key) {
            return;
        }
        let window = self.hub.settings.window;
        let now = OffsetDateTime::now_utc();
        let matches =
            self.hub.snapshots.select(|s| window.holds(s, now) || since.contains_key(&s.meta.id));
        self.follow_brought(key, matches, since);
    }

    /// Subscribes `key` to `competitions`: the snapshots of their matches in play or within the
    /// window (or resumed, when in `since`), then their updates, then every match of them brought
    /// into the window. More than `--ws-max-competitions` in all closes the connection (1008).
    pub(in crate::hub) fn subscribe_competitions(
        &mut self,
        key: Key,
        competitions: &[Arc<str>],
        since: &HashMap<MatchId, Seq>,
    ) -> Result<(), CompetitionRefusal> {
        if competitions.is_empty() {
            return Ok(());
        }
        if self.index.is_wildcard(key) {
            return Err(CompetitionRefusal::Wildcard);
        }
        let max = self.hub.settings.limits.max_competitions;
        let followed = self.index.competitions(key);
        let mut new: Vec<Arc<str>> = Vec::new();
        for name in competitions {
            if !followed.contains(name) && !new.contains(name) {
                new.push(name.clone());
            }
        }
        if followed.len() + new.len() > max {
            let conn = &mut self.conns[key];
            conn.close(CloseCode::Policy, &format!("too many competitions (limit {max})"));
            return Ok(());
        }
        for name in &new {
            self.index.follow_competition(key, name);
        }
        let window = self.hub.settings.window;
        let now = OffsetDateTime::now_utc();
        let matches = self.hub.snapshots.select(|s| {
            new.iter().any(|c| **c == *s.meta.competition)
                && (window.holds(s, now) || since.contains_key(&s.meta.id))
        });
        self.follow_brought(key, matches, since);
        Ok(())
    }

    /// Starts following `matches` (in id order) as brought by `*` or a competition, skipping
    /// those already followed.
    fn follow_brought(
        &mut self,
        key: Key,
        mut matches: Vec<Arc<Snapshot>>,
        since: &HashMap<MatchId, Seq>,
    ) {
        matches.sort_by_key(|s| s.meta.id);
        for snapshot in matches {
            if !self.conns[key].follows(snapshot.meta.id) {
                self.follow(key, &snapshot, since.get(&snapshot.meta.id).copied());
            }
        }
    }

    /// Stops following `competitions`, and their matches that were not named by id.
    pub(in crate::hub) fn unsubscribe_competitions(&mut self, key: Key, competitions: &[Arc<str>]) {
        for name in competitions {
            if !self.index.unfollow_competition(key, name) {
                continue;
            }
            let Self { conns, index, hub, .. } = self;
            let conn = &mut conns[key];
            let brought: Vec<MatchId> = conn
                .followed()
                .filter(|id| !index.follows(key, *id))
                .filter(|id| hub.snapshots.get(*id).is_some_and(|s| *s.meta.competition == **name))
                .collect();
            for id in brought {
                conn.stop(id, false);
            }
        }
    }

    /// A match moved out of `left`: connections that followed it only through that competition
    /// (not by id, not through its new one) get the message that moved it (its `match` update,
    /// or its snapshot), which names its new competition, and follow it no more.
    pub(in crate::hub) fn leave(&mut self, broadcast: &Broadcast, left: &str) {
        let id = broadcast.match_id;
        let competition = broadcast.reach.as_ref().map(|r| &*r.competition);
        for key in self.index.subscribers(left) {
            if self.index.follows(key, id) || self.index.brings(key, competition) {
                continue;
            }
            let Some(conn) = self.conns.get_mut(key) else { continue };
            if conn.follows(id) {
                conn.send(&broadcast.message);
                conn.stop(id, false);
                self.rearm(key);
            }
        }
    }

    /// Starts following one match: replays what the client missed after `since`, or sends the
    /// current snapshot.
    fn follow(&mut self, key: Key, snapshot: &Snapshot, since: Option<Seq>) {
        let conn = &mut self.conns[key];
        let Some(since) = since else {
            conn.start(snapshot);
            return;
        };
        // Subscribed (and holding live updates) before the replay is read: nothing falls between.
        let id = snapshot.meta.id;
        let token = conn.start_replay(id, since);
        let missed = self.hub.clone().missed(id, since, snapshot.live.seq);
        let resume = Resume { key, conn_id: conn.id(), match_id: id, token };
        tokio::task::spawn_local(finish_replay(self.this.clone(), resume, missed));
    }

    /// Stops updates of `ids`; under `*` or competitions too, until the client subscribes to them
    /// again (at most `--ws-max-subscriptions` matches declined that way, beyond which the
    /// connection is closed as for too many subscriptions).
    pub(in crate::hub) fn unsubscribe(&mut self, key: Key, ids: &[MatchId]) {
        let max = self.hub.settings.limits.max_subscriptions;
        let wildcard = self.index.is_wildcard(key);
        let brings = wildcard || !self.index.competitions(key).is_empty();
        let through = if wildcard { "*" } else { "competitions" };
        for &id in ids {
            let conn = &mut self.conns[key];
            // Only a match that exists can come back through `*` or a competition.
            let decline = brings && self.hub.snapshots.contains(id);
            if decline && conn.declined() >= max {
                conn.close(
                    CloseCode::Policy,
                    &format!("too many unsubscribed matches under {through} (limit {max})"),
                );
                return;
            }
            if conn.stop(id, decline) {
                self.index.unfollow(key, id);
            }
        }
    }
}
