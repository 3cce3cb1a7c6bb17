//! The `million` Markdown report: the full run's headline, the aims, every phase side by side
//! (the floor and scorecast at the same count, then the full run), the full run's events, the
//! side match's POSTs, and the kernel's memory at the peak.

use std::fmt::Write;

use super::model::{MillionReport, Phase};
use super::side::SideReport;
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
    headline_keys(&mut md, r);
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
    side_matches(&mut md, r);
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

/// The full run's figures issue 26 names, as the JSON's top level has them.
fn headline_keys(md: &mut String, r: &MillionReport) {
    let goals: Vec<String> = r.goal_p99_ms.iter().map(|p| ms(*p)).collect();
    let _ = writeln!(
        md,
        "| `floor_subscribers` | `floor_p99_ms` | `floor_cpu_us_per_delivery` | \
         `cpu_us_per_delivery` | `goal_p99_ms` | `post_p99_ms` | `idle_cores` |\n\
         |---|---|---|---|---|---|---|\n| {} | {} | {} | {} | {} | {} | {} |\n",
        thousands(r.floor_subscribers as u64),
        ms(r.floor_p99_ms),
        num(r.floor_cpu_us_per_delivery, 2),
        num(r.cpu_us_per_delivery, 2),
        goals.join(" / "),
        ms(r.post_p99_ms),
        num(r.idle_cores, 3),
    );
    if r.side_subscribers > 0 {
        let _ = writeln!(
            md,
            "Side match: {} of the subscribers followed a second match, on which {} other events \
             were posted during the fan-out; time to their answer p50 {} ms, p99 {} ms, max {} \
             ms; {} of its updates lost, {} duplicated. CPU per delivery counts its deliveries \
             with the goals'.\n",
            thousands(r.side_subscribers as u64),
            r.side_posts,
            ms(r.post_p50_ms),
            ms(r.post_p99_ms),
            ms(r.post_max_ms),
            r.side_lost,
            r.side_duplicated,
        );
    }
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
    // Everyone connected in the phase, the side match's subscribers too.
    let side = p.side.as_ref().and_then(|s| s.run.as_ref()).map_or(0, |s| s.connect.connected);
    let _ = writeln!(
        md,
        "| {} | {} | {} | {:.1} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} |",
        p.name,
        thousands((run.connect.connected + side) as u64),
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

/// Each scorecast phase's side match: its POSTs' latencies as a histogram, and its deliveries
/// (the JSON lists every POST's time in `phases[].side.post_ms`).
fn side_matches(md: &mut String, r: &MillionReport) {
    let sides: Vec<(&Phase, &SideReport)> =
        r.phases.iter().filter_map(|p| Some((p, p.side.as_ref()?))).collect();
    if sides.is_empty() {
        return;
    }
    md.push_str(
        "## The side match's POSTs during the fan-out\n\n| phase | subscribers | POSTs | failed | \
         p50 ms | p99 ms | max ms | updates received | lost | dup |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for (p, side) in &sides {
        let lat = side.post_latency_ms.as_ref();
        let delivery = side.run.as_ref().map(|r| &r.delivery);
        let _ = writeln!(
            md,
            "| {} {} | {} | {} | {} | {} | {} | {} | {} of {} | {} | {} |",
            p.name,
            thousands(p.subscribers as u64),
            thousands(side.subscribers as u64),
            side.posted,
            side.failed,
            ms(lat.map(|l| l.p50)),
            ms(lat.map(|l| l.p99)),
            ms(lat.map(|l| l.max)),
            thousands(delivery.map_or(0, |d| d.delivered)),
            thousands(delivery.map_or(0, |d| d.expected)),
            delivery.map_or(0, |d| d.lost),
            delivery.map_or(0, |d| d.duplicated),
        );
    }
    let Some((full_phase, full)) = sides.last() else { return };
    match &full_phase.ingest {
        Some(i) => {
            let _ = writeln!(
                md,
                "\nEvents were posted to an ingest node no subscriber connected to; it and Postgres \
                 ran {} nice levels above the fan-out nodes. In the full run it committed {} events \
                 and sent {} WebSocket messages; the fan-out nodes committed {}.",
                i.priority,
                i.ingest_node_events,
                i.ingest_node_ws_messages,
                i.fanout_node_events
            );
        }
        None => md.push_str(
            "\nEvents were posted to the first fan-out node (no ingest node), with Postgres at the \
             nodes' priority.\n",
        ),
    }
    md.push_str(
        "\nThe full run's POSTs by time to their answer:\n\n| up to | POSTs |\n|---|---|\n",
    );
    for bucket in &full.post_histogram {
        let bound = bucket.up_to_ms.map_or("longer".into(), |b| format!("{b:.0} ms"));
        let _ = writeln!(md, "| {bound} | {} |", bucket.posts);
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
         - Kernel counters over the run (memory pressure, dropped packets, resent segments): {}.\n",
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
