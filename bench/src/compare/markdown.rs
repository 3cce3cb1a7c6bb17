//! The `compare` Markdown report: the verdict per subscriber count first, then every round.

use std::fmt::Write;

use super::model::{Binary, CompareReport, Round, Side, Size};
use crate::common::markdown::{footer, ms, num, times, verdict};

crate::common::results::impl_report!(CompareReport, "compare", render);

pub fn render(r: &CompareReport) -> String {
    let mut md = String::new();
    let sizes: Vec<String> = r.sizes.iter().map(|s| s.subscribers.to_string()).collect();
    let against_floor = r.baseline.is_floor();
    let what = match (against_floor, r.baseline_sport == r.candidate_sport) {
        (true, _) => "candidate vs the floor".to_owned(),
        (false, true) => "candidate vs baseline".to_owned(),
        (false, false) => {
            format!("{} (candidate) vs {} (baseline)", r.candidate_sport, r.baseline_sport)
        }
    };
    let _ = writeln!(
        md,
        "# Compare: {what} fan-out at {} subscribers, {} round(s)\n",
        sizes.join(" and "),
        r.rounds
    );
    verdict(&mut md, r.passed, &r.meta);
    binaries(&mut md, r);
    md.push_str(
        "| subscribers | p99 ms (baseline → candidate) | p99 ratio | CPU µs/delivery | CPU ratio | RSS/conn KiB | RSS ratio (diff KiB) | verdict |\n\
         |---:|---|---:|---|---:|---|---:|---|\n",
    );
    for s in &r.sizes {
        let (b, c) = (&s.baseline.median, &s.candidate.median);
        let _ = writeln!(
            md,
            "| {} | {} → {} | {} {} | {} → {} | {} {} | {} → {} | {} ({}) {} | {} |",
            s.subscribers,
            ms(b.p99_ms),
            ms(c.p99_ms),
            times(s.ratio_p99, "-"),
            met(s.p99_met),
            num(b.cpu_per_delivery_us, 2),
            num(c.cpu_per_delivery_us, 2),
            times(s.ratio_cpu_per_delivery, "-"),
            met(s.cpu_met),
            num(b.rss_per_conn_kib, 3),
            num(c.rss_per_conn_kib, 3),
            times(s.ratio_rss_per_conn, "-"),
            s.rss_per_conn_diff_kib.map_or("-".into(), |d| format!("{d:+.3}")),
            if r.aims.rss_tolerance_kib.is_none() { "(not judged)" } else { met(s.rss_met) },
            if s.passed { "**PASS**" } else { "**FAIL**" },
        );
    }
    let memory = match r.aims.rss_tolerance_kib {
        Some(tolerance) => format!(
            "memory per connection no higher, allowing {tolerance} KiB per connection for VmRSS \
             noise (page and allocator rounding; the spread of each binary's own rounds below \
             shows how large it is)"
        ),
        None => "memory per connection reported, not judged (the floor keeps nothing per \
                 connection beyond its socket)"
            .to_owned(),
    };
    let baseline = if against_floor { "the floor's" } else { "the baseline's" };
    let _ = writeln!(
        md,
        "\nMedians over the rounds of each side. Aims: candidate p99 and CPU per delivery at most \
         {:.2}× {baseline}; {memory}. CPU per delivery is the \
         server's CPU over each event's busy window (its POST until every client had it, exact \
         `schedstat` time) ÷ deliveries; the event-phase figure (10 ms ticks, idle work included) \
         is in the round tables. A size passes when the aims are met and every run passed (no \
         failed connection, lost or duplicated update). Rounds alternate the order: the baseline \
         runs first in odd rounds, the candidate in even ones; every run has a fresh server.\n",
        r.aims.max_ratio
    );
    for s in &r.sizes {
        size(&mut md, s);
    }
    let _ = writeln!(
        md,
        "- Load: {} events {:.0} ms apart per run; a run longer than {:.0} s is stopped and fails.",
        r.events, r.interval_ms, r.run_timeout_s
    );
    if !r.server_args.is_empty() {
        let _ = writeln!(md, "- Server flags (both binaries): `{}`.", r.server_args.join(" "));
    }
    footer(&mut md, &r.problems, None, &r.meta);
    md
}

fn binaries(md: &mut String, r: &CompareReport) {
    md.push_str("| binary | sport | label | path | version | work tree HEAD | modified |\n|---|---|---|---|---|---|---|\n");
    let sides = [
        ("baseline", &r.baseline, r.baseline_sport),
        ("candidate", &r.candidate, r.candidate_sport),
    ];
    for (role, b, sport) in sides {
        let Binary { path, label, version, worktree_head, modified, .. } = b;
        let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        let _ = writeln!(
            md,
            "| {role} | {sport} | {} | `{path}` | {} | {} | {} |",
            or_dash(label),
            or_dash(version),
            or_dash(worktree_head),
            or_dash(modified)
        );
    }
    md.push('\n');
}

/// The columns every fan-out round shares, after the ones naming it (compare and cluster).
pub const ROUND_HEAD: &str = "connected | p50 ms | p99 ms | CPU µs/delivery | event-phase CPU µs/delivery | RSS/conn KiB | lost | duplicated | passed |";
/// The alignment row under [`ROUND_HEAD`].
pub const ROUND_ALIGN: &str = "---:|---:|---:|---:|---:|---:|---:|---:|---|";

/// The rounds of every side, labelled, in the order they ran.
pub fn rounds_in_order<'a>(sides: &[(&'a str, &'a [Round])]) -> Vec<(&'a str, &'a Round)> {
    let mut rows: Vec<(&str, &Round)> =
        sides.iter().flat_map(|(label, rounds)| rounds.iter().map(move |r| (*label, r))).collect();
    rows.sort_by_key(|(_, r)| (r.round, r.position));
    rows
}

/// One round's cells under [`ROUND_HEAD`], ending the table row.
pub fn round_cells(r: &Round) -> String {
    format!(
        "{} | {} | {} | {} | {} | {} | {} | {} | {} |",
        r.connected,
        ms(r.p50_ms),
        ms(r.p99_ms),
        num(r.cpu_per_delivery_us, 2),
        num(r.cpu_per_delivery_event_phase_us, 2),
        num(r.rss_per_conn_kib, 3),
        r.lost,
        r.duplicated,
        if r.passed { "yes" } else { "**no**" },
    )
}

fn size(md: &mut String, s: &Size) {
    let _ = writeln!(md, "## {} subscribers\n", s.subscribers);
    let _ = writeln!(md, "| round | order | binary | {ROUND_HEAD}\n|---:|---:|---|{ROUND_ALIGN}");
    let sides = [("baseline", &s.baseline.rounds[..]), ("candidate", &s.candidate.rounds[..])];
    for (binary, r) in rounds_in_order(&sides) {
        let _ = writeln!(md, "| {} | {} | {binary} | {}", r.round, r.position, round_cells(r));
    }
    md.push('\n');
    for (binary, side) in [("baseline", &s.baseline), ("candidate", &s.candidate)] {
        let _ = writeln!(
            md,
            "- {binary}: median p50 {} ms, p99 {} ms, CPU {} µs/delivery (event phase {}), RSS {} KiB/conn (rounds {}); update {} bytes of JSON on average (rounds {}).",
            ms(side.median.p50_ms),
            ms(side.median.p99_ms),
            num(side.median.cpu_per_delivery_us, 2),
            num(side.median.cpu_per_delivery_event_phase_us, 2),
            num(side.median.rss_per_conn_kib, 3),
            spread(side, |r| r.rss_per_conn_kib),
            num(side.median.update_bytes, 1),
            spread(side, |r| r.update_bytes),
        );
    }
    md.push('\n');
}

/// `min–max` of one figure over a side's rounds.
fn spread(side: &Side, f: fn(&Round) -> Option<f64>) -> String {
    let values: Vec<f64> = side.rounds.iter().filter_map(f).collect();
    let min = values.iter().copied().reduce(f64::min);
    let max = values.iter().copied().reduce(f64::max);
    format!("{}–{}", num(min, 3), num(max, 3))
}

fn met(ok: bool) -> &'static str {
    if ok {
        "✓"
    } else {
        "✗"
    }
}
