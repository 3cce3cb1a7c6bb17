//! What a cluster run needs besides scorecast, started by this tool and stopped at the end: a
//! throwaway Postgres (initdb in a temp folder, on a free loopback port, one fresh database per
//! measured deployment) and a nats-server (which the gap-repair run kills and starts again).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::process::Command;
use tokio::time::Instant;

use crate::common::process::{free_port, ServerProcess};

/// Time Postgres and nats-server get to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Where Debian puts the Postgres binaries, newest version last.
const POSTGRES_LIB: &str = "/usr/lib/postgresql";
/// Three nodes' pools and the tool's own connections, with room (the tests use the same).
const MAX_CONNECTIONS: usize = 400;

/// A Postgres cluster in a temp folder; fsync stays on, as in production.
pub struct Postgres {
    pub port: u16,
    bin: PathBuf,
    pub version: Option<String>,
    process: ServerProcess,
    databases: usize,
}

impl Postgres {
    /// `initdb` and start; as root both run as the `postgres` (or `nobody`) account.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(MAX_CONNECTIONS).await
    }

    /// The same, allowing `max_connections` connections (many nodes need more than the default).
    pub async fn start_with(max_connections: usize) -> anyhow::Result<Self> {
        let bin = postgres_bin().context("no Postgres installed (initdb not found)")?;
        let dir = tempfile::Builder::new().prefix("scorecast-bench-pg-").tempdir()?;
        let (uid, gid) = unprivileged_user()?;
        std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))?;
        let status = Command::new(bin.join("initdb"))
            .args(["-D", "data", "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])
            .current_dir(dir.path())
            .uid(uid)
            .gid(gid)
            .stdout(std::process::Stdio::null())
            .status()
            .await
            .context("running initdb")?;
        if !status.success() {
            bail!("initdb failed ({status})");
        }
        let port = free_port()?;
        let mut command = Command::new(bin.join("postgres"));
        command
            .args(["-D", "data", "-k", "."])
            .args(["-p", &port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1", "-c"])
            .arg(format!("max_connections={max_connections}"))
            .current_dir(dir.path())
            .uid(uid)
            .gid(gid);
        // SIGINT: Postgres's fast shutdown.
        let mut process =
            ServerProcess::spawn_logged(&mut command, dir, "postgres.log", libc::SIGINT)?;
        process
            .wait_until(START_TIMEOUT, "postgres did not accept connections", async || {
                tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok()
            })
            .await?;
        let version = crate::common::scorecast::version_of(&bin.join("postgres")).await;
        tracing::info!(port, pid = process.pid, "postgres started");
        Ok(Self { port, bin, version, process, databases: 0 })
    }

    /// A new, empty database; returns its URL. Retries while the server is still starting up.
    pub async fn fresh_database(&mut self, purpose: &str) -> anyhow::Result<String> {
        self.databases += 1;
        let name = format!("bench_{}_{}", purpose, self.databases);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let output = Command::new(self.bin.join("createdb"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", &name])
                .output()
                .await
                .context("running createdb")?;
            if output.status.success() {
                return Ok(format!("postgres://postgres@127.0.0.1:{}/{name}", self.port));
            }
            if Instant::now() > deadline {
                bail!("createdb {name}: {}", String::from_utf8_lossy(&output.stderr).trim());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.process.pid
    }

    /// Fast shutdown, then the folder is removed.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.process.stop().await
    }
}

/// Postgres (allowing `max_connections`, or its default) and a nats-server, for a cluster of
/// nodes: both started, or neither (Postgres is stopped again when nats-server does not start).
pub async fn start_postgres_and_nats(
    max_connections: Option<usize>,
) -> anyhow::Result<(Postgres, Nats)> {
    let postgres = Postgres::start_with(max_connections.unwrap_or(MAX_CONNECTIONS))
        .await
        .context("starting Postgres")?;
    match Nats::start().await {
        Ok(nats) => Ok((postgres, nats)),
        Err(e) => {
            postgres.stop().await?;
            Err(e.context("starting nats-server"))
        }
    }
}

/// A nats-server on a free loopback port; it can be killed and started again on the same port.
pub struct Nats {
    pub port: u16,
    pub version: Option<String>,
    process: Option<ServerProcess>,
}

impl Nats {
    pub async fn start() -> anyhow::Result<Self> {
        let version = crate::common::scorecast::version_of(Path::new("nats-server")).await;
        if version.is_none() {
            bail!("nats-server is not installed (Debian package nats-server)");
        }
        let mut nats = Self { port: free_port()?, version, process: None };
        nats.run().await?;
        Ok(nats)
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(|p| p.pid)
    }

    /// (Re)starts the server on its port and waits until it accepts connections.
    pub async fn run(&mut self) -> anyhow::Result<()> {
        let dir = tempfile::Builder::new().prefix("scorecast-bench-nats-").tempdir()?;
        let mut command = Command::new("nats-server");
        command.args(["-a", "127.0.0.1", "-p", &self.port.to_string()]);
        let mut process =
            // SIGINT: nats-server exits 0 (SIGTERM makes it exit 1).
            ServerProcess::spawn_logged(&mut command, dir, "nats.log", libc::SIGINT)?;
        let port = self.port;
        process
            .wait_until(START_TIMEOUT, "nats-server did not accept connections", async || {
                tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok()
            })
            .await?;
        self.process = Some(process);
        Ok(())
    }

    /// Kills the server (SIGKILL), as an outage: every node loses its connection at once.
    pub async fn kill(&mut self) -> anyhow::Result<()> {
        match self.process.take() {
            Some(process) => process.kill().await,
            None => Ok(()),
        }
    }

    pub async fn stop(mut self) -> anyhow::Result<()> {
        match self.process.take() {
            Some(process) => process.stop().await,
            None => Ok(()),
        }
    }
}

/// Whether nats-server is installed here.
pub async fn nats_installed() -> bool {
    crate::common::scorecast::version_of(Path::new("nats-server")).await.is_some()
}

/// Whether Postgres (initdb) is installed here.
pub fn postgres_installed() -> bool {
    postgres_bin().is_some()
}

fn postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir(POSTGRES_LIB)
        .ok()?
        .filter_map(|e| Some(e.ok()?.path().join("bin")))
        .filter(|p| p.join("initdb").exists() && p.join("postgres").exists())
        .collect();
    versions.sort();
    versions.pop()
}

/// initdb refuses to run as root: then use the `postgres` account, or `nobody`.
fn unprivileged_user() -> anyhow::Result<(u32, u32)> {
    // SAFETY: geteuid/getegid have no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(unsafe { (libc::geteuid(), libc::getegid()) });
    }
    for name in [c"postgres", c"nobody"] {
        // SAFETY: a NUL-terminated name; the entry is read at once, before any other getpw call.
        let entry = unsafe { libc::getpwnam(name.as_ptr()) };
        if !entry.is_null() {
            return Ok(unsafe { ((*entry).pw_uid, (*entry).pw_gid) });
        }
    }
    bail!("running as root and there is neither a postgres nor a nobody account")
}
