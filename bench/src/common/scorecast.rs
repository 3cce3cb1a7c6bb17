//! The scorecast under test, for every scenario: running nodes this tool reaches, or one it starts
//! on a fresh database and stops at the end; with the admin calls that set up a match.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use futures_util::StreamExt;
use reqwest::Url;
use serde_json::{json, Value};
use tokio::process::Command;

use super::process::{free_port, tail, ServerProcess};
use crate::procfs;

/// Time a spawned server gets to become ready (migrations on a fresh file take well under this).
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Time the nodes of a cluster get to agree on a new match's state (the periodic check repairs
/// within 5 s by default even if a publish was lost).
const CONVERGE_TIMEOUT: Duration = Duration::from_secs(15);
/// The open-file limit of one process is 20,000 here; scorecast needs a few for itself.
pub const DEFAULT_WS_MAX_CONNECTIONS: &str = "19500";
/// Nodes started at once after the first: start-up is mostly waiting (connecting to the database
/// and NATS, loading snapshots), so a few overlap well on two cores.
const SPAWN_AT_ONCE: usize = 8;

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
    /// Nodes to spawn (0 and 1: one); several need a shared database URL.
    pub spawn_nodes: usize,
}

pub struct Scorecast {
    /// The first node: admin calls go here.
    pub url: Url,
    pub addr: SocketAddr,
    /// Every node, the first included.
    pub nodes: Vec<Url>,
    pub token: String,
    /// The local process of the first node, to read its memory and CPU.
    pub pid: Option<u32>,
    /// Every local node process this tool may measure (their costs are summed).
    pub pids: Vec<u32>,
    /// `--version` of the binary, when this tool started it.
    pub version: Option<String>,
    /// The processes this tool started, one per node (`None` once stopped on purpose).
    processes: Vec<Option<ServerProcess>>,
}

/// A match created and kicked off.
pub struct LiveMatch {
    pub id: i64,
    /// The kickoff's sequence number: every new subscriber's snapshot has it.
    pub seq: i64,
}

impl Scorecast {
    /// Starts the configured binary (on `database_url`, or a fresh SQLite file) or reaches the
    /// configured nodes.
    pub async fn start(cfg: &ServerConfig, database_url: Option<&str>) -> anyhow::Result<Self> {
        if let Some(binary) = &cfg.spawn_server {
            return Self::spawn(binary, &cfg.server_args, database_url, cfg.spawn_nodes.max(1))
                .await;
        }
        if database_url.is_some() {
            bail!("--database-url is for a server this tool starts (--spawn-server)");
        }
        let url = cfg.servers.first().context("give --server URL or --spawn-server PATH")?.clone();
        let token = cfg.admin_token.clone().context("--admin-token is needed to post events")?;
        if let Some(pid) = cfg.server_pid {
            if !procfs::exists(pid) {
                bail!("--server-pid {pid}: no such process on this machine");
            }
        }
        for node in &cfg.servers {
            loopback_addr(node)?;
        }
        Ok(Self {
            addr: loopback_addr(&url)?,
            url,
            nodes: cfg.servers.clone(),
            token,
            pid: cfg.server_pid,
            pids: cfg.server_pid.into_iter().collect(),
            version: None,
            processes: Vec::new(),
        })
    }

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
        let mut started: Vec<Option<(Url, ServerProcess)>> = (1..count).map(|_| None).collect();
        let mut failure = None;
        let mut spawning = futures_util::stream::iter(1..count)
            .map(|i| node.spawn(i))
            .buffer_unordered(SPAWN_AT_ONCE);
        while let Some(spawned) = spawning.next().await {
            match spawned {
                Ok((i, url, process)) => started[i - 1] = Some((url, process)),
                Err(e) => failure = failure.or(Some(e)),
            }
        }
        drop(spawning);
        let started: Vec<(Url, ServerProcess)> = std::iter::once(first)
            .map(|(_, url, process)| (url, process))
            .chain(started.into_iter().flatten())
            .collect();
        if let Some(e) = failure {
            stop_all(started.into_iter().map(|(_, p)| Some(p)).collect()).await?;
            return Err(e);
        }
        let (nodes, processes): (Vec<Url>, Vec<Option<ServerProcess>>) =
            started.into_iter().map(|(url, process)| (url, Some(process))).unzip();
        let url = nodes[0].clone();
        let pids: Vec<u32> = processes.iter().flatten().map(|p| p.pid).collect();
        Ok(Self {
            addr: loopback_addr(&url)?,
            url,
            nodes,
            token,
            pid: pids.first().copied(),
            pids,
            version: version_of(binary).await,
            processes,
        })
    }

    /// Takes node `index`'s process out of this deployment, for a caller that stops it on purpose
    /// (its URL stays in `nodes`; its cost is no longer measured).
    pub fn take_node(&mut self, index: usize) -> Option<ServerProcess> {
        let process = self.processes.get_mut(index)?.take()?;
        self.pids.retain(|&p| p != process.pid);
        Some(process)
    }

    /// Stops every node this tool started, all at once.
    pub async fn stop(self) -> anyhow::Result<()> {
        stop_all(self.processes).await
    }

    /// The `Host` header value for requests to this server.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// Creates a match named after `name` and kicks it off.
    pub async fn live_match(
        &self,
        http: &reqwest::Client,
        name: &str,
    ) -> anyhow::Result<LiveMatch> {
        let kickoff_at = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)?;
        let body = json!({"home": format!("{name} Home"), "away": format!("{name} Away"),
                          "competition": "scorecast-bench", "kickoff_at": kickoff_at});
        let created = self.admin(http, "api/v1/matches", body).await.context("creating a match")?;
        let id = created["id"].as_i64().context("the created match has no id")?;
        let kicked =
            self.post_event(http, id, json!({"kind": "kickoff"})).await.context("kicking off")?;
        Ok(LiveMatch { id, seq: kicked["seq"].as_i64().context("the kickoff has no seq")? })
    }

    /// `seq` of match `id`'s snapshot on `node` (`GET /api/v1/matches/{id}`), if it answers.
    pub async fn snapshot_seq(http: &reqwest::Client, node: &Url, id: i64) -> Option<i64> {
        let url = node.join(&format!("api/v1/matches/{id}")).ok()?;
        let body: Value = http.get(url).send().await.ok()?.json().await.ok()?;
        body.get("seq")?.as_i64()
    }

    /// Waits until every node's snapshot of match `id` has reached `seq` (the other nodes of a
    /// cluster learn of a commit a moment later), so that every client's first snapshot is the same.
    pub async fn converged(&self, http: &reqwest::Client, id: i64, seq: i64) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + CONVERGE_TIMEOUT;
        for node in &self.nodes {
            while Self::snapshot_seq(http, node, id).await < Some(seq) {
                if tokio::time::Instant::now() > deadline {
                    bail!("{node} did not reach seq {seq} of match {id} in {CONVERGE_TIMEOUT:?}");
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        Ok(())
    }

    /// Posts `event` to match `id`; returns the stored event (an error unless it was stored).
    pub async fn post_event(
        &self,
        http: &reqwest::Client,
        id: i64,
        event: Value,
    ) -> anyhow::Result<Value> {
        Ok(self.event_request(http, id, event)?.send().await?.error_for_status()?.json().await?)
    }

    /// The request that posts `event` to match `id`, for a caller that times it or reads refusals.
    pub fn event_request(
        &self,
        http: &reqwest::Client,
        id: i64,
        event: Value,
    ) -> anyhow::Result<reqwest::RequestBuilder> {
        self.request(http, &format!("api/v1/matches/{id}/events"), event)
    }

    async fn admin(
        &self,
        http: &reqwest::Client,
        path: &str,
        body: Value,
    ) -> anyhow::Result<Value> {
        Ok(self.request(http, path, body)?.send().await?.error_for_status()?.json().await?)
    }

    fn request(
        &self,
        http: &reqwest::Client,
        path: &str,
        body: Value,
    ) -> anyhow::Result<reqwest::RequestBuilder> {
        Ok(http.post(self.url.join(path)?).bearer_auth(&self.token).json(&body))
    }
}

/// Stops `processes` concurrently (a cluster of 50 nodes would otherwise stop one drain after
/// the other); the first error, if any, after all have stopped.
async fn stop_all(processes: Vec<Option<ServerProcess>>) -> anyhow::Result<()> {
    let mut stopping = tokio::task::JoinSet::new();
    for process in processes.into_iter().flatten() {
        stopping.spawn(process.stop());
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
    async fn spawn(&self, index: usize) -> anyhow::Result<(usize, Url, ServerProcess)> {
        let (url, process) =
            spawn_node(self.binary, self.extra_args, self.database_url, self.token).await?;
        Ok((index, url, process))
    }
}

/// Starts one node of the scorecast binary at `binary` on a free loopback port with admin token
/// `token`, on `database_url` or a fresh SQLite file in its temp folder.
async fn spawn_node(
    binary: &Path,
    extra_args: &[String],
    database_url: Option<&str>,
    token: &str,
) -> anyhow::Result<(Url, ServerProcess)> {
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
    tracing::info!(%url, pid = process.pid, ?log, "scorecast started");
    Ok((url, process))
}

/// What `binary --version` says.
pub async fn version_of(binary: &Path) -> Option<String> {
    let output = Command::new(binary).arg("--version").output().await.ok()?;
    Some(String::from_utf8_lossy(&output.stdout).trim().to_owned()).filter(|v| !v.is_empty())
}

/// The HTTP client for admin calls: keeps its connection alive so each POST is timed without a
/// TCP handshake, and never goes through a proxy (every target is on loopback).
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30));
    // Servers this run started with its own certificate: trust its authority too.
    if let Some(ca) = super::tls::made_ca() {
        builder = builder
            .use_rustls_tls()
            .add_root_certificate(reqwest::Certificate::from_pem(ca.ca_pem.as_bytes())?);
    }
    builder.build().context("building the HTTP client")
}

/// A plausible event for match minute `minute`, chosen by `pick` (any number): mostly goals and
/// cards, some substitutions, as a live match produces them.
pub fn event_body(pick: u64, minute: u64) -> Value {
    let team = if pick.is_multiple_of(2) { "home" } else { "away" };
    let minute = minute.min(200);
    match pick % 5 {
        0 | 1 => json!({"kind": "goal", "team": team, "minute": minute, "player": "Bench Striker"}),
        2 | 3 => {
            json!({"kind": "card", "team": team, "player": "Bench Defender", "color": "yellow", "minute": minute})
        }
        _ => {
            json!({"kind": "substitution", "team": team, "player_in": "Bench Sub", "player_out": "Bench Starter", "minute": minute})
        }
    }
}

/// The socket address of `url`, which must be on this machine: the benchmark only loads loopback.
pub fn loopback_addr(url: &Url) -> anyhow::Result<SocketAddr> {
    let ip: IpAddr = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.into(),
        Some(url::Host::Ipv6(ip)) => ip.into(),
        Some(url::Host::Domain("localhost")) => Ipv4Addr::LOCALHOST.into(),
        other => bail!("{url}: use a loopback IP address (127.x.x.x or [::1]), not {other:?}"),
    };
    if !ip.is_loopback() {
        bail!(
            "{url}: {ip} is not a loopback address; this tool only loads servers on this machine"
        );
    }
    let port = url.port_or_known_default().context("the URL has no port")?;
    Ok(SocketAddr::new(ip, port))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_servers_are_accepted() {
        let ok = |s: &str| loopback_addr(&Url::parse(s).unwrap());
        assert_eq!(ok("http://127.0.0.1:8080").unwrap(), "127.0.0.1:8080".parse().unwrap());
        assert_eq!(ok("http://127.0.0.9").unwrap(), "127.0.0.9:80".parse().unwrap());
        assert_eq!(ok("http://localhost:1").unwrap(), "127.0.0.1:1".parse().unwrap());
        assert!(ok("http://[::1]:8080").is_ok());
        assert!(ok("http://10.0.0.1:8080").is_err());
        assert!(ok("http://example.com:8080").is_err());
    }
}
