//! A fan-out worker: holds a share of the client connections on one thread, in its own process
//! (hidden subcommand `fanout-worker`, commands on stdin and events on stdout as JSON lines) or on
//! a thread of the caller's process (for tests). One process may hold ~20,000 sockets, so large
//! runs use several.
//!
//! Each connection is a task on a single-threaded runtime: its state is a socket, a small buffer
//! and an index, and the per-worker tally is shared without locks.

mod conn;
pub mod protocol;
mod tally;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, Semaphore};

use crate::common::workers;
use crate::procfs;
use protocol::{Command, ConnectPlan, Event};
use tally::Tally;

/// How often a connecting worker reports progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// Serves commands until `Exit` or until the command channel closes. Must run inside a `LocalSet`.
pub async fn serve(
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<Event>,
) {
    let tally = Rc::new(RefCell::new(Tally::default()));
    let completed = tally.borrow().completed.clone();
    loop {
        let command = tokio::select! {
            command = commands.recv() => command,
            () = completed.notified() => {
                let seqs = tally.borrow_mut().take_completed();
                if seqs.into_iter().any(|seq| events.send(Event::Complete { seq }).is_err()) {
                    break;
                }
                continue;
            }
        };
        let Some(command) = command else { break };
        let event = match command {
            Command::Connect(plan) => connect_all(plan, &tally, &events).await,
            Command::Status => Event::Status(tally.borrow().status()),
            Command::Report { starts, .. } => {
                Event::Report(tally.borrow().report(&starts, procfs::own_rss_kib().unwrap_or(0)))
            }
            Command::Exit => break,
        };
        if events.send(event).is_err() {
            break;
        }
    }
}

async fn connect_all(
    plan: ConnectPlan,
    tally: &Rc<RefCell<Tally>>,
    events: &mpsc::UnboundedSender<Event>,
) -> Event {
    let rss_before = procfs::own_rss_kib().unwrap_or(0);
    tally.borrow_mut().expect_clients(plan.count);
    let count = plan.count;
    let spawner = {
        let tally = tally.clone();
        tokio::task::spawn_local(async move {
            let gate = Arc::new(Semaphore::new(plan.concurrency.max(1)));
            let targets: Rc<Vec<_>> = Rc::new(plan.targets.iter().cloned().map(Rc::new).collect());
            let timeout = Duration::from_millis(plan.timeout_ms);
            let start = tokio::time::Instant::now();
            for k in 0..plan.count {
                if let Some(rate) = plan.rate_per_sec.filter(|r| *r > 0.0) {
                    tokio::time::sleep_until(start + Duration::from_secs_f64(k as f64 / rate))
                        .await;
                }
                let Ok(permit) = gate.clone().acquire_owned().await else { return };
                let number = plan.first + k * plan.step;
                let (_, source) = plan.route(number);
                let route = conn::Route {
                    targets: targets.clone(),
                    number,
                    source,
                    reconnect: plan.reconnect,
                };
                tokio::task::spawn_local(conn::run(k, route, timeout, permit, tally.clone()));
            }
        })
    };
    loop {
        tokio::time::sleep(PROGRESS_EVERY).await;
        let (connected, failed) = {
            let t = tally.borrow();
            (t.connected, t.failed)
        };
        if connected + failed >= count {
            break;
        }
        if events.send(Event::Progress { connected, failed }).is_err() {
            break;
        }
    }
    let _ = spawner.await;
    let rss_after = procfs::own_rss_kib().unwrap_or(0);
    Event::Connected(tally.borrow().connect_summary(rss_before, rss_after))
}

/// The `fanout-worker` process: commands from stdin, events to stdout. Ends on `Exit` or when stdin
/// closes (the coordinator is gone), closing every connection.
pub fn main_stdio() -> anyhow::Result<()> {
    workers::serve_stdio("fanout-worker", Some(Command::Exit), serve)
}

/// Runs a worker on a new thread of this process; ends when it gets `Exit` or `commands` closes.
pub fn spawn_thread(
    commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<Event>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    workers::spawn_thread("fanout-worker", events, move |events| serve(commands, events))
}
