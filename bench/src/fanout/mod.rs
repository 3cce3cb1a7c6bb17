//! The `fanout` and `floor` subcommands: N subscribers on one match, K goals, and what it took to
//! deliver them, against scorecast or the floor (optionally both, for ratios).
//!
//! The coordinator (`run`, with `pool` and `target`) connects the clients through worker processes
//! (`worker`), posts the events and collects what everyone measured; `aggregate` sums it up into
//! the `model`, which `markdown` renders.

pub(crate) mod aggregate;
mod load;
pub mod markdown;
pub mod model;
pub(crate) mod pool;
pub(crate) mod run;
pub(crate) mod target;
pub mod tls;
pub mod worker;

pub use load::{worker_source, LoadConfig, Placement, DEFAULT_PER_SOURCE, DEFAULT_PER_WORKER};

use anyhow::Context;

use crate::common::meta::Meta;
use crate::common::runner;
use crate::common::scorecast::{http_client, ServerConfig};
use crate::floor;
use model::{FanoutReport, FloorReport, Ratios, RunReport};
use target::Target;

#[derive(Debug, Clone)]
pub struct FanoutConfig {
    pub server: ServerConfig,
    /// Also measure the floor with the same load, first.
    pub with_floor: bool,
    pub load: LoadConfig,
}

/// The `floor` subcommand: the fan-out of `load` against a fresh floor server.
#[derive(Debug, Clone)]
pub struct FloorConfig {
    pub load: LoadConfig,
}

pub async fn run_fanout(cfg: FanoutConfig) -> anyhow::Result<FanoutReport> {
    let mut meta = Meta::start("fanout");
    let floor = match cfg.with_floor {
        true => Some(measure_floor(&cfg.load).await.context("measuring the floor")?),
        false => None,
    };
    let scorecast = measure_scorecast(&mut meta, &cfg.server, &cfg.load).await?;
    let ratios = floor.as_ref().map(|f| Ratios::of(&scorecast, f));
    Ok(FanoutReport { meta, scorecast, floor, ratios })
}

pub async fn run_floor(cfg: FloorConfig) -> anyhow::Result<FloorReport> {
    let mut meta = Meta::start("floor");
    let floor = measure_floor(&cfg.load).await?;
    meta.finish();
    Ok(FloorReport { meta, floor })
}

/// The fan-out of `load` against the configured scorecast (started for it and stopped after, when
/// spawned); notes the binary's version and the finish in `meta`.
pub async fn measure_scorecast(
    meta: &mut Meta,
    server: &ServerConfig,
    load: &LoadConfig,
) -> anyhow::Result<RunReport> {
    runner::with_scorecast(meta, server, None, async |scorecast, http| {
        run::run(&Target::Scorecast(scorecast), load, http).await
    })
    .await
}

/// Most clients one floor process holds: the open-file limit is 20,000 per process here.
const FLOOR_PER_PROCESS: usize = 19_500;

/// Starts a floor (processes, enough for the clients, or a thread when the clients are threads
/// too), runs the fan-out against it, and stops it.
pub(crate) async fn measure_floor(load: &LoadConfig) -> anyhow::Result<RunReport> {
    let http = http_client()?;
    let (exe, count) = match &load.placement {
        Placement::Processes { exe } => {
            (Some(exe.as_path()), load.subscribers.div_ceil(FLOOR_PER_PROCESS).max(1))
        }
        Placement::Threads => (None, 1),
    };
    let mut servers = Vec::new();
    let mut started = Ok(());
    for _ in 0..count {
        match floor::Running::start(exe).await.context("starting the floor") {
            Ok(server) => servers.push(server),
            Err(e) => {
                started = Err(e);
                break;
            }
        }
    }
    let result = match started {
        Ok(()) => {
            let urls = servers.iter().map(floor::Running::url).collect();
            let pids = servers.iter().filter_map(floor::Running::pid).collect();
            run::run(&Target::Floor { urls, pids }, load, &http).await
        }
        Err(e) => Err(e),
    };
    for server in servers {
        server.stop().await?;
    }
    result
}
