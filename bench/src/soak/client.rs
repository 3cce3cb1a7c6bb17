//! One soak client: a subscriber of every match that stays, and now and then (at random, as the
//! churn rate says) leaves and comes back as a new user, drops its connection and resumes with
//! `since`, or stops reading for a while. Every message is checked on the way (`check`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::{watch, Semaphore};
use tokio::time::{sleep, sleep_until, timeout, Instant};

use super::check::{Counts, Cursor};
use super::conn::Conn;
use super::protocol::{Churn, Plan, Status};

/// Failed connection attempts in a row after which a client gives up.
const MAX_CONNECT_ATTEMPTS: u32 = 20;
/// Pause after a failed attempt, times the attempts so far (capped at 2 s).
const CONNECT_BACKOFF: Duration = Duration::from_millis(100);

/// What the clients of one worker share: the plan, what they counted, and the finish.
pub(super) struct Shared {
    pub plan: Plan,
    pub counts: RefCell<Counts>,
    pub churn: RefCell<Churn>,
    pub connected: Cell<usize>,
    pub paused: Cell<usize>,
    /// Updates missing at the end, and the clients missing them.
    pub behind: Cell<u64>,
    pub clients_behind: Cell<usize>,
    pub finish: watch::Receiver<Option<Finish>>,
    /// Handshakes in flight at once on the first connect.
    pub gate: Arc<Semaphore>,
}

/// The coordinator's `finish`: the last sequence number of each match, and until when to read.
#[derive(Debug, Clone)]
pub(super) struct Finish {
    pub finals: Vec<i64>,
    pub deadline: Instant,
}

impl Shared {
    pub fn status(&self) -> Status {
        Status {
            connected: self.connected.get(),
            paused: self.paused.get(),
            delivered: self.counts.borrow().delivered,
        }
    }
}

/// How a connection of a client ended.
enum SessionEnd {
    /// The run is over for this client (caught up after the finish, or out of time).
    Done,
    /// It leaves: a new user comes in its place.
    Leave,
    /// It drops the connection and reconnects with `since`.
    Resume,
}

/// Runs client `index` until the run finishes; counts what is missing at the end.
pub(super) async fn run(index: usize, shared: Rc<Shared>) {
    let plan = &shared.plan;
    let mut rng =
        StdRng::seed_from_u64(plan.seed.wrapping_mul(1_000_003).wrapping_add(index as u64));
    let mut finish = shared.finish.clone();
    let matches: Vec<String> = plan.matches.iter().map(i64::to_string).collect();
    let base = format!("/ws?matches={}", matches.join(","));
    let mut cursor = Cursor::new(&plan.matches);
    let mut permit = Some(shared.gate.clone().acquire_owned().await);
    let (mut resume, mut failures) = (false, 0);
    loop {
        if finish.borrow().as_ref().is_some_and(|f| Instant::now() >= f.deadline) {
            break;
        }
        let since = if resume { cursor.since() } else { None };
        if since.is_none() {
            cursor = Cursor::new(&plan.matches);
        }
        let path = since.as_ref().map_or(base.clone(), |s| format!("{base}&since={s}"));
        let limit = Duration::from_millis(plan.connect_timeout_ms);
        let opened =
            timeout(limit, Conn::open(plan.addr, &plan.host, &path, plan.recv_buffer_bytes));
        let opened = opened.await.unwrap_or_else(|_| Err("timeout".into()));
        drop(permit.take());
        let mut conn = match opened {
            Ok(conn) => conn,
            Err(reason) => {
                *shared.churn.borrow_mut().connect_failures.entry(reason).or_default() += 1;
                failures += 1;
                if failures >= MAX_CONNECT_ATTEMPTS {
                    shared.churn.borrow_mut().abandoned += 1;
                    break;
                }
                sleep((CONNECT_BACKOFF * failures).min(Duration::from_secs(2))).await;
                continue;
            }
        };
        failures = 0;
        if since.is_none() {
            shared.churn.borrow_mut().fresh_connects += 1;
        }
        shared.connected.set(shared.connected.get() + 1);
        let end = session(&mut conn, &mut cursor, &shared, &mut rng, &mut finish).await;
        shared.connected.set(shared.connected.get() - 1);
        match end {
            SessionEnd::Done => break,
            SessionEnd::Leave => {
                conn.close().await;
                resume = false;
            }
            // Dropped without a close frame, as a lost network would.
            SessionEnd::Resume => {
                drop(conn);
                resume = true;
            }
        }
        if finish.borrow().is_none() && plan.reconnect_jitter_ms > 0 {
            sleep(Duration::from_millis(rng.random_range(0..=plan.reconnect_jitter_ms))).await;
        }
    }
    let finals = finish.borrow().as_ref().map(|f| f.finals.clone());
    // A client that holds no state of some match (it never got its snapshot) is behind too.
    if let Some(finals) = finals.filter(|f| !cursor.caught_up(f)) {
        shared.behind.set(shared.behind.get() + cursor.behind(&finals));
        shared.clients_behind.set(shared.clients_behind.get() + 1);
    }
}

/// Reads one connection until the client churns, the connection ends, or the run is over.
async fn session(
    conn: &mut Conn,
    cursor: &mut Cursor,
    shared: &Shared,
    rng: &mut StdRng,
    finish: &mut watch::Receiver<Option<Finish>>,
) -> SessionEnd {
    let plan = &shared.plan;
    let far = Instant::now() + Duration::from_secs(365 * 24 * 3600);
    let mut next_churn = churn_at(plan, rng).unwrap_or(far);
    loop {
        let done = finish.borrow().clone();
        if let Some(f) = &done {
            if cursor.caught_up(&f.finals) {
                return SessionEnd::Done;
            }
        }
        let deadline = done.as_ref().map_or(far, |f| f.deadline);
        tokio::select! {
            ready = conn.readable() => {
                if let Err(reason) = ready {
                    return dropped(shared, reason);
                }
            }
            () = sleep_until(next_churn), if done.is_none() => {
                match rng.random_range(0..3) {
                    0 => {
                        shared.churn.borrow_mut().leaves += 1;
                        return SessionEnd::Leave;
                    }
                    1 => {
                        shared.churn.borrow_mut().resumes += 1;
                        return SessionEnd::Resume;
                    }
                    _ => {
                        if let Err(_reason) = slow_pause(conn, cursor, shared, rng, finish).await {
                            shared.churn.borrow_mut().slow_cut += 1;
                            return SessionEnd::Resume;
                        }
                        shared.churn.borrow_mut().slow_read_late += 1;
                        next_churn = churn_at(plan, rng).unwrap_or(far);
                        continue;
                    }
                }
            }
            changed = finish.changed(), if done.is_none() => {
                if changed.is_err() {
                    return SessionEnd::Done;
                }
                continue;
            }
            () = sleep_until(deadline), if done.is_some() => return SessionEnd::Done,
        }
        if let Err(reason) = read(conn, cursor, shared).await {
            return dropped(shared, reason);
        }
    }
}

/// A connection ended without the client asking: noted, then resumed.
fn dropped(shared: &Shared, reason: String) -> SessionEnd {
    *shared.churn.borrow_mut().dropped.entry(reason).or_default() += 1;
    SessionEnd::Resume
}

/// Stops reading for a random time in the plan's range (less if the run finishes meanwhile), then
/// reads everything that waited; an error means the server gave up on the client meanwhile.
async fn slow_pause(
    conn: &mut Conn,
    cursor: &mut Cursor,
    shared: &Shared,
    rng: &mut StdRng,
    finish: &mut watch::Receiver<Option<Finish>>,
) -> Result<(), String> {
    let (lo, hi) = shared.plan.slow_pause_ms;
    let pause = Duration::from_millis(rng.random_range(lo..=hi.max(lo)));
    shared.churn.borrow_mut().slow_pauses += 1;
    shared.paused.set(shared.paused.get() + 1);
    tokio::select! {
        () = sleep(pause) => {}
        _ = finish.changed() => {}
    }
    shared.paused.set(shared.paused.get() - 1);
    read(conn, cursor, shared).await
}

/// Reads what the socket holds and checks every message.
async fn read(conn: &mut Conn, cursor: &mut Cursor, shared: &Shared) -> Result<(), String> {
    // Counted apart and added after: no borrow of the shared tally is held across the await.
    let mut counts = Counts::default();
    let result = conn.read_available(|msg| cursor.on_message(msg, &mut counts)).await;
    shared.counts.borrow_mut().add(&counts);
    shared.churn.borrow_mut().pongs += result.as_ref().copied().unwrap_or(0);
    result.map(drop)
}

/// When this client churns next: exponential waits, so the worker's clients together churn at
/// the plan's rate. `None` without churn.
fn churn_at(plan: &Plan, rng: &mut StdRng) -> Option<Instant> {
    if plan.churn_per_sec <= 0.0 || plan.clients == 0 {
        return None;
    }
    let mean = plan.clients as f64 / plan.churn_per_sec;
    let wait = -(1.0 - rng.random::<f64>()).ln() * mean;
    Some(Instant::now() + Duration::from_secs_f64(wait.min(1e7)))
}
