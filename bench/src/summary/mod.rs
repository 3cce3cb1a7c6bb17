//! The full report, `REPORT.md`: the headline numbers of the latest result of every subcommand in
//! a results folder (`inputs`), beside what we aim for.

mod inputs;

pub use inputs::Inputs;

use std::fmt::Write;

use crate::common::markdown::{ms, num, times};
use crate::common::percentiles::Percentiles;
use crate::fanout::model::RunReport;

/// The bandwidth chart written beside REPORT.md.
pub const CHART: &str = "REPORT-bandwidth.svg";

/// Fan-out sizes the headline shows.
pub const FANOUT_SIZES: [usize; 2] = [5_000, 18_000];

/// Renders REPORT.md.
pub fn render(inputs: &Inputs, note: Option<&str>) -> String {
    let mut md = String::from("# scorecast benchmark report\n\n");
    if let Some(note) = note {
        let _ = writeln!(md, "{note}\n");
    }
    md.push_str(
        "Every number below comes from the JSON results named under each table, measured on this \
         machine (2 cores, 24 GiB, clients and servers sharing the cores over loopback) with release \
         builds. How each is measured: `bench/README.md` and each result's own Markdown report.\n\n",
    );
    md.push_str("## Fan-out vs the floor\n\n");
    md.push_str("| subscribers | scorecast p50 ms | p99 ms | floor p50 ms | p99 ms | p99 ÷ floor | server RSS/conn KiB | floor KiB | RSS ÷ floor | CPU µs/delivery (busy) | floor | CPU ÷ floor | lost / duplicated |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (_, f) in &inputs.fanout {
        let (s, fl) = (&f.scorecast, f.floor.as_ref());
        let r = f.ratios.clone().unwrap_or_default();
        let lat = |run: Option<&RunReport>, q: fn(&Percentiles) -> f64| {
            ms(run.and_then(|r| r.latency_ms.as_ref()).map(q))
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} / {} |",
            s.connect.connected,
            lat(Some(s), |p| p.p50),
            lat(Some(s), |p| p.p99),
            lat(fl, |p| p.p50),
            lat(fl, |p| p.p99),
            ratio(r.p99),
            num(s.server.as_ref().map(|u| u.rss_per_conn_kib), 2),
            num(fl.and_then(|f| f.server.as_ref()).map(|u| u.rss_per_conn_kib), 2),
            ratio(r.rss_per_conn),
            num(s.server.as_ref().and_then(|u| u.cpu_per_delivery_busy_us), 2),
            num(fl.and_then(|f| f.server.as_ref()).and_then(|u| u.cpu_per_delivery_busy_us), 2),
            ratio(r.cpu_per_delivery_busy),
            s.delivery.lost,
            s.delivery.duplicated,
        );
    }
    sources(&mut md, inputs.fanout.iter().map(|(n, _)| n.as_str()));

    md.push_str("## Bandwidth at 1,000,000 users\n\n");
    if let Some((name, b)) = &inputs.bandwidth {
        crate::bandwidth::markdown::table(&mut md, b);
        let _ = writeln!(md, "\n![Bandwidth at 1,000,000 users]({CHART})");
        let _ = writeln!(
            md,
            "\nMeasured with {} pollers per polling group and {} WebSocket subscribers over {} s of \
             match, {} events. Snapshot body: {} bytes with {} event(s) at the start, {} bytes with {} \
             events at the end.",
            b.setup.pollers, b.setup.subscribers, b.setup.duration_s, b.events.accepted,
            b.snapshot.start_bytes, b.snapshot.start_events, b.snapshot.end_bytes, b.snapshot.end_events,
        );
        sources(&mut md, [name.as_str()]);
    } else {
        md.push_str("(no bandwidth result)\n\n");
    }

    md.push_str("## Ingest\n\n");
    for (name, i) in &inputs.ingest {
        crate::ingest::markdown::table(&mut md, i);
        sources(&mut md, [name.as_str()]);
    }
    if inputs.ingest.is_empty() {
        md.push_str("(no ingest result)\n\n");
    }

    md.push_str("## Polling vs nginx\n\n");
    if let Some((name, p)) = &inputs.poll {
        crate::poll::markdown::table(&mut md, p);
        let _ = writeln!(
            md,
            "\nSnapshot: {} bytes of body, {} events.",
            p.snapshot_bytes, p.snapshot_events
        );
        sources(&mut md, [name.as_str()]);
    } else {
        md.push_str("(no poll result)\n\n");
    }
    if let Some((name, c)) = &inputs.cluster {
        md.push_str(
            "## Several nodes over NATS

",
        );
        crate::cluster::markdown::headline(&mut md, c);
        sources(&mut md, [name.as_str()]);
    }
    aims(&mut md, inputs);
    md
}

fn sources<'a>(md: &mut String, names: impl IntoIterator<Item = &'a str>) {
    let list: Vec<String> = names.into_iter().map(|n| format!("[{n}]({n})")).collect();
    if !list.is_empty() {
        let _ = writeln!(md, "\nFrom {}.\n", list.join(", "));
    }
}

/// Where we stand against the aims of the benchmark issue.
fn aims(md: &mut String, inputs: &Inputs) {
    md.push_str("## Where we stand\n\n| aim | measured | met |\n|---|---|---|\n");
    let mut row = |aim: String, measured: String, met: Option<bool>| {
        let met = met.map_or("?", |m| if m { "yes" } else { "**no**" });
        let _ = writeln!(md, "| {aim} | {measured} | {met} |");
    };
    for (_, f) in &inputs.fanout {
        let n = f.scorecast.connect.connected;
        let rss = f.scorecast.server.as_ref().map(|s| s.rss_per_conn_kib);
        row(
            format!("server memory per idle subscriber ≤ 2 KB ({n})"),
            format!("{} KiB", num(rss, 2)),
            rss.map(|r| r * 1.024 <= 2.0),
        );
        let r = f.ratios.clone().unwrap_or_default();
        row(format!("p99 ≤ 1.1× floor ({n})"), ratio(r.p99), r.p99.map(|x| x <= 1.1));
        row(
            format!("CPU/delivery ≤ 1.1× floor ({n}, busy windows)"),
            ratio(r.cpu_per_delivery_busy),
            r.cpu_per_delivery_busy.map(|x| x <= 1.1),
        );
    }
    if let Some((_, b)) = &inputs.bandwidth {
        row(
            "polling ÷ WebSocket ≥ 40×".into(),
            format!(
                "{}× (conditional polling {}×)",
                num(b.ratio_poll_to_ws, 1),
                num(b.ratio_conditional_poll_to_ws, 1)
            ),
            b.ratio_poll_to_ws.map(|x| x >= 40.0),
        );
    }
    for (_, i) in &inputs.ingest {
        let db = if i.database.starts_with("postgres") { "Postgres" } else { "SQLite" };
        let best = i
            .levels
            .iter()
            .filter(|l| l.target_rate.is_none())
            .map(|l| l.events_per_s)
            .fold(None, |a: Option<f64>, x| Some(a.map_or(x, |a| a.max(x))));
        let aim = if db == "SQLite" { Some(best.map(|b| b >= 20_000.0)).flatten() } else { None };
        row(
            format!("≥ 20,000 durable events/s ({db}; the aim is for SQLite)"),
            format!("{} events/s (best level)", num(best, 0)),
            aim,
        );
        if let Some(p) = i.levels.iter().find(|l| l.target_rate.is_some()) {
            let p99 = p.delivery_ms.as_ref().map(|d| d.p99);
            row(
                format!(
                    "POST to first delivery p99 < 10 ms at {:.0}/s ({db})",
                    p.target_rate.unwrap_or(0.0)
                ),
                format!("{} ms", ms(p99)),
                p99.map(|x| x < 10.0),
            );
        }
    }
    if let Some((_, p)) = &inputs.poll {
        row("polling ≥ 0.8× nginx (200)".into(), ratio(p.ratio_200), p.ratio_200.map(|x| x >= 0.8));
        row("polling ≥ 0.8× nginx (304)".into(), ratio(p.ratio_304), p.ratio_304.map(|x| x >= 0.8));
    }
    md.push('\n');
}

fn ratio(v: Option<f64>) -> String {
    times(v, "—")
}
