//! Starting and stopping a floor for a measurement: its own `floor-server` process (so its memory
//! and CPU are read like scorecast's), or a thread of this process when the clients are threads.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use reqwest::Url;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use super::process::FloorThread;
use crate::common::process::{free_port, ServerProcess};

/// Time the floor gets to say where it listens and to answer its health check.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A floor that runs until `stop`.
pub enum Running {
    Process { process: ServerProcess, url: Url },
    Thread { thread: FloorThread, url: Url },
}

impl Running {
    /// `exe floor-server` as a process, or a thread when there is no `exe`.
    pub async fn start(exe: Option<&Path>) -> anyhow::Result<Self> {
        let Some(exe) = exe else {
            let thread = FloorThread::start()?;
            let url = Url::parse(&format!("http://{}/", thread.addr))?;
            return Ok(Self::Thread { thread, url });
        };
        let mut child = Command::new(exe)
            .arg("floor-server")
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", free_port()?))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {} floor-server", exe.display()))?;
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
        let mut process = ServerProcess::piped(child, said.pid)?;
        let url = Url::parse(&format!("http://{}/", said.listening))?;
        let health = url.join("healthz")?;
        let http = reqwest::Client::builder().no_proxy().build()?;
        process
            .wait_until(READY_TIMEOUT, &format!("{health} did not answer 200"), async || {
                http.get(health.clone()).send().await.is_ok_and(|r| r.status().is_success())
            })
            .await?;
        Ok(Self::Process { process, url })
    }

    pub fn url(&self) -> Url {
        match self {
            Self::Process { url, .. } | Self::Thread { url, .. } => url.clone(),
        }
    }

    /// The floor's own process, whose memory and CPU are measured (none for a thread).
    pub fn pid(&self) -> Option<u32> {
        match self {
            Self::Process { process, .. } => Some(process.pid),
            Self::Thread { .. } => None,
        }
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        match self {
            Self::Process { process, .. } => process.stop().await,
            Self::Thread { thread, .. } => {
                Ok(tokio::task::spawn_blocking(move || drop(thread)).await?)
            }
        }
    }
}
