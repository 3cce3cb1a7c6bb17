//! The `corrections` Markdown report.

use std::fmt::Write;

use super::model::CorrectionsReport;
use crate::common::markdown::{footer, ms, verdict};

crate::common::results::impl_report!(CorrectionsReport, "corrections", render);

pub fn render(r: &CorrectionsReport) -> String {
    let mut md = String::new();
    let _ =
        writeln!(md, "# Corrections: a void on a match of {} events, {}\n", r.events, r.database);
    verdict(&mut md, r.passed, &r.meta);
    let _ = writeln!(
        md,
        "{} corrections, one after the other, each voiding the latest goal or the void before it \
         (so every one refolds all {} events), while {} other matches post {} events per second \
         each. Their POSTs are timed alone first, then while the corrections run. Aims: a \
         correction's p99 within {} ms; the other POSTs' p99 not more than {} ms higher.\n",
        r.corrections, r.events, r.others, r.others_rate, r.aim_correction_p99_ms, r.aim_delay_ms
    );
    md.push_str(
        "| POSTs | count | p50 ms | p90 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for (name, p) in [
        ("corrections", &r.correction_ms),
        ("other matches, alone", &r.others_alone_ms),
        ("other matches, during corrections", &r.others_during_ms),
    ] {
        let _ = writeln!(
            md,
            "| {name} | {} | {} | {} | {} | {} |",
            p.as_ref().map_or(0, |p| p.count),
            ms(p.as_ref().map(|p| p.p50)),
            ms(p.as_ref().map(|p| p.p90)),
            ms(p.as_ref().map(|p| p.p99)),
            ms(p.as_ref().map(|p| p.max)),
        );
    }
    let _ = writeln!(
        md,
        "\nCorrections per second: {:.0}; the other POSTs' p99 rose by {} ms. Filling the long \
         match took {:.1} s.",
        r.corrections_per_s,
        ms(r.delay_p99_ms),
        r.fill_s
    );
    footer(&mut md, &r.problems, Some(&r.server), &r.meta);
    md
}
