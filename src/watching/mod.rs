//! How many are watching each match, on every node: the connections that follow it by id or by
//! competition (`*` subscribers aside), counted by `followers.rs` as connections come and go,
//! never per update. `Watching` owns the rest: the other nodes' shares (`shares.rs`), what this
//! node last told its followers, and the reports it sends the others.
//!
//! Once per `--watching-interval-secs` (`tick`): this node reports the counts that changed
//! (all of them every `FULL_EVERY` reports, at its start, after hearing from a node new to it,
//! and when another node asks after missing a report), forgets the shares of nodes not heard of
//! for `EXPIRY_INTERVALS` intervals, and names the matches whose count, shown to two significant
//! figures (`shown.rs`), changed (a rise only once clearly past the step): their followers are
//! told (`Hub::tell_watching`), within a budget of messages a second (`budget.rs`); and ranks the most watched matches of every node (`ranking.rs`,
//! `GET /api/v1/watching`). A node that stops says so (`farewell`), and the others drop its share
//! at once.

mod budget;
mod ranking;
mod shares;
mod shown;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

pub use shares::Heard;
use shown::worth_telling;
pub use shown::{format, shown};

use crate::domain::MatchId;
use crate::followers::Followers;
use budget::Budget;
use shares::Shares;

/// Intervals without a report after which a node's share no longer counts: one lost report
/// (core NATS is at most once) must not make a node's audience flicker away.
pub const EXPIRY_INTERVALS: u32 = 3;
/// The most `--watching-list-max` can be, and the largest `limit` of `GET /api/v1/watching`: a
/// console's list, not a dump of every count.
pub const MOST_LISTED: usize = 1_000;
/// Every this many reports, one carries every count: a lost report leaves another node off by
/// at most this many intervals, even if its request for a full report was lost too.
const FULL_EVERY: u64 = 6;

#[derive(Debug, Clone, Copy)]
pub struct WatchingSettings {
    /// How often counts are reported to the other nodes and changes told to followers.
    pub interval: Duration,
    /// Most matches this node counts (and keeps of each other node): bounds each report (a full
    /// one must fit in one NATS message) and the shares every node keeps.
    pub max_matches: usize,
    /// Most other nodes whose shares are kept.
    pub max_nodes: usize,
    /// Most matches ranked as the most watched, once an interval.
    pub list_max: usize,
    /// Most `watching` messages this node sends a second, on average (`budget.rs`).
    pub max_messages_per_sec: u32,
}

/// This node's report to the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// 1 for the first report of this process, then one more each interval.
    pub number: u64,
    /// Every match this node counts; else only those that changed (0: no longer counted).
    pub full: bool,
    pub counts: Vec<(MatchId, u32)>,
    /// Nodes this one asks for every count (it missed one of their reports).
    pub ask: Vec<String>,
}

/// What one interval brings: followers to tell, and the report for the other nodes.
pub struct Tick {
    /// Matches whose shown count changed, with their exact count.
    pub news: Vec<(MatchId, u64)>,
    pub report: Report,
}

pub struct Watching {
    settings: WatchingSettings,
    followers: Arc<Followers>,
    state: Mutex<State>,
}

struct State {
    shares: Shares,
    /// What this node last told its followers of each match it counts (shown form).
    told: HashMap<MatchId, u64>,
    reports: u64,
    /// The next report carries every count.
    full_due: bool,
    /// The most watched matches on every node, with their counts, as of the last interval.
    ranked: Vec<(MatchId, u64)>,
    /// The messages telling followers may still cost.
    budget: Budget,
}

impl Watching {
    pub fn new(settings: WatchingSettings, followers: Arc<Followers>) -> Self {
        let expiry = settings.interval * EXPIRY_INTERVALS;
        let shares = Shares::new(expiry, settings.max_nodes, settings.max_matches);
        let budget = Budget::new(settings.max_messages_per_sec, settings.interval);
        let (told, ranked) = (HashMap::new(), Vec::new());
        let state = State { shares, told, reports: 0, full_due: true, ranked, budget };
        Self { settings, followers, state: Mutex::new(state) }
    }

    pub fn settings(&self) -> &WatchingSettings {
        &self.settings
    }

    /// How many connections watch `id` on every node: this node's now, the others' as last
    /// reported.
    pub fn total(&self, id: MatchId) -> u64 {
        let local = u64::from(self.followers.watching(id));
        local + self.lock().shares.sum(id, Instant::now())
    }

    /// The `limit` most watched matches on every node (at most `list_max`), most watched first,
    /// with their counts, as of the last interval.
    pub fn most_watched(&self, limit: usize) -> Vec<(MatchId, u64)> {
        self.lock().ranked.iter().take(limit).copied().collect()
    }

    /// Takes another node's report.
    pub fn heard(&self, report: Heard, now: Instant) {
        let mut state = self.lock();
        if state.shares.heard(report, now) {
            state.full_due = true;
        }
    }

    /// One interval: the report to send, and the matches whose followers are to be told.
    pub fn tick(&self, now: Instant) -> Tick {
        let max = self.settings.max_matches;
        let changed = self.followers.take_changed();
        let watched = self.followers.all_watched(max);
        let mut state = self.lock();
        state.reports += 1;
        let full = state.full_due || state.reports % FULL_EVERY == 1;
        state.full_due = false;
        let counts = if full {
            watched.clone()
        } else {
            // Beyond the bound, the highest ids are not counted (as in a full report).
            let last = watched.last().map(|(id, _)| *id);
            let counted = |id: &MatchId| watched.len() < max || last.is_some_and(|l| *id <= l);
            changed.into_iter().filter(|(id, _)| counted(id)).collect()
        };
        let report =
            Report { number: state.reports, full, counts, ask: state.shares.wanting_full() };
        state.shares.expire(now);
        let mut totals = state.shares.totals(now);
        let mut news = Vec::new();
        let mut told = HashMap::with_capacity(watched.len());
        state.budget.refill(now);
        // The smallest audiences first: a large one may take the budget into debt.
        let mut by_audience = watched;
        by_audience.sort_by_key(|&(id, local)| (local, id));
        for (id, local) in by_audience {
            let total = totals.entry(id).or_default();
            *total += u64::from(local);
            let total = *total;
            let before = state.told.get(&id).copied();
            // Not told now (over budget): still worth telling at a later interval.
            let seen = if worth_telling(before, total) && state.budget.spend(local) {
                news.push((id, total));
                shown(total)
            } else {
                before.unwrap_or_default()
            };
            told.insert(id, seen);
        }
        news.sort_by_key(|&(id, _)| id);
        // Only matches watched here are told of: nobody else here would hear it.
        state.told = told;
        drop(state);
        // Ranked with the lock released: requests for counts would wait on it.
        let ranked = ranking::top(totals, self.settings.list_max);
        self.lock().ranked = ranked;
        Tick { news, report }
    }

    /// The last report of a node that stops: it counts nobody any more, so the others drop its
    /// share at once instead of counting it until it expires (its clients are reconnecting to
    /// them meanwhile, and would be counted twice).
    pub fn farewell(&self) -> Report {
        let mut state = self.lock();
        state.reports += 1;
        Report { number: state.reports, full: true, counts: Vec::new(), ask: Vec::new() }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Each change leaves the maps whole: a panic cannot leave one half-written.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests;
