//! The clients of a bandwidth run: pollers (plain or conditional) here, WebSocket subscribers in
//! `subscriber.rs`. Each connects, says it is ready, waits for the common start, follows the match
//! until the end, waits for the last acknowledgements and reads its socket's kernel counters.

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::model::Frames;
use crate::net::http1::{self, HttpConn};
use crate::net::tcp_info::TcpCounters;

/// Time after the end for the last segments to be acknowledged before the counters are read.
pub const SETTLE: Duration = Duration::from_millis(300);

/// When the followed part of the run starts and ends (real time), sent to every client at once.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: Instant,
    pub end: Instant,
}

/// What one client measured (sent whole from a worker process to the coordinator).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Outcome {
    pub connected: bool,
    pub join: TcpCounters,
    pub steady: TcpCounters,
    pub app_sent: u64,
    pub app_received: u64,
    pub requests: u64,
    pub ok_200: u64,
    pub not_modified_304: u64,
    pub failed: u64,
    pub body_bytes_200: u64,
    /// WebSocket: the sequence numbers of the updates received, in order.
    pub seqs: Vec<i64>,
    /// WebSocket, over the steady phase: the audience messages (`watching`) and the other text
    /// messages (updates) read, by whole frame; the bytes of control frames (pings) read.
    pub audience: Frames,
    pub updates: Frames,
    pub control_bytes: u64,
    /// WebSocket: the sequence number of the snapshot it joined with (updates after it are
    /// expected); whether it left before the end (churn), or joined after the start (churn: its
    /// join's counters in `late_join`, not `join`); the share of the steady phase it was there.
    pub from_seq: Option<i64>,
    pub left: bool,
    pub joined_late: bool,
    pub late_join: TcpCounters,
    pub subscribed: f64,
    /// WebSocket: the count the last audience message it read told (`"w"`), if it read one.
    pub told_last: Option<u64>,
    pub pings: u64,
    /// Polling: connections the server closed (the poller connected again for its next poll).
    pub reconnects: u64,
    pub error: Option<String>,
}

/// One poller: `GET path` at `offset`, `offset + interval`, ... (real time from the start) until
/// the end; with `conditional`, each poll sends the last ETag received. It connects just before
/// its first poll, as a user opening the page would (scorecast, like most servers, answers `408`
/// to a connection that sends no request within its request timeout), and connects again when the
/// server closed the connection.
pub async fn poller(
    addr: SocketAddr,
    path: String,
    conditional: bool,
    offset: Duration,
    interval: Duration,
    ready: mpsc::Sender<bool>,
    mut go: watch::Receiver<Option<Window>>,
) -> Outcome {
    let mut out = Outcome { connected: true, ..Default::default() };
    let _ = ready.send(true).await;
    let Some(window) = wait_for_start(&mut go).await else { return out };
    let host = addr.to_string();
    let mut etag: Option<String> = None;
    let mut conn: Option<(HttpConn, TcpCounters)> = None;
    let mut at = window.start + offset;
    while at < window.end {
        tokio::time::sleep_until(at).await;
        at += interval;
        if conn.is_none() {
            match HttpConn::connect(addr).await {
                Ok(c) => {
                    let joined = c.counters().unwrap_or_default();
                    out.join.add(&joined);
                    conn = Some((c, joined));
                }
                Err(e) => {
                    out.connected = false;
                    out.failed += 1;
                    out.error.get_or_insert(format!("connect: {e}"));
                    continue;
                }
            }
        }
        let Some((c, _)) = conn.as_mut() else { continue };
        let request = http1::get(&host, &path, etag.as_deref().filter(|_| conditional));
        out.requests += 1;
        let answer = c.request(&request, false).await;
        let closed = match answer {
            Ok(r) if r.status == 200 => {
                out.ok_200 += 1;
                out.body_bytes_200 += r.body_bytes as u64;
                etag = r.etag;
                r.close
            }
            Ok(r) if r.status == 304 => {
                out.not_modified_304 += 1;
                r.close
            }
            Ok(r) => {
                out.failed += 1;
                out.error.get_or_insert(format!("status {}", r.status));
                true
            }
            Err(e) => {
                out.failed += 1;
                out.error.get_or_insert(e.to_string());
                true
            }
        };
        if closed {
            if let Some((c, joined)) = conn.take() {
                out.reconnects += 1;
                settle_into(&mut out, &c, &joined).await;
            }
        }
    }
    tokio::time::sleep_until(window.end).await;
    if let Some((c, joined)) = conn.take() {
        settle_into(&mut out, &c, &joined).await;
    }
    out
}

/// Adds a connection's steady-phase counters to `out`, after the last acknowledgements arrived.
async fn settle_into(out: &mut Outcome, conn: &HttpConn, joined: &TcpCounters) {
    tokio::time::sleep(SETTLE).await;
    out.steady.add(&conn.counters().unwrap_or_default().since(joined));
    out.app_sent += conn.app_sent;
    out.app_received += conn.app_received;
}

pub(super) async fn wait_for_start(go: &mut watch::Receiver<Option<Window>>) -> Option<Window> {
    go.wait_for(|w| w.is_some()).await.ok().and_then(|w| *w)
}
