//! Gap repair after a NATS outage: subscribers spread over the nodes, nats-server killed, events
//! posted on the first node (committed, published into the void), nats-server started again; then
//! the time until every node's snapshot has the last event and every subscriber every update,
//! gapless, and the database reads the nodes needed for it.

use std::time::Duration;

use anyhow::Context;
use tokio::time::Instant;

use super::audience::{delivery, delivery_problems, Audience};
use super::infra::Nats;
use super::metrics::{delta, scrape_all, total};
use super::model::{GapRepair, NodeCatchUp};
use crate::common::scorecast::Scorecast;
use crate::fanout::target::Target;
use crate::fanout::LoadConfig;

/// How often each node's snapshot is read while waiting for it to catch up.
const SNAPSHOT_POLL: Duration = Duration::from_millis(25);
/// The subscribers are asked every this many snapshot polls.
const STATUS_EVERY: u32 = 4;

#[derive(Debug, Clone)]
pub struct GapConfig {
    pub subscribers: usize,
    /// Events posted while NATS is down.
    pub events: usize,
    /// `--nats-check-secs` of the nodes (the periodic check that repairs during outages too).
    pub check_secs: u64,
    /// Longest wait after NATS is back for everyone to catch up.
    pub timeout: Duration,
}

/// Runs the scenario against a running cluster (`scorecast`, NATS at `nats`); leaves NATS running.
pub async fn measure(
    scorecast: &Scorecast,
    nats: &mut Nats,
    cfg: &GapConfig,
    load: &LoadConfig,
    http: &reqwest::Client,
) -> anyhow::Result<GapRepair> {
    let mut load = load.clone();
    load.subscribers = cfg.subscribers;
    load.reconnect_jitter = None;
    let mut audience = Audience::connect(scorecast, &load, http).await?;
    let result = outage(scorecast, nats, cfg, http, &mut audience).await;
    audience.stop().await;
    if nats.pid().is_none() {
        nats.run().await.context("starting nats-server again")?;
    }
    result
}

async fn outage(
    scorecast: &Scorecast,
    nats: &mut Nats,
    cfg: &GapConfig,
    http: &reqwest::Client,
    audience: &mut Audience,
) -> anyhow::Result<GapRepair> {
    let target = Target::Scorecast(scorecast);
    let match_id = audience.prepared.match_id;
    let before = scrape_all(http, &scorecast.nodes).await;
    let killed = Instant::now();
    nats.kill().await?;
    tracing::info!(events = cfg.events, "gap repair: nats-server killed, posting");
    let mut starts = Vec::with_capacity(cfg.events);
    for index in 0..cfg.events {
        let posted = target.post_event(http, match_id, index).await?;
        if let (true, Some(seq)) = ((200..300).contains(&posted.status), posted.seq) {
            starts.push((seq, posted.start_ns));
        }
    }
    let outage_posting_s = killed.elapsed().as_secs_f64();
    let last_seq = starts.last().map_or(audience.prepared.first_seq, |s| s.0);
    let mut seq_at_restart = Vec::new();
    for node in &scorecast.nodes {
        seq_at_restart.push(Scorecast::snapshot_seq(http, node, match_id).await);
    }
    nats.run().await?;
    let restarted = Instant::now();
    tracing::info!(last_seq, "gap repair: nats-server is back, waiting for the nodes");

    let expected = audience.connected as u64 * starts.len() as u64;
    let mut caught_up: Vec<Option<f64>> =
        seq_at_restart.iter().map(|s| (*s >= Some(last_seq)).then_some(0.0)).collect();
    let mut subscribers_s = None;
    let deadline = restarted + cfg.timeout;
    let mut polls = 0u32;
    while (caught_up.iter().any(Option::is_none) || subscribers_s.is_none())
        && Instant::now() < deadline
    {
        for (i, node) in scorecast.nodes.iter().enumerate() {
            if caught_up[i].is_none()
                && Scorecast::snapshot_seq(http, node, match_id).await >= Some(last_seq)
            {
                caught_up[i] = Some(restarted.elapsed().as_secs_f64());
            }
        }
        if subscribers_s.is_none()
            && polls.is_multiple_of(STATUS_EVERY)
            && audience.status().await?.delivered >= expected
        {
            subscribers_s = Some(restarted.elapsed().as_secs_f64());
        }
        polls += 1;
        tokio::time::sleep(SNAPSHOT_POLL).await;
    }
    let after = scrape_all(http, &scorecast.nodes).await;
    let accepted = starts.len();
    let reports = audience.reports(starts).await?;
    let delivery = delivery(&reports, audience.connected, accepted);

    let nodes: Vec<NodeCatchUp> = scorecast
        .nodes
        .iter()
        .enumerate()
        .map(|(i, url)| {
            let metrics = delta(&before[i], &after[i]);
            NodeCatchUp {
                node: i,
                url: url.to_string(),
                posting: i == 0,
                seq_at_restart: seq_at_restart[i],
                caught_up_s: caught_up[i],
                gap_reads: total(&metrics, "scorecast_gap_reads_total"),
                gap_events: total(&metrics, "scorecast_gap_events_total"),
                metrics,
            }
        })
        .collect();
    let mut problems = delivery_problems(&delivery);
    if accepted < cfg.events {
        problems.push(format!("{} of {} events refused", cfg.events - accepted, cfg.events));
    }
    for n in nodes.iter().filter(|n| n.caught_up_s.is_none()) {
        problems.push(format!("node {} did not reach seq {last_seq} in {:?}", n.node, cfg.timeout));
    }
    if subscribers_s.is_none() {
        problems.push(format!("the subscribers did not all catch up in {:?}", cfg.timeout));
    }
    Ok(GapRepair {
        subscribers: cfg.subscribers,
        connected: audience.connected,
        events: cfg.events,
        accepted,
        check_secs: cfg.check_secs,
        first_seq: audience.prepared.first_seq,
        last_seq,
        outage_posting_s,
        all_nodes_s: caught_up.iter().copied().try_fold(0.0f64, |m, c| Some(m.max(c?))),
        subscribers_s,
        nodes,
        delivery,
        passed: problems.is_empty(),
        problems,
    })
}
