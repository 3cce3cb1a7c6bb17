//! The `million` subcommand: one match followed by N subscribers (up to 1,000,000) on this one
//! machine, spread over as many scorecast nodes as the open-file limit needs (~19,600 sockets per
//! process here), sharing one throwaway Postgres and one nats-server; clients connect straight to
//! the nodes (a load balancer would double the sockets). Goals are posted on the first node and
//! reach the others over NATS.
//!
//! The run has up to three phases, each a fan-out of the `fanout` module: the floor broadcaster at
//! `floor_subscribers` (as many floor processes as needed, triggered together), scorecast at that
//! same count, then scorecast at N (when N differs). Beside each scorecast phase's match, a side
//! match followed by a share of its subscribers gets other events posted at a steady rate while
//! the goals are fanned out (`side`). A sampler thread reads the kernel's socket
//! memory, the machine's memory and every process's RSS each second throughout. Everything started
//! is stopped by PID, and the whole run ends by itself within `time_limit`.

pub mod ingest;
pub mod judge;
pub mod markdown;
pub mod model;
mod operator;
mod report;
pub mod sampler;
pub mod side;
pub mod svg;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::time::Instant;

use crate::cluster::infra::{start_postgres_and_nats, Nats, Postgres};
use crate::common::meta::Meta;
use crate::common::scorecast::http_client;
use crate::fanout::{self, LoadConfig};
use crate::procfs;
use model::{MillionReport, Phase};
use sampler::{Peak, Sampler, Servers};
use side::SideConfig;

/// Most nodes one run may start.
pub const MAX_NODES: usize = 100;
/// Pool connections per node: the committer's and one for reads (lookups, the periodic check).
const POOL_PER_NODE: usize = 2;
/// Postgres connections beyond the nodes' pools: this tool's createdb and a margin.
const POSTGRES_SPARE: usize = 20;
/// How often the sampler reads memory and sockets.
const SAMPLE_EVERY: Duration = Duration::from_secs(1);
/// File descriptors a node needs beside its subscribers (listener, epoll, database, NATS, logs).
const NODE_SPARE_FILES: usize = 100;
/// Time kept at the end of `--time-limit` for stopping a phase's clients and nodes: this, and
/// `TEARDOWN_PER_MILLION` more per million subscribers (measured: ~100 s for a million).
const TEARDOWN_BASE: Duration = Duration::from_secs(40);
const TEARDOWN_PER_MILLION: Duration = Duration::from_secs(110);
/// The pause before the goals of the smaller phases (the idle CPU that matters is the full run's).
const SMALL_PHASE_IDLE: Duration = Duration::from_secs(5);
/// Audience messages a second the machine's nodes share (`--watching-max-messages-per-sec`): the
/// default budget of one node, which assumes a machine of its own. Each of the nodes that share
/// this one gets its share, as it gets one HTTP worker; at the default 1,000 each, 51 nodes on two
/// cores were allowed 51,000 a second, and a million connected in 221.7 s against 124.1 s with
/// the machine's share (`million-20261207T234234Z`, `million-20261208T005424Z`).
const WATCHING_MESSAGES_PER_MACHINE: usize = 1_000;
const WATCHING_BUDGET_FLAG: &str = "--watching-max-messages-per-sec";
/// What the floor's processes are called on their command line.
const FLOOR_COMMAND: &str = "floor-server";

#[derive(Debug, Clone)]
pub struct MillionConfig {
    pub binary: PathBuf,
    /// Most subscribers per node; the node count is N divided by this, rounded up.
    pub per_node: usize,
    /// Extra flags for every node.
    pub server_args: Vec<String>,
    /// The full run's load (`subscribers` is N).
    pub load: LoadConfig,
    /// Subscribers of the floor and of the scorecast run beside it (0: no floor).
    pub floor_subscribers: usize,
    /// The side match of every scorecast phase (`None`: every subscriber follows the one match).
    pub side: Option<SideConfig>,
    /// Nice levels an ingest node (events are posted to it; no subscriber connects to it) and
    /// Postgres run above the fan-out nodes (`None`: no ingest node; events go to the first).
    pub ingest_priority: Option<i32>,
    /// The whole run ends by then, measured or not.
    pub time_limit: Duration,
}

pub async fn run_million(cfg: MillionConfig) -> anyhow::Result<MillionReport> {
    let nodes = nodes_for(cfg.load.subscribers, cfg.per_node)?;
    if cfg.floor_subscribers > cfg.load.subscribers {
        bail!("--floor-subscribers must not exceed --subscribers");
    }
    crate::priority::ensure_room(cfg.ingest_priority.unwrap_or(0).max(cfg.load.client_priority))?;
    let mut meta = Meta::start("million");
    let binary = crate::compare::describe(&cfg.binary, &None).await?;
    let sampler = Sampler::start(SAMPLE_EVERY);
    let pressure_before = procfs::tcp_counters();
    let started = Instant::now();
    let deadline = started + cfg.time_limit;
    let (mut postgres, nats) =
        start_postgres_and_nats(Some(nodes * POOL_PER_NODE + POSTGRES_SPARE)).await?;
    if let Some(levels) = cfg.ingest_priority {
        let raised = crate::priority::raise_with_children(postgres.pid(), levels);
        if let Err(e) = raised {
            nats.stop().await?;
            postgres.stop().await?;
            return Err(e.context("raising Postgres's priority"));
        }
    }
    let (postgres_version, nats_version) = (postgres.version.clone(), nats.version.clone());
    // Phases finished before the time limit stay in the report.
    let mut phases = Vec::new();
    let ran = tokio::time::timeout_at(
        deadline,
        all_phases(&cfg, &mut postgres, &nats, &sampler, started, deadline, &mut phases),
    )
    .await;
    nats.stop().await?;
    postgres.stop().await?;
    let samples = sampler.finish();
    if ran.is_err() {
        phases.push(failed_phase(
            "run",
            0,
            started,
            "the run reached --time-limit and was stopped",
        ));
    }
    meta.finish();
    meta.scorecast_version = binary.version.clone();
    let kernel_pressure = procfs::counter_deltas(&pressure_before, &procfs::tcp_counters());
    Ok(judge::judge(MillionReport::new(
        meta,
        binary,
        (postgres_version, nats_version),
        &cfg,
        phases,
        samples,
        kernel_pressure,
    )))
}

/// Nodes needed for `subscribers` at `per_node` each.
pub fn nodes_for(subscribers: usize, per_node: usize) -> anyhow::Result<usize> {
    if per_node == 0 || per_node + NODE_SPARE_FILES > 19_900 {
        bail!(
            "--per-node must be between 1 and {} (the open-file limit)",
            19_900 - NODE_SPARE_FILES
        );
    }
    let nodes = subscribers.div_ceil(per_node).max(1);
    if nodes > MAX_NODES {
        bail!(
            "{subscribers} subscribers at {per_node} per node need {nodes} nodes, over {MAX_NODES}"
        );
    }
    Ok(nodes)
}

async fn all_phases(
    cfg: &MillionConfig,
    postgres: &mut Postgres,
    nats: &Nats,
    sampler: &Sampler,
    started: Instant,
    deadline: Instant,
    phases: &mut Vec<Phase>,
) {
    let n = cfg.load.subscribers;
    if cfg.floor_subscribers > 0 {
        phases.push(floor_phase(cfg, sampler, started).await);
        if cfg.floor_subscribers < n {
            let f = cfg.floor_subscribers;
            phases.push(scorecast_phase(cfg, f, postgres, nats, sampler, started, deadline).await);
        }
    }
    phases.push(scorecast_phase(cfg, n, postgres, nats, sampler, started, deadline).await);
}

async fn floor_phase(cfg: &MillionConfig, sampler: &Sampler, started: Instant) -> Phase {
    let n = cfg.floor_subscribers;
    tracing::info!(subscribers = n, "million: measuring the floor");
    sampler.phase(&format!("floor {n}"), Servers::ChildrenNamed(FLOOR_COMMAND));
    let before = procfs::tcp_counters();
    let at = started.elapsed().as_secs_f64();
    let load = phase_load(cfg, n, None);
    let run = fanout::measure_floor(&load).await;
    let servers = run.as_ref().map_or(0, |r| r.servers.len());
    finish_phase("floor", n, servers, 0.0, at, before, run)
}

async fn scorecast_phase(
    cfg: &MillionConfig,
    n: usize,
    postgres: &mut Postgres,
    nats: &Nats,
    sampler: &Sampler,
    started: Instant,
    deadline: Instant,
) -> Phase {
    let at = started.elapsed().as_secs_f64();
    let nodes = match nodes_for(n, cfg.per_node) {
        Ok(nodes) => nodes,
        Err(e) => return failed_phase("scorecast", n, started, &format!("{e:#}")),
    };
    tracing::info!(subscribers = n, nodes, "million: starting the scorecast nodes");
    sampler.phase(&format!("scorecast {n} (starting nodes)"), Servers::None);
    let before = procfs::tcp_counters();
    let spawned = async {
        let database = postgres.fresh_database("million").await?;
        let start = Instant::now();
        let args = node_args(cfg, nats, nodes);
        let scorecast = ingest::spawn(&cfg.binary, &args, &database, nodes, cfg.ingest_priority)
            .await
            .context("starting the nodes")?;
        anyhow::Ok((scorecast, start.elapsed().as_secs_f64()))
    };
    let (scorecast, start_s) = match spawned.await {
        Ok(spawned) => spawned,
        Err(e) => return failed_phase("scorecast", n, started, &format!("{e:#}")),
    };
    sampler.phase(&format!("scorecast {n}"), Servers::Pids(scorecast.pids.clone()));
    let load = phase_load(cfg, n, Some(deadline));
    let (run, side, ingest) = match http_client() {
        Ok(http) => {
            let (run, side) = side::fan_out_beside(cfg.side, &scorecast, load, &http).await;
            (run, side, ingest::report(&http, &scorecast, cfg.ingest_priority).await)
        }
        Err(e) => (Err(e), None, None),
    };
    sampler
        .phase(&format!("scorecast {n} (stopping nodes)"), Servers::Pids(scorecast.pids.clone()));
    if let Err(e) = scorecast.stop().await {
        tracing::warn!("stopping the nodes: {e:#}");
    }
    Phase { side, ingest, ..finish_phase("scorecast", n, nodes, start_s, at, before, run) }
}

/// The load of a phase at `n` subscribers; with a `deadline`, measured by it less the time its
/// clean-up needs.
fn phase_load(cfg: &MillionConfig, n: usize, deadline: Option<Instant>) -> LoadConfig {
    let mut load = LoadConfig { subscribers: n, ..cfg.load.clone() };
    if n < cfg.load.subscribers {
        load.settle = load.settle.min(SMALL_PHASE_IDLE);
        load.idle_after = Duration::ZERO;
    }
    let teardown = TEARDOWN_BASE + TEARDOWN_PER_MILLION.mul_f64(n as f64 / 1e6);
    load.measure_by = deadline.map(|d| d - teardown);
    load
}

/// Flags of every node (one of `nodes`): the shared NATS, one HTTP worker (two cores for fifty
/// nodes), a small database pool, room for its share of the subscribers, its share of the
/// machine's audience messages (unless the configured extras set them), then those extras.
fn node_args(cfg: &MillionConfig, nats: &Nats, nodes: usize) -> Vec<String> {
    let mut args = vec![
        "--nats-url".to_owned(),
        nats.url(),
        "--workers".into(),
        "1".into(),
        "--db-pool-size".into(),
        POOL_PER_NODE.to_string(),
        "--ws-max-connections".into(),
        (cfg.per_node + NODE_SPARE_FILES / 2).to_string(),
    ];
    if let Some(share) = watching_share(&cfg.server_args, nodes) {
        args.extend([WATCHING_BUDGET_FLAG.to_owned(), share.to_string()]);
    }
    args.extend(cfg.server_args.iter().cloned());
    args
}

fn finish_phase(
    name: &str,
    subscribers: usize,
    servers: usize,
    servers_start_s: f64,
    started_at_s: f64,
    pressure_before: BTreeMap<String, i64>,
    run: anyhow::Result<fanout::model::RunReport>,
) -> Phase {
    let kernel_pressure = procfs::counter_deltas(&pressure_before, &procfs::tcp_counters());
    let (run, error) = match run {
        Ok(run) => (Some(run), None),
        Err(e) => (None, Some(format!("{e:#}"))),
    };
    Phase {
        name: name.into(),
        subscribers,
        servers,
        servers_start_s,
        started_at_s,
        peak: Peak::default(),
        kernel_pressure,
        run,
        side: None,
        ingest: None,
        error,
    }
}

fn failed_phase(name: &str, subscribers: usize, started: Instant, why: &str) -> Phase {
    let at = started.elapsed().as_secs_f64();
    finish_phase(
        name,
        subscribers,
        0,
        0.0,
        at,
        procfs::tcp_counters(),
        Err(anyhow::anyhow!("{why}")),
    )
}

/// Each of `nodes` nodes' share of the machine's audience messages a second, unless `extras`
/// set the budget themselves.
fn watching_share(extras: &[String], nodes: usize) -> Option<usize> {
    let set = extras.iter().any(|a| a.starts_with(WATCHING_BUDGET_FLAG));
    (!set).then(|| WATCHING_MESSAGES_PER_MACHINE.div_ceil(nodes.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nodes_share_one_machines_audience_budget_unless_told_otherwise() {
        assert_eq!(watching_share(&[], 1), Some(1_000));
        assert_eq!(watching_share(&[], 51), Some(20), "a million's layout");
        let given = ["--watching-max-messages-per-sec=500".to_owned()];
        assert_eq!(watching_share(&given, 51), None);
    }
}
