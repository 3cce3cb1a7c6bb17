//! The `bandwidth` subcommand: what following one match costs in bytes, by polling (plain and with
//! `If-None-Match`) and by WebSocket, measured by the kernel on every client socket and scaled to
//! 1,000,000 users beside the README's reference figures.
//!
//! All three groups follow the same match at the same time, so they see the same events: one
//! every `mean_event_interval` on average (exponential gaps from a seeded generator). Time may be
//! compressed by `speedup`: every poll and every event still happens, so byte counts per request
//! and per update are exact; only the server's heartbeats (in real time: see
//! `--ws-heartbeat-secs` and `--ws-slow-consumer-secs`) and the kernel's ACK timing do not scale,
//! nor do the server's audience messages (`--watching-interval-secs`).
//!
//! With churn (`churn_per_min`), subscribers leave and are replaced while the match is followed
//! (`churn.rs`); each subscriber counts the audience messages it reads apart from the updates, so
//! the report says what share of its bytes the audience messages are.

pub mod churn;
pub mod clients;
pub mod markdown;
pub mod model;
mod subscriber;
pub mod svg;

use std::time::Duration;

use anyhow::{bail, Context};
use rand::{Rng, SeedableRng};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::common::meta::Meta;
use crate::common::percentiles::ratio;
use crate::common::progress::bar;
use crate::common::runner;
use crate::common::scorecast::{event_body, Scorecast, ServerConfig};
use crate::net::http1::{self, HttpConn};
use crate::procfs;
use clients::{Outcome, Window};
use model::{AudienceShare, BandwidthReport, Events, Group, Setup, SnapshotSizes};

/// Most clients of all groups together (pollers count twice: plain and conditional): this
/// process's 20,000 open files, less room for its own. The server holds as many sockets, within
/// its own 20,000 (spawned with `--ws-max-connections 19500`).
pub const MAX_CLIENTS: usize = 19_000;

#[derive(Debug, Clone)]
pub struct BandwidthConfig {
    pub server: ServerConfig,
    /// Clients in each polling group (plain, and with `If-None-Match`).
    pub pollers: usize,
    pub subscribers: usize,
    /// Simulated match time followed.
    pub duration: Duration,
    /// Simulated seconds per real second.
    pub speedup: f64,
    pub poll_interval: Duration,
    pub mean_event_interval: Duration,
    pub seed: u64,
    /// Percent of the subscribers leaving per simulated minute, each replaced at once.
    pub churn_per_min: f64,
    pub progress: bool,
}

impl BandwidthConfig {
    pub fn new(
        server: ServerConfig,
        pollers: usize,
        subscribers: usize,
        duration: Duration,
    ) -> Self {
        Self {
            server,
            pollers,
            subscribers,
            duration,
            speedup: 1.0,
            poll_interval: Duration::from_secs(5),
            mean_event_interval: Duration::from_secs(10),
            seed: 1,
            churn_per_min: 0.0,
            progress: false,
        }
    }
}

pub async fn run_bandwidth(cfg: BandwidthConfig) -> anyhow::Result<BandwidthReport> {
    if 2 * cfg.pollers + cfg.subscribers > MAX_CLIENTS {
        bail!("at most {MAX_CLIENTS} clients: 2 × pollers + subscribers (open-file limit)");
    }
    if !(0.0..=100.0).contains(&cfg.churn_per_min) {
        bail!("the churn is a percentage of the subscribers per minute, from 0 to 100");
    }
    if cfg.speedup < 1.0 || cfg.duration.is_zero() || cfg.poll_interval.is_zero() {
        bail!("the speedup must be at least 1, the duration and poll interval above zero");
    }
    runner::run_report(&cfg.server, None, async |server, http| measure(server, &cfg, http).await)
        .await
}

async fn measure(
    server: &Scorecast,
    cfg: &BandwidthConfig,
    http: &reqwest::Client,
) -> anyhow::Result<BandwidthReport> {
    let id = server.live_match(http, "Bandwidth").await?.id;
    let path = format!("/api/v1/matches/{id}");
    let (start_bytes, start_events) = snapshot_size(server, &path).await?;
    let real = |simulated: Duration| simulated.div_f64(cfg.speedup);

    let (ready_tx, mut ready_rx) = mpsc::channel(1024);
    let (go_tx, go_rx) = watch::channel(None);
    let mut tasks: Vec<JoinSet<Outcome>> = (0..3).map(|_| JoinSet::new()).collect();
    for (group, conditional) in [(0, false), (1, true)] {
        for i in 0..cfg.pollers {
            // Polls are spread evenly over the interval, as independent users' would be.
            let offset = real(cfg.poll_interval.mul_f64(i as f64 / cfg.pollers as f64));
            tasks[group].spawn(clients::poller(
                server.addr,
                path.clone(),
                conditional,
                offset,
                real(cfg.poll_interval),
                ready_tx.clone(),
                go_rx.clone(),
            ));
        }
    }
    let slots = churn::schedule(cfg.subscribers, cfg.churn_per_min, cfg.duration, cfg.seed);
    let total = 2 * cfg.pollers + slots.len();
    let joining = std::sync::Arc::new(tokio::sync::Semaphore::new(subscriber::JOINS_IN_FLIGHT));
    for slot in slots {
        let ws_path = format!("/ws?matches={id}");
        tasks[2].spawn(subscriber::subscriber(
            server.addr,
            ws_path,
            slot,
            cfg.speedup,
            joining.clone(),
            ready_tx.clone(),
            go_rx.clone(),
        ));
    }
    drop(ready_tx);
    let connecting = bar(cfg.progress, total as u64, "connecting");
    let mut connected = 0;
    // Each client says once whether it is connected (and keeps its sender until it ends).
    for _ in 0..total {
        let Some(ok) = ready_rx.recv().await else { break };
        connected += usize::from(ok);
        connecting.inc(1);
    }
    connecting.finish_and_clear();
    tracing::info!(connected, of = total, "clients ready");

    let start = Instant::now() + Duration::from_millis(200);
    let window = Window { start, end: start + real(cfg.duration) };
    go_tx.send_replace(Some(window));
    let (events, server_cpu_s) =
        tokio::join!(post_events(server, http, id, cfg, window), server_cpu(server.pid, window));
    let events = events?;

    let mut outcomes = Vec::new();
    for set in tasks {
        outcomes.push(set.join_all().await);
    }
    let (end_bytes, end_events) = snapshot_size(server, &path).await?;
    let duration_s = cfg.duration.as_secs_f64();
    let mut problems = Vec::new();
    let names = ["polling", "polling + If-None-Match", "websocket"];
    let groups: Vec<Group> = outcomes
        .iter()
        .zip(names)
        .map(|(outs, name)| summarize(name, outs, &events, duration_s, &mut problems))
        .collect();
    let plain_200: u64 = outcomes[0].iter().map(|o| o.ok_200).sum();
    let plain_body: u64 = outcomes[0].iter().map(|o| o.body_bytes_200).sum();
    if events.accepted != events.posted {
        problems.push(format!(
            "{} of {} events were refused",
            events.posted - events.accepted,
            events.posted
        ));
    }
    let down = |g: &Group| Some(g.at_1m_users.down_mb_s);
    let wire = |g: &Group| Some(g.at_1m_users.wire_total_mb_s);
    let (plain, conditional, ws) = (&groups[0], &groups[1], &groups[2]);
    let live = |g: &Group| g.users > 0;
    let audience = AudienceShare::of(ws, duration_s);
    Ok(BandwidthReport {
        meta: Meta::start("bandwidth"),
        setup: Setup {
            server: server.url.to_string(),
            match_id: id,
            pollers: cfg.pollers,
            subscribers: cfg.subscribers,
            duration_s,
            speedup: cfg.speedup,
            poll_interval_s: cfg.poll_interval.as_secs_f64(),
            mean_event_interval_s: cfg.mean_event_interval.as_secs_f64(),
            seed: cfg.seed,
            churn_per_min: cfg.churn_per_min,
        },
        snapshot: SnapshotSizes {
            start_bytes,
            start_events,
            end_bytes,
            end_events,
            mean_polled_body_bytes: (plain_200 > 0).then(|| plain_body as f64 / plain_200 as f64),
        },
        ratio_poll_to_ws: ratio(down(plain).filter(|_| live(plain)), down(ws).filter(|_| live(ws))),
        ratio_conditional_poll_to_ws: ratio(
            down(conditional).filter(|_| live(conditional)),
            down(ws).filter(|_| live(ws)),
        ),
        ratio_poll_to_ws_wire: ratio(
            wire(plain).filter(|_| live(plain)),
            wire(ws).filter(|_| live(ws)),
        ),
        ratio_conditional_poll_to_ws_wire: ratio(
            wire(conditional).filter(|_| live(conditional)),
            wire(ws).filter(|_| live(ws)),
        ),
        audience,
        server_cpu_s,
        passed: problems.is_empty(),
        problems,
        events,
        groups,
    })
}

/// Posts the seeded random events at their simulated times; returns what was posted.
async fn post_events(
    server: &Scorecast,
    http: &reqwest::Client,
    id: i64,
    cfg: &BandwidthConfig,
    window: Window,
) -> anyhow::Result<Events> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(cfg.seed);
    let mean = cfg.mean_event_interval.as_secs_f64();
    let duration = cfg.duration.as_secs_f64();
    let mut times = Vec::new();
    let mut t = 0.0;
    loop {
        // Exponential gaps: events as a Poisson process with the given mean interval.
        t += -mean * (1.0 - rng.random::<f64>()).ln();
        if t >= duration {
            break;
        }
        times.push(t);
    }
    let progress = bar(cfg.progress, duration.ceil() as u64, "simulated s");
    let mut events = Events::default();
    for &at in &times {
        tokio::time::sleep_until(window.start + Duration::from_secs_f64(at / cfg.speedup)).await;
        progress.set_position(at as u64);
        let body = event_body(rng.random(), 1 + (at / 60.0) as u64);
        events.posted += 1;
        events.at_s.push(at);
        match server.post_event(http, id, body).await {
            Ok(stored) => {
                events.accepted += 1;
                events.seqs.extend(stored["seq"].as_i64());
            }
            Err(e) => tracing::warn!(error = %e, "an event was refused"),
        }
    }
    tokio::time::sleep_until(window.end).await;
    progress.finish_and_clear();
    Ok(events)
}

/// CPU seconds the server process (`pid`) spent over the window; `None` without a pid.
async fn server_cpu(pid: Option<u32>, window: Window) -> Option<f64> {
    let pid = pid?;
    tokio::time::sleep_until(window.start).await;
    let start = procfs::cpu_us(pid).ok()?;
    tokio::time::sleep_until(window.end).await;
    let end = procfs::cpu_us(pid).ok()?;
    Some(end.saturating_sub(start) as f64 / 1e6)
}

/// Body bytes of the snapshot and how many events it carries.
async fn snapshot_size(server: &Scorecast, path: &str) -> anyhow::Result<(usize, usize)> {
    let mut conn = HttpConn::connect(server.addr).await.context("connecting for the snapshot")?;
    let response = conn.request(&http1::get(&server.host(), path, None), true).await?;
    let body = response.body.unwrap_or_default();
    let json: serde_json::Value =
        serde_json::from_slice(&body).context("the snapshot is not JSON")?;
    Ok((body.len(), json["events"].as_array().map_or(0, Vec::len)))
}

/// Sums one group's clients and checks them: every poll answered, every update delivered once.
fn summarize(
    method: &str,
    outcomes: &[Outcome],
    events: &Events,
    duration_s: f64,
    problems: &mut Vec<String>,
) -> Group {
    let mut g = Group { method: method.into(), users: outcomes.len(), ..Default::default() };
    for o in outcomes {
        g.connected += usize::from(o.connected);
        g.join.add(&o.join);
        g.steady.add(&o.steady);
        g.app_sent += o.app_sent;
        g.app_received += o.app_received;
        g.requests += o.requests;
        g.ok_200 += o.ok_200;
        g.not_modified_304 += o.not_modified_304;
        g.failed += o.failed;
        g.pings_answered += o.pings;
        g.reconnects += o.reconnects;
        g.audience.sum(&o.audience);
        g.updates.sum(&o.updates);
        g.control_bytes += o.control_bytes;
        g.told += usize::from(o.audience.messages > 0);
        g.left += u64::from(o.left);
        g.joined_late += u64::from(o.joined_late);
        g.late_join.add(&o.late_join);
        g.mean_users += o.subscribed;
        if method == "websocket" && o.connected {
            let mut seen = std::collections::BTreeSet::new();
            for s in &o.seqs {
                if !seen.insert(*s) {
                    g.duplicated += 1;
                }
            }
            // Every update after its snapshot; one that left, every one up to the last it read
            // (those committed as it left may rightly never reach it).
            let from = o.from_seq.unwrap_or(i64::MIN);
            let last = if o.left { seen.last().copied().unwrap_or(from) } else { i64::MAX };
            let expected: Vec<i64> =
                events.seqs.iter().copied().filter(|s| *s > from && *s <= last).collect();
            let received = expected.iter().filter(|s| seen.contains(s)).count() as u64;
            g.updates_expected += expected.len() as u64;
            g.updates_received += received;
            g.lost += expected.len() as u64 - received;
        }
    }
    let errors: Vec<&str> = outcomes.iter().filter_map(|o| o.error.as_deref()).collect();
    if g.connected < g.users {
        problems.push(format!(
            "{method}: {} of {} clients failed to connect",
            g.users - g.connected,
            g.users
        ));
    }
    if g.failed > 0 || g.lost > 0 || g.duplicated > 0 || g.reconnects > 0 {
        problems.push(format!(
            "{method}: {} failed polls, {} connections closed by the server, {} lost and {} \
             duplicated updates (first error: {:?})",
            g.failed,
            g.reconnects,
            g.lost,
            g.duplicated,
            errors.first()
        ));
    }
    g.compute_rates(duration_s);
    g
}
