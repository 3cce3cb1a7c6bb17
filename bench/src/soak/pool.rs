//! The coordinator's side of the soak workers: starting them (as `soak-worker` processes or as
//! threads), each with its plan, sending `finish`, and receiving their events through one channel.

use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command as Process};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::protocol::{Command, Event, Plan};
use crate::fanout::Placement;

/// Time a worker process gets to exit after its report before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(10);

pub(super) struct Pool {
    commands: Vec<mpsc::UnboundedSender<Command>>,
    events: mpsc::UnboundedReceiver<(usize, Event)>,
    children: Vec<Child>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Pool {
    pub async fn start(placement: &Placement, plans: Vec<Plan>) -> anyhow::Result<Self> {
        let (event_tx, events) = mpsc::unbounded_channel();
        let mut pool =
            Self { commands: Vec::new(), events, children: Vec::new(), threads: Vec::new() };
        for (w, plan) in plans.into_iter().enumerate() {
            let (command_tx, command_rx) = mpsc::unbounded_channel();
            pool.commands.push(command_tx);
            let events = event_tx.clone();
            match placement {
                Placement::Threads => pool.threads.push(spawn_thread(w, plan, command_rx, events)?),
                Placement::Processes { exe } => {
                    pool.children.push(spawn_process(exe, w, plan, command_rx, events).await?)
                }
            }
        }
        Ok(pool)
    }

    pub fn len(&self) -> usize {
        self.commands.len()
    }

    pub fn send_all(&self, command: &Command) -> anyhow::Result<()> {
        for (w, tx) in self.commands.iter().enumerate() {
            tx.send(command.clone()).map_err(|_| anyhow::anyhow!("soak worker {w} is gone"))?;
        }
        Ok(())
    }

    /// The next event from any worker, by `deadline`; `None` when the deadline passed. A worker's
    /// `Fatal` is an error.
    pub async fn next(&mut self, deadline: Instant) -> anyhow::Result<Option<(usize, Event)>> {
        match tokio::time::timeout_at(deadline, self.events.recv()).await {
            Err(_) => Ok(None),
            Ok(None) => bail!("every soak worker is gone"),
            Ok(Some((w, Event::Fatal { message }))) => bail!("soak worker {w}: {message}"),
            Ok(Some(event)) => Ok(Some(event)),
        }
    }

    /// Closes the workers' command channels (a worker without a plan to finish stops) and waits.
    pub async fn stop(mut self) {
        self.commands.clear();
        for child in &mut self.children {
            if tokio::time::timeout(EXIT_GRACE, child.wait()).await.is_err() {
                tracing::warn!(pid = child.id(), "soak worker did not exit; killing it");
                let _ = child.kill().await;
            }
        }
        let threads = std::mem::take(&mut self.threads);
        let _ =
            tokio::task::spawn_blocking(move || threads.into_iter().for_each(|t| drop(t.join())))
                .await;
    }
}

fn spawn_thread(
    w: usize,
    plan: Plan,
    commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<(usize, Event)>,
) -> anyhow::Result<std::thread::JoinHandle<()>> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            if events.send((w, event)).is_err() {
                return;
            }
        }
    });
    super::worker::spawn_thread(plan, commands, tx).context("starting a soak worker thread")
}

async fn spawn_process(
    exe: &std::path::Path,
    w: usize,
    plan: Plan,
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<(usize, Event)>,
) -> anyhow::Result<Child> {
    let mut child = Process::new(exe)
        .arg("soak-worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {} soak-worker", exe.display()))?;
    let mut stdin = child.stdin.take().context("soak worker stdin")?;
    let stdout = child.stdout.take().context("soak worker stdout")?;
    let mut first = serde_json::to_vec(&plan)?;
    first.push(b'\n');
    stdin.write_all(&first).await.context("sending the plan to a soak worker")?;
    tokio::spawn(async move {
        while let Some(command) = commands.recv().await {
            let mut line = serde_json::to_vec(&command).expect("commands always serialize");
            line.push(b'\n');
            if stdin.write_all(&line).await.is_err() {
                return;
            }
        }
    });
    tokio::spawn(async move {
        let mut lines = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let event = serde_json::from_str(&line).unwrap_or_else(|e| Event::Fatal {
                message: format!("unreadable event {line:?}: {e}"),
            });
            if events.send((w, event)).is_err() {
                return;
            }
        }
    });
    Ok(child)
}
