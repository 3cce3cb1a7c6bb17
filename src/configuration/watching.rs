//! Flags of the count of watchers: how often nodes report it, and its bounds.

use std::time::Duration;

use clap::Args;

use crate::watching::{WatchingSettings, MOST_LISTED};

#[derive(Debug, Clone, Args)]
pub struct WatchingArgs {
    /// Seconds between two reports of how many watch each match: to the other nodes, and to
    /// followers when the count shown (two significant figures) changed. A node's share stops
    /// counting 3 intervals after its last report. From 1 to 3600.
    #[arg(long, env = "SCORECAST_WATCHING_INTERVAL_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub watching_interval_secs: u64,

    /// Most matches whose watchers a node counts (and keeps of each other node): a report of
    /// every count must fit in one NATS message (10,000 counts are about 200 KB of NATS's 1 MB
    /// default). Beyond it, the matches with the highest ids are not counted.
    #[arg(long, env = "SCORECAST_WATCHING_MAX_MATCHES", default_value_t = 10_000,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=40_000))]
    pub watching_max_matches: usize,

    /// Most other nodes whose counts of watchers a node keeps (a node beyond them is not counted
    /// until one of them stops reporting).
    #[arg(long, env = "SCORECAST_WATCHING_MAX_NODES", default_value_t = 64,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000))]
    pub watching_max_nodes: usize,

    /// Most matches `GET /api/v1/watching` (the most watched) lists: a node ranks this many once
    /// an interval, and a request for more gets this many.
    #[arg(long, env = "SCORECAST_WATCHING_LIST_MAX", default_value_t = 100,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MOST_LISTED as u64))]
    pub watching_list_max: usize,

    /// Most `watching` messages a node sends its followers a second, on average: telling a
    /// match's count costs a message per follower on the node, so while a large audience
    /// gathers, its count is told less often (a node with 20,000 followers of a match, at 1,000
    /// a second: at most once per 20 s) instead of a second fan-out every interval.
    #[arg(long, env = "SCORECAST_WATCHING_MAX_MESSAGES_PER_SEC", default_value_t = 1_000,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub watching_max_messages_per_sec: u32,
}

impl WatchingArgs {
    pub fn settings(&self) -> WatchingSettings {
        WatchingSettings {
            interval: Duration::from_secs(self.watching_interval_secs),
            max_matches: self.watching_max_matches,
            max_nodes: self.watching_max_nodes,
            list_max: self.watching_list_max,
            max_messages_per_sec: self.watching_max_messages_per_sec,
        }
    }
}
