//! A soak worker: holds its share of the subscribers on one thread, in its own process (hidden
//! subcommand `soak-worker`: the plan and then `finish` on stdin, status lines and the report on
//! stdout, as JSON lines) or on a thread of the caller's process (for tests).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::{JoinSet, LocalSet};
use tokio::time::Instant;

use super::client::{self, Finish, Shared};
use super::protocol::{Command, Event, Plan, WorkerReport};
use crate::common::workers;
use crate::procfs;

/// How often a worker reports its clients' status.
const STATUS_EVERY: Duration = Duration::from_secs(1);
/// Time past the drain deadline for clients to notice it and stop.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// Runs the plan's clients until `Finish` (then reports) or until `commands` closes. Must run
/// inside a `LocalSet`.
pub async fn serve(
    plan: Plan,
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<Event>,
) {
    let (finish_tx, finish) = watch::channel(None);
    let connect_timeout = Duration::from_millis(plan.connect_timeout_ms);
    let shared = Rc::new(Shared {
        gate: Arc::new(Semaphore::new(plan.concurrency.max(1))),
        counts: RefCell::default(),
        churn: RefCell::default(),
        connected: Cell::new(0),
        paused: Cell::new(0),
        behind: Cell::new(0),
        clients_behind: Cell::new(0),
        finish,
        plan,
    });
    let mut clients = JoinSet::new();
    for index in 0..shared.plan.clients {
        clients.spawn_local(client::run(index, shared.clone()));
    }
    let mut status = tokio::time::interval(STATUS_EVERY);
    let deadline = loop {
        tokio::select! {
            command = commands.recv() => match command {
                Some(Command::Finish { finals, drain_ms }) => {
                    let deadline = Instant::now() + Duration::from_millis(drain_ms);
                    finish_tx.send_replace(Some(Finish { finals, deadline }));
                    break deadline;
                }
                // The coordinator is gone: so are the clients.
                None => return,
            },
            _ = status.tick() => {
                if events.send(Event::Status(shared.status())).is_err() {
                    return;
                }
            }
        }
    };
    // A client may be in the middle of a connect when the deadline passes.
    let stop_by = deadline + connect_timeout + STOP_GRACE;
    while let Ok(Some(_)) = tokio::time::timeout_at(stop_by, clients.join_next()).await {}
    let stuck = clients.len();
    clients.abort_all();
    let report = WorkerReport {
        counts: *shared.counts.borrow(),
        churn: shared.churn.borrow().clone(),
        behind_at_end: shared.behind.get(),
        clients_behind: shared.clients_behind.get() + stuck,
        rss_kib: procfs::own_rss_kib().unwrap_or(0),
    };
    let _ = events.send(Event::Report(report));
}

/// The `soak-worker` process: the plan, then commands, from stdin; events to stdout. Ends after
/// its report, or when stdin closes (the coordinator is gone).
pub fn main_stdio() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    LocalSet::new().block_on(&runtime, async {
        let mut lines = BufReader::new(tokio::io::stdin()).lines();
        let plan: Plan = match lines.next_line().await? {
            Some(line) => serde_json::from_str(&line)?,
            None => return Ok(()),
        };
        let (command_tx, command_rx) = mpsc::unbounded_channel();
        let (event_tx, event_rx) = mpsc::unbounded_channel::<Event>();
        workers::read_commands("soak-worker", lines, command_tx, None);
        let writer = workers::write_events(event_rx);
        serve(plan, command_rx, event_tx).await;
        let _ = writer.await;
        Ok::<_, anyhow::Error>(())
    })?;
    // Dropping the runtime would close every connection one by one; exiting closes them all.
    std::process::exit(0)
}

/// Runs a worker on a new thread of this process.
pub fn spawn_thread(
    plan: Plan,
    commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<Event>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    workers::spawn_thread("soak-worker", events, move |events| serve(plan, commands, events))
}
