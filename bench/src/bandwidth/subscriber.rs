//! One WebSocket subscriber of a bandwidth run: it joins (upgrade, first snapshot) before the start
//! or, a newcomer under churn, at its time; follows the match until the end or until it leaves
//! (drops its socket, as a closed tab would). Each message read over the steady phase is counted
//! as an update or as an audience message (`watching`), by its whole frame; the socket's kernel
//! counters are read when it leaves or at the end.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch, Semaphore};
use tokio::time::Instant;

use super::churn::Slot;
use super::clients::{wait_for_start, Outcome, Window, SETTLE};
use crate::net::subscriber::Subscriber;
use crate::net::tcp_info::TcpCounters;

/// Longest a join (connect, upgrade, snapshot) may take.
const JOIN_TIMEOUT: Duration = Duration::from_secs(15);
/// Joins before the start in flight at once, over every subscriber: as the fan-out's clients, so
/// that 18,000 at once do not overflow the server's accept queue (and wait out SYN retries).
pub const JOINS_IN_FLIGHT: usize = 500;

/// One connection, from its snapshot on: what it had moved then.
struct Session {
    sub: Subscriber,
    joined: TcpCounters,
    app_sent: u64,
    /// Bytes read and handed out as frames by the end of the join: bytes already read that belong
    /// to later frames are counted with those frames.
    app_read: u64,
    control: u64,
    pings: u64,
}

impl Session {
    fn new(sub: Subscriber) -> Self {
        Self {
            joined: sub.counters().unwrap_or_default(),
            app_sent: sub.app_sent,
            app_read: sub.app_received - sub.buffered() as u64,
            control: sub.control_received,
            pings: sub.pings,
            sub,
        }
    }

    /// Adds this connection's steady phase to `out`.
    fn end(&self, out: &mut Outcome) {
        let sub = &self.sub;
        out.steady.add(&sub.counters().unwrap_or_default().since(&self.joined));
        out.app_sent += sub.app_sent - self.app_sent;
        out.app_received += sub.app_received - sub.buffered() as u64 - self.app_read;
        out.control_bytes += sub.control_received - self.control;
        out.pings += sub.pings - self.pings;
    }
}

/// Where a subscriber connects: the node, the path it upgrades (e.g. `/ws?matches=1`), and the
/// source address it connects from (`None`: the kernel's choice).
#[derive(Debug, Clone)]
pub struct Route {
    pub addr: SocketAddr,
    pub path: String,
    pub source: Option<IpAddr>,
}

/// Connects, upgrades the route's path and reads up to the first snapshot; its sequence number
/// with it.
async fn join(route: &Route) -> Result<(Session, i64), String> {
    let joined = async {
        let mut sub = Subscriber::connect_from(route.addr, route.source, &route.path).await?;
        loop {
            let update = sub.next().await?;
            if let Some(m) = update.message.filter(|m| m.snapshot) {
                return Ok::<_, std::io::Error>((Session::new(sub), m.seq));
            }
        }
    };
    match tokio::time::timeout(JOIN_TIMEOUT, joined).await {
        Ok(Ok(joined)) => Ok(joined),
        Ok(Err(e)) => Err(format!("join: {e}")),
        Err(_) => Err("join: timeout".into()),
    }
}

/// One subscriber on its `route` in its `slot` of the churn schedule (real times are the
/// simulated ones ÷ `speedup`); a join before the start waits for a permit of `joining`.
pub async fn subscriber(
    route: Route,
    slot: Slot,
    speedup: f64,
    joining: Arc<Semaphore>,
    ready: mpsc::Sender<bool>,
    mut go: watch::Receiver<Option<Window>>,
) -> Outcome {
    let mut out = Outcome::default();
    let mut first = None;
    if slot.join_at.is_none() {
        let permit = joining.acquire_owned().await;
        let joined = join(&route).await;
        drop(permit);
        match joined {
            Ok(joined) => first = Some(joined),
            Err(e) => {
                out.error = Some(e);
                let _ = ready.send(false).await;
                return out;
            }
        }
    }
    let _ = ready.send(true).await;
    let Some(window) = wait_for_start(&mut go).await else { return out };
    let real = |at: Duration| window.start + at.div_f64(speedup);
    let (session, from_seq) = match (first, slot.join_at) {
        (Some(joined), _) => {
            out.join = joined.0.joined;
            joined
        }
        (None, at) => {
            tokio::time::sleep_until(real(at.unwrap_or_default())).await;
            match join(&route).await {
                Ok(joined) => {
                    out.joined_late = true;
                    out.late_join = joined.0.joined;
                    joined
                }
                Err(e) => {
                    out.error = Some(e);
                    return out;
                }
            }
        }
    };
    out.connected = true;
    out.from_seq = Some(from_seq);
    let since = Instant::now().max(window.start);
    // Reading goes on through the settle time: an update posted just before the end is counted.
    let stop = window.end + SETTLE;
    let leave = slot.leave_at.map(real).filter(|at| *at < window.end);
    let mut session = session;
    if let Err(e) = read_until(&mut session.sub, leave.unwrap_or(stop), &mut out).await {
        out.error = Some(e);
    }
    let until = match leave {
        Some(at) => {
            out.left = true;
            at
        }
        None => {
            tokio::time::sleep_until(stop).await;
            window.end
        }
    };
    session.end(&mut out);
    let whole = (window.end - window.start).as_secs_f64();
    out.subscribed = until.saturating_duration_since(since).as_secs_f64() / whole;
    out
}

/// Reads and counts messages until `deadline`; the error that ended the connection, if one did.
async fn read_until(
    sub: &mut Subscriber,
    deadline: Instant,
    out: &mut Outcome,
) -> Result<(), String> {
    loop {
        match tokio::time::timeout_at(deadline, sub.next()).await {
            Ok(Ok(update)) => {
                let bytes = update.frame_bytes as u64;
                if update.audience {
                    out.audience.add(bytes);
                    out.told_last = update.watching.or(out.told_last);
                    continue;
                }
                out.updates.add(bytes);
                if let Some(m) = update.message.filter(|m| !m.snapshot) {
                    out.seqs.push(m.seq);
                }
            }
            Ok(Err(e)) => return Err(e.to_string()),
            Err(_) => return Ok(()),
        }
    }
}
