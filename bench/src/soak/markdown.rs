//! The soak's Markdown report: the verdict, memory over time, deliveries and what the churn did.

use std::fmt::Write;

use super::model::{Sample, SoakReport};
use crate::common::markdown::{footer, num, verdict};
use crate::common::results::impl_report;

impl_report!(SoakReport, "soak", render);

/// Rows of the memory table at most: a long soak is shown at an even spacing.
const MAX_ROWS: usize = 31;

pub fn render(r: &SoakReport) -> String {
    let s = &r.settings;
    let mut md = String::from("# scorecast soak: memory and delivery under churn\n\n");
    verdict(&mut md, r.passed, &r.meta);
    let _ = writeln!(
        md,
        "{} subscribers of {} matches for {:.0} s; one event every {} ms ({} posted, {} failed); \
         churn {} actions/s (leave and come back new, drop and resume with `since`, or stop \
         reading for {}–{} s, in equal shares); client receive buffers {} bytes.\n",
        s.subscribers,
        s.matches,
        s.duration_s,
        s.event_interval_ms,
        r.events.posted,
        r.events.failed,
        s.churn_per_sec,
        s.slow_pause_ms.0 / 1000,
        s.slow_pause_ms.1 / 1000,
        s.recv_buffer_bytes,
    );

    md.push_str("## Verdict\n\n| Check | Result | Aim |\n|---|---|---|\n");
    let m = &r.memory;
    let mib = |k: Option<f64>| num(k.map(|k| k / 1024.0), 1);
    let _ = writeln!(
        md,
        "| Server memory (`{}`) after warm-up ({:.0} s): first fifth → last fifth | {} MiB → {} MiB \
         ({}) | within ±{}% |",
        m.measure,
        s.warmup_s,
        mib(m.first_kib),
        mib(m.last_kib),
        m.change_pct.map_or("not measured".into(), |c| format!("{c:+.2}%")),
        s.memory_tolerance_pct
    );
    let d = &r.deliveries;
    let c = &d.counts;
    let _ = writeln!(md, "| Updates lost (gaps + missing at the end) | {} | 0 |", d.lost());
    let _ = writeln!(md, "| Updates delivered twice | {} | 0 |", c.duplicates);
    let _ = writeln!(
        md,
        "| Sequence regressions, wrong resume markers | {}, {} | 0 |",
        c.regressions, c.bad_markers
    );
    let _ = writeln!(md, "| Clients that gave up reconnecting | {} | 0 |", r.churn.abandoned);

    md.push_str("\n## Deliveries\n\n| Count | Value |\n|---|---|\n");
    let rows: [(&str, u64); 8] = [
        ("Updates delivered in order", c.delivered),
        ("Updates replaced by a later snapshot (conflation; not lost)", c.conflated),
        ("Snapshots replacing updates", c.resync_snapshots),
        ("Resume markers `rec:true` (one per match of each resume)", c.resumes_recovered),
        ("Resumes answered with a snapshot `rec:false` (per match)", c.resumes_not_recovered),
        ("Updates missing when the drain time ran out", d.behind_at_end),
        ("Messages for a match not subscribed", c.unexpected),
        ("Pongs answered to the server's pings", r.churn.pongs),
    ];
    for (what, n) in rows {
        let _ = writeln!(md, "| {what} | {n} |");
    }

    if c.conflated == 0 && r.churn.slow_pauses > 0 {
        md.push_str(
            "\nNo update was conflated: at this event rate a paused reader's updates fit in the \
             socket buffers, and a pause past `--ws-slow-consumer-secs` ends in a `1013` close \
             (then a resume) before they overflow `--ws-max-pending-bytes`.\n",
        );
    }
    let ch = &r.churn;
    md.push_str("\n## Churn\n\n| Action or outcome | Count |\n|---|---|\n");
    let rows: [(&str, u64); 6] = [
        ("Fresh connects (first ones and after a leave)", ch.fresh_connects),
        ("Leaves (close 1000, back as a new user)", ch.leaves),
        ("Drops resumed with `since`", ch.resumes),
        ("Slow-reader pauses", ch.slow_pauses),
        ("… read late, connection still open", ch.slow_read_late),
        ("… cut by the server (then resumed with `since`)", ch.slow_cut),
    ];
    for (what, n) in rows {
        let _ = writeln!(md, "| {what} | {n} |");
    }
    for (reason, n) in &ch.dropped {
        let _ = writeln!(md, "| Connection ended by the server: {reason} (resumed) | {n} |");
    }
    for (reason, n) in &ch.connect_failures {
        let _ = writeln!(md, "| Connect attempt failed: {reason} (retried) | {n} |");
    }

    md.push_str("\n## Server memory\n\n");
    md.push_str("| Time (s) | VmRSS (MiB) | RssAnon (MiB) | Connected | Paused |\n");
    md.push_str("|---:|---:|---:|---:|---:|\n");
    for sample in spaced(&m.samples) {
        let _ = writeln!(
            md,
            "| {:.0} | {:.1} | {} | {} | {} |",
            sample.t_s,
            sample.rss_kib as f64 / 1024.0,
            num(sample.anon_kib.map(|k| k as f64 / 1024.0), 1),
            sample.connected,
            sample.paused
        );
    }
    let _ = writeln!(
        md,
        "\nHighest {} after warm-up: {} MiB. Worker processes at the end: {:.1} MiB.",
        m.measure,
        num(m.max_kib.map(|k| k as f64 / 1024.0), 1),
        r.workers_rss_kib as f64 / 1024.0
    );

    md.push_str(
        "\n## How to read this\n\n\
         - Every subscriber subscribes to every match and checks each message: a snapshot first \
           (or the answer to its resume), then updates numbered one after the other. An update \
           that skips numbers is loss; one at or below what the client holds is a duplicate. A \
           later snapshot may replace updates a slow reader could not take (conflation): counted \
           apart, not as loss.\n\
         - A slow reader stops reading for a while. The server either finds it still there when \
           it reads again (read late), or closes it as too slow (`1013`) or cuts it; it then \
           resumes with `since` like any dropped client, and must get exactly what it missed.\n\
         - After the last event every subscriber must reach each match's last sequence number \
           within the drain time; what it still lacks then is counted as lost.\n\
         - Memory: the server's `VmRSS` and `RssAnon` (/proc/PID/status) are sampled every \
           sample interval; the verdict compares the mean `RssAnon` (heap and stacks: what a leak \
           grows) of the first fifth of the samples after warm-up with that of the last fifth. \
           `VmRSS` adds the executable's file-backed pages, which the kernel drops and faults \
           back in with the machine's memory pressure.\n",
    );
    let mut args = s.server_args.join(" ");
    if args.is_empty() {
        args = "none".into();
    }
    let _ = writeln!(md, "- Workers: {} (seed {}); extra server flags: {args}.", s.workers, s.seed);
    footer(&mut md, &r.problems, None, &r.meta);
    md
}

/// At most `MAX_ROWS` samples at an even spacing, the last one included.
fn spaced(samples: &[Sample]) -> Vec<&Sample> {
    let step = samples.len().div_ceil(MAX_ROWS).max(1);
    let mut rows: Vec<&Sample> = samples.iter().step_by(step).collect();
    if let Some(last) = samples.last() {
        if rows.last().is_none_or(|r| r.t_s != last.t_s) {
            rows.push(last);
        }
    }
    rows
}
