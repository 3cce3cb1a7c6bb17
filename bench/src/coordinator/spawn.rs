//! Servers the benchmark starts itself: scorecast on a fresh SQLite file in a temporary folder with
//! a generated admin token, or the floor as a `floor-server` process. Each is stopped at the end.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use reqwest::Url;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::time::Instant;

/// Time a spawned server gets to become ready (migrations on a fresh file take well under this).
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Time a server gets to exit after SIGTERM (scorecast drains for `--drain-secs`, 10 by default).
const STOP_TIMEOUT: Duration = Duration::from_secs(20);
/// The open-file limit of one process is 20,000 here; scorecast needs a few for itself.
pub const DEFAULT_WS_MAX_CONNECTIONS: &str = "19500";

pub struct ServerProcess {
    child: Child,
    pub pid: u32,
    pub url: Url,
    /// Held open: the floor stops when its stdin closes.
    stdin: Option<ChildStdin>,
    /// Scorecast's database and log.
    dir: Option<tempfile::TempDir>,
}

/// Starts the scorecast binary at `binary` on a free loopback port; returns it with its admin token.
/// The database is a fresh SQLite file in a temp folder unless `database_url` names another (which
/// should be empty: scorecast applies its migrations at start).
pub async fn scorecast(
    binary: &Path,
    extra_args: &[String],
    database_url: Option<&str>,
) -> anyhow::Result<(ServerProcess, String)> {
    let dir = tempfile::Builder::new()
        .prefix("scorecast-bench-")
        .tempdir()
        .context("creating a temp dir")?;
    let port = free_port()?;
    let token = format!("bench-{}", hex(&rand::random::<[u8; 24]>()));
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;
    let mut command = Command::new(binary);
    command
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--database-url")
        .arg(match database_url {
            Some(url) => url.to_owned(),
            None => format!("sqlite://{}", dir.path().join("bench.db").display()),
        })
        .arg("--admin-token")
        .arg(&token);
    if !extra_args.iter().any(|a| a.starts_with("--ws-max-connections")) {
        command.args(["--ws-max-connections", DEFAULT_WS_MAX_CONNECTIONS]);
    }
    let child = command
        .args(extra_args)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let pid = child.id().context("the server exited at once")?;
    let url = Url::parse(&format!("http://127.0.0.1:{port}/"))?;
    let mut server = ServerProcess { child, pid, url, stdin: None, dir: Some(dir) };
    if let Err(e) = server.wait_ready("readyz").await {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!("{e:#}\nlast lines of the server log:\n{}", tail.join("\n"));
    }
    Ok((server, token))
}

/// Starts `exe floor-server` on a free loopback port.
pub async fn floor(exe: &Path) -> anyhow::Result<ServerProcess> {
    let mut child = Command::new(exe)
        .args(["floor-server", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {} floor-server", exe.display()))?;
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().context("floor stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(READY_TIMEOUT, lines.next_line())
        .await
        .context("the floor did not say where it listens")??
        .context("the floor exited at once")?;
    #[derive(serde::Deserialize)]
    struct Listening {
        listening: std::net::SocketAddr,
        pid: u32,
    }
    let said: Listening =
        serde_json::from_str(&line).with_context(|| format!("floor said {line:?}"))?;
    let url = Url::parse(&format!("http://{}/", said.listening))?;
    let mut server = ServerProcess { child, pid: said.pid, url, stdin, dir: None };
    server.wait_ready("healthz").await?;
    Ok(server)
}

impl ServerProcess {
    async fn wait_ready(&mut self, path: &str) -> anyhow::Result<()> {
        let http = reqwest::Client::new();
        let url = self.url.join(path)?;
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("the server exited during start-up ({status})");
            }
            if let Ok(response) = http.get(url.clone()).send().await {
                if response.status().is_success() {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                bail!("{url} did not answer 200 within {READY_TIMEOUT:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Where scorecast's log is, while the server runs.
    pub fn log_path(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.path().join("server.log"))
    }

    /// Asks the server to stop (SIGTERM, or closing the floor's stdin) and waits; kills it if it
    /// does not exit in time.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        match self.stdin.take() {
            Some(stdin) => drop(stdin),
            // SAFETY: kill(2) on the pid of our own child, which has not been reaped yet.
            None => unsafe {
                libc::kill(self.pid as libc::pid_t, libc::SIGTERM);
            },
        }
        match tokio::time::timeout(STOP_TIMEOUT, self.child.wait()).await {
            Ok(status) => {
                let status = status?;
                if !status.success() {
                    tracing::warn!(pid = self.pid, %status, "server exited with an error");
                }
            }
            Err(_) => {
                tracing::warn!(pid = self.pid, "server did not stop in time; killing it");
                self.child.kill().await?;
            }
        }
        Ok(())
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
