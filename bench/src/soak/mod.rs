//! The `soak` subcommand: paced events over a few matches to thousands of subscribers for a long
//! time, with churn (connects, leaves, resumes with `since`, slow readers), while the server's
//! memory is sampled. It passes when the memory is flat after warm-up and no subscriber lost or
//! got twice an update.
//!
//! The coordinator (`run`) posts the events and samples the server; the subscribers live in
//! worker processes (`worker`, reached through `pool`), each client (`client`, over `conn`)
//! checking every message it gets (`check`). `model` is the result, `markdown` its report.

mod check;
mod client;
mod conn;
pub mod markdown;
pub mod model;
mod pool;
pub mod protocol;
mod run;
pub mod worker;

use std::time::Duration;

use anyhow::bail;

use crate::common::runner;
use crate::common::scorecast::ServerConfig;
use crate::fanout::Placement;
use model::SoakReport;

/// Most subscribers one soak may hold (several worker processes of ~15,000 each).
pub const MAX_SUBSCRIBERS: usize = 100_000;
/// Most matches the events are spread over (each client subscribes to all of them).
pub const MAX_MATCHES: usize = 50;
/// Longest soak: a day.
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone)]
pub struct SoakConfig {
    pub server: ServerConfig,
    pub duration: Duration,
    pub subscribers: usize,
    pub matches: usize,
    /// Time between two events (over all matches, in turn).
    pub event_interval: Duration,
    /// Churn actions per second over all subscribers: each is a leave (a new user comes back),
    /// a resume (drop and reconnect with `since`) or a slow pause, in equal shares.
    pub churn_per_sec: f64,
    /// A slow reader stops reading for a random time in this range.
    pub slow_pause: (Duration, Duration),
    pub reconnect_jitter: Duration,
    /// Each client socket's receive buffer (0: the kernel's default).
    pub recv_buffer_bytes: usize,
    /// Memory before this is not judged.
    pub warmup: Duration,
    pub sample_interval: Duration,
    pub memory_tolerance_pct: f64,
    /// Time after the last event for every subscriber to catch up.
    pub drain_timeout: Duration,
    pub connect_concurrency: usize,
    pub connect_timeout: Duration,
    pub workers: usize,
    pub placement: Placement,
    pub seed: u64,
}

impl SoakConfig {
    /// A soak of `duration` with `subscribers` and every other setting at its default.
    pub fn new(
        server: ServerConfig,
        duration: Duration,
        subscribers: usize,
        placement: Placement,
    ) -> Self {
        Self {
            server,
            duration,
            subscribers,
            matches: 4,
            event_interval: Duration::from_secs(2),
            churn_per_sec: 10.0,
            slow_pause: (Duration::from_secs(5), Duration::from_secs(45)),
            reconnect_jitter: Duration::from_secs(1),
            recv_buffer_bytes: 4096,
            warmup: Duration::from_secs(300),
            sample_interval: Duration::from_secs(10),
            memory_tolerance_pct: 5.0,
            drain_timeout: Duration::from_secs(60),
            connect_concurrency: 200,
            connect_timeout: Duration::from_secs(15),
            workers: 2,
            placement,
            seed: 1,
        }
    }

    fn check(&self) -> anyhow::Result<()> {
        if !(1..=MAX_SUBSCRIBERS).contains(&self.subscribers) {
            bail!("--subscribers must be between 1 and {MAX_SUBSCRIBERS}");
        }
        if !(1..=MAX_MATCHES).contains(&self.matches) {
            bail!("--matches must be between 1 and {MAX_MATCHES}");
        }
        if self.duration.is_zero() || self.duration > MAX_DURATION {
            bail!("--duration must be more than 0 and at most 24 h");
        }
        if self.warmup >= self.duration {
            bail!(
                "--warmup ({:?}) must be shorter than --duration ({:?})",
                self.warmup,
                self.duration
            );
        }
        if self.event_interval < Duration::from_millis(10) || self.sample_interval.is_zero() {
            bail!("--event-interval must be at least 10ms and --sample-interval more than 0");
        }
        if !(0.0..=10_000.0).contains(&self.churn_per_sec) {
            bail!("--churn-per-sec must be between 0 and 10000");
        }
        if self.slow_pause.0 > self.slow_pause.1 {
            bail!("--slow-pause-min must not be above --slow-pause-max");
        }
        if self.workers == 0 || self.workers > self.subscribers || self.connect_concurrency == 0 {
            bail!(
                "--workers must be between 1 and --subscribers; --connect-concurrency at least 1"
            );
        }
        Ok(())
    }
}

/// Runs the soak against the configured scorecast (started for it and stopped after, when
/// spawned).
pub async fn run_soak(cfg: SoakConfig) -> anyhow::Result<SoakReport> {
    cfg.check()?;
    runner::run_report(&cfg.server, None, async |scorecast, http| {
        run::run(&cfg, scorecast, http).await
    })
    .await
}
