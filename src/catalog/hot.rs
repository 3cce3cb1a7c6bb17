//! The hot set: which matches a node keeps in memory whatever asks for them. A match is hot when
//! it is in play (or stopped and expected to go on), kicks off within `--hot-window-hours` of now
//! (and up to two sweeps ahead of that, so it is loaded before it enters the window), had an
//! event within that window, or a connection on this node follows it. Everything else lives in
//! the database and is read when asked for, into a cache of at most `--cold-cache-matches`.
//!
//! The hot window is never narrower than `--competition-window-hours`, so that every match a
//! `*` or competition subscriber is brought is in memory.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::Catalog;

/// How far before the previous sweep changes are asked for again: a change is stamped with its
/// writer's clock before its commit makes it visible, and nodes' clocks differ a little. (A change
/// this misses still reaches the node through the cluster's check or its message.)
const OVERLAP: Duration = Duration::from_secs(60);
use crate::domain::{MatchId, Status};
use crate::followers::Followers;
use crate::snapshots::Snapshot;

/// `--hot-window-hours`, `--cold-cache-matches`, `--hot-sweep-secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HotSet {
    /// Matches kicking off or with an event within this of now are hot.
    pub window: Duration,
    /// Most cold matches cached at once.
    pub cold_capacity: usize,
    /// How often the hot set is sorted again and the database asked for matches now hot.
    pub sweep: Duration,
}

impl HotSet {
    /// How far past the window a kick-off is looked for: two sweeps, so that a match is loaded
    /// before its kick-off enters the window.
    fn lead(&self) -> Duration {
        self.sweep * 2
    }

    /// The span of kick-offs (and, from its start, of changes) that makes a match hot at `now`.
    pub fn bounds(&self, now: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
        (now - self.window, now + self.window + self.lead())
    }

    /// Whether a match is hot at `now`, from where it stands.
    pub fn holds_match(
        &self,
        id: MatchId,
        status: Status,
        kickoff_at: OffsetDateTime,
        last_event_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
        followers: &Followers,
    ) -> bool {
        let (from, to) = self.bounds(now);
        status.in_play()
            || status.stopped()
            || (from..=to).contains(&kickoff_at)
            || last_event_at.is_some_and(|at| at >= from)
            || followers.follows(id)
    }

    pub fn holds(&self, snapshot: &Snapshot, now: OffsetDateTime, followers: &Followers) -> bool {
        let last_event_at = snapshot.recent.back().map(|e| e.recorded_at);
        let (meta, status) = (&snapshot.meta, snapshot.live.status);
        self.holds_match(meta.id, status, meta.kickoff_at, last_event_at, now, followers)
    }
}

impl Catalog {
    /// Sorts what is held into hot and cold (letting cold matches beyond the cache go), then
    /// loads the matches the database says are hot and this node does not hold. Of the matches
    /// hot for a change, only those changed since the previous sweep (less `OVERLAP`) are asked
    /// for: the earlier ones were found by it, or at start.
    pub async fn sweep(&self) -> Result<(), crate::store::StoreError> {
        let now = OffsetDateTime::now_utc();
        let (hot, followers) = (self.hot, &*self.followers);
        self.snapshots.sort(|s| hot.holds(s, now, followers));
        let (from, to) = hot.bounds(now);
        let previous = *self.swept.lock().unwrap_or_else(|p| p.into_inner());
        let changed_since = (previous - OVERLAP.max(hot.sweep)).max(from);
        for id in self.store.hot_ids(from, to, changed_since).await? {
            if !self.snapshots.contains(id) {
                self.load(id).await?;
            }
        }
        *self.swept.lock().unwrap_or_else(|p| p.into_inner()) = now;
        Ok(())
    }
}

/// Sweeps every `--hot-sweep-secs` until `stop`.
pub fn spawn_sweeper(catalog: Arc<Catalog>, stop: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(catalog.hot.sweep);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = stop.cancelled() => return,
            }
            if let Err(e) = catalog.sweep().await {
                tracing::warn!(error = %e, "sorting the hot set failed; retrying next sweep");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hot_set() -> HotSet {
        HotSet {
            window: Duration::from_secs(24 * 3600),
            cold_capacity: 10,
            sweep: Duration::from_secs(30),
        }
    }

    #[test]
    fn a_match_is_hot_in_play_near_its_kickoff_after_an_event_or_while_followed() {
        let (hot, followers) = (hot_set(), Followers::default());
        let now = OffsetDateTime::now_utc();
        let id = MatchId::try_from(1).unwrap();
        let old = now - Duration::from_secs(400 * 24 * 3600);
        let holds = |status, kickoff, last, f: &Followers| {
            hot.holds_match(id, status, kickoff, last, now, f)
        };
        assert!(!holds(Status::Finished, old, Some(old), &followers), "an old result is cold");
        assert!(holds(Status::Live, old, Some(old), &followers), "in play");
        assert!(holds(Status::Suspended, old, Some(old), &followers), "stopped, to go on");
        assert!(holds(Status::Scheduled, now + Duration::from_secs(3600), None, &followers));
        let just_ahead = now + hot.window + Duration::from_secs(30);
        assert!(
            holds(Status::Scheduled, just_ahead, None, &followers),
            "loaded ahead of the window"
        );
        let next_season = now + Duration::from_secs(200 * 24 * 3600);
        assert!(!holds(Status::Scheduled, next_season, None, &followers));
        assert!(holds(Status::Finished, old, Some(now), &followers), "a late correction");
        followers.add(id, true);
        assert!(holds(Status::Finished, old, Some(old), &followers), "followed");
    }
}
