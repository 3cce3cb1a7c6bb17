//! Flags of what a node keeps in memory: the hot set and the cache of other matches.

use std::time::Duration;

use clap::Args;

use crate::catalog::HotSet;

#[derive(Debug, Clone, Args)]
pub struct MemoryArgs {
    /// Hours either side of now within which a match kicking off or with an event is kept in
    /// memory (with every match in play and every match a connection follows); others are read
    /// from the database when asked for. Never narrower than --competition-window-hours. From 0
    /// to 8784 (a year).
    #[arg(long, env = "SCORECAST_HOT_WINDOW_HOURS", default_value_t = 24,
          value_parser = clap::value_parser!(u64).range(0..=8784))]
    pub hot_window_hours: u64,

    /// Most matches outside the hot set kept in memory after being read (a poll, a history read,
    /// a subscription to an old match); the least used one makes room for the next. About 1 to
    /// 4 KB each.
    #[arg(long, env = "SCORECAST_COLD_CACHE_MATCHES", default_value_t = 1_000)]
    pub cold_cache_matches: usize,

    /// Seconds between two sorts of the hot set: matches that left it become cold, and matches
    /// whose kick-off approaches are read from the database (two sweeps ahead of the window).
    /// From 1 to 3600.
    #[arg(long, env = "SCORECAST_HOT_SWEEP_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub hot_sweep_secs: u64,

    /// Hours the places in the change sequence are kept (on Postgres, a log of every move of a
    /// match, which the cluster's check and a node's start read); older ones are deleted hourly.
    /// Never less than the hot window, whose start reads back that far. From 1 to 87840.
    #[arg(long, env = "SCORECAST_CHANGE_LOG_HOURS", default_value_t = 48,
          value_parser = clap::value_parser!(u64).range(1..=87_840))]
    pub change_log_hours: u64,
}

impl MemoryArgs {
    /// The hot set, its window widened to `competition_window_hours` when that is wider.
    pub fn hot_set(&self, competition_window_hours: u64) -> HotSet {
        let hours = self.hot_window_hours.max(competition_window_hours);
        HotSet {
            window: Duration::from_secs(hours * 3600),
            cold_capacity: self.cold_cache_matches,
            sweep: Duration::from_secs(self.hot_sweep_secs),
        }
    }

    /// How long the places in the change sequence are kept: `--change-log-hours`, widened to the
    /// hot window (`hot`), which a starting node reads back.
    pub fn change_log_retention(&self, hot: &HotSet) -> Duration {
        Duration::from_secs(self.change_log_hours * 3600).max(hot.window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_change_log_is_kept_at_least_as_long_as_the_hot_window_reaches_back() {
        let args = |window, log| MemoryArgs {
            hot_window_hours: window,
            cold_cache_matches: 0,
            hot_sweep_secs: 30,
            change_log_hours: log,
        };
        let kept = |a: MemoryArgs, competitions| a.change_log_retention(&a.hot_set(competitions));
        let hours = |h: u64| Duration::from_secs(h * 3600);
        assert_eq!(kept(args(24, 48), 0), hours(48));
        assert_eq!(kept(args(72, 48), 0), hours(72), "the hot window is wider");
        assert_eq!(kept(args(24, 48), 96), hours(96), "widened by the competition window");
    }
}
