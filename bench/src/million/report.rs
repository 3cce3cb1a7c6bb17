//! The `million` report put together: the full run's figures at the top level, under the names
//! the issues ask for, from its phases and the sampler's readings.

use std::collections::BTreeMap;

use super::model::{FloorComparison, MillionReport, Phase};
use super::sampler::{self, Peak};
use super::MillionConfig;
use crate::common::meta::Meta;
use crate::fanout::model::Ratios;

/// The floor and scorecast phases at the same subscriber count, as ratios.
fn floor_comparison(phases: &[Phase]) -> Option<FloorComparison> {
    let floor = phases.iter().find(|p| p.name == "floor")?;
    let product =
        phases.iter().find(|p| p.name == "scorecast" && p.subscribers == floor.subscribers)?;
    Some(FloorComparison {
        subscribers: floor.subscribers,
        floor_processes: floor.servers,
        scorecast_nodes: product.servers,
        ratios: Ratios::of(product.run.as_ref()?, floor.run.as_ref()?),
        floor_p99_ms: floor.p99(),
        scorecast_p99_ms: product.p99(),
    })
}

impl MillionReport {
    pub(super) fn new(
        meta: Meta,
        binary: crate::compare::model::Binary,
        (postgres, nats): (Option<String>, Option<String>),
        cfg: &MillionConfig,
        mut phases: Vec<Phase>,
        samples: Vec<sampler::Sample>,
        kernel_pressure: BTreeMap<String, i64>,
    ) -> Self {
        for phase in &mut phases {
            let label = format!("{} {}", phase.name, phase.subscribers);
            let within = format!("{label} (");
            let of_phase = |s: &&sampler::Sample| s.phase == label || s.phase.starts_with(&within);
            phase.peak = Peak::of(samples.iter().filter(of_phase));
        }
        let floor_comparison = floor_comparison(&phases);
        let n = cfg.load.subscribers;
        let full = phases.iter().rev().find(|p| p.name == "scorecast" && p.subscribers == n);
        let run = full.and_then(|p| p.run.as_ref());
        let server = run.and_then(|r| r.server.as_ref());
        let latency = run.and_then(|r| r.latency_ms.as_ref());
        let side = full.and_then(|p| p.side.as_ref());
        let side_delivery = side.and_then(|s| s.run.as_ref()).map(|r| &r.delivery);
        let post = side.and_then(|s| s.post_latency_ms.as_ref());
        let floor = phases.iter().find(|p| p.name == "floor");
        Self {
            meta,
            binary,
            postgres,
            nats,
            server_args: cfg.server_args.clone(),
            client_priority: cfg.load.client_priority,
            connect_rate: cfg.load.connect_rate,
            subscribers: cfg.load.subscribers,
            subscribers_connected: run.map_or(0, |r| r.connect.connected)
                + side.and_then(|s| s.run.as_ref()).map_or(0, |r| r.connect.connected),
            nodes: full.map_or(0, |p| p.servers),
            events: cfg.load.events,
            deliveries_expected: run.map_or(0, |r| r.delivery.expected),
            deliveries_received: run.map_or(0, |r| r.delivery.delivered),
            lost: run.map_or(0, |r| r.delivery.lost),
            duplicated: run.map_or(0, |r| r.delivery.duplicated),
            conflated: run.map_or(0, |r| r.delivery.resync_snapshots),
            p50_ms: latency.map(|l| l.p50),
            p90_ms: latency.map(|l| l.p90),
            p99_ms: latency.map(|l| l.p99),
            max_ms: latency.map(|l| l.max),
            worst_event_p99_ms: run.and_then(|r| {
                r.per_event
                    .iter()
                    .filter_map(|e| e.latency_ms.as_ref().map(|l| l.p99))
                    .reduce(f64::max)
            }),
            connect_s: run.map_or(0.0, |r| r.connect.phase_s),
            server_rss_kb_per_conn: server.map(|s| s.rss_per_conn_kib),
            server_rss_total_kib: server.map(|s| s.rss_after_kib),
            server_rss_idle_kib: server.map(|s| s.rss_before_kib),
            client_rss_kb_per_conn: run.and_then(|r| r.client.rss_per_conn_kib),
            cpu_per_delivery_us: server.and_then(|s| s.cpu_per_delivery_us),
            cpu_per_delivery_busy_us: server.and_then(|s| s.cpu_per_delivery_busy_us),
            idle_cores: server.and_then(|s| s.idle_cores),
            cpu_us_per_delivery: full.and_then(Phase::cpu_us_per_delivery),
            goal_p99_ms: run.map_or(Vec::new(), |r| {
                r.per_event.iter().map(|e| e.latency_ms.as_ref().map(|l| l.p99)).collect()
            }),
            floor_subscribers: floor.map_or(0, |f| f.subscribers),
            floor_p99_ms: floor.and_then(Phase::p99),
            floor_cpu_us_per_delivery: floor.and_then(Phase::cpu_us_per_delivery),
            post_p50_ms: post.map(|p| p.p50),
            post_p99_ms: post.map(|p| p.p99),
            post_max_ms: post.map(|p| p.max),
            side_subscribers: side.map_or(0, |s| s.subscribers),
            side_posts: side.map_or(0, |s| s.posted),
            side_lost: side_delivery.map_or(0, |d| d.lost),
            side_duplicated: side_delivery.map_or(0, |d| d.duplicated),
            nodes_start_s: full.map_or(0.0, |p| p.servers_start_s),
            tcp_ehash_buckets: std::fs::read_to_string("/proc/sys/net/ipv4/tcp_ehash_entries")
                .ok()
                .and_then(|s| s.trim().parse().ok()),
            peak: full.map(|p| p.peak.clone()).unwrap_or_default(),
            kernel_pressure,
            floor_comparison,
            aims: Vec::new(),
            phases,
            samples,
            problems: Vec::new(),
            passed: false,
        }
    }
}
