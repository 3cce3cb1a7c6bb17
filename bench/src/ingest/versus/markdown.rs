//! The side-by-side Markdown report: the verdict per level first, then every run.

use std::fmt::Write;

use super::model::{VersusReport, MIN_RATIO};
use crate::common::markdown::{footer, ms, num, times, verdict};

crate::common::results::impl_report!(VersusReport, "ingest-sports", render);

pub fn render(r: &VersusReport) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Ingest side by side: {} (candidate) vs {} (baseline), {}, {} round(s)\n",
        r.candidate, r.baseline, r.database, r.rounds
    );
    if let Some(b) = &r.binaries {
        let _ = writeln!(md, "Binaries: baseline `{}`, candidate `{}`.\n", b.baseline, b.candidate);
    }
    verdict(&mut md, r.passed, &r.meta);
    md.push_str(
        "| mode | clients | events/s (baseline → candidate) | ratio | POST p99 ms | delivery p99 ms | server CPU µs/event | update bytes |\n\
         |---|---:|---|---:|---|---|---|---|\n",
    );
    for l in &r.levels {
        let (b, c) = (&l.baseline, &l.candidate);
        let mode = match l.target_rate {
            Some(rate) => format!("paced {rate:.0}/s"),
            None => l.mode.clone(),
        };
        let _ = writeln!(
            md,
            "| {mode} | {} | {} → {} | {} {} | {} → {} | {} → {} | {} → {} | {} → {} |",
            l.concurrency,
            num(b.events_per_s, 0),
            num(c.events_per_s, 0),
            times(l.ratio_events_per_s, "-"),
            if l.met { "✓" } else { "✗" },
            ms(b.post_p99_ms),
            ms(c.post_p99_ms),
            ms(b.delivery_p99_ms),
            ms(c.delivery_p99_ms),
            num(b.server_cpu_us_per_event, 1),
            num(c.server_cpu_us_per_event, 1),
            num(b.update_bytes, 1),
            num(c.update_bytes, 1),
        );
    }
    let _ = writeln!(
        md,
        "\nMedians over each side's rounds. Aim: the candidate's events per second at least \
         {MIN_RATIO}× the baseline's at every level. Each run is a whole `ingest` (the levels in \
         order, {} fresh matches per level, their sports in turn, one subscriber each) against a \
         fresh server; the order alternates (baseline first in odd rounds). The sides within a \
         match alternate (tennis stays at deuce, volleyball's set never gets two points clear), \
         and with no more clients than matches each match has one client of its own, so its \
         points arrive in order and no match ends during a run. Update bytes: mean JSON payload \
         of the updates the subscribers received.\n",
        r.matches
    );
    md.push_str(
        "| round | order | side | sports | mode | clients | events/s | POST p99 ms | delivery p99 ms | refused | undelivered |\n\
         |---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for run in &r.runs {
        let side = if run.candidate { "candidate" } else { "baseline" };
        for l in &run.report.levels {
            let refused: u64 = l.refused.values().sum();
            let _ = writeln!(
                md,
                "| {} | {} | {side} | {} | {} | {} | {:.0} | {} | {} | {refused} | {} |",
                run.round,
                run.position,
                run.report.sports,
                l.mode,
                l.concurrency,
                l.events_per_s,
                ms(l.post_ms.as_ref().map(|p| p.p99)),
                ms(l.delivery_ms.as_ref().map(|p| p.p99)),
                l.undelivered,
            );
        }
    }
    md.push('\n');
    footer(&mut md, &r.problems, None, &r.meta);
    md
}
