//! The `compare` subcommand: the fan-out of two scorecast binaries, a baseline and a candidate,
//! interleaved round by round at each subscriber count, each run against a fresh spawned server;
//! then the medians, the candidate ÷ baseline ratios and whether the candidate meets the aims
//! (p99 and CPU per delivery ≤ 1.1×, memory per connection no higher). Each side's match has a
//! sport of its own, so one binary can be compared with itself on two sports. The baseline may
//! also be the floor (the bench's own broadcaster, fresh every run), held to issue 26's aims
//! (p99 and CPU per delivery ≤ 1.05×, memory reported).
//!
//! Within a round the order alternates (baseline first in odd rounds, candidate first in even
//! ones), so a machine that drifts over the run does not favour either binary.

pub mod markdown;
pub mod model;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};

use crate::common::meta::Meta;
use crate::common::scorecast::{version_of, ServerConfig};
use crate::common::sport::Sport;
use crate::fanout::{measure_floor, measure_scorecast, LoadConfig};
use model::{Aims, Binary, CompareReport, Round, Side, Size};

/// Most rounds: each is two full fan-outs per size.
pub const MAX_ROUNDS: usize = 20;

/// What the candidate is measured against.
#[derive(Debug, Clone)]
pub enum Baseline {
    /// Another scorecast binary.
    Binary(PathBuf),
    /// The floor: the least a broadcaster must do, started fresh for every run like a server.
    Floor,
}

impl Baseline {
    /// The binary to spawn for a baseline run; `None`: the floor.
    fn binary(&self) -> Option<&Path> {
        match self {
            Self::Binary(path) => Some(path),
            Self::Floor => None,
        }
    }

    fn aims(&self) -> Aims {
        match self {
            Self::Binary(_) => Aims::BINARY,
            Self::Floor => Aims::FLOOR,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CompareConfig {
    pub baseline: Baseline,
    pub candidate: PathBuf,
    pub baseline_label: Option<String>,
    pub candidate_label: Option<String>,
    /// Subscriber counts, each measured `rounds` times per binary.
    pub subscribers: Vec<usize>,
    pub rounds: usize,
    /// Extra flags for both spawned servers.
    pub server_args: Vec<String>,
    /// The sport of each side's match (`load.sport` is replaced by these): with the same binary
    /// as both sides, the comparison is of two sports, e.g. tennis points against football goals.
    pub baseline_sport: Sport,
    pub candidate_sport: Sport,
    /// The load of every run (its `subscribers` is replaced by each of the counts above).
    pub load: LoadConfig,
    /// Longest one run may take; beyond it the run is stopped (its server and workers killed) and
    /// counted as failed.
    pub run_timeout: Duration,
}

pub async fn run_compare(cfg: CompareConfig) -> anyhow::Result<CompareReport> {
    if !(1..=MAX_ROUNDS).contains(&cfg.rounds) {
        bail!("--rounds must be between 1 and {MAX_ROUNDS}");
    }
    if cfg.subscribers.is_empty() || cfg.subscribers.contains(&0) {
        bail!("give at least one subscriber count, each above zero");
    }
    let mut meta = Meta::start("compare");
    let baseline = match &cfg.baseline {
        Baseline::Binary(path) => describe(path, &cfg.baseline_label).await?,
        Baseline::Floor => Binary::floor(cfg.baseline_label.clone()),
    };
    let candidate = describe(&cfg.candidate, &cfg.candidate_label).await?;
    let mut sizes = Vec::new();
    for &n in &cfg.subscribers {
        sizes.push(measure_size(&cfg, n).await);
    }
    meta.finish();
    let problems: Vec<String> = sizes
        .iter()
        .flat_map(|s| {
            let sides = [("baseline", &s.baseline), ("candidate", &s.candidate)];
            sides.into_iter().flat_map(move |(name, side)| {
                side.rounds.iter().filter(|r| !r.passed).map(move |r| {
                    format!(
                        "{} subscribers, {name} round {}: {}",
                        s.subscribers,
                        r.round,
                        r.problems.join("; ")
                    )
                })
            })
        })
        .collect();
    Ok(CompareReport {
        meta,
        baseline,
        candidate,
        baseline_sport: cfg.baseline_sport,
        candidate_sport: cfg.candidate_sport,
        rounds: cfg.rounds,
        events: cfg.load.events,
        interval_ms: cfg.load.interval.as_secs_f64() * 1e3,
        run_timeout_s: cfg.run_timeout.as_secs_f64(),
        server_args: cfg.server_args.clone(),
        aims: cfg.baseline.aims(),
        passed: sizes.iter().all(|s| s.passed),
        sizes,
        problems,
    })
}

/// Every round of both binaries at `n` subscribers.
async fn measure_size(cfg: &CompareConfig, n: usize) -> Size {
    let mut load = cfg.load.clone();
    load.subscribers = n;
    let (mut baseline, mut candidate) = (Vec::new(), Vec::new());
    for round in 1..=cfg.rounds {
        let candidate_first = round % 2 == 0;
        for position in 1..=2 {
            let is_candidate = (position == 1) == candidate_first;
            let (side, sport, rounds) = match is_candidate {
                true => (Some(cfg.candidate.as_path()), cfg.candidate_sport, &mut candidate),
                false => (cfg.baseline.binary(), cfg.baseline_sport, &mut baseline),
            };
            load.sport = sport;
            let name = if is_candidate { "candidate" } else { "baseline" };
            tracing::info!(subscribers = n, round, binary = name, %sport, "compare: measuring");
            rounds.push(measure_once(cfg, side, &load, round, position).await);
        }
    }
    Size::judge(n, Side::of(baseline), Side::of(candidate), cfg.baseline.aims())
}

/// One fan-out against a fresh server from `binary` (`None`: a fresh floor), within
/// `run_timeout`.
async fn measure_once(
    cfg: &CompareConfig,
    binary: Option<&Path>,
    load: &LoadConfig,
    round: usize,
    position: usize,
) -> Round {
    let mut meta = Meta::start("fanout");
    // On a timeout the run's future is dropped: the server and worker processes are started with
    // `kill_on_drop`, so none outlives it.
    let run = async {
        match binary {
            Some(binary) => {
                let server = ServerConfig {
                    spawn_server: Some(binary.to_path_buf()),
                    server_args: cfg.server_args.clone(),
                    ..Default::default()
                };
                measure_scorecast(&mut meta, &server, load).await
            }
            None => measure_floor(load).await,
        }
    };
    let measured = tokio::time::timeout(cfg.run_timeout, run).await;
    match measured {
        Ok(Ok(report)) => Round::measured(round, position, &meta, &report),
        Ok(Err(e)) => Round::failed(round, position, &meta, format!("{e:#}")),
        Err(_) => Round::failed(
            round,
            position,
            &meta,
            format!("stopped after the run timeout ({:?})", cfg.run_timeout),
        ),
    }
}

/// The binary's identity for the report: path, label, `--version`, the work tree it sits in.
pub(crate) async fn describe(path: &Path, label: &Option<String>) -> anyhow::Result<Binary> {
    let file = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if !file.is_file() {
        bail!("{} is not a file", path.display());
    }
    let modified = file.modified().ok().and_then(|t| {
        time::OffsetDateTime::from(t).format(&time::format_description::well_known::Rfc3339).ok()
    });
    Ok(Binary {
        path: path.canonicalize().unwrap_or_else(|_| path.to_path_buf()).display().to_string(),
        label: label.clone(),
        version: version_of(path).await,
        worktree_head: worktree_head(path).await,
        size_bytes: Some(file.len()),
        modified,
    })
}

/// `git rev-parse HEAD` in the folder of `path`, when that folder is inside a git work tree.
async fn worktree_head(path: &Path) -> Option<String> {
    let dir = path.canonicalize().ok()?.parent()?.to_path_buf();
    let output = tokio::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .await
        .ok()?;
    let head = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    (output.status.success() && !head.is_empty()).then_some(head)
}
