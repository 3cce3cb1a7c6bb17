//! The soak's result: the settings, the events posted, the server's memory over time with the
//! flatness verdict, and what the subscribers saw and did.

use serde::{Deserialize, Serialize};

use super::check::Counts;
use super::protocol::Churn;
use crate::common::meta::Meta;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SoakReport {
    pub meta: Meta,
    pub passed: bool,
    pub problems: Vec<String>,
    pub settings: Settings,
    pub events: Events,
    pub memory: Memory,
    pub deliveries: Deliveries,
    pub churn: Churn,
    /// Resident memory of the worker processes at the end, summed (KiB).
    pub workers_rss_kib: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    pub duration_s: f64,
    pub subscribers: usize,
    pub matches: usize,
    pub event_interval_ms: u64,
    pub churn_per_sec: f64,
    pub slow_pause_ms: (u64, u64),
    pub reconnect_jitter_ms: u64,
    pub recv_buffer_bytes: usize,
    pub warmup_s: f64,
    pub sample_interval_s: f64,
    pub memory_tolerance_pct: f64,
    pub drain_timeout_s: f64,
    pub workers: usize,
    pub seed: u64,
    pub server_args: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Events {
    pub posted: u64,
    /// Posts not answered with 201.
    pub failed: u64,
    /// Each match's last sequence number at the end: `(match, seq)`.
    pub finals: Vec<(i64, i64)>,
}

/// One reading of the server and the clients.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Sample {
    /// Seconds since the events began.
    pub t_s: f64,
    pub rss_kib: u64,
    /// `RssAnon`: the heap and stacks, without the file-backed pages in `rss_kib`; what the
    /// verdict judges when present.
    #[serde(default)]
    pub anon_kib: Option<u64>,
    /// Subscribers connected and paused (slow readers), as the workers last said.
    pub connected: usize,
    pub paused: usize,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Memory {
    pub samples: Vec<Sample>,
    /// What was judged: `RssAnon` (anonymous memory) when every sample has it, else `VmRSS`.
    #[serde(default)]
    pub measure: String,
    /// Mean of the judged measure over the first and the last fifth of the samples after warm-up
    /// (KiB).
    pub first_kib: Option<f64>,
    pub last_kib: Option<f64>,
    /// `last / first - 1`, in percent.
    pub change_pct: Option<f64>,
    /// Highest value of the judged measure after warm-up (KiB).
    pub max_kib: Option<u64>,
    /// Whether `|change_pct|` is within the tolerance; `None` when not measured.
    pub flat: Option<bool>,
}

impl Memory {
    /// The verdict over `samples`: those from `warmup_s` on, first fifth against last fifth.
    pub fn judge(samples: Vec<Sample>, warmup_s: f64, tolerance_pct: f64) -> Self {
        let anon = !samples.is_empty() && samples.iter().all(|s| s.anon_kib.is_some());
        let measure = if anon { "RssAnon" } else { "VmRSS" }.to_owned();
        let value = |s: &Sample| if anon { s.anon_kib.unwrap_or(0) } else { s.rss_kib };
        let after: Vec<u64> = samples.iter().filter(|s| s.t_s >= warmup_s).map(value).collect();
        if after.len() < 4 {
            return Self { samples, measure, ..Default::default() };
        }
        let window = (after.len() / 5).max(1);
        let mean = |part: &[u64]| part.iter().sum::<u64>() as f64 / part.len() as f64;
        let first = mean(&after[..window]);
        let last = mean(&after[after.len() - window..]);
        let change = (last / first - 1.0) * 100.0;
        let max = after.iter().copied().max();
        Self {
            measure,
            first_kib: Some(first),
            last_kib: Some(last),
            change_pct: Some(change),
            max_kib: max,
            flat: Some(change.abs() <= tolerance_pct),
            samples,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Deliveries {
    pub counts: Counts,
    /// Updates subscribers still lacked when the drain time ran out (lost, too).
    pub behind_at_end: u64,
    pub clients_behind: usize,
}

impl Deliveries {
    /// Every update lost: gaps between updates and what was missing at the end.
    pub fn lost(&self) -> u64 {
        self.counts.lost + self.behind_at_end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(rss: &[u64]) -> Vec<Sample> {
        let at = |i: usize, rss_kib| Sample {
            t_s: i as f64,
            rss_kib,
            anon_kib: None,
            connected: 0,
            paused: 0,
        };
        rss.iter().enumerate().map(|(i, r)| at(i, *r)).collect()
    }

    #[test]
    fn memory_is_flat_when_the_last_fifth_is_within_the_tolerance_of_the_first() {
        // The warm-up (t < 2) climbs; after it, 10 samples: first two vs last two.
        let flat = Memory::judge(
            samples(&[10, 50, 100, 101, 99, 104, 102, 100, 103, 98, 103, 104]),
            2.0,
            5.0,
        );
        assert_eq!((flat.first_kib, flat.last_kib), (Some(100.5), Some(103.5)));
        assert_eq!(flat.flat, Some(true));
        assert_eq!(flat.max_kib, Some(104));
        let leak = Memory::judge(samples(&[100, 100, 102, 104, 106, 108, 110]), 0.0, 5.0);
        assert_eq!(leak.flat, Some(false), "{:?}", leak.change_pct);
        assert_eq!(leak.measure, "VmRSS");
        // With RssAnon in every sample, that is judged: here the file-backed part grew.
        let mut anon = samples(&[100, 100, 150, 150, 150]);
        anon.iter_mut().for_each(|s| s.anon_kib = Some(60));
        let anon = Memory::judge(anon, 0.0, 5.0);
        assert_eq!((anon.measure.as_str(), anon.flat), ("RssAnon", Some(true)));
        let short = Memory::judge(samples(&[100, 100, 100]), 0.0, 5.0);
        assert_eq!(short.flat, None, "too few samples to judge");
    }
}
