//! Issue 28's aims, each beside its figure, and what else makes a `history` run fail: requests
//! not answered `200`, a series cut short, a hot set missing matches in play or today, a seed
//! that did not write what it was asked to.

use super::model::{Aim, HistoryReport};
use super::requests;

/// The aims (its table is for 1,000,000 matches and 200 hot; none depends on history).
const AIM_RSS_BEYOND_EMPTY_MIB: f64 = 20.0;
const AIM_READY_S: f64 = 2.0;
const AIM_P99_MS: f64 = 20.0;

/// Fills `aims`, `problems` and `passed`.
pub fn judge(r: &mut HistoryReport) {
    let mut aims = vec![
        Aim::shown(
            "seeding, straight into the database",
            Some(r.seed.seconds),
            "s",
            "through the API",
            "quick, up to 1,000,000 matches",
        ),
        Aim::below(
            "node RSS beyond an empty node",
            r.rss_beyond_empty_mib,
            "MiB",
            "118 MB (~1.2 KB per match)",
            AIM_RSS_BEYOND_EMPTY_MIB,
        ),
        Aim::below(
            "start-up to ready",
            Some(r.node.ready_s).filter(|s| s.is_finite()),
            "s",
            "1.4 s (linear in matches)",
            AIM_READY_S,
        ),
        Aim::below(
            "rows read per cluster check per node, idle (the check's query)",
            Some(r.check.rows_max as f64).filter(|_| r.check.runs > 0),
            "rows",
            "every match",
            0.0,
        ),
        Aim::shown(
            "time of one cluster check, idle, p99 (the check's query)",
            r.check.time_ms.as_ref().map(|p| p.p99),
            "ms",
            "reads every match",
            "changes since the last check",
        ),
    ];
    let p99 = |name: &str| {
        r.requests
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.latency_ms.as_ref())
            .map(|p| p.p99)
    };
    aims.push(Aim::below(
        "GET of a cold match, p99",
        p99(requests::COLD),
        "ms",
        "served from memory",
        AIM_P99_MS,
    ));
    aims.push(Aim::shown(
        "GET of a hot match, p99",
        p99(requests::HOT),
        "ms",
        "served from memory",
        "served from memory",
    ));
    for (figure, name) in [
        ("`GET /api/v1/matches?status=live`, p99", requests::LIVE),
        ("a day's list (today), p99", requests::TODAY),
        ("a day's list (a past day), p99", requests::PAST_DAY),
    ] {
        aims.push(Aim::below(figure, p99(name), "ms", "scan in memory", AIM_P99_MS));
    }
    if let Some(c) = &r.cluster {
        aims.push(Aim::below(
            &format!("rows per check per node, {} idle nodes (their own count)", c.nodes),
            c.rows_per_check_per_node,
            "rows",
            "every match",
            0.0,
        ));
        aims.push(Aim::shown(
            &format!("rows of `matches` Postgres read per second for {} idle nodes", c.nodes),
            Some(c.postgres_rows_per_s),
            "rows/s",
            &format!(
                "{:.0} (every match, every node, every {} s)",
                c.old_check_rows_per_s, c.check_secs
            ),
            "changes since the last check (0 when idle)",
        ));
    }

    let mut problems: Vec<String> = aims
        .iter()
        .filter(|a| a.met == Some(false))
        .map(|a| match a.value {
            Some(v) => format!("{}: {v:.2} {}, aim {}", a.figure, a.unit, a.aim),
            None => format!("{}: not measured (aim {})", a.figure, a.aim),
        })
        .collect();
    for s in &r.requests {
        if s.errors > 0 {
            problems.push(format!(
                "{}: {} of {} requests not answered 200",
                s.name, s.errors, s.requests
            ));
        }
        if s.timed_out {
            problems.push(format!(
                "{}: stopped at its time limit after {} requests",
                s.name, s.requests
            ));
        }
    }
    let seeded = (r.matches + r.hot) as i64;
    if r.seed.match_rows != seeded {
        problems.push(format!(
            "the database holds {} matches, {seeded} were seeded",
            r.seed.match_rows
        ));
    }
    if r.held_hot.is_none_or(|held| held < r.hot as f64) {
        problems.push(format!(
            "the node holds {:?} matches hot after start, fewer than the {} in play or today",
            r.held_hot, r.hot
        ));
    }
    if let Some(c) = &r.cluster {
        if c.checks < c.nodes as f64 {
            problems.push(format!("{} idle nodes made {} checks in the window", c.nodes, c.checks));
        }
    }
    r.passed = problems.is_empty();
    r.aims = aims;
    r.problems = problems;
}
