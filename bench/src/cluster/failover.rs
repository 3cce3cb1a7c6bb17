//! SIGTERM failover: subscribers spread over the nodes, events posted on the first node at a
//! steady pace, and meanwhile the last node is stopped with SIGTERM. Its subscribers get close
//! 1001 and reconnect to the other nodes with `since` (their last seq); the run measures the time
//! until all of them have resumed (marker `{"k":"resume","rec":true}` and exactly the updates it
//! announced), whether anything was lost or duplicated, and the database reads that took.

use std::time::Duration;

use tokio::time::Instant;

use super::audience::{delivery, delivery_problems, Audience};
use super::metrics::{delta, scrape_all, total};
use super::model::Failover;
use crate::clock::now_ns;
use crate::common::percentiles::Percentiles;
use crate::common::scorecast::Scorecast;
use crate::fanout::run::DRAIN_POLL;
use crate::fanout::target::Target;
use crate::fanout::worker::protocol::ResumeTally;
use crate::fanout::LoadConfig;

#[derive(Debug, Clone)]
pub struct FailoverConfig {
    pub subscribers: usize,
    /// Events posted on the first node, `interval` apart.
    pub events: usize,
    pub interval: Duration,
    /// The last node gets SIGTERM just before event number `stop_after` is posted.
    pub stop_after: usize,
    /// A closed client waits a random time up to this long before it reconnects.
    pub jitter: Duration,
    /// Longest wait after the last post for every client to resume and have every update.
    pub timeout: Duration,
}

/// Runs the scenario against a running cluster of at least two nodes; stops its last node.
pub async fn measure(
    scorecast: &mut Scorecast,
    cfg: &FailoverConfig,
    load: &LoadConfig,
    http: &reqwest::Client,
) -> anyhow::Result<Failover> {
    anyhow::ensure!(scorecast.nodes.len() >= 2, "a failover needs at least two nodes");
    let mut load = load.clone();
    load.subscribers = cfg.subscribers;
    load.reconnect_jitter = Some(cfg.jitter);
    let mut audience = Audience::connect(scorecast, &load, http).await?;
    tokio::time::sleep(load.settle).await;
    let result = fail_over(scorecast, cfg, http, &mut audience).await;
    audience.stop().await;
    result
}

async fn fail_over(
    scorecast: &mut Scorecast,
    cfg: &FailoverConfig,
    http: &reqwest::Client,
    audience: &mut Audience,
) -> anyhow::Result<Failover> {
    let stopped_node = scorecast.nodes.len() - 1;
    let match_id = audience.prepared.match_id;
    let before = scrape_all(http, &scorecast.nodes).await;
    let mut starts = Vec::with_capacity(cfg.events);
    let mut stopper = None;
    let (mut sigterm_ns, mut sigterm_at_s) = (None, 0.0);
    let first = Instant::now();
    for index in 0..cfg.events {
        tokio::time::sleep_until(first + cfg.interval * index as u32).await;
        if index == cfg.stop_after {
            if let Some(process) = scorecast.take_node(stopped_node) {
                tracing::info!(node = stopped_node, pid = process.pid, "failover: SIGTERM");
                sigterm_ns = Some(now_ns());
                sigterm_at_s = first.elapsed().as_secs_f64();
                let at = Instant::now();
                stopper = Some(tokio::spawn(async move {
                    process.stop_cleanly().await.map(|()| at.elapsed().as_secs_f64())
                }));
            }
        }
        let posted = Target::Scorecast(scorecast).post_event(http, match_id, index).await?;
        if let (true, Some(seq)) = ((200..300).contains(&posted.status), posted.seq) {
            starts.push((seq, posted.start_ns));
        }
    }
    let expected = audience.connected as u64 * starts.len() as u64;
    let deadline = Instant::now() + cfg.timeout;
    loop {
        let status = audience.status().await?;
        if (status.delivered >= expected && status.resuming == 0) || Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(DRAIN_POLL).await;
    }
    // The stopped node must exit 0: an unclean exit is a problem of the run, with its log.
    let (stop_s, unclean_stop) = match stopper {
        Some(task) => match task.await {
            Ok(Ok(seconds)) => (Some(seconds), None),
            Ok(Err(e)) => (None, Some(format!("{e:#}"))),
            Err(e) => (None, Some(e.to_string())),
        },
        None => (None, None),
    };
    let after = scrape_all(http, &scorecast.nodes).await;
    let accepted = starts.len();
    let reports = audience.reports(starts).await?;
    let delivery = delivery(&reports, audience.connected, accepted);
    let resumes = merged(reports.iter().map(|r| &r.resumes));
    let metrics: Vec<_> = before.iter().zip(&after).map(|(b, a)| delta(b, a)).collect();
    let sum = |prefix: &str| metrics.iter().fold(0.0, |sum, m| sum + total(m, prefix));
    let all_resumed_s = match (resumes.last_completed_at_ns, sigterm_ns) {
        (Some(last), Some(sigterm)) if resumes.completed == resumes.going_away => {
            Some(last.saturating_sub(sigterm) as f64 / 1e9)
        }
        _ => None,
    };

    let mut problems = delivery_problems(&delivery);
    if sigterm_ns.is_none() {
        problems.push(format!("no SIGTERM: stop_after {} ≥ events", cfg.stop_after));
    }
    if let Some(why) = unclean_stop {
        problems.push(format!("the stopped node: {why}"));
    }
    if resumes.going_away == 0 {
        problems.push("no client was closed with 1001".into());
    }
    if resumes.completed < resumes.going_away {
        let missing = resumes.going_away - resumes.completed;
        problems.push(format!("{missing} closed clients did not complete a resume"));
    }
    for (n, what) in [
        (resumes.not_recovered, "resumes answered rec:false"),
        (resumes.abandoned, "clients could not reconnect"),
        (resumes.unexpected_markers, "unexpected resume markers"),
    ] {
        if n > 0 {
            problems.push(format!("{n} {what}"));
        }
    }
    Ok(Failover {
        subscribers: cfg.subscribers,
        connected: audience.connected,
        nodes: scorecast.nodes.len(),
        stopped_node,
        posting_node: 0,
        events: cfg.events,
        accepted,
        interval_ms: cfg.interval.as_secs_f64() * 1e3,
        jitter_ms: cfg.jitter.as_millis() as u64,
        sigterm_at_s,
        stop_s,
        all_resumed_s,
        resume_ms: Percentiles::from_ns(&resumes.resume_ns),
        delivery,
        replay_queries: sum("scorecast_replay_queries_total"),
        gap_reads: sum("scorecast_gap_reads_total"),
        resumes_recovered: sum("scorecast_resumes_total{outcome=\"recovered\"}"),
        resumes_not_recovered: sum("scorecast_resumes_total{outcome=\"not_recovered\"}"),
        resumes,
        metrics,
        passed: problems.is_empty(),
        problems,
    })
}

/// The workers' resume tallies as one.
fn merged<'a>(tallies: impl Iterator<Item = &'a ResumeTally>) -> ResumeTally {
    tallies.fold(ResumeTally::default(), |mut sum, t| {
        sum.going_away += t.going_away;
        sum.reconnect_failures += t.reconnect_failures;
        sum.abandoned += t.abandoned;
        sum.recovered += t.recovered;
        sum.not_recovered += t.not_recovered;
        sum.unexpected_markers += t.unexpected_markers;
        sum.completed += t.completed;
        sum.resume_ns.merge(&t.resume_ns);
        sum.last_completed_at_ns = sum.last_completed_at_ns.max(t.last_completed_at_ns);
        sum
    })
}
