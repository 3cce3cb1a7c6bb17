//! Which matches a `*` or competition subscriber is brought without naming them: those in play,
//! and those kicking off within a window either side of now (a board shows the day's matches,
//! not every match ever played or scheduled for next season).

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use crate::snapshots::Snapshot;

/// `--competition-window-hours`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window(Duration);

impl Window {
    pub fn hours(hours: u64) -> Self {
        Self(Duration::from_secs(hours * 3600))
    }

    /// Whether `snapshot`'s match is brought as of `now`: in play, or kicking off within the
    /// window of `now`, before or after.
    pub fn holds(&self, snapshot: &Snapshot, now: OffsetDateTime) -> bool {
        snapshot.live.status.in_play() || (snapshot.meta.kickoff_at - now).unsigned_abs() <= self.0
    }

    /// The match's competition, for routing its update to the competition's subscribers, and
    /// whether the update may bring the match to those that do not follow it yet.
    pub(super) fn reach(&self, snapshot: &Snapshot) -> Reach {
        Reach {
            competition: Arc::from(snapshot.meta.competition.as_str()),
            brings: self.holds(snapshot, OffsetDateTime::now_utc()),
        }
    }
}

/// Where an update goes beyond the match's own followers.
#[derive(Debug, Clone)]
pub struct Reach {
    /// The match's competition: its subscribers may follow the match.
    pub competition: Arc<str>,
    /// Whether a `*` or competition subscriber that does not follow the match yet is brought it.
    pub brings: bool,
}
