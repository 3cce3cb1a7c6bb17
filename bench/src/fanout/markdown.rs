//! The Markdown report: a headline table first, then the details a reader needs to trust it.

use std::fmt::Write;

use super::model::{EventReport, FanoutReport, FloorReport, Ratios, RunReport};
use crate::common::markdown::{machine_line, ms, num, run_lines, times, verdict};
use crate::common::meta::Meta;
use crate::common::results::Report;

impl Report for FanoutReport {
    const NAME: &'static str = "fanout";
    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
    fn passed(&self) -> bool {
        self.scorecast.passed && self.floor.as_ref().is_none_or(|f| f.passed)
    }
    fn markdown(&self) -> String {
        fanout(self)
    }
}

impl Report for FloorReport {
    const NAME: &'static str = "floor";
    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
    fn passed(&self) -> bool {
        self.floor.passed
    }
    fn markdown(&self) -> String {
        floor(self)
    }
}

pub fn fanout(report: &FanoutReport) -> String {
    let mut runs = vec![&report.scorecast];
    runs.extend(report.floor.as_ref());
    let title = match &report.floor {
        Some(_) => "scorecast fan-out vs the floor",
        None => "scorecast fan-out",
    };
    render(title, &report.meta, &runs, report.ratios.as_ref())
}

pub fn floor(report: &FloorReport) -> String {
    render("Fan-out floor (reference broadcaster)", &report.meta, &[&report.floor], None)
}

fn render(title: &str, meta: &Meta, runs: &[&RunReport], ratios: Option<&Ratios>) -> String {
    let mut md = String::new();
    let first = runs[0];
    let _ = writeln!(md, "# {title}: {} subscribers, {} events\n", first.subscribers, first.events);
    verdict(&mut md, runs.iter().all(|r| r.passed), meta);
    headline(&mut md, runs, ratios);
    for run in runs {
        details(&mut md, run);
    }
    setup(&mut md, meta, runs);
    md
}

fn headline(md: &mut String, runs: &[&RunReport], ratios: Option<&Ratios>) {
    md.push_str(
        "| target | N | events | p50 ms | p90 ms | p99 ms | max ms | lost | duplicated | connect phase s | connect p99 ms | server RSS/conn KiB | client RSS/conn KiB | server CPU µs/delivery | busy CPU µs/delivery |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in runs {
        let lat = r.latency_ms.as_ref();
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} | {} | {} | {} | {} | {} |",
            r.target,
            r.connect.connected,
            r.events,
            ms(lat.map(|p| p.p50)),
            ms(lat.map(|p| p.p90)),
            ms(lat.map(|p| p.p99)),
            ms(lat.map(|p| p.max)),
            r.delivery.lost,
            r.delivery.duplicated,
            r.connect.phase_s,
            ms(r.connect.time_ms.as_ref().map(|p| p.p99)),
            num(r.server.as_ref().map(|s| s.rss_per_conn_kib), 2),
            num(r.client.rss_per_conn_kib, 2),
            num(r.server.as_ref().and_then(|s| s.cpu_per_delivery_us), 2),
            num(r.server.as_ref().and_then(|s| s.cpu_per_delivery_busy_us), 2),
        );
    }
    if let Some(x) = ratios {
        let _ = writeln!(
            md,
            "| **scorecast ÷ floor** | | | {} | | {} | | | | | | {} | | {} | {} |",
            times(x.p50, "-"),
            times(x.p99, "-"),
            times(x.rss_per_conn, "-"),
            times(x.cpu_per_delivery, "-"),
            times(x.cpu_per_delivery_busy, "-")
        );
    }
    md.push('\n');
    md.push_str(
        "Latency: from just before the event's POST to the update's arrival at each client (one \
         clock, CLOCK_MONOTONIC, shared by all processes). Lost: expected updates (connected clients \
         × accepted events) that never arrived as updates. RSS/conn: growth of the process's VmRSS \
         while the clients connected, divided by the clients. CPU/delivery: the server's user+system \
         time (utime+stime) from the first POST until every update arrived, divided by the updates \
         delivered, idle time between events included; busy CPU/delivery counts only each event's \
         window from its POST until every client had it (exact `schedstat` time).\n\n",
    );
}

fn details(md: &mut String, r: &RunReport) {
    let _ = writeln!(md, "## {}\n", r.target);
    if r.passed {
        md.push_str("Passed: every client connected and got every update once, in order.\n\n");
    } else {
        md.push_str("Failed:\n\n");
        for p in &r.problems {
            let _ = writeln!(md, "- {p}");
        }
        md.push('\n');
    }
    md.push_str(
        "| event | seq | HTTP | POST ms | received / expected | p50 ms | p90 ms | p99 ms | max ms | all had it ms | server CPU ms |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for e in &r.per_event {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.2} | {} / {} | {} |",
            e.index + 1,
            seq_cell(e),
            e.http_status,
            e.post_ms,
            e.received,
            e.expected,
            latency_cells(e),
        );
    }
    md.push('\n');
    let c = &r.connect;
    let t = c.time_ms.as_ref();
    let _ = writeln!(
        md,
        "- Connect: {} connected, {} failed, in {:.2} s; per client (TCP connect to snapshot) p50 {} ms, p99 {} ms, max {} ms.",
        c.connected,
        c.failed,
        c.phase_s,
        ms(t.map(|p| p.p50)),
        ms(t.map(|p| p.p99)),
        ms(t.map(|p| p.max))
    );
    for (reason, n) in &c.failures {
        let _ = writeln!(md, "  - {n} × {reason}");
    }
    let d = &r.delivery;
    let _ = writeln!(
        md,
        "- Delivery: {} of {} updates; lost {}, duplicated {}, gaps {}, snapshots in place of updates {}, unexpected {}; {} in {:.2} s after the last POST.",
        d.delivered,
        d.expected,
        d.lost,
        d.duplicated,
        d.gaps,
        d.resync_snapshots,
        d.unexpected,
        if d.complete { "all arrived" } else { "drain timeout reached" },
        d.drain_s
    );
    let _ = writeln!(
        md,
        "- Connections ended during the run: {}; pongs sent: {}.",
        d.closed_early, d.pongs_sent
    );
    for (reason, n) in &d.close_reasons {
        let _ = writeln!(md, "  - {n} × {reason}");
    }
    if let Some(s) = &r.server {
        let _ = writeln!(
            md,
            "- Server ({}): VmRSS {} → {} KiB ({:.2} KiB per connection); CPU {:.3} s over the {:.1} s event phase.",
            match s.pids.len() {
                0 | 1 => format!("pid {}", s.pid),
                n => format!("{n} nodes, pids {:?}, summed", s.pids),
            },
            s.rss_before_kib,
            s.rss_after_kib,
            s.rss_per_conn_kib,
            s.cpu_event_phase_us as f64 / 1e6,
            s.event_phase_s
        );
    } else {
        md.push_str("- Server: not measured (not a local process with a known pid).\n");
    }
    let _ = writeln!(
        md,
        "- Clients ({} worker {}): VmRSS {} → {} KiB while connecting, {} KiB at the end.",
        r.workers,
        r.placement,
        r.client.rss_before_kib,
        r.client.rss_after_kib,
        r.client.rss_end_kib
    );
    if let Some(release) = &r.release {
        let _ = writeln!(
            md,
            "- After the clients left, the server counted {} of their connections still open after {:.1} s.",
            release.connections_left, release.waited_s
        );
    }
    for (phase, counters) in
        [("connecting", &r.kernel_tcp_connect), ("the event phase", &r.kernel_tcp_events)]
    {
        let nonzero: Vec<String> = counters
            .iter()
            .filter(|(_, v)| **v != 0)
            .map(|(k, v)| format!("`{k}` {v:+}"))
            .collect();
        if !nonzero.is_empty() {
            let _ = writeln!(
                md,
                "- Kernel TCP counters (machine-wide) while {phase}: {}.",
                nonzero.join(", ")
            );
        }
    }
    if !r.server_metrics.is_empty() {
        md.push_str("- scorecast metrics, change over the run:");
        for (name, delta) in r.server_metrics.iter().filter(|(_, v)| **v != 0.0) {
            let _ = write!(md, " `{name}` {delta:+},");
        }
        md.pop();
        md.push('\n');
    }
    md.push('\n');
}

fn setup(md: &mut String, meta: &Meta, runs: &[&RunReport]) {
    let r = runs[0];
    md.push_str("## Setup\n\n");
    machine_line(md, meta, "Clients, servers and the coordinator");
    let _ = writeln!(
        md,
        "- {} subscribers on one match, {} events {:.0} ms apart; clients in {} worker {} from {}.",
        r.subscribers,
        r.events,
        r.interval_ms,
        r.workers,
        r.placement,
        r.source_ips.join(", ")
    );
    for run in runs {
        let _ =
            writeln!(md, "- {}: {} (match {}).", run.target, run.servers.join(", "), run.match_id);
    }
    run_lines(md, meta);
}

/// An event's sequence number for a table cell (`-` when it was not stored).
pub(crate) fn seq_cell(e: &EventReport) -> String {
    e.seq.map_or("-".into(), |s| s.to_string())
}

/// The last six cells of an event's row, as every per-event table ends: p50, p90, p99 and max
/// latency, when all had it, and the server's CPU for it (ms).
pub(crate) fn latency_cells(e: &EventReport) -> String {
    let l = e.latency_ms.as_ref();
    format!(
        "{} | {} | {} | {} | {} | {}",
        ms(l.map(|p| p.p50)),
        ms(l.map(|p| p.p90)),
        ms(l.map(|p| p.p99)),
        ms(l.map(|p| p.max)),
        ms(e.complete_ms),
        ms(e.server_cpu_ms),
    )
}
