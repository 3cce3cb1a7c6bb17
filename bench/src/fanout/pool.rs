//! The coordinator's side of its workers: starting them (as processes or threads), sending
//! commands, and receiving their events through one channel.

use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command as Process};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::load::Placement;
use super::worker::{self, protocol::Command, protocol::Event};

/// Time a worker gets to exit after `Exit` before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(10);
/// Workers told to stop at once (each holds up to ~15,000 connections).
const STOP_TOGETHER: usize = 4;

pub struct Pool {
    commands: Vec<mpsc::UnboundedSender<Command>>,
    events: mpsc::UnboundedReceiver<(usize, Event)>,
    children: Vec<Child>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Pool {
    /// `count` workers; processes run `priority` nice levels above this one (0: the same).
    pub async fn start(placement: &Placement, count: usize, priority: i32) -> anyhow::Result<Self> {
        let (event_tx, events) = mpsc::unbounded_channel();
        let mut pool =
            Self { commands: Vec::new(), events, children: Vec::new(), threads: Vec::new() };
        for w in 0..count {
            let (command_tx, command_rx) = mpsc::unbounded_channel();
            pool.commands.push(command_tx);
            match placement {
                Placement::Threads => {
                    pool.threads.push(spawn_thread(w, command_rx, event_tx.clone())?)
                }
                Placement::Processes { exe } => {
                    let child = spawn_process(exe, w, command_rx, event_tx.clone())?;
                    if priority != 0 {
                        raise_priority(&child, priority)?;
                    }
                    pool.children.push(child);
                }
            }
        }
        Ok(pool)
    }

    pub fn len(&self) -> usize {
        self.commands.len()
    }

    pub fn send(&self, worker: usize, command: Command) -> anyhow::Result<()> {
        self.commands[worker].send(command).map_err(|_| anyhow::anyhow!("worker {worker} is gone"))
    }

    /// The next event from any worker, by `deadline`. A worker's `Fatal` is an error.
    pub async fn next(&mut self, deadline: Instant) -> anyhow::Result<(usize, Event)> {
        match tokio::time::timeout_at(deadline, self.events.recv()).await {
            Err(_) => bail!("no answer from the workers in time"),
            Ok(None) => bail!("every worker is gone"),
            Ok(Some((w, Event::Fatal { message }))) => bail!("worker {w}: {message}"),
            Ok(Some(event)) => Ok(event),
        }
    }

    /// Sends `command` to every worker and waits for each one's answer, as picked by `pick`
    /// (other events, such as late progress reports, are skipped).
    pub async fn ask_all<T>(
        &mut self,
        command: Command,
        timeout: Duration,
        mut pick: impl FnMut(Event) -> Option<T>,
    ) -> anyhow::Result<Vec<T>> {
        for w in 0..self.len() {
            self.send(w, command.clone())?;
        }
        let deadline = Instant::now() + timeout;
        let mut answers: Vec<Option<T>> = (0..self.len()).map(|_| None).collect();
        while answers.iter().any(Option::is_none) {
            let (w, event) = self.next(deadline).await?;
            if let Some(answer) = pick(event) {
                answers[w] = Some(answer);
            }
        }
        Ok(answers.into_iter().flatten().collect())
    }

    /// Tells the workers to close their connections and stop, `STOP_TOGETHER` at a time, and
    /// waits for them: a million sockets closed at once would charge the kernel's tcp_mem with
    /// their last frames all together (measured: ~0.5 page per closing connection), pushing it
    /// past the pressure threshold, while one worker at a time took 72 s for a million.
    pub async fn stop(mut self) {
        let count = self.commands.len();
        for first in (0..count).step_by(STOP_TOGETHER) {
            let group = first..(first + STOP_TOGETHER).min(count);
            for tx in &self.commands[group.clone()] {
                let _ = tx.send(Command::Exit);
            }
            for child in self.children.iter_mut().skip(group.start).take(group.len()) {
                if tokio::time::timeout(EXIT_GRACE, child.wait()).await.is_err() {
                    tracing::warn!(pid = child.id(), "worker did not exit; killing it");
                    let _ = child.kill().await;
                }
            }
        }
        self.commands.clear();
        let threads = std::mem::take(&mut self.threads);
        let _ =
            tokio::task::spawn_blocking(move || threads.into_iter().for_each(|t| drop(t.join())))
                .await;
    }
}

fn spawn_thread(
    w: usize,
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
    worker::spawn_thread(commands, tx).context("starting a worker thread")
}

/// Lowers the nice value of a just-started worker by `levels` (root may go below 0): the threads
/// it starts later inherit it.
fn raise_priority(child: &Child, levels: i32) -> anyhow::Result<()> {
    let pid = child.id().context("the worker exited at once")?;
    // SAFETY: getpriority/setpriority read and set a scheduling value of our own child by pid.
    let ours = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
    if unsafe { libc::setpriority(libc::PRIO_PROCESS, pid, ours - levels) } != 0 {
        return Err(std::io::Error::last_os_error())
            .with_context(|| format!("raising worker {pid}'s priority by {levels} (needs root)"));
    }
    Ok(())
}

fn spawn_process(
    exe: &std::path::Path,
    w: usize,
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<(usize, Event)>,
) -> anyhow::Result<Child> {
    let mut child = Process::new(exe)
        .arg("fanout-worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {} fanout-worker", exe.display()))?;
    let mut stdin = child.stdin.take().context("worker stdin")?;
    let stdout = child.stdout.take().context("worker stdout")?;
    tokio::spawn(async move {
        while let Some(command) = commands.recv().await {
            let mut line = serde_json::to_vec(&command).expect("commands always serialize");
            line.push(b'\n');
            if stdin.write_all(&line).await.is_err() || stdin.flush().await.is_err() {
                return;
            }
        }
    });
    tokio::spawn(async move {
        let mut lines = BufReader::new(stdout).lines();
        loop {
            let event = match lines.next_line().await {
                Ok(Some(line)) => serde_json::from_str(&line).unwrap_or_else(|e| Event::Fatal {
                    message: format!("unreadable event {line:?}: {e}"),
                }),
                Ok(None) => Event::Fatal { message: "the worker process exited".into() },
                Err(e) => Event::Fatal { message: format!("reading the worker's output: {e}") },
            };
            let last = matches!(event, Event::Fatal { .. });
            if events.send((w, event)).is_err() || last {
                return;
            }
        }
    });
    Ok(child)
}
