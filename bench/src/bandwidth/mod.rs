//! The `bandwidth` subcommand: what following one match costs in bytes, by polling (plain and with
//! `If-None-Match`) and by WebSocket, measured by the kernel on every client socket and scaled to
//! 1,000,000 users beside the README's reference figures.
//!
//! All three groups follow the same match at the same time, so they see the same events: one
//! every `mean_event_interval` on average (exponential gaps from a seeded generator). Time may be
//! compressed by `speedup`: every poll and every event still happens, so byte counts per request
//! and per update are exact; only the server's heartbeats (in real time: see
//! `--ws-heartbeat-secs` and `--ws-slow-consumer-secs`) and the kernel's ACK timing do not scale,
//! nor do the server's audience messages (`--watching-interval-secs`).
//!
//! With churn (`churn_per_min`), subscribers leave and are replaced while the match is followed
//! (`churn.rs`); each subscriber counts the audience messages it reads apart from the updates, so
//! the report says what share of its bytes the audience messages are.
//!
//! Past one process's open files (~19,000 clients), `spread/` runs the same workload over several
//! nodes and client processes.

pub mod churn;
pub mod clients;
pub mod markdown;
pub mod model;
pub mod spread;
pub mod subscriber;
mod summary;
pub mod svg;
pub mod watching;

pub use spread::{run_spread, Spread};

use std::time::Duration;

use anyhow::{bail, Context};
use rand::{Rng, SeedableRng};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::common::progress::bar;
use crate::common::runner;
use crate::common::scorecast::{event_body, Scorecast, ServerConfig};
use crate::net::http1::{self, HttpConn};
use crate::procfs;
use clients::{Outcome, Window};
use model::{BandwidthReport, Events, Placement, SnapshotSizes};
use summary::Measured;

/// Most clients of all groups together (pollers count twice: plain and conditional): this
/// process's 20,000 open files, less room for its own. The server holds as many sockets, within
/// its own 20,000 (spawned with `--ws-max-connections 19500`).
pub const MAX_CLIENTS: usize = 19_000;

#[derive(Debug, Clone)]
pub struct BandwidthConfig {
    pub server: ServerConfig,
    /// Clients in each polling group (plain, and with `If-None-Match`).
    pub pollers: usize,
    pub subscribers: usize,
    /// Simulated match time followed.
    pub duration: Duration,
    /// Simulated seconds per real second.
    pub speedup: f64,
    pub poll_interval: Duration,
    pub mean_event_interval: Duration,
    pub seed: u64,
    /// Percent of the subscribers leaving per simulated minute, each replaced at once.
    pub churn_per_min: f64,
    pub progress: bool,
}

impl BandwidthConfig {
    pub fn new(
        server: ServerConfig,
        pollers: usize,
        subscribers: usize,
        duration: Duration,
    ) -> Self {
        Self {
            server,
            pollers,
            subscribers,
            duration,
            speedup: 1.0,
            poll_interval: Duration::from_secs(5),
            mean_event_interval: Duration::from_secs(10),
            seed: 1,
            churn_per_min: 0.0,
            progress: false,
        }
    }
}

pub async fn run_bandwidth(cfg: BandwidthConfig) -> anyhow::Result<BandwidthReport> {
    if 2 * cfg.pollers + cfg.subscribers > MAX_CLIENTS {
        bail!(
            "at most {MAX_CLIENTS} clients: 2 × pollers + subscribers (open-file limit; more \
             subscribers need --nodes and --client-processes)"
        );
    }
    check(&cfg)?;
    runner::run_report(&cfg.server, None, async |server, http| measure(server, &cfg, http).await)
        .await
}

/// What every run asks of its workload.
fn check(cfg: &BandwidthConfig) -> anyhow::Result<()> {
    if !(0.0..=100.0).contains(&cfg.churn_per_min) {
        bail!("the churn is a percentage of the subscribers per minute, from 0 to 100");
    }
    if cfg.speedup < 1.0 || cfg.duration.is_zero() || cfg.poll_interval.is_zero() {
        bail!("the speedup must be at least 1, the duration and poll interval above zero");
    }
    Ok(())
}

async fn measure(
    server: &Scorecast,
    cfg: &BandwidthConfig,
    http: &reqwest::Client,
) -> anyhow::Result<BandwidthReport> {
    let id = server.live_match(http, "Bandwidth").await?.id;
    let path = format!("/api/v1/matches/{id}");
    let (start_bytes, start_events) = snapshot_size(server, &path).await?;
    let real = |simulated: Duration| simulated.div_f64(cfg.speedup);

    let (ready_tx, mut ready_rx) = mpsc::channel(1024);
    let (go_tx, go_rx) = watch::channel(None);
    let mut tasks: Vec<JoinSet<Outcome>> = (0..3).map(|_| JoinSet::new()).collect();
    for (group, conditional) in [(0, false), (1, true)] {
        for i in 0..cfg.pollers {
            // Polls are spread evenly over the interval, as independent users' would be.
            let offset = real(cfg.poll_interval.mul_f64(i as f64 / cfg.pollers as f64));
            tasks[group].spawn(clients::poller(
                server.addr,
                path.clone(),
                conditional,
                offset,
                real(cfg.poll_interval),
                ready_tx.clone(),
                go_rx.clone(),
            ));
        }
    }
    let slots = churn::schedule(cfg.subscribers, cfg.churn_per_min, cfg.duration, cfg.seed);
    let total = 2 * cfg.pollers + slots.len();
    let joining = std::sync::Arc::new(tokio::sync::Semaphore::new(subscriber::JOINS_IN_FLIGHT));
    for slot in slots {
        let ws_path = format!("/ws?matches={id}");
        let route = subscriber::Route { addr: server.addr, path: ws_path, source: None };
        tasks[2].spawn(subscriber::subscriber(
            route,
            slot,
            cfg.speedup,
            joining.clone(),
            ready_tx.clone(),
            go_rx.clone(),
        ));
    }
    drop(ready_tx);
    let connecting = bar(cfg.progress, total as u64, "connecting");
    let mut connected = 0;
    // Each client says once whether it is connected (and keeps its sender until it ends).
    for _ in 0..total {
        let Some(ok) = ready_rx.recv().await else { break };
        connected += usize::from(ok);
        connecting.inc(1);
    }
    connecting.finish_and_clear();
    tracing::info!(connected, of = total, "clients ready");

    let start = Instant::now() + Duration::from_millis(200);
    let window = Window { start, end: start + real(cfg.duration) };
    go_tx.send_replace(Some(window));
    let (events, server_cpu_by_node_s) =
        tokio::join!(post_events(server, http, id, cfg, window), server_cpu(&server.pids, window));
    let events = events?;

    let mut outcomes = Vec::new();
    for set in tasks {
        outcomes.push(set.join_all().await);
    }
    let (end_bytes, end_events) = snapshot_size(server, &path).await?;
    let snapshot =
        SnapshotSizes { start_bytes, start_events, end_bytes, end_events, ..Default::default() };
    let placement = Placement { nodes: 1, client_processes: 1 };
    let measured = Measured { match_id: id, placement, snapshot, events, server_cpu_by_node_s };
    Ok(summary::report(server, cfg, measured, outcomes))
}

/// Posts the seeded random events at their simulated times; returns what was posted.
pub(crate) async fn post_events(
    server: &Scorecast,
    http: &reqwest::Client,
    id: i64,
    cfg: &BandwidthConfig,
    window: Window,
) -> anyhow::Result<Events> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(cfg.seed);
    let mean = cfg.mean_event_interval.as_secs_f64();
    let duration = cfg.duration.as_secs_f64();
    let mut times = Vec::new();
    let mut t = 0.0;
    loop {
        // Exponential gaps: events as a Poisson process with the given mean interval.
        t += -mean * (1.0 - rng.random::<f64>()).ln();
        if t >= duration {
            break;
        }
        times.push(t);
    }
    let progress = bar(cfg.progress, duration.ceil() as u64, "simulated s");
    let mut events = Events::default();
    for &at in &times {
        tokio::time::sleep_until(window.start + Duration::from_secs_f64(at / cfg.speedup)).await;
        progress.set_position(at as u64);
        let body = event_body(rng.random(), 1 + (at / 60.0) as u64);
        events.posted += 1;
        events.at_s.push(at);
        match server.post_event(http, id, body).await {
            Ok(stored) => {
                events.accepted += 1;
                events.seqs.extend(stored["seq"].as_i64());
            }
            Err(e) => tracing::warn!(error = %e, "an event was refused"),
        }
    }
    tokio::time::sleep_until(window.end).await;
    progress.finish_and_clear();
    Ok(events)
}

/// CPU seconds each server process (`pids`, every node's) spent over the window; empty without
/// a pid, or when one could not be read.
pub(crate) async fn server_cpu(pids: &[u32], window: Window) -> Vec<f64> {
    let cpu_us = || pids.iter().map(|&pid| procfs::cpu_us(pid).ok()).collect::<Option<Vec<u64>>>();
    tokio::time::sleep_until(window.start).await;
    let start = cpu_us();
    tokio::time::sleep_until(window.end).await;
    let (Some(start), Some(end)) = (start, cpu_us()) else { return Vec::new() };
    start.iter().zip(end).map(|(s, e)| e.saturating_sub(*s) as f64 / 1e6).collect()
}

/// Body bytes of the snapshot and how many events it carries.
pub(crate) async fn snapshot_size(
    server: &Scorecast,
    path: &str,
) -> anyhow::Result<(usize, usize)> {
    let mut conn = HttpConn::connect(server.addr).await.context("connecting for the snapshot")?;
    let response = conn.request(&http1::get(&server.host(), path, None), true).await?;
    let body = response.body.unwrap_or_default();
    let json: serde_json::Value =
        serde_json::from_slice(&body).context("the snapshot is not JSON")?;
    Ok((body.len(), json["events"].as_array().map_or(0, Vec::len)))
}
