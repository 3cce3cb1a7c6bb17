//! Turns what the coordinator and its workers collected into a report: merged latencies, losses,
//! costs per connection and per delivery, and the list of problems that fail the run.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::load::LoadConfig;
use super::model::{
    ClientUsage, ConnectReport, DeliveryReport, EventReport, Release, RunReport, ServerUsage,
};
use super::target::{Posted, Prepared, Target};
use super::worker::protocol::{ConnectSummary, WorkerReport};
use crate::common::percentiles::Percentiles;
use crate::histogram::Histogram;

/// Everything measured during one run, before it is summed up.
#[derive(Default)]
pub struct Collected {
    pub workers: usize,
    pub sources: Vec<IpAddr>,
    pub connects: Vec<ConnectSummary>,
    pub connect_phase_s: f64,
    pub posted: Vec<Posted>,
    pub reports: Vec<WorkerReport>,
    pub complete: bool,
    pub drain_s: f64,
    pub event_phase_s: f64,
    pub server_rss_before_kib: Option<u64>,
    pub server_rss_after_kib: Option<u64>,
    pub server_cpu_us: Option<u64>,
    /// Server CPU time over the settle pause, and the pause's length.
    pub idle_cpu_us: Option<u64>,
    pub idle_s: f64,
    pub server_metrics: BTreeMap<String, f64>,
    pub kernel_tcp_connect: BTreeMap<String, i64>,
    pub kernel_tcp_events: BTreeMap<String, i64>,
    pub release: Option<Release>,
}

pub fn report(
    target: &Target<'_>,
    load: &LoadConfig,
    prepared: &Prepared,
    c: Collected,
) -> RunReport {
    let connect = connect_report(&c);
    let connected = connect.connected as u64;
    let mut problems = Vec::new();
    if connect.failed > 0 {
        problems
            .push(format!("{} of {} clients failed to connect", connect.failed, load.subscribers));
    }
    if let Some((lo, hi)) = connect.snapshot_seq {
        if lo != prepared.first_seq || hi != prepared.first_seq {
            problems.push(format!(
                "first snapshots had seq {lo}..={hi}, expected {}",
                prepared.first_seq
            ));
        }
    }

    if c.posted.len() < load.events {
        problems.push(format!(
            "only {} of {} events were posted before the measurement's deadline",
            c.posted.len(),
            load.events
        ));
    }
    let first_start = c.posted.first().map_or(0, |p| p.start_ns);
    let mut all = Histogram::default();
    let mut per_event = Vec::new();
    for (index, posted) in c.posted.iter().enumerate() {
        let mut latency = Histogram::default();
        let mut received = 0;
        let mut update_bytes = None;
        if let Some(seq) = posted.seq {
            for tally in c.reports.iter().flat_map(|r| &r.events).filter(|e| e.seq == seq) {
                latency.merge(&tally.latency_ns);
                received += tally.received;
                update_bytes = update_bytes.or(tally.update_bytes);
            }
            let expected_seq = prepared.first_seq + 1 + index as i64;
            if seq != expected_seq {
                problems.push(format!("event {index} got seq {seq}, expected {expected_seq}"));
            }
        } else {
            problems.push(format!("event {index} was refused with HTTP {}", posted.status));
        }
        all.merge(&latency);
        per_event.push(EventReport {
            index,
            seq: posted.seq,
            http_status: posted.status,
            post_ms: posted.post_ns as f64 / 1e6,
            at_s: posted.start_ns.saturating_sub(first_start) as f64 / 1e9,
            expected: if posted.seq.is_some() { connected } else { 0 },
            received,
            latency_ms: Percentiles::from_ns(&latency),
            complete_ms: posted.complete_ns.map(|ns| ns as f64 / 1e6),
            server_cpu_ms: posted.busy_cpu_ns.map(|ns| ns as f64 / 1e6),
            update_bytes,
        });
    }

    let delivery = delivery_report(&c, &per_event);
    if delivery.lost > 0 {
        problems.push(format!("{} of {} updates lost", delivery.lost, delivery.expected));
    }
    if delivery.duplicated > 0 {
        problems.push(format!("{} duplicated updates", delivery.duplicated));
    }
    if delivery.unexpected > 0 {
        problems
            .push(format!("{} updates with an unexpected sequence number", delivery.unexpected));
    }
    if let Some(release) = c.release.as_ref().filter(|r| r.connections_left > 0.0) {
        problems.push(format!(
            "the server still counted {} connections {:.1} s after the clients left",
            release.connections_left, release.waited_s
        ));
    }
    if delivery.closed_early > 0 {
        problems.push(format!("{} connections ended during the run", delivery.closed_early));
    }

    let server = server_usage(target, &c, connected, delivery.delivered, &per_event);
    let client = client_usage(&c, connected);
    RunReport {
        target: target.name().into(),
        servers: prepared.ws.iter().map(|w| w.addr.to_string()).collect(),
        subscribers: load.subscribers,
        events: load.events,
        interval_ms: load.interval.as_secs_f64() * 1e3,
        workers: c.workers,
        placement: load.placement.name().into(),
        source_ips: c.sources.iter().map(ToString::to_string).collect(),
        match_id: prepared.match_id,
        first_seq: prepared.first_seq,
        connect,
        latency_ms: Percentiles::from_ns(&all),
        latency_quantiles_ms: quantiles_ms(&all),
        sport: target.sport(load),
        update_bytes_mean: mean(per_event.iter().filter_map(|e| e.update_bytes)),
        per_event,
        delivery,
        server,
        client,
        server_metrics: c.server_metrics,
        kernel_tcp_connect: c.kernel_tcp_connect,
        kernel_tcp_events: c.kernel_tcp_events,
        release: c.release,
        passed: problems.is_empty(),
        problems,
    }
}

fn connect_report(c: &Collected) -> ConnectReport {
    let mut report = ConnectReport { phase_s: c.connect_phase_s, ..Default::default() };
    let mut times = Histogram::default();
    for summary in &c.connects {
        report.connected += summary.connected;
        report.failed += summary.failed;
        for (reason, n) in &summary.failures {
            *report.failures.entry(reason.clone()).or_default() += n;
        }
        times.merge(&summary.connect_ns);
        if let Some((lo, hi)) = summary.snapshot_seq {
            let (a, b) = report.snapshot_seq.unwrap_or((lo, hi));
            report.snapshot_seq = Some((a.min(lo), b.max(hi)));
        }
    }
    report.time_ms = Percentiles::from_ns(&times);
    report
}

fn delivery_report(c: &Collected, per_event: &[EventReport]) -> DeliveryReport {
    let mut d = DeliveryReport { complete: c.complete, drain_s: c.drain_s, ..Default::default() };
    d.expected = per_event.iter().map(|e| e.expected).sum();
    d.delivered = per_event.iter().map(|e| e.received).sum();
    d.lost = per_event.iter().map(|e| e.expected.saturating_sub(e.received)).sum();
    for r in &c.reports {
        d.duplicated += r.duplicates;
        d.gaps += r.gaps;
        d.resync_snapshots += r.resync_snapshots;
        d.unexpected += r.unexpected;
        d.closed_early += r.closed;
        d.pongs_sent += r.pongs_sent;
        for (reason, n) in &r.close_reasons {
            *d.close_reasons.entry(reason.clone()).or_default() += n;
        }
    }
    d
}

fn server_usage(
    target: &Target<'_>,
    c: &Collected,
    connected: u64,
    delivered: u64,
    per_event: &[EventReport],
) -> Option<ServerUsage> {
    let pids = target.pids();
    let pid = *pids.first()?;
    let (before, after) = c.server_rss_before_kib.zip(c.server_rss_after_kib)?;
    let cpu = c.server_cpu_us?;
    let measured: Vec<&EventReport> =
        per_event.iter().filter(|e| e.server_cpu_ms.is_some()).collect();
    let busy_us = (!measured.is_empty())
        .then(|| measured.iter().filter_map(|e| e.server_cpu_ms).sum::<f64>() * 1e3);
    let busy_deliveries: u64 = measured.iter().map(|e| e.received).sum();
    Some(ServerUsage {
        pid,
        pids,
        rss_before_kib: before,
        rss_after_kib: after,
        rss_per_conn_kib: per(after.saturating_sub(before) as f64, connected).unwrap_or(0.0),
        cpu_event_phase_us: cpu,
        event_phase_s: c.event_phase_s,
        cpu_per_delivery_us: per(cpu as f64, delivered),
        cpu_busy_us: busy_us,
        cpu_per_delivery_busy_us: busy_us.and_then(|us| per(us, busy_deliveries)),
        idle_cores: c.idle_cpu_us.filter(|_| c.idle_s > 0.0).map(|us| us as f64 / 1e6 / c.idle_s),
    })
}

fn client_usage(c: &Collected, connected: u64) -> ClientUsage {
    let before: u64 = c.connects.iter().map(|s| s.rss_before_kib).sum();
    let after: u64 = c.connects.iter().map(|s| s.rss_after_kib).sum();
    ClientUsage {
        rss_before_kib: before,
        rss_after_kib: after,
        rss_per_conn_kib: per(after.saturating_sub(before) as f64, connected),
        rss_end_kib: c.reports.iter().map(|r| r.rss_kib).sum(),
    }
}

/// The 0th to 100th percentile of `h`, in ms (empty when it holds nothing).
fn quantiles_ms(h: &Histogram) -> Vec<f64> {
    (0..=100).filter_map(|q| h.quantile(f64::from(q) / 100.0)).map(|ns| ns as f64 / 1e6).collect()
}

fn per(total: f64, n: u64) -> Option<f64> {
    (n > 0).then(|| total / n as f64)
}

/// The mean of `sizes`; `None` when there are none.
fn mean(sizes: impl Iterator<Item = u32>) -> Option<f64> {
    let (sum, n) = sizes.fold((0u64, 0u64), |(s, n), b| (s + u64::from(b), n + 1));
    (n > 0).then(|| sum as f64 / n as f64)
}
