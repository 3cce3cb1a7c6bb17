//! The `million` Markdown report: the full run's headline, the aims, every phase side by side
//! (the floor and scorecast at the same count, then the full run), the full run's events, and
//! the kernel's memory at the peak.

use std::fmt::Write;

use super::model::{MillionReport, Phase};
use crate::common::markdown::{footer, ms, num, times, verdict};
use crate::fanout::markdown::{latency_cells, seq_cell};

crate::common::results::impl_report!(MillionReport, "million", render);

pub fn render(r: &MillionReport) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# {} subscribers of one match on one machine: {} scorecast nodes over NATS\n",
        thousands(r.subscribers as u64),
        r.nodes
    );
    verdict(&mut md, r.passed, &r.meta);
    let _ = writeln!(
        md,
        "{} of {} subscribers connected (in {:.1} s); {} goals {} s apart; **{} of {} deliveries \
         received, {} lost, {} duplicated, {} conflated**. Delivery from just before the POST \
         (durable commit in Postgres, then NATS to the other nodes) to arrival at each subscriber: \
         p50 {} ms, p90 {} ms, p99 {} ms, max {} ms.\n",
        thousands(r.subscribers_connected as u64),
        thousands(r.subscribers as u64),
        r.connect_s,
        r.events,
        r.phases.last().and_then(|p| p.run.as_ref()).map_or(0.0, |run| run.interval_ms / 1e3),
        thousands(r.deliveries_received),
        thousands(r.deliveries_expected),
        r.lost,
        r.duplicated,
        r.conflated,
        ms(r.p50_ms),
        ms(r.p90_ms),
        ms(r.p99_ms),
        ms(r.max_ms),
    );
    md.push_str("## Aims\n\n| | aim | measured | met |\n|---|---|---|---|\n");
    for a in &r.aims {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            a.what,
            a.aim,
            a.measured,
            if a.met { "yes" } else { "**no**" }
        );
    }
    md.push_str(
        "\nThe chart beside this report (same name, `.svg`) draws the delivery-time distribution of \
         every phase and the memory against connections while the full run connected.\n\n",
    );
    phases(&mut md, r);
    events(&mut md, r);
    memory(&mut md, r);
    md.push_str("## Run\n\n");
    let _ = writeln!(
        md,
        "- Postgres: `{}` (a throwaway cluster this run started, fsync on); nats-server: `{}`.",
        r.postgres.as_deref().unwrap_or("?"),
        r.nats.as_deref().unwrap_or("?")
    );
    let _ = writeln!(
        md,
        "- Nodes started in {:.1} s (the first alone, then 8 at a time).",
        r.nodes_start_s
    );
    if let Some(buckets) = r.tcp_ehash_buckets {
        let _ = writeln!(
            md,
            "- TCP hash table of the network namespace the run used: {} buckets.",
            thousands(buckets)
        );
    }
    if !r.server_args.is_empty() {
        let _ = writeln!(md, "- Extra node flags: `{}`.", r.server_args.join(" "));
    }
    footer(&mut md, &r.problems, None, &r.meta);
    md
}

fn phases(md: &mut String, r: &MillionReport) {
    md.push_str("## Phases\n\n");
    if let Some(c) = &r.floor_comparison {
        let _ = writeln!(
            md,
            "At {} subscribers, scorecast ({} node(s)) ÷ the floor ({} process(es), triggered \
             together): p50 {}, p99 {}, server memory per connection {}, CPU per delivery {} \
             (busy windows {}).\n",
            thousands(c.subscribers as u64),
            c.scorecast_nodes,
            c.floor_processes,
            times(c.ratios.p50, "-"),
            times(c.ratios.p99, "-"),
            times(c.ratios.rss_per_conn, "-"),
            times(c.ratios.cpu_per_delivery, "-"),
            times(c.ratios.cpu_per_delivery_busy, "-"),
        );
    }
    md.push_str(
        "| phase | subscribers | servers | connect s | p50 ms | p99 ms | max ms | lost | dup | \
         conflated | server KiB/conn | client KiB/conn | CPU µs/delivery | idle cores | peak \
         tcp_mem pages | peak memory GiB |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for p in &r.phases {
        phase_row(md, p);
    }
    md.push('\n');
}

fn phase_row(md: &mut String, p: &Phase) {
    let Some(run) = &p.run else {
        let _ = writeln!(
            md,
            "| {} | {} | {} | failed: {} |||||||||||||",
            p.name,
            p.subscribers,
            p.servers,
            p.error.as_deref().unwrap_or("?")
        );
        return;
    };
    let lat = run.latency_ms.as_ref();
    let server = run.server.as_ref();
    let _ = writeln!(
        md,
        "| {} | {} | {} | {:.1} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} |",
        p.name,
        thousands(run.connect.connected as u64),
        p.servers,
        run.connect.phase_s,
        ms(lat.map(|l| l.p50)),
        ms(lat.map(|l| l.p99)),
        ms(lat.map(|l| l.max)),
        run.delivery.lost,
        run.delivery.duplicated,
        run.delivery.resync_snapshots,
        num(server.map(|s| s.rss_per_conn_kib), 2),
        num(run.client.rss_per_conn_kib, 2),
        num(server.and_then(|s| s.cpu_per_delivery_busy_us), 2),
        num(server.and_then(|s| s.idle_cores), 3),
        thousands(p.peak.tcp_mem_pages),
        p.peak.memory_used_kib as f64 / 1024.0 / 1024.0,
    );
}

fn events(md: &mut String, r: &MillionReport) {
    let Some(run) = r.phases.last().and_then(|p| p.run.as_ref()) else { return };
    md.push_str(
        "## The full run's goals\n\n| goal | seq | POST ms | received | p50 ms | p90 ms | p99 ms | \
         max ms | all had it, ms | server CPU ms |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for e in &run.per_event {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} of {} | {} |",
            e.index + 1,
            seq_cell(e),
            ms(Some(e.post_ms)),
            thousands(e.received),
            thousands(e.expected),
            latency_cells(e),
        );
    }
    md.push('\n');
}

fn memory(md: &mut String, r: &MillionReport) {
    md.push_str("## Memory at the peak of the full run\n\n");
    let p = &r.peak;
    let gib = |kib: u64| kib as f64 / 1024.0 / 1024.0;
    let _ = writeln!(
        md,
        "- Connections open (kernel sockets in use ÷ 2): {}.\n\
         - scorecast nodes: {:.2} GiB RSS in all ({:.2} GiB before anyone connected, i.e. {} \
         MiB per node fixed), {} KiB per connection.\n\
         - Client workers: {:.2} GiB RSS ({} KiB per connection).\n\
         - Kernel: slab {:.2} GiB; pages charged to tcp_mem at the peak {} ({:.2} GiB; the \
         pressure threshold is tcp_mem's middle value).\n\
         - Machine memory in use (MemTotal − MemAvailable): {:.2} GiB.\n\
         - Kernel memory-pressure counters over the run: {}.\n",
        thousands(p.connections),
        gib(r.server_rss_total_kib.unwrap_or(p.server_rss_kib)),
        gib(r.server_rss_idle_kib.unwrap_or(0)),
        num(r.server_rss_idle_kib.map(|k| k as f64 / 1024.0 / r.nodes.max(1) as f64), 1),
        num(r.server_rss_kb_per_conn, 2),
        gib(p.client_rss_kib),
        num(r.client_rss_kb_per_conn, 2),
        gib(p.slab_kib),
        thousands(p.tcp_mem_pages),
        p.tcp_mem_pages as f64 * 4.0 / 1024.0 / 1024.0,
        gib(p.memory_used_kib),
        pressure(r),
    );
    let _ = writeln!(
        md,
        "Idle, with everyone connected: the nodes used {} cores; CPU per delivery over the \
         event phase {} µs ({} µs over the busy windows only).\n",
        num(r.idle_cores, 3),
        num(r.cpu_per_delivery_us, 2),
        num(r.cpu_per_delivery_busy_us, 2),
    );
}

fn pressure(r: &MillionReport) -> String {
    let parts: Vec<String> = r.kernel_pressure.iter().map(|(k, v)| format!("{k} {v:+}")).collect();
    if parts.is_empty() {
        "not read".into()
    } else {
        parts.join(", ")
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
