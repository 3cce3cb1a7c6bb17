//! One client connection: connect (from a chosen source address), upgrade, then read frames until
//! the run ends, noting each update's arrival and answering the server's pings. Its state is the
//! socket, a small read buffer and an index; everything it learns goes into the worker's tally.

use std::cell::RefCell;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::time::Duration;

use tokio::net::TcpSocket;
use tokio::sync::OwnedSemaphorePermit;

use super::protocol::{Reconnect, WsTarget};
use super::tally::Tally;
use crate::clock::now_ns;
use crate::net::bind_address_only;
use crate::ws::stream::{upgrade, Stream};
use crate::ws::{frame, message, read_buf};

/// Initial read buffer: a scorecast update is ~55 bytes, a snapshot ~200.
const READ_BUF: usize = 256;

/// How a connection ended before the run did.
type End = String;

/// How `End` begins for a close frame with code 1001 (the server is going away).
const GOING_AWAY: &str = "close frame 1001";

/// Where a client connects: `targets[number % targets.len()]`, and on a 1001 close (with
/// `reconnect`) one of the others.
pub(super) struct Route {
    pub targets: Rc<Vec<Rc<WsTarget>>>,
    /// The client's number across all workers.
    pub number: usize,
    pub source: Option<IpAddr>,
    pub reconnect: Option<Reconnect>,
}

/// Runs client `index` of this worker until the server closes it (for good) or the worker stops.
pub(super) async fn run(
    index: usize,
    route: Route,
    timeout: Duration,
    permit: OwnedSemaphorePermit,
    tally: Rc<RefCell<Tally>>,
) {
    let started = now_ns();
    let deadline = tokio::time::Instant::now() + timeout;
    let target = &route.targets[route.number % route.targets.len()];
    let opened = tokio::time::timeout_at(deadline, open(target, route.source)).await;
    let mut client = match opened {
        Ok(Ok((stream, buf))) => Client { stream, buf, index },
        Ok(Err(reason)) => return tally.borrow_mut().failed(reason),
        Err(_) => return tally.borrow_mut().failed("timeout: connect or upgrade".into()),
    };
    let first = tokio::time::timeout_at(deadline, async {
        // The snapshot may have come with the upgrade answer.
        client.handle_frames(&tally).await?;
        while !tally.borrow().has_snapshot(index) {
            client.read_some(&tally).await?;
        }
        Ok::<_, End>(())
    })
    .await;
    match first {
        Ok(Ok(())) => tally.borrow_mut().connected(now_ns() - started),
        Ok(Err(reason)) => {
            return tally.borrow_mut().failed(format!("before the snapshot: {reason}"))
        }
        Err(_) => return tally.borrow_mut().failed("timeout: no snapshot".into()),
    }
    drop(permit);
    loop {
        let Err(reason) = client.read_some(&tally).await else { continue };
        let Some(plan) = route.reconnect.filter(|_| reason.starts_with(GOING_AWAY)) else {
            tally.borrow_mut().closed(reason);
            return;
        };
        tally.borrow_mut().going_away(index, now_ns());
        let resumed = async {
            (client.stream, client.buf) = reopen(index, &route, plan, timeout, &tally).await?;
            // The resume marker may have come with the upgrade answer.
            client.handle_frames(&tally).await
        };
        if let Err(reason) = resumed.await {
            tally.borrow_mut().abandoned(index, reason);
            return;
        }
    }
}

/// After a 1001 close: waits a random part of the jitter, then connects to the other targets in
/// turn (clients of one target spread evenly over the others) with `since` = the last sequence
/// number the client had, until one upgrades.
async fn reopen(
    index: usize,
    route: &Route,
    plan: Reconnect,
    timeout: Duration,
    tally: &Rc<RefCell<Tally>>,
) -> Result<(Stream, Vec<u8>), End> {
    if plan.jitter_ms > 0 {
        tokio::time::sleep(Duration::from_millis(rand::random_range(0..plan.jitter_ms))).await;
    }
    let n = route.targets.len();
    let origin = route.number % n;
    let mut error = String::from("no other server to reconnect to");
    for attempt in 0..n.saturating_sub(1) {
        let other = 1 + (route.number / n + attempt) % (n - 1);
        let target = &route.targets[(origin + other) % n];
        let since = tally.borrow().last_seq(index);
        let resume = WsTarget {
            path: format!("{}&since={}:{since}", target.path, plan.match_id),
            ..WsTarget::clone(target)
        };
        match tokio::time::timeout(timeout, open(&resume, route.source)).await {
            Ok(Ok(opened)) => return Ok(opened),
            Ok(Err(e)) => error = e,
            Err(_) => error = "timeout: reconnect".into(),
        }
        tally.borrow_mut().reconnect_failed();
    }
    Err(format!("reconnect failed: {error}"))
}

async fn open(target: &WsTarget, source: Option<IpAddr>) -> Result<(Stream, Vec<u8>), End> {
    let socket = match target.addr {
        SocketAddr::V4(_) => TcpSocket::new_v4(),
        SocketAddr::V6(_) => TcpSocket::new_v6(),
    }
    .map_err(|e| format!("socket: {e}"))?;
    if let Some(ip) = source {
        bind_address_only(&socket).map_err(|e| format!("setsockopt: {e}"))?;
        socket.bind(SocketAddr::new(ip, 0)).map_err(|e| format!("bind {ip}: {e}"))?;
    }
    let tcp = socket.connect(target.addr).await.map_err(|e| format!("connect: {e}"))?;
    tcp.set_nodelay(true).map_err(|e| format!("nodelay: {e}"))?;
    let mut stream = Stream::open(tcp, target.tls_ca.as_deref()).await?;
    let mut buf = upgrade(&mut stream, &target.host, &target.path).await?;
    buf.shrink_to(READ_BUF);
    Ok((stream, buf))
}

struct Client {
    stream: Stream,
    /// Bytes read and not yet parsed.
    buf: Vec<u8>,
    index: usize,
}

impl Client {
    /// Waits for data, reads what is there, and handles every complete frame in it.
    async fn read_some(&mut self, tally: &Rc<RefCell<Tally>>) -> Result<(), End> {
        read_buf::make_room(&mut self.buf, READ_BUF);
        match self.stream.read_buf(&mut self.buf).await {
            Ok(0) => return Err("closed by the server without a close frame".into()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) => return Err(format!("read: {e}")),
        }
        self.handle_frames(tally).await
    }

    /// Handles every complete frame in the buffer, as received now.
    async fn handle_frames(&mut self, tally: &Rc<RefCell<Tally>>) -> Result<(), End> {
        let now = now_ns();
        let mut consumed = 0;
        let mut pong = None;
        while let Some(parsed) =
            frame::parse(&self.buf[consumed..]).map_err(|e| format!("bad frame: {e}"))?
        {
            let payload = &self.buf[consumed + parsed.payload.start..consumed + parsed.payload.end];
            match parsed.opcode {
                frame::OP_TEXT if parsed.fin => {
                    if let Some(msg) = message::read(payload) {
                        let mut tally = tally.borrow_mut();
                        tally.update_size(&msg, payload.len());
                        tally.on_message(self.index, msg, now);
                    }
                }
                frame::OP_PING => {
                    let mut out = Vec::with_capacity(6 + payload.len());
                    frame::write_masked(&mut out, frame::OP_PONG, payload, rand::random());
                    pong = Some(out);
                }
                frame::OP_PONG => {}
                frame::OP_CLOSE => {
                    let code = frame::close_code(payload);
                    let reason = String::from_utf8_lossy(payload.get(2..).unwrap_or_default());
                    return Err(format!("close frame {}: {reason}", code.unwrap_or(1005)));
                }
                op => return Err(format!("unexpected frame (opcode {op}, fin {})", parsed.fin)),
            }
            consumed += parsed.len;
        }
        read_buf::consume(&mut self.buf, consumed, READ_BUF);
        if let Some(pong) = pong {
            self.stream.write_all(&pong).await.map_err(|e| format!("pong: {e}"))?;
            tally.borrow_mut().pongs_sent += 1;
        }
        Ok(())
    }
}
