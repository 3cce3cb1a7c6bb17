//! Processes this tool starts and stops: scorecast, the floor and nginx are each a
//! `ServerProcess`, started with its output in a log (or piped), waited for until it answers, and
//! stopped at the end (a signal or closing its stdin, then a kill if it does not exit in time).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::process::{Child, ChildStdin, Command};
use tokio::time::Instant;

/// Time a server gets to exit once asked (scorecast drains for `--drain-secs`, 10 by default).
const STOP_TIMEOUT: Duration = Duration::from_secs(20);
/// How often a starting server is asked whether it is ready: often enough that `history` times a
/// start-up (aim: under 2 s) to a few percent.
const READY_POLL: Duration = Duration::from_millis(20);

/// How a server is asked to stop.
enum StopBy {
    Signal(libc::c_int),
    /// The floor stops when its stdin closes.
    ClosingStdin(ChildStdin),
}

pub struct ServerProcess {
    child: Child,
    pub pid: u32,
    stop: StopBy,
    /// Files the process uses (database, config, log), removed after it stopped.
    dir: Option<tempfile::TempDir>,
}

impl ServerProcess {
    /// Starts `command` with stdin closed and stdout and stderr in `dir/log`; `signal` stops it.
    pub fn spawn_logged(
        command: &mut Command,
        dir: tempfile::TempDir,
        log: &str,
        signal: libc::c_int,
    ) -> anyhow::Result<Self> {
        let log_path = dir.path().join(log);
        let log = std::fs::File::create(&log_path)
            .with_context(|| format!("creating {}", log_path.display()))?;
        let child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {:?}", command.as_std().get_program()))?;
        let pid = child.id().context("the server exited at once")?;
        Ok(Self { child, pid, stop: StopBy::Signal(signal), dir: Some(dir) })
    }

    /// A child started with a piped stdin, which it takes as the signal to stop when closed.
    pub fn piped(mut child: Child, pid: u32) -> anyhow::Result<Self> {
        let stdin = child.stdin.take().context("the server's stdin is not piped")?;
        Ok(Self { child, pid, stop: StopBy::ClosingStdin(stdin), dir: None })
    }

    /// The folder of the process's files, if it has one.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_ref().map(|d| d.path())
    }

    /// The log file in the process's folder, if it has one.
    fn log(&self) -> Option<std::path::PathBuf> {
        let mut entries = std::fs::read_dir(self.dir()?).ok()?;
        entries.find_map(|e| {
            Some(e.ok()?.path()).filter(|p| p.extension().is_some_and(|x| x == "log"))
        })
    }

    /// Waits until `ready` says yes, or fails when the process exits or `timeout` passes.
    pub async fn wait_until(
        &mut self,
        timeout: Duration,
        what: &str,
        mut ready: impl AsyncFnMut() -> bool,
    ) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("the server exited during start-up ({status})");
            }
            if ready().await {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("{what} within {timeout:?}");
            }
            tokio::time::sleep(READY_POLL).await;
        }
    }

    /// Kills the process at once (SIGKILL) and waits for it.
    pub async fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        drop(self.dir);
        Ok(())
    }

    /// Asks the server to stop and waits; kills it if it does not exit in time. An unclean exit
    /// is logged with the tail of the server's log.
    pub async fn stop(self) -> anyhow::Result<()> {
        if let Err(why) = self.stop_and_judge().await? {
            tracing::warn!("{why}");
        }
        Ok(())
    }

    /// Like `stop`, but an unclean exit (a non-zero status, or a kill after the stop timeout) is
    /// an error saying why, with the tail of the server's log: every scorecast node must exit 0
    /// when asked to stop.
    pub async fn stop_cleanly(self) -> anyhow::Result<()> {
        self.stop_and_judge().await?.map_err(anyhow::Error::msg)
    }

    /// Stops the server; the inner result says whether it exited cleanly, and if not why.
    async fn stop_and_judge(mut self) -> anyhow::Result<Result<(), String>> {
        let log_path = self.log();
        match self.stop {
            StopBy::ClosingStdin(stdin) => drop(stdin),
            // SAFETY: kill(2) on the pid of our own child, which has not been reaped yet.
            StopBy::Signal(signal) => unsafe {
                libc::kill(self.pid as libc::pid_t, signal);
            },
        }
        let judged = match tokio::time::timeout(STOP_TIMEOUT, self.child.wait()).await {
            Ok(status) => {
                let status = status?;
                if status.success() {
                    Ok(())
                } else {
                    // Its log says why, and goes away with its folder below.
                    let tail = log_path.map(|l| tail(&l, 5)).unwrap_or_default();
                    Err(format!(
                        "server {} exited with {status} when asked to stop:\n{tail}",
                        self.pid
                    ))
                }
            }
            Err(_) => {
                self.child.kill().await?;
                Err(format!("server {} did not stop in {STOP_TIMEOUT:?}; killed", self.pid))
            }
        };
        drop(self.dir);
        Ok(judged)
    }
}

/// Server ports are taken from here, below the ephemeral range (32768-60999) that the clients'
/// connections use, so a listener never takes a port a client needs, nor the other way round.
const SERVER_PORTS: std::ops::Range<u16> = 20_000..32_000;
/// Ports tried before giving up.
const PORT_ATTEMPTS: usize = 200;

/// Ports this process already handed out: servers started at the same time must not get the
/// same port between the check here and their own bind.
static HANDED_OUT: std::sync::Mutex<std::collections::BTreeSet<u16>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// A loopback port below the ephemeral range that nobody listens on right now and that this
/// process has not handed out before.
pub fn free_port() -> anyhow::Result<u16> {
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    for _ in 0..PORT_ATTEMPTS {
        let port = rand::random_range(SERVER_PORTS);
        if !handed_out.contains(&port) && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            handed_out.insert(port);
            return Ok(port);
        }
    }
    bail!("no free port in {SERVER_PORTS:?} after {PORT_ATTEMPTS} tries")
}

/// The last `n` lines of the text file at `path` (empty when unreadable), for error messages.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_ports_stay_below_the_ephemeral_range() {
        for _ in 0..20 {
            assert!(free_port().unwrap() < 32_768);
        }
    }
}
