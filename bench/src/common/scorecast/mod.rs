//! The scorecast under test, for every scenario: running nodes this tool reaches, or one it starts
//! on a fresh database and stops at the end; with the admin calls that set up a match.

mod admin;
mod metrics;
mod spawn;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::{bail, Context};
use reqwest::Url;

use super::process::ServerProcess;
use crate::procfs;
use spawn::stop_all;

pub use admin::{event_body, http_client, LiveMatch};
pub use metrics::metric_sums;
pub use spawn::{version_of, DEFAULT_WS_MAX_CONNECTIONS};

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
    /// The node admin calls go to: the first, or an ingest node no subscriber connects to
    /// (`beside_ingest`).
    pub url: Url,
    pub addr: SocketAddr,
    /// Every node subscribers connect to (the first included, unless it is an ingest node).
    pub nodes: Vec<Url>,
    pub token: String,
    /// The local process of the first node, to read its memory and CPU.
    pub pid: Option<u32>,
    /// Every local node process this tool may measure (their costs are summed).
    pub pids: Vec<u32>,
    /// For each node this tool started, the time from starting its process to its first `200`
    /// from `/readyz` (polled every 20 ms).
    pub ready_in: Vec<std::time::Duration>,
    /// `--version` of the binary, when this tool started it.
    pub version: Option<String>,
    /// The processes this tool started, one per node (`None` once stopped on purpose).
    processes: Vec<Option<ServerProcess>>,
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
            ready_in: Vec::new(),
            version: None,
            processes: Vec::new(),
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
