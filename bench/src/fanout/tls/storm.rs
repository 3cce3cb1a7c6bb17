//! A reconnect storm: `clients` connections opened as fast as the server takes them (up to
//! `concurrency` in flight), each connecting, upgrading to a WebSocket on the match and reading
//! the upgrade answer, then closing. Over TLS each client names the server by a name of its own
//! (`c17.bench.test`) and keeps the ticket it was sent (`tickets`), so the next round can resume
//! every session; each round counts, from every client's own session, the tickets it received and
//! whether its handshake resumed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::ClientConfig;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::model::StormRound;
use super::tickets::resuming_config;
use crate::common::percentiles::Percentiles;
use crate::common::scorecast::{loopback_addr, Scorecast};
use crate::common::tls::bench_ca;
use crate::histogram::Histogram;
use crate::procfs;
use crate::ws::stream::{upgrade, Stream};

#[derive(Debug, Clone)]
pub struct StormConfig {
    pub clients: usize,
    pub concurrency: usize,
    pub timeout: Duration,
}

pub(super) struct Target {
    addr: SocketAddr,
    host: String,
    path: String,
    pids: Vec<u32>,
}

impl Target {
    pub(super) fn of(server: &Scorecast, match_id: i64) -> anyhow::Result<Self> {
        let addr = loopback_addr(&server.url)?;
        Ok(Self {
            addr,
            host: addr.to_string(),
            path: format!("/ws?matches={match_id}"),
            pids: server.pids.clone(),
        })
    }
}

/// One client configuration for every TLS round, keeping the tickets of each client name.
pub(super) struct Resuming {
    config: Arc<ClientConfig>,
}

impl Resuming {
    pub(super) fn new(clients: usize) -> anyhow::Result<Self> {
        Ok(Self { config: resuming_config(&bench_ca()?.ca_pem, clients)? })
    }
}

/// How one client's reconnect went, as its own TLS session saw it.
struct Reconnect {
    resumed: bool,
    tickets: u32,
}

/// One round; `resuming` says that its clients should resume the sessions of the round before.
pub(super) async fn round(
    label: &str,
    target: &Target,
    tls: Option<&Resuming>,
    resuming: bool,
    cfg: &StormConfig,
) -> StormRound {
    let gate = Arc::new(Semaphore::new(cfg.concurrency.max(1)));
    let cpu_before = procfs::sum_over(&target.pids, procfs::cpu_ns_precise);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..cfg.clients {
        let permit = gate.clone().acquire_owned().await.expect("the gate stays open");
        let (addr, host, path) = (target.addr, target.host.clone(), target.path.clone());
        let config = tls.map(|t| t.config.clone());
        let timeout = cfg.timeout;
        tasks.spawn(async move {
            let begun = Instant::now();
            let outcome =
                tokio::time::timeout(timeout, reconnect(addr, &host, &path, config, i)).await;
            drop(permit);
            match outcome {
                Ok(Ok(reconnect)) => Ok((begun.elapsed(), reconnect)),
                Ok(Err(e)) => Err(e),
                Err(_) => Err("timeout".to_owned()),
            }
        });
    }
    let (mut times, mut failed, mut first_error) = (Histogram::default(), 0, None);
    let (mut resumed, mut tickets) = (0, 0);
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok((took, reconnect))) => {
                times.record(took.as_nanos() as u64);
                resumed += usize::from(reconnect.resumed);
                tickets += reconnect.tickets as usize;
            }
            Ok(Err(e)) => {
                failed += 1;
                first_error.get_or_insert(e);
            }
            Err(e) => {
                failed += 1;
                first_error.get_or_insert(e.to_string());
            }
        }
    }
    let wall_s = started.elapsed().as_secs_f64();
    let cpu_after = procfs::sum_over(&target.pids, procfs::cpu_ns_precise);
    let cpu_ms = cpu_before.zip(cpu_after).map(|(a, b)| b.saturating_sub(a) as f64 / 1e6);
    let completed = times.count() as usize;
    StormRound {
        label: label.to_owned(),
        clients: cfg.clients,
        completed,
        failed,
        first_error,
        resuming,
        resumed,
        tickets,
        wall_s,
        server_cpu_ms: cpu_ms,
        server_cpu_per_connect_us: cpu_ms
            .filter(|_| completed > 0)
            .map(|ms| ms * 1000.0 / completed as f64),
        connect_ms: Percentiles::from_ns(&times),
    }
}

/// Connects, upgrades and reads the 101. A server sends its TLS 1.3 tickets right after the
/// handshake, before any answer, so reading the 101 also reads (and stores) the tickets.
async fn reconnect(
    addr: SocketAddr,
    host: &str,
    path: &str,
    tls: Option<Arc<ClientConfig>>,
    number: usize,
) -> Result<Reconnect, String> {
    let tcp = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    tcp.set_nodelay(true).map_err(|e| format!("nodelay: {e}"))?;
    let mut stream = match tls {
        None => Stream::Plain(tcp),
        Some(config) => Stream::handshake(tcp, config, &format!("c{number}.bench.test")).await?,
    };
    upgrade(&mut stream, host, path).await?;
    let tickets = match &stream {
        Stream::Plain(_) => 0,
        Stream::Tls(tls) => tls.get_ref().1.tls13_tickets_received(),
    };
    Ok(Reconnect { resumed: stream.resumed(), tickets })
}
