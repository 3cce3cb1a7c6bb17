//! The side match of a scorecast phase: a second match, followed by a share of the phase's
//! subscribers, on which other events (cards, substitutions, goals) are posted at a steady rate
//! for as long as the main match's goals are fanned out. It answers whether the operator is kept
//! waiting by the audience: every POST's time to its answer is kept, and its updates must still
//! reach the side's subscribers, each once (the workers' tallies, as for the goals).
//!
//! Each POST is sent on its own task on a fixed schedule, so a slow answer delays no later POST
//! and hides none of the waiting behind it.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::time::Instant;

use super::operator::Operator;
use crate::clock::now_ns;
use crate::common::percentiles::Percentiles;
use crate::common::scorecast::{event_body, Scorecast};
use crate::fanout::aggregate::{self, Collected};
use crate::fanout::model::RunReport;
use crate::fanout::pool::Pool;
use crate::fanout::run::{self, Stage, ANSWER_TIMEOUT};
use crate::fanout::target::{send_timed, Posted, Prepared, Target};
use crate::fanout::worker::protocol::{Command, Event};
use crate::fanout::{worker_source, LoadConfig};
use crate::histogram::Histogram;

/// Upper bounds of the POST-latency histogram's buckets, in ms (the last bucket is open): around
/// the aim of 500 ms, up to the 13.3 s one POST waited in the run.
const POST_BUCKETS_MS: [f64; 8] = [50.0, 100.0, 250.0, 500.0, 1_000.0, 2_000.0, 5_000.0, 10_000.0];

/// The side match of every scorecast phase.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SideConfig {
    /// Share of a phase's subscribers that follow the side match instead of the main one.
    pub share: f64,
    /// POSTs per second on the side match during the event phase.
    pub rate: f64,
    /// Nice levels the thread that sends and times the POSTs runs above this process
    /// (`operator.rs`): the ingest node's.
    pub priority: i32,
}

impl SideConfig {
    /// The side match's subscribers out of a phase's `n`: at least one, and one fewer than `n`
    /// at most, so that the main match keeps a subscriber.
    pub fn subscribers(&self, n: usize) -> usize {
        ((n as f64 * self.share).round() as usize).clamp(1, n.saturating_sub(1).max(1))
    }
}

/// What the side match measured in one phase.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SideReport {
    pub share: f64,
    pub rate_per_s: f64,
    pub subscribers: usize,
    /// POSTs sent, and those refused or left without an answer (both also count as problems).
    pub posted: usize,
    pub failed: usize,
    /// Every POST's time from just before it was sent to its answer (or its failure), in ms, in
    /// the order they were sent.
    pub post_ms: Vec<f64>,
    pub post_latency_ms: Option<Percentiles>,
    /// POSTs per latency bucket.
    pub post_histogram: Vec<PostBucket>,
    /// Deliveries to the side's subscribers (lost, duplicated, latency) as a fan-out reports them;
    /// its events are the accepted POSTs in sequence order.
    pub run: Option<RunReport>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostBucket {
    /// Upper bound in ms (`None`: above the last one).
    pub up_to_ms: Option<f64>,
    pub posts: usize,
}

/// The side match with its subscribers connected, waiting for the event phase.
pub struct Side {
    cfg: SideConfig,
    load: LoadConfig,
    prepared: Prepared,
    pool: Pool,
    collected: Collected,
}

impl Side {
    /// Creates the side match and connects its subscribers: `load` shaped as the phase's, with
    /// the side's subscriber count; their workers take source addresses after the
    /// `main_workers` of the main match.
    pub async fn connect(
        cfg: SideConfig,
        scorecast: &Scorecast,
        mut load: LoadConfig,
        main_workers: usize,
        http: &reqwest::Client,
    ) -> anyhow::Result<Self> {
        let target = Target::Scorecast(scorecast);
        let prepared = target.prepare_named(http, load.sport, "Side").await?;
        load.progress = false;
        load.source_per_worker = false;
        load.source_ips = vec![worker_source(main_workers)];
        let mut pool =
            Pool::start(&load.placement, load.worker_count(), load.client_priority).await?;
        let mut collected = Collected {
            workers: pool.len(),
            sources: load.source_ips.clone(),
            ..Default::default()
        };
        if let Err(e) = run::connect(&load, &prepared, &mut pool, &mut collected).await {
            pool.stop().await;
            return Err(e);
        }
        Ok(Self { cfg, load, prepared, pool, collected })
    }

    /// Posts on the side match while `stage` says the main match's events are fanned out, then
    /// waits for the side's updates, collects its workers' tallies and stops them.
    pub async fn measure(
        mut self,
        scorecast: &Scorecast,
        stage: watch::Receiver<Stage>,
    ) -> SideReport {
        let posted = self.post_during(scorecast, stage).await;
        let post_ms: Vec<f64> = posted.iter().map(|p| p.post_ns as f64 / 1e6).collect();
        let failed = posted.iter().filter(|p| p.seq.is_none()).count();
        let measured = self.collect(posted).await;
        self.pool.stop().await;
        let target = Target::Scorecast(scorecast);
        let (run, error) = match measured {
            Ok(()) => {
                let c = std::mem::take(&mut self.collected);
                (Some(aggregate::report(&target, &self.load, &self.prepared, c)), None)
            }
            Err(e) => (None, Some(format!("{e:#}"))),
        };
        SideReport {
            run,
            error,
            failed,
            ..SideReport::of(self.cfg, self.load.subscribers, post_ms)
        }
    }

    /// One POST every `1 / rate` seconds from the start of the event phase until its end.
    async fn post_during(
        &self,
        scorecast: &Scorecast,
        mut stage: watch::Receiver<Stage>,
    ) -> Vec<Posted> {
        // A closed channel means the phase ended (or failed) before or during its events.
        if stage.wait_for(|s| *s != Stage::Before).await.map_or(true, |s| *s == Stage::Over) {
            return Vec::new();
        }
        let operator = match Operator::start(self.cfg.priority) {
            Ok(operator) => operator,
            Err(e) => {
                tracing::warn!("side match: starting the operator's thread: {e:#}");
                return Vec::new();
            }
        };
        let every = Duration::from_secs_f64(1.0 / self.cfg.rate);
        let (first, mut sent, mut index) = (Instant::now(), Vec::new(), 0u64);
        loop {
            let at = first + every.mul_f64(index as f64);
            tokio::select! {
                () = tokio::time::sleep_until(at) => {}
                _ = stage.wait_for(|s| *s == Stage::Over) => break,
            }
            let minute = 1 + at.duration_since(first).as_secs() / 60;
            let body = event_body(index, minute);
            match scorecast.event_request(&operator.http, self.prepared.match_id, body) {
                Ok(request) => sent.push(operator.spawn(timed(request))),
                Err(e) => tracing::warn!("side match: building a POST: {e:#}"),
            }
            index += 1;
        }
        let mut posted = Vec::new();
        for answer in sent {
            match answer.await {
                Ok(answer) => posted.push(answer),
                Err(e) => tracing::warn!("side match: a POST's task ended: {e}"),
            }
        }
        posted
    }

    /// Waits for every accepted POST's update to reach the side's subscribers (or the drain
    /// timeout), then asks the workers for their tallies.
    async fn collect(&mut self, mut posted: Vec<Posted>) -> anyhow::Result<()> {
        // The tallies and the report go by sequence number; refused POSTs last.
        posted.sort_by_key(|p| p.seq.unwrap_or(i64::MAX));
        let connected: u64 = self.collected.connects.iter().map(|c| c.connected as u64).sum();
        let starts: Vec<(i64, u64)> =
            posted.iter().filter_map(|p| p.seq.map(|seq| (seq, p.start_ns))).collect();
        let expected = connected * starts.len() as u64;
        let drain_started = Instant::now();
        let by = run::reports_by(&self.load);
        let pool = &mut self.pool;
        self.collected.complete = run::drain(pool, expected, self.load.drain_timeout, by).await?;
        self.collected.drain_s = drain_started.elapsed().as_secs_f64();
        let first_seq = self.prepared.first_seq;
        let last_seq = starts.last().map_or(first_seq, |s| s.0);
        let report = Command::Report { first_seq, last_seq, starts };
        self.collected.reports = pool
            .ask_all(report, ANSWER_TIMEOUT, |e| match e {
                Event::Report(r) => Some(r),
                _ => None,
            })
            .await?;
        self.load.events = posted.len();
        self.collected.posted = posted;
        Ok(())
    }
}

/// The fan-out of `load` against `scorecast`, with the side match beside it when `side` is set:
/// its share of `load.subscribers` follows the side match instead of the main one, connected
/// first, so that the idle pause and the event phase hold everyone.
pub async fn fan_out_beside(
    side: Option<SideConfig>,
    scorecast: &Scorecast,
    mut load: LoadConfig,
    http: &reqwest::Client,
) -> (anyhow::Result<RunReport>, Option<SideReport>) {
    let target = Target::Scorecast(scorecast);
    let Some(cfg) = side else {
        return (run::run(&target, &load, http).await, None);
    };
    let side_load = LoadConfig { subscribers: cfg.subscribers(load.subscribers), ..load.clone() };
    load.subscribers -= side_load.subscribers;
    let n = side_load.subscribers;
    let side = match Side::connect(cfg, scorecast, side_load, load.worker_count(), http).await {
        Ok(side) => side,
        Err(e) => {
            let failed = SideReport::failed(cfg, n, format!("connecting its subscribers: {e:#}"));
            return (run::run(&target, &load, http).await, Some(failed));
        }
    };
    let (stage, watching) = watch::channel(Stage::Before);
    let main = async {
        let run = run::run_staged(&target, &load, http, Some(&stage)).await;
        stage.send_replace(Stage::Over);
        run
    };
    let (run, side) = tokio::join!(main, side.measure(scorecast, watching));
    (run, Some(side))
}

impl SideReport {
    /// The POST latencies of a side match of `subscribers`, before its deliveries are known.
    fn of(cfg: SideConfig, subscribers: usize, post_ms: Vec<f64>) -> Self {
        let mut histogram = Histogram::default();
        for ms in &post_ms {
            histogram.record((ms * 1e6) as u64);
        }
        let mut buckets: Vec<PostBucket> = POST_BUCKETS_MS
            .iter()
            .map(|&up_to| PostBucket { up_to_ms: Some(up_to), posts: 0 })
            .chain([PostBucket { up_to_ms: None, posts: 0 }])
            .collect();
        for ms in &post_ms {
            let fits = |b: &&mut PostBucket| b.up_to_ms.is_none_or(|up_to| *ms <= up_to);
            if let Some(bucket) = buckets.iter_mut().find(fits) {
                bucket.posts += 1;
            }
        }
        Self {
            share: cfg.share,
            rate_per_s: cfg.rate,
            subscribers,
            posted: post_ms.len(),
            failed: 0,
            post_latency_ms: Percentiles::from_ns(&histogram),
            post_histogram: buckets,
            post_ms,
            run: None,
            error: None,
        }
    }

    /// A side match that could not be set up.
    pub fn failed(cfg: SideConfig, subscribers: usize, why: String) -> Self {
        Self { error: Some(why), ..Self::of(cfg, subscribers, Vec::new()) }
    }

    /// Its problems, for the phase's.
    pub fn problems(&self) -> Vec<String> {
        let mut problems: Vec<String> = self.error.iter().cloned().collect();
        if let Some(run) = &self.run {
            problems.extend(run.problems.iter().cloned());
        }
        if self.error.is_none() && self.posted == 0 {
            problems.push("no event was posted on it".into());
        }
        problems
    }
}

/// One POST, timed; a POST that got no answer is kept as failed (status 0) with the time until it
/// failed.
async fn timed(request: reqwest::RequestBuilder) -> Posted {
    let start_ns = now_ns();
    match send_timed(vec![request]).await {
        Ok(posted) => posted,
        Err(e) => {
            tracing::warn!("side match: a POST failed: {e:#}");
            let post_ns = now_ns() - start_ns;
            Posted { start_ns, post_ns, status: 0, seq: None, complete_ns: None, busy_cpu_ns: None }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_side_match_takes_its_share_but_leaves_the_main_match_a_subscriber() {
        let side = SideConfig { share: 0.01, rate: 1.0, priority: 0 };
        assert_eq!(side.subscribers(1_000_000), 10_000);
        assert_eq!(side.subscribers(2_400), 24);
        assert_eq!(side.subscribers(10), 1, "at least one");
        assert_eq!(SideConfig { share: 1.0, rate: 1.0, priority: 0 }.subscribers(5), 4);
    }

    #[test]
    fn post_latencies_fall_into_the_buckets_around_the_aim() {
        let side = SideConfig { share: 0.01, rate: 1.0, priority: 0 };
        let report = SideReport::of(side, 10, vec![12.0, 499.0, 500.0, 501.0, 13_300.0]);
        let counts: Vec<usize> = report.post_histogram.iter().map(|b| b.posts).collect();
        assert_eq!(counts, [1, 0, 0, 2, 1, 0, 0, 0, 1]);
        let latency = report.post_latency_ms.expect("five POSTs");
        assert_eq!(latency.count, 5);
        assert!(latency.max >= 13_000.0 && latency.p50 < 510.0, "{latency:?}");
    }
}
