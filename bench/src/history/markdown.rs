//! The `history` Markdown report: the aims first, then each measurement with how it was taken.

use std::fmt::Write;

use super::model::{Aim, HistoryReport};
use crate::common::markdown::{footer, ms, num, verdict};

crate::common::results::impl_report!(HistoryReport, "history", render);

pub fn render(r: &HistoryReport) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# History: {} old matches and {} hot in the database, {}\n",
        thousands(r.matches),
        r.hot,
        r.backend
    );
    verdict(&mut md, r.passed, &r.meta);
    let _ = writeln!(
        md,
        "{} finished matches (3 events each, one kick-off every 5 minutes going back from 3 days \
         ago) and {} matches in play or kicking off today were written straight into the \
         database, {}, after a first start of the server migrated it. A node was started on it, \
         and one on the same database empty before the seeding, measured alike. Aims and \"before\" figures are issue \
         28's (its table is for 1,000,000 matches and 200 hot; the \"before\" column was measured \
         at 100,000).\n",
        thousands(r.matches),
        r.hot,
        r.database
    );
    md.push_str("## Aims\n\n| figure | measured | before | aim | met |\n|---|---:|---|---|---|\n");
    for aim in &r.aims {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            aim.figure,
            value(aim),
            aim.before,
            aim.aim,
            match aim.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "(shown)",
            }
        );
    }

    let s = &r.seed;
    let _ = writeln!(
        md,
        "\n## Seeding\n\n{:.1} s for {} matches ({:.0} matches/s); the database then held {} \
         matches and {} events.{}",
        s.seconds,
        thousands(r.matches + r.hot),
        s.matches_per_s,
        thousands(s.match_rows as u64),
        thousands(s.event_rows as u64),
        s.analyze_s.map_or(String::new(), |a| format!(
            " `ANALYZE` afterwards (what autovacuum does soon after a bulk load): {a:.1} s."
        ))
    );

    md.push_str(
        "\n## Start-up and memory\n\nFrom starting the process to the first `200` from \
         `/readyz` (polled every 20 ms); RSS read after the settle time past ready.\n\n\
         | node | ready s | VmRSS MiB | RssAnon MiB |\n|---|---:|---:|---:|\n",
    );
    for (name, n) in [("empty database", &r.empty_node), ("seeded database", &r.node)] {
        let _ = writeln!(
            md,
            "| {name} | {:.3} | {} | {} |",
            n.ready_s,
            mib(n.rss_kib),
            mib(n.rss_anon_kib)
        );
    }
    let _ = writeln!(
        md,
        "\nMatches held after start (`scorecast_matches_held`): {} hot, {} cold. After every \
         request series: VmRSS {} MiB, {} cold matches held (the cold cache is bounded by \
         `--cold-cache-matches`).",
        num(r.held_hot, 0),
        num(r.held_cold, 0),
        mib(r.rss_after_requests_kib),
        num(r.held_cold_after_requests, 0)
    );

    let c = &r.check;
    let time = |p: &Option<crate::common::percentiles::Percentiles>| {
        p.as_ref().map_or("-".into(), |p| {
            format!(
                "p50 {} ms, p99 {} ms, max {} ms",
                ms(Some(p.p50)),
                ms(Some(p.p99)),
                ms(Some(p.max))
            )
        })
    };
    let _ = writeln!(
        md,
        "\n## The cluster check\n\n`{}` with `$1` = {} and `$2` = 1000, {} runs: at most {} rows; \
         {}. How: {}.\n\nFor comparison, the check before the hot set (`{}`): {} rows; {}.",
        c.query,
        c.mark,
        c.runs,
        c.rows_max,
        time(&c.time_ms),
        c.how,
        c.full_read_query,
        thousands(c.full_read_rows),
        time(&c.full_read_ms)
    );

    md.push_str(
        "\n## Requests\n\nSequential GETs over one keep-alive connection, each timed to the end \
         of its body.\n\n| series | example | requests | errors | p50 ms | p90 ms | p99 ms | max ms |\n\
         |---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for s in &r.requests {
        let p = s.latency_ms.as_ref();
        let _ = writeln!(
            md,
            "| {} | `{}` | {}{} | {} | {} | {} | {} | {} |",
            s.name,
            s.example,
            s.requests,
            if s.timed_out { " (cut short)" } else { "" },
            s.errors,
            ms(p.map(|p| p.p50)),
            ms(p.map(|p| p.p90)),
            ms(p.map(|p| p.p99)),
            ms(p.map(|p| p.max)),
        );
    }

    if let Some(k) = &r.cluster {
        let _ = writeln!(
            md,
            "\n## Cluster: {} idle nodes over NATS\n\nEvery node with `--nats-check-secs {}`, \
             started on the seeded database (slowest ready in {:.2} s, largest VmRSS {} MiB). \
             Over a window of {:.1} s Postgres read {} rows of `matches` for them, {:.1} rows/s \
             (checks and hot sweeps together); the check before the hot set would have read \
             {:.0} rows/s. The nodes made {} checks that read {} rows ({} per check per node). \
             Source: {}",
            k.nodes,
            k.check_secs,
            k.ready_s_max,
            mib(k.rss_kib_max),
            k.window_s,
            k.postgres_rows,
            k.postgres_rows_per_s,
            k.old_check_rows_per_s,
            k.checks,
            k.check_rows,
            num(k.rows_per_check_per_node, 2),
            k.source
        );
    }
    footer(&mut md, &r.problems, None, &r.meta);
    md
}

fn value(aim: &Aim) -> String {
    match aim.value {
        Some(v) if aim.unit == "rows" || aim.unit == "rows/s" => format!("{v:.1} {}", aim.unit),
        Some(v) if aim.unit == "s" => format!("{v:.2} s"),
        Some(v) => format!("{} {}", ms(Some(v)), aim.unit),
        None => "-".into(),
    }
}

fn mib(kib: Option<u64>) -> String {
    num(kib.map(|k| k as f64 / 1024.0), 1)
}

/// `1000000` as `1,000,000`.
fn thousands(n: u64) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_counts_are_grouped_by_thousands() {
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(2_200), "2,200");
        assert_eq!(thousands(200), "200");
    }
}
