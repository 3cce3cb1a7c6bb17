//! The `poll` subcommand: requests per second and latency of the snapshot endpoint under C
//! keep-alive connections, answering `200` and `304`, beside nginx serving the same bytes as a
//! static file. One load thread drives every connection (the caller's runtime).

pub mod markdown;
pub mod model;
pub mod nginx;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::clock::now_ns;
use crate::common::meta::Meta;
use crate::common::percentiles::{ratio, Percentiles};
use crate::common::progress::bar;
use crate::common::runner;
use crate::common::scorecast::{event_body, Scorecast, ServerConfig};
use crate::histogram::Histogram;
use crate::net::http1::{self, HttpConn};
use crate::procfs;
use model::{Case, PollReport};

/// Most connections: one process's open files, with room to spare.
pub const MAX_CONNECTIONS: usize = 10_000;

#[derive(Debug, Clone)]
pub struct PollConfig {
    pub server: ServerConfig,
    pub connections: usize,
    /// Measured time per case, after `warmup`.
    pub duration: Duration,
    pub warmup: Duration,
    /// Events posted before measuring, so the snapshot has a realistic size.
    pub events: usize,
    /// nginx binary to compare with; none skips nginx.
    pub nginx: Option<PathBuf>,
    pub nginx_workers: usize,
    pub progress: bool,
}

impl PollConfig {
    pub fn new(server: ServerConfig) -> Self {
        Self {
            server,
            connections: 64,
            duration: Duration::from_secs(10),
            warmup: Duration::from_secs(1),
            events: 5,
            nginx: None,
            nginx_workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            progress: false,
        }
    }
}

/// One load target: where to connect, the path, and the ETag for the `304` case.
struct Target<'a> {
    name: &'a str,
    addr: SocketAddr,
    path: &'a str,
    etag: String,
    body_bytes: usize,
    pid: Option<u32>,
}

pub async fn run_poll(cfg: PollConfig) -> anyhow::Result<PollReport> {
    if cfg.connections == 0 || cfg.connections > MAX_CONNECTIONS {
        bail!("--connections must be 1..={MAX_CONNECTIONS}");
    }
    runner::run_report(&cfg.server, None, async |server, http| measure(server, &cfg, http).await)
        .await
}

async fn measure(
    server: &Scorecast,
    cfg: &PollConfig,
    http: &reqwest::Client,
) -> anyhow::Result<PollReport> {
    let id = server.live_match(http, "Poll").await?.id;
    for i in 0..cfg.events {
        server.post_event(http, id, event_body(i as u64, 1 + i as u64 * 7)).await?;
    }
    let path = format!("/api/v1/matches/{id}");
    let mut conn = HttpConn::connect(server.addr).await?;
    let first = conn.request(&http1::get(&server.host(), &path, None), true).await?;
    let body = first.body.context("no snapshot body")?;
    let snapshot: serde_json::Value =
        serde_json::from_slice(&body).context("the snapshot is not JSON")?;
    let events = snapshot["events"].as_array().map_or(0, Vec::len);
    let mut cases = Vec::new();
    let scorecast = Target {
        name: "scorecast",
        addr: server.addr,
        path: &path,
        etag: first.etag.context("the snapshot has no ETag")?,
        body_bytes: body.len(),
        pid: server.pid,
    };
    cases.extend(run_cases(&scorecast, cfg).await?);
    if let Some(binary) = &cfg.nginx {
        let nginx = nginx::Nginx::start(binary, &body, cfg.nginx_workers)
            .await
            .context("starting nginx")?;
        let measured = async {
            let mut conn = HttpConn::connect(nginx.addr).await?;
            let answer =
                conn.request(&http1::get(&nginx.addr.to_string(), &path, None), true).await?;
            if answer.body.as_deref() != Some(&body[..]) {
                bail!("nginx does not serve the snapshot bytes (status {})", answer.status);
            }
            let target = Target {
                name: "nginx",
                addr: nginx.addr,
                path: &path,
                etag: answer.etag.context("nginx sent no ETag")?,
                body_bytes: body.len(),
                pid: Some(nginx.pid),
            };
            run_cases(&target, cfg).await
        }
        .await;
        nginx.stop().await?;
        cases.extend(measured?);
    }
    let rate = |target: &str, status: u16| {
        cases
            .iter()
            .find(|c| c.target == target && c.expect_status == status)
            .map(|c| c.requests_per_s)
    };
    let to_nginx = |status| ratio(rate("scorecast", status), rate("nginx", status));
    let mut problems = Vec::new();
    for c in &cases {
        if c.wrong > 0 || c.errors > 0 || c.requests == 0 {
            problems.push(format!(
                "{} {}: {} answers, {} wrong, {} broken connections",
                c.target, c.expect_status, c.requests, c.wrong, c.errors
            ));
        }
    }
    Ok(PollReport {
        meta: Meta::start("poll"),
        server: server.url.to_string(),
        match_id: id,
        snapshot_bytes: body.len(),
        snapshot_events: events,
        connections: cfg.connections,
        ratio_200: to_nginx(200),
        ratio_304: to_nginx(304),
        nginx_workers: cfg.nginx.as_ref().map(|_| cfg.nginx_workers),
        passed: problems.is_empty(),
        problems,
        cases,
    })
}

/// The `200` and the `304` case against `target`.
async fn run_cases(target: &Target<'_>, cfg: &PollConfig) -> anyhow::Result<Vec<Case>> {
    let mut cases = Vec::new();
    for status in [200, 304] {
        cases.push(run_case(target, status, cfg).await?);
    }
    Ok(cases)
}

/// Per connection: answers in the measured window, wrong ones, broken connections, latencies,
/// bytes of one answer.
type ConnOutcome = (u64, u64, u64, Histogram, Option<usize>);

async fn run_case(target: &Target<'_>, status: u16, cfg: &PollConfig) -> anyhow::Result<Case> {
    let etag = (status == 304).then(|| target.etag.clone());
    let request = http1::get(&target.addr.to_string(), target.path, etag.as_deref());
    let expect_body = if status == 200 { target.body_bytes } else { 0 };
    let start = Instant::now();
    let (from, until) = (start + cfg.warmup, start + cfg.warmup + cfg.duration);
    let mut conns = JoinSet::new();
    for _ in 0..cfg.connections {
        let (addr, request) = (target.addr, request.clone());
        conns.spawn(async move {
            let mut out: ConnOutcome = (0, 0, 0, Histogram::default(), None);
            let Ok(mut conn) = HttpConn::connect(addr).await else {
                out.2 += 1;
                return out;
            };
            loop {
                let sent = Instant::now();
                if sent >= until {
                    break;
                }
                let t = now_ns();
                match conn.request(&request, false).await {
                    Ok(r) if r.status == status && r.body_bytes == expect_body => {
                        if sent >= from && Instant::now() <= until {
                            out.0 += 1;
                            out.3.record(now_ns() - t);
                        }
                        out.4 = Some(r.head_bytes + r.body_bytes);
                    }
                    Ok(_) => out.1 += 1,
                    Err(_) => {
                        out.2 += 1;
                        break;
                    }
                }
            }
            out
        });
    }
    let progress = bar(cfg.progress, (cfg.warmup + cfg.duration).as_secs().max(1), "polling");
    tokio::time::sleep_until(from).await;
    let cpu_before = target.pid.and_then(cpu_of_tree);
    tokio::time::sleep_until(until).await;
    let cpu_after = target.pid.and_then(cpu_of_tree);
    progress.finish_and_clear();
    let mut case = Case {
        target: target.name.into(),
        expect_status: status,
        connections: cfg.connections,
        duration_s: cfg.duration.as_secs_f64(),
        ..Default::default()
    };
    let mut latency = Histogram::default();
    for (ok, wrong, errors, hist, bytes) in conns.join_all().await {
        case.requests += ok;
        case.wrong += wrong;
        case.errors += errors;
        latency.merge(&hist);
        case.response_bytes = case.response_bytes.or(bytes);
    }
    case.requests_per_s = case.requests as f64 / case.duration_s;
    case.latency_ms = Percentiles::from_ns(&latency);
    case.server_cpu_us_per_request = match (cpu_before, cpu_after) {
        (Some(a), Some(b)) if case.requests > 0 => Some((b - a) as f64 / case.requests as f64),
        _ => None,
    };
    tracing::info!(target = target.name, status, per_s = case.requests_per_s, "case done");
    Ok(case)
}

/// CPU time of `pid` and its direct children (nginx's workers), in microseconds.
fn cpu_of_tree(pid: u32) -> Option<u64> {
    let mut total = procfs::cpu_us(pid).ok()?;
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    for child in children.split_whitespace().filter_map(|c| c.parse().ok()) {
        total += procfs::cpu_us(child).unwrap_or(0);
    }
    Some(total)
}
