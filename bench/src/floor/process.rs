//! Where the floor runs: its own process (hidden subcommand `floor-server`, so its memory and CPU
//! are measured like scorecast's), or a thread of the caller (tests).

use std::net::SocketAddr;

use anyhow::Context;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::oneshot;

use super::server::Floor;

/// Pending connections the listener queues: enough for the clients' 500 handshakes in flight.
const BACKLOG: u32 = 4096;

fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr).with_context(|| format!("binding {addr}"))?;
    Ok(socket.listen(BACKLOG)?)
}

fn shard_count() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
}

/// The `floor-server` process: prints `{"listening":"ADDR","pid":PID}` on stdout, then serves until
/// its stdin closes (the coordinator stopped it or is gone).
pub fn main_stdio(listen: SocketAddr) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = bind(listen)?;
        let addr = listener.local_addr()?;
        println!(r#"{{"listening":"{addr}","pid":{}}}"#, std::process::id());
        let stdin_closed = async {
            let mut stdin = tokio::io::stdin();
            let mut sink = [0u8; 64];
            while matches!(stdin.read(&mut sink).await, Ok(n) if n > 0) {}
        };
        Floor::new(shard_count()).serve(listener, stdin_closed).await;
        Ok::<_, anyhow::Error>(())
    })?;
    // Connections still in shards are closed by the exit.
    std::process::exit(0)
}

/// A floor on a thread of this process.
pub struct FloorThread {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FloorThread {
    pub fn start() -> anyhow::Result<Self> {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new().name("floor".into()).spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
                Ok(runtime) => runtime,
                Err(e) => return drop(addr_tx.send(Err(anyhow::Error::from(e)))),
            };
            runtime.block_on(async move {
                let listener = match bind(SocketAddr::from(([127, 0, 0, 1], 0))) {
                    Ok(listener) => listener,
                    Err(e) => return drop(addr_tx.send(Err(e))),
                };
                let _ = addr_tx.send(listener.local_addr().map_err(Into::into));
                Floor::new(shard_count()).serve(listener, async { drop(stopped.await) }).await;
            });
        })?;
        let addr = addr_rx.recv().context("the floor thread ended early")??;
        Ok(Self { addr, stop: Some(stop), thread: Some(thread) })
    }
}

impl Drop for FloorThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
