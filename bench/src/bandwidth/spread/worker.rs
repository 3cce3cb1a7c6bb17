//! A bandwidth worker: holds a share of a spread run's subscribers, in its own process (hidden
//! subcommand `bandwidth-worker`, commands on stdin and events on stdout as JSON lines) or on a
//! thread of the caller's process (tests). Its subscribers are `subscriber.rs`'s, as in a run on
//! one node: they join, say so, wait for the common start, follow the match until the end (or
//! leave, or join late, by their churn slots) and hand back their outcomes, which go to the
//! coordinator whole.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::bandwidth::churn::Slot;
use crate::bandwidth::clients::{Outcome, Window};
use crate::bandwidth::subscriber::{subscriber, Route};
use crate::common::workers;

/// What the coordinator tells a worker: its subscribers first, then when to start.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Command {
    Join(Plan),
    /// The start of the followed part, in nanoseconds since the Unix epoch (one clock for every
    /// process of the machine).
    Go {
        start_unix_ns: u64,
    },
    Exit,
}

/// One worker's subscribers and how they follow the match.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    /// Each subscriber's churn slot and the node it connects to.
    pub subscribers: Vec<(Slot, SocketAddr)>,
    /// What each upgrades, e.g. `/ws?matches=1`.
    pub path: String,
    /// The worker's own source address (`None`: the kernel's choice).
    pub source: Option<IpAddr>,
    pub speedup: f64,
    /// The followed part's real length.
    pub real_duration: Duration,
    /// This worker's share of the joins in flight at once before the start.
    pub joins_in_flight: usize,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Event {
    /// Every subscriber due before the start joined or failed to.
    Ready {
        connected: usize,
        of: usize,
    },
    /// Every subscriber's outcome, after the end.
    Done {
        outcomes: Vec<Outcome>,
    },
    Fatal {
        message: String,
    },
}

workers::fatal_variant_is_failure!(Event);

/// Serves one run: `Join`, then `Go`, then the outcomes; ends on `Exit` or when the commands end.
/// Must run inside a `LocalSet`.
pub async fn serve(
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<Event>,
) {
    let Some(Command::Join(plan)) = commands.recv().await else { return };
    let (ready_tx, mut ready_rx) = mpsc::channel(1024);
    let (go_tx, go_rx) = watch::channel(None);
    let joining = Arc::new(Semaphore::new(plan.joins_in_flight.max(1)));
    let mut tasks = JoinSet::new();
    let of = plan.subscribers.len();
    for (slot, addr) in plan.subscribers {
        let route = Route { addr, path: plan.path.clone(), source: plan.source };
        tasks.spawn_local(subscriber(
            route,
            slot,
            plan.speedup,
            joining.clone(),
            ready_tx.clone(),
            go_rx.clone(),
        ));
    }
    drop(ready_tx);
    let mut connected = 0;
    for _ in 0..of {
        let Some(ok) = ready_rx.recv().await else { break };
        connected += usize::from(ok);
    }
    if events.send(Event::Ready { connected, of }).is_err() {
        return;
    }
    let start = loop {
        match commands.recv().await {
            Some(Command::Go { start_unix_ns }) => break instant_at(start_unix_ns),
            Some(Command::Exit) | None => return,
            Some(Command::Join(_)) => {}
        }
    };
    go_tx.send_replace(Some(Window { start, end: start + plan.real_duration }));
    let outcomes = tasks.join_all().await;
    if events.send(Event::Done { outcomes }).is_err() {
        return;
    }
    while let Some(command) = commands.recv().await {
        if matches!(command, Command::Exit) {
            break;
        }
    }
}

/// Nanoseconds since the Unix epoch, now.
pub fn unix_ns_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

/// This process's `Instant` for `unix_ns` (in the past: now).
fn instant_at(unix_ns: u64) -> Instant {
    Instant::now() + Duration::from_nanos(unix_ns.saturating_sub(unix_ns_now()))
}

pub fn main_stdio() -> anyhow::Result<()> {
    workers::serve_stdio("bandwidth-worker", Some(Command::Exit), serve)
}

/// Runs a worker on a new thread of this process; ends when it gets `Exit` or `commands` closes.
pub fn spawn_thread(
    commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<Event>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    workers::spawn_thread("bandwidth-worker", events, move |events| serve(commands, events))
}
