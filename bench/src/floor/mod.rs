//! The floor: a measuring stick, not the product.
//!
//! The simplest broadcaster that does the same job as scorecast's fan-out, so that scorecast's
//! numbers can be read against what this machine can do at all: it upgrades `GET /ws`, sends a
//! snapshot-like first frame, and on each `POST /publish` writes one pre-encoded goal update (the
//! size of scorecast's) to every socket. It stores nothing, reads nothing from clients, sends no
//! heartbeats and has no limits or slow-client handling: none of it is meant to be copied. It runs
//! as its own process (hidden subcommand `floor-server`) so its memory and CPU are read from
//! `/proc` exactly like scorecast's, and the same clients measure it the same way.

mod process;
mod server;

pub use process::{main_stdio, FloorThread};
pub use server::Floor;

use anyhow::Context;
use reqwest::Url;

use crate::config::{LoadConfig, Placement};
use crate::coordinator::{run, spawn, Target};
use crate::report::model::{FloorReport, Meta, RunReport};

/// The `floor` subcommand: the fan-out of `load` against a fresh floor server.
#[derive(Debug, Clone)]
pub struct FloorConfig {
    pub load: LoadConfig,
}

pub async fn run_floor(cfg: FloorConfig) -> anyhow::Result<FloorReport> {
    let mut meta = Meta::start("floor");
    let http = crate::fanout::http_client()?;
    let floor = measure(&cfg.load, &http).await?;
    meta.finish();
    Ok(FloorReport { meta, floor })
}

/// Starts a floor (a process, or a thread when the clients are threads too), runs the fan-out
/// against it, and stops it.
pub(crate) async fn measure(
    load: &LoadConfig,
    http: &reqwest::Client,
) -> anyhow::Result<RunReport> {
    match &load.placement {
        Placement::Processes { exe } => {
            let server = spawn::floor(exe).await.context("starting the floor")?;
            let mut target = Target::Floor { url: server.url.clone(), pid: Some(server.pid) };
            let result = run::run(&mut target, load, http).await;
            server.stop().await?;
            result
        }
        Placement::Threads => {
            let floor = FloorThread::start()?;
            let url = Url::parse(&format!("http://{}/", floor.addr))?;
            let mut target = Target::Floor { url, pid: None };
            let result = run::run(&mut target, load, http).await;
            tokio::task::spawn_blocking(move || drop(floor)).await?;
            result
        }
    }
}
