//! The `fanout` subcommand: N subscribers on one scorecast match, K goals, and what it took to
//! deliver them; optionally the same against the floor, for ratios.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use reqwest::Url;

use crate::config::LoadConfig;
use crate::coordinator::{run, spawn, Target};
use crate::floor;
use crate::procfs;
use crate::report::model::{FanoutReport, Meta, Ratios, RunReport};

/// Which scorecast to measure.
#[derive(Debug, Clone, Default)]
pub struct ServerConfig {
    /// Running nodes (clients are spread over them; events go to the first). Ignored when spawning.
    pub servers: Vec<Url>,
    pub admin_token: Option<String>,
    /// The pid of the (single, local) running server, to read its memory and CPU.
    pub server_pid: Option<u32>,
    /// Start this scorecast binary on a fresh database instead, and stop it at the end.
    pub spawn_server: Option<PathBuf>,
    /// Extra flags for the spawned server.
    pub server_args: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct FanoutConfig {
    pub server: ServerConfig,
    /// Also measure the floor with the same load, first.
    pub with_floor: bool,
    pub load: LoadConfig,
}

pub async fn run_fanout(cfg: FanoutConfig) -> anyhow::Result<FanoutReport> {
    let mut meta = Meta::start("fanout");
    let http = http_client()?;
    let floor = match cfg.with_floor {
        true => Some(floor::measure(&cfg.load, &http).await.context("measuring the floor")?),
        false => None,
    };
    let scorecast = measure_scorecast(&cfg.server, &cfg.load, &http).await?;
    if let Some(binary) = &cfg.server.spawn_server {
        meta.scorecast_version = version_of(binary).await;
    }
    let ratios = floor.as_ref().map(|f| Ratios::of(&scorecast, f));
    meta.finish();
    Ok(FanoutReport { meta, scorecast, floor, ratios })
}

async fn measure_scorecast(
    server: &ServerConfig,
    load: &LoadConfig,
    http: &reqwest::Client,
) -> anyhow::Result<RunReport> {
    if let Some(binary) = &server.spawn_server {
        let (process, token) = spawn::scorecast(binary, &server.server_args, None)
            .await
            .context("starting scorecast")?;
        tracing::info!(url = %process.url, pid = process.pid, log = ?process.log_path(), "scorecast started");
        let mut target = Target::Scorecast {
            servers: vec![process.url.clone()],
            token,
            pid: Some(process.pid),
            match_id: None,
        };
        // A client of its own: its idle keep-alive connection, once dropped, cannot hold up the
        // server's graceful stop.
        let http = http_client()?;
        let result = run::run(&mut target, load, &http).await;
        drop(http);
        process.stop().await?;
        return result;
    }
    if server.servers.is_empty() {
        bail!("give --server URL (a running scorecast) or --spawn-server PATH");
    }
    let token = server
        .admin_token
        .clone()
        .context("--admin-token is needed to create the match and post events")?;
    if let Some(pid) = server.server_pid {
        if !procfs::exists(pid) {
            bail!("--server-pid {pid}: no such process on this machine");
        }
    }
    let mut target = Target::Scorecast {
        servers: server.servers.clone(),
        token,
        pid: server.server_pid,
        match_id: None,
    };
    run::run(&mut target, load, http).await
}

pub async fn version_of(binary: &std::path::Path) -> Option<String> {
    let output = tokio::process::Command::new(binary).arg("--version").output().await.ok()?;
    Some(String::from_utf8_lossy(&output.stdout).trim().to_owned()).filter(|v| !v.is_empty())
}

/// The HTTP client for admin calls: keeps its connection alive so each POST is timed without a
/// TCP handshake, and never goes through a proxy (every target is on loopback).
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .context("building the HTTP client")
}
