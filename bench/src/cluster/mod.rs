//! The `cluster` subcommand: scorecast nodes sharing one audience over NATS, measured with the
//! fan-out's load generator. It starts its own Postgres and nats-server, then at each subscriber
//! count runs the fan-out against one node (the same Postgres, no NATS) and against K nodes
//! (clients spread over them, events posted on the first), interleaved over rounds, with the floor;
//! then the gap repair after a NATS outage and a SIGTERM failover. Everything it started is
//! stopped at the end.
//!
//! Within a round the order alternates (single first in odd rounds, the cluster first in even
//! ones), so a machine that drifts over the run favours neither.

mod audience;
pub mod failover;
pub mod gap;
pub mod infra;
pub mod markdown;
pub mod metrics;
pub mod model;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::common::meta::Meta;
use crate::common::runner;
use crate::common::scorecast::{http_client, Scorecast, ServerConfig};
use crate::compare::model::{Round, Side};
use crate::fanout::target::Target;
use crate::fanout::{self, LoadConfig};
pub use failover::FailoverConfig;
pub use gap::GapConfig;
use infra::{Nats, Postgres};
use model::{ClusterReport, ClusterSize};

/// Most rounds: each is two full fan-outs per size.
pub const MAX_ROUNDS: usize = 20;
/// What the single-node runs are, for the report.
const SINGLE: &str = "one node on the same Postgres, without NATS";

#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub binary: PathBuf,
    /// Nodes in the cluster (at least 2).
    pub nodes: usize,
    /// Subscriber counts, each measured `rounds` times per deployment.
    pub subscribers: Vec<usize>,
    pub rounds: usize,
    /// Also measure the floor once per subscriber count.
    pub with_floor: bool,
    /// Extra flags for every spawned node.
    pub server_args: Vec<String>,
    /// The load of every fan-out (its `subscribers` is replaced by each count above).
    pub load: LoadConfig,
    /// Longest one fan-out or scenario may take; beyond it, it is stopped and fails.
    pub run_timeout: Duration,
    pub gap: Option<GapConfig>,
    pub failover: Option<FailoverConfig>,
}

pub async fn run_cluster(cfg: ClusterConfig) -> anyhow::Result<ClusterReport> {
    if !(1..=MAX_ROUNDS).contains(&cfg.rounds) {
        bail!("--rounds must be between 1 and {MAX_ROUNDS}");
    }
    if cfg.nodes < 2 {
        bail!("--nodes must be at least 2");
    }
    if cfg.subscribers.contains(&0) {
        bail!("every subscriber count must be above zero");
    }
    let mut meta = Meta::start("cluster");
    let binary = crate::compare::describe(&cfg.binary, &None).await?;
    let (mut postgres, mut nats) = infra::start_postgres_and_nats(None).await?;
    let mut report = ClusterReport {
        binary,
        nodes: cfg.nodes,
        single: SINGLE.into(),
        rounds: cfg.rounds,
        events: cfg.load.events,
        interval_ms: cfg.load.interval.as_secs_f64() * 1e3,
        server_args: cfg.server_args.clone(),
        postgres: postgres.version.clone(),
        nats: nats.version.clone(),
        sizes: Vec::new(),
        gap_repair: None,
        failover: None,
        problems: Vec::new(),
        passed: false,
        meta: meta.clone(),
    };
    let errors = measure_all(&cfg, &mut postgres, &mut nats, &mut report).await;
    nats.stop().await?;
    postgres.stop().await?;
    meta.finish();
    meta.scorecast_version = report.binary.version.clone();
    report.meta = meta;
    report.problems = problems(&report);
    report.problems.extend(errors);
    report.passed = report.problems.is_empty()
        && report.sizes.iter().all(|s| s.passed)
        && report.gap_repair.as_ref().is_none_or(|g| g.passed)
        && report.failover.as_ref().is_none_or(|f| f.passed);
    Ok(report)
}

/// Every size, then the scenarios; returns why a scenario could not run (the report says so).
async fn measure_all(
    cfg: &ClusterConfig,
    postgres: &mut Postgres,
    nats: &mut Nats,
    report: &mut ClusterReport,
) -> Vec<String> {
    for &n in &cfg.subscribers {
        report.sizes.push(measure_size(cfg, postgres, nats, n).await);
    }
    let mut errors = Vec::new();
    if let Err(e) = measure_gap(cfg, postgres, nats, report).await {
        errors.push(format!("gap repair could not run: {e:#}"));
    }
    if let Err(e) = measure_failover(cfg, postgres, nats, report).await {
        errors.push(format!("failover could not run: {e:#}"));
    }
    errors
}

async fn measure_gap(
    cfg: &ClusterConfig,
    postgres: &mut Postgres,
    nats: &mut Nats,
    report: &mut ClusterReport,
) -> anyhow::Result<()> {
    if let Some(gap) = &cfg.gap {
        let mut args = cluster_args(cfg, nats);
        args.extend(["--nats-check-secs".into(), gap.check_secs.to_string()]);
        let db = postgres.fresh_database("gap").await?;
        let scorecast = Scorecast::spawn(&cfg.binary, &args, Some(&db), cfg.nodes).await?;
        let http = http_client()?;
        let run = gap::measure(&scorecast, nats, gap, &cfg.load, &http);
        let measured = tokio::time::timeout(cfg.run_timeout, run).await;
        drop(http);
        scorecast.stop().await?;
        if nats.pid().is_none() {
            nats.run().await?;
        }
        report.gap_repair = Some(measured.context("the gap-repair run timed out")??);
    }
    Ok(())
}

async fn measure_failover(
    cfg: &ClusterConfig,
    postgres: &mut Postgres,
    nats: &Nats,
    report: &mut ClusterReport,
) -> anyhow::Result<()> {
    if let Some(failover) = &cfg.failover {
        let db = postgres.fresh_database("failover").await?;
        let args = cluster_args(cfg, nats);
        let mut scorecast = Scorecast::spawn(&cfg.binary, &args, Some(&db), cfg.nodes).await?;
        let http = http_client()?;
        let run = failover::measure(&mut scorecast, failover, &cfg.load, &http);
        let measured = tokio::time::timeout(cfg.run_timeout, run).await;
        drop(http);
        scorecast.stop().await?;
        report.failover = Some(measured.context("the failover run timed out")??);
    }
    Ok(())
}

/// The floor once, then every round of both deployments at `n` subscribers.
async fn measure_size(
    cfg: &ClusterConfig,
    postgres: &mut Postgres,
    nats: &Nats,
    n: usize,
) -> ClusterSize {
    let mut load = cfg.load.clone();
    load.subscribers = n;
    let floor = match cfg.with_floor {
        true => {
            tracing::info!(subscribers = n, "cluster: measuring the floor");
            let meta = Meta::start("floor");
            let measured = tokio::time::timeout(cfg.run_timeout, fanout::measure_floor(&load));
            Some(match measured.await {
                Ok(Ok(run)) => Round::measured(0, 0, &meta, &run),
                Ok(Err(e)) => Round::failed(0, 0, &meta, format!("{e:#}")),
                Err(_) => Round::failed(0, 0, &meta, "stopped after the run timeout".into()),
            })
        }
        false => None,
    };
    let (mut single, mut cluster) = (Vec::new(), Vec::new());
    for round in 1..=cfg.rounds {
        let cluster_first = round % 2 == 0;
        for position in 1..=2 {
            let is_cluster = (position == 1) == cluster_first;
            let name = if is_cluster { "cluster" } else { "single" };
            tracing::info!(subscribers = n, round, deployment = name, "cluster: measuring");
            let measured =
                measure_once(cfg, postgres, nats, is_cluster, &load, round, position).await;
            match is_cluster {
                true => cluster.push(measured),
                false => single.push(measured),
            }
        }
    }
    ClusterSize::judge(n, floor, Side::of(single), Side::of(cluster))
}

/// One fan-out against a fresh deployment (its own database): one node, or the cluster.
async fn measure_once(
    cfg: &ClusterConfig,
    postgres: &mut Postgres,
    nats: &Nats,
    is_cluster: bool,
    load: &LoadConfig,
    round: usize,
    position: usize,
) -> Round {
    let mut meta = Meta::start("fanout");
    let purpose = if is_cluster { "cluster" } else { "single" };
    let database = match postgres.fresh_database(purpose).await {
        Ok(url) => url,
        Err(e) => return Round::failed(round, position, &meta, format!("{e:#}")),
    };
    let server = ServerConfig {
        spawn_server: Some(cfg.binary.clone()),
        server_args: match is_cluster {
            true => cluster_args(cfg, nats),
            false => cfg.server_args.clone(),
        },
        spawn_nodes: if is_cluster { cfg.nodes } else { 1 },
        ..Default::default()
    };
    // On a timeout the run's future is dropped: servers and workers are `kill_on_drop`.
    let run = runner::with_scorecast(&mut meta, &server, Some(&database), async |sc, http| {
        fanout::run::run(&Target::Scorecast(sc), load, http).await
    });
    match tokio::time::timeout(cfg.run_timeout, run).await {
        Ok(Ok(report)) => Round::measured(round, position, &meta, &report),
        Ok(Err(e)) => Round::failed(round, position, &meta, format!("{e:#}")),
        Err(_) => Round::failed(round, position, &meta, "stopped after the run timeout".into()),
    }
}

/// Flags of every cluster node: the shared NATS, then the configured extras.
fn cluster_args(cfg: &ClusterConfig, nats: &Nats) -> Vec<String> {
    let mut args = vec!["--nats-url".to_owned(), nats.url()];
    args.extend(cfg.server_args.iter().cloned());
    args
}

fn problems(r: &ClusterReport) -> Vec<String> {
    let mut problems = Vec::new();
    for s in &r.sizes {
        let sides = [("single", &s.single), ("cluster", &s.cluster)];
        for (name, side) in sides {
            for round in side.rounds.iter().filter(|r| !r.passed) {
                problems.push(format!(
                    "{} subscribers, {name} round {}: {}",
                    s.subscribers,
                    round.round,
                    round.problems.join("; ")
                ));
            }
        }
    }
    if let Some(g) = &r.gap_repair {
        problems.extend(g.problems.iter().map(|p| format!("gap repair: {p}")));
    }
    if let Some(f) = &r.failover {
        problems.extend(f.problems.iter().map(|p| format!("failover: {p}")));
    }
    problems
}
