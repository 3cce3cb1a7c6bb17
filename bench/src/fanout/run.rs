//! One measured fan-out against a target: connect the clients, post the events, wait for every
//! update, collect the workers' tallies. The phases, in order, are the functions below.

use std::time::Duration;

use anyhow::Context;
use tokio::sync::watch;
use tokio::time::Instant;

use super::aggregate::{self, Collected};
use super::load::LoadConfig;
use super::model::{Release, RunReport};
use super::pool::Pool;
use super::target::{Posted, Prepared, Target};
use super::worker::protocol::{Command, ConnectPlan, Event, Reconnect};
use crate::clock::now_ns;
use crate::common::progress::bar;
use crate::procfs;

/// How often the coordinator asks whether every update has arrived.
pub(crate) const DRAIN_POLL: Duration = Duration::from_millis(100);
/// Time the workers get to answer a status or report request.
pub(crate) const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// scorecast's gauge of open WebSockets.
const CONNECTIONS_GAUGE: &str = "scorecast_ws_connections";
/// How long the server gets to notice that the clients left: this, and `RELEASE_PER_100K` more
/// per 100,000 connections (a million EOFs take the nodes ~15 s of both cores; stopped before,
/// they would write their close frames to the dead sockets, a page of tcp_mem each).
const RELEASE_TIMEOUT: Duration = Duration::from_secs(10);
const RELEASE_PER_100K: Duration = Duration::from_secs(6);

/// Where a fan-out is, told to work that runs beside it (the million run's side match posts
/// while the events are fanned out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Setting up, connecting, idle.
    Before,
    /// From just before the first event is posted until every update arrived (or the drain
    /// timed out): the window the server's CPU per delivery is measured over.
    Events,
    Over,
}

/// Runs the fan-out of `load` against `target` and reports it.
pub async fn run(
    target: &Target<'_>,
    load: &LoadConfig,
    http: &reqwest::Client,
) -> anyhow::Result<RunReport> {
    run_staged(target, load, http, None).await
}

/// `run`, telling `stage` when the event phase starts and ends.
pub async fn run_staged(
    target: &Target<'_>,
    load: &LoadConfig,
    http: &reqwest::Client,
    stage: Option<&watch::Sender<Stage>>,
) -> anyhow::Result<RunReport> {
    let prepared = target
        .prepare_sport(http, load.sport)
        .await
        .with_context(|| format!("setting up {}", target.name()))?;
    let metrics_before = target.ws_metrics(http).await;
    let mut pool = Pool::start(&load.placement, load.worker_count(), load.client_priority).await?;
    let driven = drive(target, load, http, &prepared, &mut pool, stage);
    let result = match load.measure_by {
        Some(by) => tokio::time::timeout_at(by, driven).await.unwrap_or_else(|_| {
            Err(anyhow::anyhow!("the measurement did not end by its deadline (--time-limit)"))
        }),
        None => driven.await,
    };
    // Read while the clients are still connected, so gauges show the load.
    let metrics_after = target.ws_metrics(http).await;
    pool.stop().await;
    let mut collected = result?;
    let connected: usize = collected.connects.iter().map(|c| c.connected).sum();
    collected.server_metrics = metrics_after
        .iter()
        .map(|(name, after)| {
            (name.clone(), after - metrics_before.get(name).copied().unwrap_or(0.0))
        })
        .collect();
    let baseline = metrics_before.get(CONNECTIONS_GAUGE).copied().unwrap_or(0.0);
    let patience = RELEASE_TIMEOUT + RELEASE_PER_100K.mul_f64(connected as f64 / 100_000.0);
    collected.release = released(target, http, baseline, patience).await;
    Ok(aggregate::report(target, load, &prepared, collected))
}

async fn drive(
    target: &Target<'_>,
    load: &LoadConfig,
    http: &reqwest::Client,
    prepared: &Prepared,
    pool: &mut Pool,
    stage: Option<&watch::Sender<Stage>>,
) -> anyhow::Result<Collected> {
    let tell = |now: Stage| stage.map(|s| s.send_replace(now));
    let pids = target.pids();
    let mut collected = Collected {
        workers: pool.len(),
        sources: load.sources(prepared.ws.len()),
        server_rss_before_kib: procfs::sum_over(&pids, procfs::rss_kib),
        ..Default::default()
    };
    let tcp_before = procfs::tcp_counters();
    connect(load, prepared, pool, &mut collected).await?;
    let tcp_connected = procfs::tcp_counters();
    collected.kernel_tcp_connect = procfs::counter_deltas(&tcp_before, &tcp_connected);
    tokio::time::sleep(load.idle_after).await;
    let idle_cpu_before = procfs::sum_over(&pids, procfs::cpu_us);
    let idle_start = Instant::now();
    tokio::time::sleep(load.settle).await;
    collected.idle_s = idle_start.elapsed().as_secs_f64();
    let idle_cpu_after = procfs::sum_over(&pids, procfs::cpu_us);
    collected.idle_cpu_us = idle_cpu_before.zip(idle_cpu_after).map(|(a, b)| b.saturating_sub(a));
    collected.server_rss_after_kib = procfs::sum_over(&pids, procfs::rss_kib);

    let cpu_before = procfs::sum_over(&pids, procfs::cpu_us);
    let phase_start = Instant::now();
    tell(Stage::Events);
    let busy: Vec<bool> = collected.connects.iter().map(|c| c.connected > 0).collect();
    post_events(target, load, http, prepared.match_id, pool, &busy, &mut collected.posted).await?;
    let last_post = Instant::now();
    let connected: u64 = collected.connects.iter().map(|c| c.connected as u64).sum();
    let accepted = collected.posted.iter().filter(|p| p.seq.is_some()).count() as u64;
    collected.complete =
        drain(pool, connected * accepted, load.drain_timeout, reports_by(load)).await?;
    collected.drain_s = last_post.elapsed().as_secs_f64();
    collected.event_phase_s = phase_start.elapsed().as_secs_f64();
    let cpu_after = procfs::sum_over(&pids, procfs::cpu_us);
    tell(Stage::Over);
    collected.kernel_tcp_events = procfs::counter_deltas(&tcp_connected, &procfs::tcp_counters());
    collected.server_cpu_us = cpu_before.zip(cpu_after).map(|(a, b)| b.saturating_sub(a));

    let starts: Vec<(i64, u64)> =
        collected.posted.iter().filter_map(|p| p.seq.map(|seq| (seq, p.start_ns))).collect();
    let last_seq = starts.last().map_or(prepared.first_seq, |s| s.0);
    let report = Command::Report { first_seq: prepared.first_seq, last_seq, starts };
    collected.reports = pool
        .ask_all(report, ANSWER_TIMEOUT, |e| match e {
            Event::Report(r) => Some(r),
            _ => None,
        })
        .await?;
    Ok(collected)
}

/// After the clients left: waits until the server's connection gauge is back to `baseline`, or
/// `patience`; returns the connections it still counts and the time waited (scorecast only).
async fn released(
    target: &Target<'_>,
    http: &reqwest::Client,
    baseline: f64,
    patience: Duration,
) -> Option<Release> {
    let start = Instant::now();
    loop {
        let open = target.ws_metrics(http).await.get(CONNECTIONS_GAUGE).copied()?;
        let left = open - baseline;
        if left <= 0.0 || start.elapsed() >= patience {
            return Some(Release {
                connections_left: left,
                waited_s: start.elapsed().as_secs_f64(),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Hands each worker its share of the clients and follows their progress until all are connected
/// or have failed.
pub(crate) async fn connect(
    load: &LoadConfig,
    prepared: &Prepared,
    pool: &mut Pool,
    out: &mut Collected,
) -> anyhow::Result<()> {
    let workers = pool.len();
    let n = load.subscribers;
    let bar = bar(load.progress, n as u64, "connecting");
    let started = Instant::now();
    for w in 0..workers {
        let (source_ips, per_source) = match load.source_per_worker {
            true => (vec![out.sources[w]], usize::MAX),
            false => (out.sources.clone(), load.per_source),
        };
        let plan = ConnectPlan {
            targets: prepared.ws.clone(),
            source_ips,
            per_source,
            first: w,
            step: workers,
            count: n / workers + usize::from(w < n % workers),
            concurrency: load.connect_concurrency.div_ceil(workers),
            rate_per_sec: load.connect_rate.map(|r| f64::from(r) / workers as f64),
            timeout_ms: load.connect_timeout.as_millis() as u64,
            reconnect: load.reconnect_jitter.map(|jitter| Reconnect {
                match_id: prepared.match_id,
                jitter_ms: jitter.as_millis() as u64,
            }),
        };
        pool.send(w, Command::Connect(plan))?;
    }
    let mut progress = vec![0usize; workers];
    let mut done = vec![None; workers];
    // Each worker reports at least every 250 ms while it connects, and each client gives up after
    // `connect_timeout`: silence beyond that means a worker is stuck.
    let silence = load.connect_timeout + Duration::from_secs(10);
    while done.iter().any(Option::is_none) {
        let (w, event) = pool.next(Instant::now() + silence).await?;
        match event {
            Event::Progress { connected, failed } => progress[w] = connected + failed,
            Event::Connected(summary) => {
                progress[w] = summary.connected + summary.failed;
                done[w] = Some(summary);
            }
            _ => {}
        }
        bar.set_position(progress.iter().sum::<usize>() as u64);
    }
    out.connect_phase_s = started.elapsed().as_secs_f64();
    out.connects = done.into_iter().flatten().collect();
    let failed: usize = out.connects.iter().map(|c| c.failed).sum();
    bar.finish_with_message(format!("connected ({failed} failed)"));
    Ok(())
}

/// Posts the events `load.interval` apart: on a fixed schedule from the first, or with
/// `load.sequential` each once the one before has reached everyone. Between posts it waits for the
/// workers with clients (`busy`) to say every client has the update, and notes the server's CPU
/// time over that window.
async fn post_events(
    target: &Target<'_>,
    load: &LoadConfig,
    http: &reqwest::Client,
    match_id: i64,
    pool: &mut Pool,
    busy: &[bool],
    out: &mut Vec<Posted>,
) -> anyhow::Result<()> {
    let bar = bar(load.progress, load.events as u64, "posting events");
    let pids = target.pids();
    let first = Instant::now();
    let mut next_at = first;
    // How long the last event took to reach everyone: the room the next one needs.
    let mut last_took = Duration::ZERO;
    for index in 0..load.events {
        tokio::time::sleep_until(next_at).await;
        if let Some(by) = reports_by(load) {
            if Instant::now() + last_took.max(load.interval) > by {
                tracing::warn!(posted = index, "no room for more events before the deadline");
                break;
            }
        }
        let posted_at = Instant::now();
        next_at = match load.sequential {
            true => posted_at + load.interval,
            false => first + load.interval * (index as u32 + 1),
        };
        let cpu_before = procfs::sum_over(&pids, procfs::cpu_ns_precise);
        let mut posted = target.post_sport_event(http, match_id, index, load.sport).await?;
        if !(200..300).contains(&posted.status) {
            tracing::warn!(status = posted.status, index, "event refused");
            posted.seq = None;
        }
        if let Some(seq) = posted.seq {
            let until = match index + 1 < load.events && !load.sequential {
                true => next_at,
                false => Instant::now() + load.drain_timeout,
            };
            let until = reports_by(load).map_or(until, |by| until.min(by));
            let complete = wait_complete(pool, busy, seq, until).await?;
            last_took = posted_at.elapsed();
            if complete {
                posted.complete_ns = Some(now_ns() - posted.start_ns);
                let cpu_after = procfs::sum_over(&pids, procfs::cpu_ns_precise);
                posted.busy_cpu_ns = cpu_before.zip(cpu_after).map(|(a, b)| b.saturating_sub(a));
            }
        }
        out.push(posted);
        bar.inc(1);
    }
    bar.finish_with_message("events posted");
    Ok(())
}

/// When the waiting for updates must end, so that the workers' reports still come in before
/// `load.measure_by`.
pub(crate) fn reports_by(load: &LoadConfig) -> Option<Instant> {
    load.measure_by.map(|by| by - ANSWER_TIMEOUT)
}

/// Waits until every busy worker reported update `seq` complete, or `until`.
async fn wait_complete(
    pool: &mut Pool,
    busy: &[bool],
    seq: i64,
    until: Instant,
) -> anyhow::Result<bool> {
    let mut waiting: Vec<bool> = busy.to_vec();
    while waiting.iter().any(|w| *w) {
        match pool.next(until).await {
            Ok((w, Event::Complete { seq: done })) if done == seq => waiting[w] = false,
            Ok(_) => {}
            Err(_) if Instant::now() >= until => return Ok(false),
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// Waits until the workers have received `expected` updates, or `timeout` has passed since the
/// last post; returns whether everything arrived.
pub(crate) async fn drain(
    pool: &mut Pool,
    expected: u64,
    timeout: Duration,
    by: Option<Instant>,
) -> anyhow::Result<bool> {
    let deadline = Instant::now() + timeout;
    let deadline = by.map_or(deadline, |by| deadline.min(by));
    loop {
        let statuses = pool
            .ask_all(Command::Status, ANSWER_TIMEOUT, |e| match e {
                Event::Status(s) => Some(s),
                _ => None,
            })
            .await?;
        let delivered: u64 = statuses.iter().map(|s| s.delivered).sum();
        if delivered >= expected {
            return Ok(true);
        }
        if Instant::now() >= deadline {
            tracing::warn!(
                delivered,
                expected,
                "not every update arrived before the drain timeout"
            );
            return Ok(false);
        }
        tokio::time::sleep(DRAIN_POLL).await;
    }
}
