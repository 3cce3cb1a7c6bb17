//! The soak coordinator: sets up the matches, starts the workers, then for `duration` posts an
//! event every `event_interval` (to the matches in turn) and samples the server's memory; at the
//! end tells the workers the last sequence numbers, collects their reports and judges.

use std::time::Duration;

use anyhow::Context;
use tokio::time::{sleep_until, Instant};

use super::model::{Deliveries, Events, Memory, Sample, Settings, SoakReport};
use super::pool::Pool;
use super::protocol::{Churn, Command, Event, Plan, Status, WorkerReport};
use super::SoakConfig;
use crate::common::meta::Meta;
use crate::common::scorecast::{event_body, Scorecast};
use crate::procfs;

/// Time every subscriber gets to connect the first time, on top of the connect timeout.
const CONNECT_WINDOW: Duration = Duration::from_secs(120);
/// Time for the workers' reports beyond the drain timeout.
const REPORT_GRACE: Duration = Duration::from_secs(30);
/// How often progress is logged.
const LOG_EVERY: Duration = Duration::from_secs(60);

pub(super) async fn run(
    cfg: &SoakConfig,
    scorecast: &Scorecast,
    http: &reqwest::Client,
) -> anyhow::Result<SoakReport> {
    let mut ids = Vec::new();
    let mut finals = Vec::new();
    for k in 0..cfg.matches {
        let live = scorecast.live_match(http, &format!("Soak {k}")).await?;
        ids.push(live.id);
        finals.push(live.seq);
    }
    let mut pool = Pool::start(&cfg.placement, plans(cfg, scorecast, &ids)).await?;
    let mut statuses = vec![Status::default(); pool.len()];
    wait_connected(cfg, &mut pool, &mut statuses).await?;
    tracing::info!(subscribers = cfg.subscribers, "soak: every subscriber connected; events begin");

    let mut events = Events::default();
    let mut problems = Vec::new();
    let mut samples = Vec::new();
    let start = Instant::now();
    let end = start + cfg.duration;
    let (mut next_event, mut next_sample, mut next_log) =
        (start + cfg.event_interval, start, start);
    while Instant::now() < end {
        tokio::select! {
            () = sleep_until(next_event.min(end)) => {
                if Instant::now() >= end {
                    break;
                }
                next_event += cfg.event_interval;
                let k = events.posted as usize % ids.len();
                let minute = (start.elapsed().as_secs_f64() / cfg.duration.as_secs_f64() * 90.0) as u64;
                let body = event_body(events.posted, minute + 1);
                events.posted += 1;
                match scorecast.post_event(http, ids[k], body).await {
                    Ok(stored) => finals[k] = stored["seq"].as_i64().unwrap_or(finals[k]).max(finals[k]),
                    Err(e) => {
                        events.failed += 1;
                        if events.failed <= 5 {
                            problems.push(format!("a post to match {} failed: {e:#}", ids[k]));
                        }
                    }
                }
            }
            () = sleep_until(next_sample) => {
                next_sample += cfg.sample_interval;
                if let Some(sample) = sample(scorecast, start, &statuses) {
                    samples.push(sample);
                }
                if Instant::now() >= next_log {
                    next_log += LOG_EVERY;
                    let last = samples.last();
                    tracing::info!(
                        elapsed_s = start.elapsed().as_secs(),
                        posted = events.posted,
                        rss_kib = last.map(|s| s.rss_kib),
                        anon_kib = last.and_then(|s| s.anon_kib),
                        connected = last.map(|s| s.connected),
                        "soak"
                    );
                }
            }
            event = pool.next(end) => {
                if let Some((w, Event::Status(status))) = event? {
                    statuses[w] = status;
                }
            }
        }
    }
    let duration_s = start.elapsed().as_secs_f64();

    let drain_ms = cfg.drain_timeout.as_millis() as u64;
    pool.send_all(&Command::Finish { finals: finals.clone(), drain_ms })?;
    let reports =
        collect(&mut pool, cfg.drain_timeout + cfg.connect_timeout + REPORT_GRACE).await?;
    pool.stop().await;
    if let Some(last) = sample(scorecast, start, &statuses) {
        samples.push(last);
    }
    events.finals = ids.iter().copied().zip(finals).collect();
    let memory = Memory::judge(samples, cfg.warmup.as_secs_f64(), cfg.memory_tolerance_pct);
    Ok(judge(cfg, duration_s, events, memory, &reports, problems))
}

/// Each worker's share of the subscribers, churn and connects.
fn plans(cfg: &SoakConfig, scorecast: &Scorecast, ids: &[i64]) -> Vec<Plan> {
    let workers = cfg.workers;
    (0..workers)
        .map(|w| {
            let clients = cfg.subscribers / workers + usize::from(w < cfg.subscribers % workers);
            let share = clients as f64 / cfg.subscribers as f64;
            Plan {
                addr: scorecast.addr,
                host: scorecast.host(),
                matches: ids.to_vec(),
                clients,
                concurrency: cfg.connect_concurrency.div_ceil(workers),
                churn_per_sec: cfg.churn_per_sec * share,
                slow_pause_ms: (
                    cfg.slow_pause.0.as_millis() as u64,
                    cfg.slow_pause.1.as_millis() as u64,
                ),
                reconnect_jitter_ms: cfg.reconnect_jitter.as_millis() as u64,
                recv_buffer_bytes: cfg.recv_buffer_bytes,
                connect_timeout_ms: cfg.connect_timeout.as_millis() as u64,
                seed: cfg.seed.wrapping_mul(7919).wrapping_add(w as u64),
            }
        })
        .collect()
}

/// Waits until the workers say every subscriber is connected.
async fn wait_connected(
    cfg: &SoakConfig,
    pool: &mut Pool,
    statuses: &mut [Status],
) -> anyhow::Result<()> {
    let deadline = Instant::now() + cfg.connect_timeout + CONNECT_WINDOW;
    while statuses.iter().map(|s| s.connected).sum::<usize>() < cfg.subscribers {
        let event = pool.next(deadline).await?;
        let (w, event) = event.with_context(|| {
            let connected: usize = statuses.iter().map(|s| s.connected).sum();
            format!("only {connected} of {} subscribers connected in time", cfg.subscribers)
        })?;
        if let Event::Status(status) = event {
            statuses[w] = status;
        }
    }
    Ok(())
}

fn sample(scorecast: &Scorecast, start: Instant, statuses: &[Status]) -> Option<Sample> {
    let pid = scorecast.pid?;
    let rss_kib = procfs::rss_kib(pid).ok()?;
    Some(Sample {
        t_s: start.elapsed().as_secs_f64(),
        rss_kib,
        anon_kib: procfs::rss_anon_kib(pid).ok(),
        connected: statuses.iter().map(|s| s.connected).sum(),
        paused: statuses.iter().map(|s| s.paused).sum(),
    })
}

/// Every worker's report, by `within`.
async fn collect(pool: &mut Pool, within: Duration) -> anyhow::Result<Vec<WorkerReport>> {
    let deadline = Instant::now() + within;
    let mut reports: Vec<Option<WorkerReport>> = vec![None; pool.len()];
    while reports.iter().any(Option::is_none) {
        match pool.next(deadline).await? {
            Some((w, Event::Report(report))) => reports[w] = Some(report),
            Some(_) => {}
            None => anyhow::bail!("the soak workers did not report within {within:?}"),
        }
    }
    Ok(reports.into_iter().flatten().collect())
}

fn judge(
    cfg: &SoakConfig,
    duration_s: f64,
    events: Events,
    memory: Memory,
    reports: &[WorkerReport],
    mut problems: Vec<String>,
) -> SoakReport {
    let mut deliveries = Deliveries::default();
    let mut churn = Churn::default();
    for r in reports {
        deliveries.counts.add(&r.counts);
        deliveries.behind_at_end += r.behind_at_end;
        deliveries.clients_behind += r.clients_behind;
        churn.add(&r.churn);
    }
    let c = &deliveries.counts;
    match memory.flat {
        Some(true) => {}
        Some(false) => problems.push(format!(
            "server memory ({}) changed by {:+.1}% after warm-up (tolerance {}%)",
            memory.measure,
            memory.change_pct.unwrap_or_default(),
            cfg.memory_tolerance_pct
        )),
        None => problems.push(
            "server memory was not judged: too few samples after warm-up, or no local server \
             pid (give --server-pid)"
                .into(),
        ),
    }
    if deliveries.lost() > 0 || deliveries.clients_behind > 0 {
        problems.push(format!(
            "{} updates lost ({} in gaps, {} missing at the end); {} clients had not caught up",
            deliveries.lost(),
            c.lost,
            deliveries.behind_at_end,
            deliveries.clients_behind
        ));
    }
    if c.duplicates > 0 || c.regressions > 0 || c.bad_markers > 0 {
        problems.push(format!(
            "{} duplicated updates, {} sequence regressions, {} wrong resume markers",
            c.duplicates, c.regressions, c.bad_markers
        ));
    }
    if churn.abandoned > 0 {
        problems.push(format!("{} clients could not reconnect and gave up", churn.abandoned));
    }
    if events.posted == 0 {
        problems.push("no event was posted: the duration is shorter than --event-interval".into());
    }
    SoakReport {
        meta: Meta::start("soak"),
        passed: problems.is_empty(),
        problems,
        settings: settings(cfg, duration_s),
        events,
        memory,
        deliveries,
        churn,
        workers_rss_kib: reports.iter().map(|r| r.rss_kib).sum(),
    }
}

fn settings(cfg: &SoakConfig, duration_s: f64) -> Settings {
    Settings {
        duration_s,
        subscribers: cfg.subscribers,
        matches: cfg.matches,
        event_interval_ms: cfg.event_interval.as_millis() as u64,
        churn_per_sec: cfg.churn_per_sec,
        slow_pause_ms: (cfg.slow_pause.0.as_millis() as u64, cfg.slow_pause.1.as_millis() as u64),
        reconnect_jitter_ms: cfg.reconnect_jitter.as_millis() as u64,
        recv_buffer_bytes: cfg.recv_buffer_bytes,
        warmup_s: cfg.warmup.as_secs_f64(),
        sample_interval_s: cfg.sample_interval.as_secs_f64(),
        memory_tolerance_pct: cfg.memory_tolerance_pct,
        drain_timeout_s: cfg.drain_timeout.as_secs_f64(),
        workers: cfg.workers,
        seed: cfg.seed,
        server_args: cfg.server.server_args.clone(),
    }
}
