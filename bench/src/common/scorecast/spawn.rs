//! Starting the scorecast binary: one node or a cluster's nodes, each on a free loopback port,
//! and stopping them together.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use futures_util::StreamExt;
use reqwest::Url;
use tokio::process::Command;

use super::admin::http_client;
use super::{loopback_addr, Scorecast};
use crate::common::process::{free_port, tail, ServerProcess};

/// Time a spawned server gets to become ready (migrations on a fresh file take well under this).
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// The open-file limit of one process is 20,000 here; scorecast needs a few for itself.
pub const DEFAULT_WS_MAX_CONNECTIONS: &str = "19500";
/// Nodes started at once after the first: start-up is mostly waiting (connecting to the database
/// and NATS, loading snapshots), so a few overlap well on two cores.
const SPAWN_AT_ONCE: usize = 8;

impl Scorecast {
    /// Starts `count` nodes of `binary`: the first alone (it applies the migrations), then the
    /// others `SPAWN_AT_ONCE` at a time, each on a free loopback port with `extra_args` and one
    /// generated admin token. The database is `database_url` (shared by the nodes; it should be
    /// empty), or for a single node a fresh SQLite file in a temp folder.
    pub async fn spawn(
        binary: &Path,
        extra_args: &[String],
        database_url: Option<&str>,
        count: usize,
    ) -> anyhow::Result<Self> {
        if count == 0 || (count > 1 && database_url.is_none()) {
            bail!("several nodes need one shared database URL");
        }
        let token = format!("bench-{}", hex(&rand::random::<[u8; 24]>()));
        let node = NodeSpec { binary, extra_args, database_url, token: &token };
        let first = node.spawn(0).await?;
        // The others concurrently; every one that started is kept, so a failure stops them all.
        let mut started: Vec<Option<Started>> = (1..count).map(|_| None).collect();
        let mut failure = None;
        let mut spawning = futures_util::stream::iter(1..count)
            .map(|i| node.spawn(i))
            .buffer_unordered(SPAWN_AT_ONCE);
        while let Some(spawned) = spawning.next().await {
            match spawned {
                Ok((i, node)) => started[i - 1] = Some(node),
                Err(e) => failure = failure.or(Some(e)),
            }
        }
        drop(spawning);
        let started: Vec<Started> =
            std::iter::once(first.1).chain(started.into_iter().flatten()).collect();
        if let Some(e) = failure {
            stop_all(started.into_iter().map(|n| Some(n.process)).collect()).await?;
            return Err(e);
        }
        let ready_in = started.iter().map(|n| n.ready_in).collect();
        let (nodes, processes): (Vec<Url>, Vec<Option<ServerProcess>>) =
            started.into_iter().map(|n| (n.url, Some(n.process))).unzip();
        let url = nodes[0].clone();
        let pids: Vec<u32> = processes.iter().flatten().map(|p| p.pid).collect();
        Ok(Self {
            addr: loopback_addr(&url)?,
            url,
            nodes,
            token,
            pid: pids.first().copied(),
            pids,
            ready_in,
            version: version_of(binary).await,
            processes,
        })
    }
}

impl Scorecast {
    /// One deployment of `ingest`, whose first node takes the admin calls (the events are posted
    /// there) and no subscriber, and `fanout`, whose nodes take the subscribers; every node's cost
    /// is measured and all are stopped together.
    pub fn beside_ingest(ingest: Scorecast, fanout: Scorecast) -> Scorecast {
        let mut pids = ingest.pids;
        pids.extend(fanout.pids);
        let mut processes = ingest.processes;
        processes.extend(fanout.processes);
        let mut ready_in = ingest.ready_in;
        ready_in.extend(fanout.ready_in);
        Scorecast {
            url: ingest.url,
            addr: ingest.addr,
            nodes: fanout.nodes,
            token: ingest.token,
            pid: ingest.pid,
            pids,
            ready_in,
            version: fanout.version,
            processes,
        }
    }
}

/// Stops `processes` concurrently (a cluster of 50 nodes would otherwise stop one drain after
/// the other); the first error, if any, after all have stopped.
pub(super) async fn stop_all(processes: Vec<Option<ServerProcess>>) -> anyhow::Result<()> {
    let mut stopping = tokio::task::JoinSet::new();
    for process in processes.into_iter().flatten() {
        stopping.spawn(process.stop_cleanly());
    }
    let mut result = Ok(());
    while let Some(stopped) = stopping.join_next().await {
        if let Err(e) = stopped.map_err(anyhow::Error::from).and_then(|r| r) {
            result = Err(e);
        }
    }
    result
}

/// How to start one node: the same for every node of a deployment.
struct NodeSpec<'a> {
    binary: &'a Path,
    extra_args: &'a [String],
    database_url: Option<&'a str>,
    token: &'a str,
}

impl NodeSpec<'_> {
    /// Node number `index`, started.
    async fn spawn(&self, index: usize) -> anyhow::Result<(usize, Started)> {
        let node = spawn_node(self.binary, self.extra_args, self.database_url, self.token).await?;
        Ok((index, node))
    }
}

/// A node that answered `/readyz`.
struct Started {
    url: Url,
    process: ServerProcess,
    /// From starting the process to its first `200` from `/readyz`.
    ready_in: Duration,
}

/// Starts one node of the scorecast binary at `binary` on a free loopback port with admin token
/// `token`, on `database_url` or a fresh SQLite file in its temp folder.
async fn spawn_node(
    binary: &Path,
    extra_args: &[String],
    database_url: Option<&str>,
    token: &str,
) -> anyhow::Result<Started> {
    let dir = tempfile::Builder::new()
        .prefix("scorecast-bench-")
        .tempdir()
        .context("creating a temp dir")?;
    let port = free_port()?;
    let database = match database_url {
        Some(url) => url.to_owned(),
        None => format!("sqlite://{}", dir.path().join("bench.db").display()),
    };
    let mut command = Command::new(binary);
    command.arg("--listen").arg(format!("127.0.0.1:{port}"));
    command.arg("--database-url").arg(database).arg("--admin-token").arg(token);
    // The access log writes a line per request: the benchmarks measure serving, not logging.
    command.env("RUST_LOG", "info,scorecast::access=warn");
    if !extra_args.iter().any(|a| a.starts_with("--ws-max-connections")) {
        command.args(["--ws-max-connections", DEFAULT_WS_MAX_CONNECTIONS]);
    }
    command.args(extra_args);
    let started = std::time::Instant::now();
    let mut process = ServerProcess::spawn_logged(&mut command, dir, "server.log", libc::SIGTERM)
        .with_context(|| format!("starting {}", binary.display()))?;
    // With --tls-cert the server speaks https:// only (the benchmark's own certificate).
    let scheme =
        if extra_args.iter().any(|a| a.starts_with("--tls-cert")) { "https" } else { "http" };
    let url = Url::parse(&format!("{scheme}://127.0.0.1:{port}/"))?;
    let log = process.dir().map(|d| d.join("server.log")).unwrap_or_default();
    let ready = url.join("readyz")?;
    let http = http_client()?;
    let answered = process
        .wait_until(READY_TIMEOUT, &format!("{ready} did not answer 200"), async || {
            http.get(ready.clone()).send().await.is_ok_and(|r| r.status().is_success())
        })
        .await;
    if let Err(e) = answered {
        let tail = tail(&log, 20);
        process.stop().await?;
        bail!("starting scorecast: {e:#}\nlast lines of the server log:\n{tail}");
    }
    let ready_in = started.elapsed();
    tracing::info!(%url, pid = process.pid, ?log, ?ready_in, "scorecast started");
    Ok(Started { url, process, ready_in })
}

/// What `binary --version` says.
pub async fn version_of(binary: &Path) -> Option<String> {
    let output = Command::new(binary).arg("--version").output().await.ok()?;
    Some(String::from_utf8_lossy(&output.stdout).trim().to_owned()).filter(|v| !v.is_empty())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
