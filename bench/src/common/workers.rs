//! Worker processes and threads, as the fan-out and the soak both run them: a worker is a hidden
//! subcommand of this tool reading JSON-line commands on stdin and writing JSON-line events on
//! stdout, or (for tests) the same loop on a thread of the caller's process. The coordinator's
//! side (`Pool`: starting workers, sending commands, one channel of every worker's events) and
//! the worker's side (`read_commands`, `write_events`, `spawn_thread`) are both here.

use std::future::Future;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, Command as Process};
use tokio::sync::mpsc;
use tokio::task::LocalSet;
use tokio::time::Instant;

/// Time a worker process gets to exit when told to before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(10);

/// What the pool needs to know of a worker's events: how a failure is told.
pub trait WorkerEvent: Serialize + DeserializeOwned + Send + 'static {
    /// The event that reports a failure of the worker (or of reaching it).
    fn fatal(message: String) -> Self;
    /// The message, when this event is a failure.
    fn fatal_message(&self) -> Option<&str>;
}

/// `WorkerEvent` for an event enum whose failures are its `Fatal { message }` variant.
macro_rules! fatal_variant_is_failure {
    ($event:ty) => {
        impl $crate::common::workers::WorkerEvent for $event {
            fn fatal(message: String) -> Self {
                Self::Fatal { message }
            }

            fn fatal_message(&self) -> Option<&str> {
                match self {
                    Self::Fatal { message } => Some(message),
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use fatal_variant_is_failure;

/// The coordinator's workers: their command channels, their processes or threads, and one
/// channel of every worker's events, numbered by worker.
pub struct Pool<C, E> {
    /// How errors and logs name a worker (`worker`, `soak worker`).
    name: &'static str,
    commands: Vec<mpsc::UnboundedSender<C>>,
    events: mpsc::UnboundedReceiver<(usize, E)>,
    /// Until every worker is started; then dropped, so that the end of all workers is seen.
    event_tx: Option<mpsc::UnboundedSender<(usize, E)>>,
    children: Vec<Child>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl<C: Serialize + Send + 'static, E: WorkerEvent> Pool<C, E> {
    /// A pool without workers yet: add them with `thread` or `process`, then call `started`.
    pub fn new(name: &'static str) -> Self {
        let (event_tx, events) = mpsc::unbounded_channel();
        Self {
            name,
            commands: Vec::new(),
            events,
            event_tx: Some(event_tx),
            children: Vec::new(),
            threads: Vec::new(),
        }
    }

    /// The next worker on a thread of this process, started by `spawn` with its commands and
    /// the sender of its events.
    pub fn thread(
        &mut self,
        spawn: impl FnOnce(
            mpsc::UnboundedReceiver<C>,
            mpsc::UnboundedSender<E>,
        ) -> std::io::Result<std::thread::JoinHandle<()>>,
    ) -> anyhow::Result<()> {
        let (w, commands, events) = self.next_worker();
        let (tx, mut rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                if events.send((w, event)).is_err() {
                    return;
                }
            }
        });
        let thread =
            spawn(commands, tx).with_context(|| format!("starting a {} thread", self.name))?;
        self.threads.push(thread);
        Ok(())
    }

    /// The next worker as a process: `exe subcommand`, sent `plan` as its first line when there
    /// is one. With `exit_is_fatal`, the end of its output (it exited) is a failure; without, a
    /// worker that exits after its last event just ends.
    pub async fn process(
        &mut self,
        exe: &Path,
        subcommand: &str,
        plan: Option<&impl Serialize>,
        exit_is_fatal: bool,
    ) -> anyhow::Result<&Child> {
        let name = self.name;
        let (w, mut commands, events) = self.next_worker();
        let mut child = Process::new(exe)
            .arg(subcommand)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {} {subcommand}", exe.display()))?;
        let mut stdin = child.stdin.take().with_context(|| format!("{name} stdin"))?;
        let stdout = child.stdout.take().with_context(|| format!("{name} stdout"))?;
        if let Some(plan) = plan {
            let mut first = serde_json::to_vec(plan)?;
            first.push(b'\n');
            stdin
                .write_all(&first)
                .await
                .with_context(|| format!("sending the plan to a {name}"))?;
        }
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
                    Ok(Some(line)) => serde_json::from_str(&line)
                        .unwrap_or_else(|e| E::fatal(format!("unreadable event {line:?}: {e}"))),
                    Ok(None) if exit_is_fatal => E::fatal("the worker process exited".into()),
                    Err(e) if exit_is_fatal => {
                        E::fatal(format!("reading the worker's output: {e}"))
                    }
                    Ok(None) | Err(_) => return,
                };
                let last = event.fatal_message().is_some();
                if events.send((w, event)).is_err() || (last && exit_is_fatal) {
                    return;
                }
            }
        });
        self.children.push(child);
        Ok(self.children.last().expect("just pushed"))
    }

    /// Every worker is started: from now on, the end of all of them ends the events.
    pub fn started(mut self) -> Self {
        self.event_tx = None;
        self
    }

    fn next_worker(
        &mut self,
    ) -> (usize, mpsc::UnboundedReceiver<C>, mpsc::UnboundedSender<(usize, E)>) {
        let (command_tx, command_rx) = mpsc::unbounded_channel();
        let w = self.commands.len();
        self.commands.push(command_tx);
        let events = self.event_tx.clone().expect("workers are added before `started`");
        (w, command_rx, events)
    }

    pub fn len(&self) -> usize {
        self.commands.len()
    }

    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    pub fn send(&self, worker: usize, command: C) -> anyhow::Result<()> {
        self.commands[worker]
            .send(command)
            .map_err(|_| anyhow::anyhow!("{} {worker} is gone", self.name))
    }

    /// The next event from any worker, by `deadline`; `None` when the deadline passed. A worker's
    /// failure is an error.
    pub async fn next(&mut self, deadline: Instant) -> anyhow::Result<Option<(usize, E)>> {
        match tokio::time::timeout_at(deadline, self.events.recv()).await {
            Err(_) => Ok(None),
            Ok(None) => bail!("every {} is gone", self.name),
            Ok(Some((w, event))) => match event.fatal_message() {
                Some(message) => bail!("{} {w}: {message}", self.name),
                None => Ok(Some((w, event))),
            },
        }
    }

    /// One answer of every worker, as picked by `pick` (other events, such as late progress
    /// reports, are skipped), by `deadline`; in the workers' order.
    pub async fn answers<T>(
        &mut self,
        deadline: Instant,
        mut pick: impl FnMut(E) -> Option<T>,
    ) -> anyhow::Result<Vec<T>> {
        let mut answers: Vec<Option<T>> = (0..self.len()).map(|_| None).collect();
        while answers.iter().any(Option::is_none) {
            let (w, event) = self
                .next(deadline)
                .await?
                .with_context(|| format!("no answer from every {} in time", self.name))?;
            if let Some(answer) = pick(event) {
                answers[w] = Some(answer);
            }
        }
        Ok(answers.into_iter().flatten().collect())
    }

    /// Waits for worker `w`'s process to exit (it was told to), killing it after `EXIT_GRACE`.
    pub async fn reap(&mut self, w: usize) {
        if let Some(child) = self.children.get_mut(w) {
            if tokio::time::timeout(EXIT_GRACE, child.wait()).await.is_err() {
                tracing::warn!(pid = child.id(), "{} did not exit; killing it", self.name);
                let _ = child.kill().await;
            }
        }
    }

    /// Closes every command channel (a worker whose commands end stops) and waits for the
    /// processes and threads.
    pub async fn close(mut self) {
        self.commands.clear();
        for w in 0..self.children.len() {
            self.reap(w).await;
        }
        let threads = std::mem::take(&mut self.threads);
        let _ =
            tokio::task::spawn_blocking(move || threads.into_iter().for_each(|t| drop(t.join())))
                .await;
    }
}

/// The worker's side: forwards the commands read from `lines` (its stdin) to `commands`, until
/// the input ends or a line is not a command (said on stderr as `name: bad command`); then sends
/// `last`, if any. Runs on the current `LocalSet`.
pub fn read_commands<C: DeserializeOwned + 'static>(
    name: &'static str,
    mut lines: Lines<impl AsyncBufRead + Unpin + 'static>,
    commands: mpsc::UnboundedSender<C>,
    last: Option<C>,
) {
    tokio::task::spawn_local(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            match serde_json::from_str::<C>(&line) {
                Ok(command) => {
                    if commands.send(command).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    eprintln!("{name}: bad command {line:?}: {e}");
                    break;
                }
            }
        }
        if let Some(last) = last {
            let _ = commands.send(last);
        }
    });
}

/// The worker's side: writes each event to stdout as a JSON line until `events` closes (or stdout
/// does). Runs on the current `LocalSet`; await the handle to have every event out.
pub fn write_events<E: Serialize + 'static>(
    mut events: mpsc::UnboundedReceiver<E>,
) -> tokio::task::JoinHandle<()> {
    tokio::task::spawn_local(async move {
        let mut stdout = tokio::io::stdout();
        while let Some(event) = events.recv().await {
            let mut line = serde_json::to_vec(&event).expect("events always serialize");
            line.push(b'\n');
            if stdout.write_all(&line).await.is_err() || stdout.flush().await.is_err() {
                return;
            }
        }
    })
}

/// A worker process's whole life: `serve(commands, events)` on a single-threaded runtime, in a
/// `LocalSet`, with its commands read from stdin (then `last`, if any, when stdin ends) and its
/// events written to stdout; then the process exits (dropping the runtime would drop every
/// connection task one by one; exiting closes the sockets all the same).
pub fn serve_stdio<C, E, F>(
    name: &'static str,
    last: Option<C>,
    serve: impl FnOnce(mpsc::UnboundedReceiver<C>, mpsc::UnboundedSender<E>) -> F,
) -> anyhow::Result<()>
where
    C: DeserializeOwned + 'static,
    E: Serialize + 'static,
    F: Future<Output = ()>,
{
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    LocalSet::new().block_on(&runtime, async {
        let (command_tx, command_rx) = mpsc::unbounded_channel();
        let (event_tx, event_rx) = mpsc::unbounded_channel::<E>();
        let stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        read_commands(name, stdin, command_tx, last);
        let writer = write_events(event_rx);
        serve(command_rx, event_tx).await;
        let _ = writer.await;
    });
    std::process::exit(0)
}

/// Runs a worker on a new thread named `name`: `serve(events)` on a single-threaded runtime
/// of its own, in a `LocalSet`. A runtime that cannot start is reported as a failure event.
pub fn spawn_thread<E: WorkerEvent, F: Future<Output = ()>>(
    name: &str,
    events: mpsc::UnboundedSender<E>,
    serve: impl FnOnce(mpsc::UnboundedSender<E>) -> F + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new().name(name.into()).spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(runtime) => runtime,
            Err(e) => {
                let _ = events.send(E::fatal(format!("worker runtime: {e}")));
                return;
            }
        };
        LocalSet::new().block_on(&runtime, serve(events));
    })
}
