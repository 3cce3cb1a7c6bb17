//! `bandwidth` spread over several scorecast nodes and client processes, for audiences larger
//! than one process's open files allow (~19,900 sockets here): the nodes share one throwaway
//! Postgres and one nats-server this run starts (as `million` does), the subscribers are dealt
//! round-robin to the nodes and to worker processes of this executable (`worker.rs`), each from a
//! source address of its own (127.0.0.2, 127.0.0.3, ...). The workload, the clients and the
//! accounting are a one-node run's: the same seeded events posted on the first node (they reach
//! the others over NATS), the same churn slots, every subscriber's outcome summed as there; the
//! server CPU is every node's, summed. With counting on, the count each follower is told is
//! summed across the nodes over NATS, so the report checks it is the cluster's (`watching.rs`).

pub mod worker;

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::bail;
use tokio::time::Instant;

use super::clients::Window;
use super::model::{BandwidthReport, Placement, SnapshotSizes};
use super::summary::{self, Measured};
use super::{
    churn, post_events, server_cpu, snapshot_size, subscriber, BandwidthConfig, MAX_CLIENTS,
};
use crate::cluster::infra::start_postgres_and_nats;
use crate::common::runner;
use crate::common::scorecast::{loopback_addr, Scorecast, ServerConfig};
use crate::common::workers;
use crate::fanout::worker_source;
use crate::fanout::Placement as Workers;
use worker::{Command, Event, Plan};

/// Pool connections per node: the committer's and one for reads; a bandwidth run posts an event
/// every few seconds.
const POOL_PER_NODE: usize = 2;
/// Postgres connections beyond the nodes' pools: this tool's createdb and a margin.
const POSTGRES_SPARE: usize = 20;
/// The start is this far ahead when the workers are told it: every one hears of it in time.
const GO_AHEAD: Duration = Duration::from_millis(500);
/// Time for the workers to join their subscribers: a base, and this much per subscriber slot
/// (joins are bounded in flight; measured well under 1 ms each on loopback).
const READY_BASE: Duration = Duration::from_secs(120);
const READY_PER_SLOT: Duration = Duration::from_millis(3);
/// Time after the end for the workers to hand back every outcome.
const DONE_TIMEOUT: Duration = Duration::from_secs(120);

/// How a spread run is laid out.
#[derive(Debug, Clone)]
pub struct Spread {
    /// Scorecast nodes, each started from `--spawn-server` on the shared Postgres and NATS.
    pub nodes: usize,
    /// Client worker processes (`None`: enough for `per_process` subscriber slots each).
    pub client_processes: Option<usize>,
    /// Most subscriber slots (those there at the start and the newcomers) per client process.
    pub per_process: usize,
    /// Worker processes of this executable, or threads of this process (tests).
    pub workers: Workers,
}

impl Spread {
    /// Worker processes for `slots` subscriber slots.
    fn worker_count(&self, slots: usize) -> anyhow::Result<usize> {
        if self.per_process == 0 || self.per_process > MAX_CLIENTS {
            bail!("--per-process must be between 1 and {MAX_CLIENTS} (the open-file limit)");
        }
        let needed = slots.div_ceil(self.per_process).max(1);
        let count = self.client_processes.unwrap_or(needed);
        if count < needed {
            bail!(
                "{slots} subscriber slots need {needed} client processes at {} each",
                self.per_process
            );
        }
        Ok(count.clamp(1, slots.max(1)))
    }
}

/// Runs `cfg` (no pollers) over `spread.nodes` nodes of the `--spawn-server` binary and the
/// client processes, then stops everything it started.
pub async fn run_spread(cfg: BandwidthConfig, spread: Spread) -> anyhow::Result<BandwidthReport> {
    super::check(&cfg)?;
    if cfg.pollers > 0 {
        bail!("a run over several nodes or client processes has WebSocket subscribers only (-p 0)");
    }
    let Some(binary) = &cfg.server.spawn_server else {
        bail!("a run over several nodes starts them: give --spawn-server");
    };
    let slots = churn::schedule(cfg.subscribers, cfg.churn_per_min, cfg.duration, cfg.seed).len();
    if spread.nodes == 0 || spread.nodes > crate::million::MAX_NODES {
        bail!("--nodes must be between 1 and {}", crate::million::MAX_NODES);
    }
    if slots.div_ceil(spread.nodes) > MAX_CLIENTS {
        bail!("{slots} subscriber slots over {} nodes: over {MAX_CLIENTS} a node", spread.nodes);
    }
    spread.worker_count(slots)?;
    let connections = spread.nodes * POOL_PER_NODE + POSTGRES_SPARE;
    let (mut postgres, nats) = start_postgres_and_nats(Some(connections)).await?;
    let mut server_args = vec![
        "--nats-url".to_owned(),
        nats.url(),
        "--db-pool-size".into(),
        POOL_PER_NODE.to_string(),
    ];
    server_args.extend(cfg.server.server_args.iter().cloned());
    let server = ServerConfig {
        spawn_server: Some(binary.clone()),
        server_args,
        spawn_nodes: spread.nodes,
        ..Default::default()
    };
    let result = async {
        let database = postgres.fresh_database("bandwidth").await?;
        runner::run_report(&server, Some(&database), async |scorecast, http| {
            measure(scorecast, &cfg, &spread, http).await
        })
        .await
    }
    .await;
    nats.stop().await?;
    postgres.stop().await?;
    result
}

async fn measure(
    server: &Scorecast,
    cfg: &BandwidthConfig,
    spread: &Spread,
    http: &reqwest::Client,
) -> anyhow::Result<BandwidthReport> {
    let live = server.live_match(http, "Bandwidth").await?;
    // Every node has the match before anyone joins it, so that every first snapshot is the same.
    server.converged(http, live.id, live.seq).await?;
    let id = live.id;
    let path = format!("/api/v1/matches/{id}");
    let (start_bytes, start_events) = snapshot_size(server, &path).await?;
    let nodes: Vec<SocketAddr> =
        server.nodes.iter().map(loopback_addr).collect::<Result<_, _>>()?;
    let slots = churn::schedule(cfg.subscribers, cfg.churn_per_min, cfg.duration, cfg.seed);
    let count = spread.worker_count(slots.len())?;
    let ready_by = Instant::now() + READY_BASE + READY_PER_SLOT * slots.len() as u32;
    let mut plans: Vec<Plan> = (0..count)
        .map(|w| Plan {
            subscribers: Vec::new(),
            path: format!("/ws?matches={id}"),
            source: Some(worker_source(w)),
            speedup: cfg.speedup,
            real_duration: cfg.duration.div_f64(cfg.speedup),
            joins_in_flight: subscriber::JOINS_IN_FLIGHT.div_ceil(count),
        })
        .collect();
    // Round-robin over the nodes and the workers alike: each node gets its share of the
    // newcomers and leavers, and each worker of every node.
    for (i, slot) in slots.into_iter().enumerate() {
        plans[i % count].subscribers.push((slot, nodes[i % nodes.len()]));
    }
    let mut pool = start_workers(&spread.workers, count).await?;
    for (w, plan) in plans.into_iter().enumerate() {
        pool.send(w, Command::Join(plan))?;
    }
    let ready = pool
        .answers(ready_by, |e| match e {
            Event::Ready { connected, of } => Some((connected, of)),
            _ => None,
        })
        .await?;
    let (connected, of) = ready.iter().fold((0, 0), |(c, o), (rc, ro)| (c + rc, o + ro));
    tracing::info!(connected, of, workers = count, nodes = nodes.len(), "subscribers ready");

    let start_unix_ns = worker::unix_ns_now() + GO_AHEAD.as_nanos() as u64;
    let start = Instant::now() + GO_AHEAD;
    for w in 0..count {
        pool.send(w, Command::Go { start_unix_ns })?;
    }
    let window = Window { start, end: start + cfg.duration.div_f64(cfg.speedup) };
    let (events, server_cpu_by_node_s) =
        tokio::join!(post_events(server, http, id, cfg, window), server_cpu(&server.pids, window));
    let events = events?;
    let done = pool
        .answers(window.end + DONE_TIMEOUT, |e| match e {
            Event::Done { outcomes } => Some(outcomes),
            _ => None,
        })
        .await?;
    stop_workers(pool).await;
    let (end_bytes, end_events) = snapshot_size(server, &path).await?;
    let snapshot =
        SnapshotSizes { start_bytes, start_events, end_bytes, end_events, ..Default::default() };
    let placement = Placement { nodes: nodes.len(), client_processes: count };
    let measured = Measured { match_id: id, placement, snapshot, events, server_cpu_by_node_s };
    let subscribers = done.into_iter().flatten().collect();
    Ok(summary::report(server, cfg, measured, vec![Vec::new(), Vec::new(), subscribers]))
}

async fn start_workers(
    placement: &Workers,
    count: usize,
) -> anyhow::Result<workers::Pool<Command, Event>> {
    let mut pool = workers::Pool::new("bandwidth worker");
    for _ in 0..count {
        match placement {
            Workers::Threads => pool.thread(worker::spawn_thread)?,
            Workers::Processes { exe } => {
                // A worker never exits on its own before `Exit`: an end is a failure.
                pool.process(exe, "bandwidth-worker", None::<&()>, true).await?;
            }
        }
    }
    Ok(pool.started())
}

/// Tells every worker to stop and waits for them (their subscribers are done by now).
async fn stop_workers(pool: workers::Pool<Command, Event>) {
    for w in 0..pool.len() {
        let _ = pool.send(w, Command::Exit);
    }
    pool.close().await;
}
