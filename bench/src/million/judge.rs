//! How a `million` run is judged: the problems that fail it, and its aims: those of the first
//! million issue (memory, an absolute p99, nothing lost), and issue 26's, which measure scorecast
//! against the floor run beside it in the same run (CPU and p99 as ratios), each goal against the
//! median goal, the side match's POSTs and the idle cost of the connected audience.

use super::markdown::thousands;
use super::model::{moved, Aim, MillionReport, Phase};
use crate::common::percentiles::ratio;

/// One million subscribers on one machine (the first million issue).
pub const AIM_P99_MS: f64 = 8_000.0;
pub const AIM_SERVER_KIB_PER_CONN: f64 = 1.5;
pub const AIM_PEAK_MEMORY_KIB: u64 = 20 * 1024 * 1024;
/// Issue 26: scorecast ÷ the floor, in the same run.
pub const AIM_CPU_RATIO: f64 = 1.2;
pub const AIM_P99_RATIO: f64 = 1.25;
/// Issue 26: no goal's p99 above this multiple of the median goal's.
pub const AIM_GOAL_SPREAD: f64 = 1.25;
/// Issue 26: the side match's POSTs during the fan-out, p99.
pub const AIM_POST_P99_MS: f64 = 500.0;
/// Issue 26: the nodes' CPU with everyone connected and nothing posted.
pub const AIM_IDLE_CORES: f64 = 0.1;

/// The aims, judged against the full run's figures (the ratios at the floor's subscriber count).
pub fn aims(r: &MillionReport) -> Vec<Aim> {
    let peak_gib = r.peak.memory_used_kib as f64 / 1024.0 / 1024.0;
    let (floor, beside) = floor_pair(&r.phases);
    let cpu_ratio = ratio(
        beside.and_then(Phase::cpu_us_per_delivery),
        floor.and_then(Phase::cpu_us_per_delivery),
    );
    let at = format!("at {} subscribers", thousands(floor.map_or(0, |f| f.subscribers) as u64));
    let (spread, worst) = goal_spread(&r.goal_p99_ms);
    vec![
        Aim {
            what: "every delivery received (goals; the side match's events)".into(),
            aim: "0 lost, 0 duplicated".into(),
            measured: format!(
                "{} lost, {} duplicated, {} conflated; side match {} lost, {} duplicated",
                r.lost, r.duplicated, r.conflated, r.side_lost, r.side_duplicated
            ),
            met: r.lost + r.duplicated + r.side_lost + r.side_duplicated == 0
                && r.deliveries_expected > 0,
        },
        at_most("p99 per goal", r.worst_event_p99_ms.map(|ms| ms / 1e3), AIM_P99_MS / 1e3, "s"),
        at_most(
            "server memory per connection",
            r.server_rss_kb_per_conn,
            AIM_SERVER_KIB_PER_CONN,
            "KiB",
        ),
        Aim {
            what: "memory in use at the peak (machine)".into(),
            aim: format!("<= {} GiB", AIM_PEAK_MEMORY_KIB / 1024 / 1024),
            measured: format!("{peak_gib:.2} GiB"),
            met: r.peak.memory_used_kib > 0 && r.peak.memory_used_kib <= AIM_PEAK_MEMORY_KIB,
        },
        Aim {
            what: "kernel memory pressure".into(),
            aim: "counters unchanged".into(),
            measured: match moved(&r.kernel_pressure) {
                m if m.is_empty() => "unchanged".into(),
                m => m.join(", "),
            },
            met: moved(&r.kernel_pressure).is_empty(),
        },
        at_most(
            &format!("CPU per delivery, scorecast ÷ floor, {at}"),
            cpu_ratio,
            AIM_CPU_RATIO,
            "x",
        ),
        at_most(
            &format!("p99 of all deliveries, scorecast ÷ floor, {at}"),
            ratio(beside.and_then(Phase::p99), floor.and_then(Phase::p99)),
            AIM_P99_RATIO,
            "x",
        ),
        Aim {
            measured: match (spread, worst) {
                (Some(s), Some(goal)) => format!("{s:.2}x (goal {})", goal + 1),
                _ => "not measured".into(),
            },
            ..at_most("p99 of each goal ÷ the median goal's", spread, AIM_GOAL_SPREAD, "x")
        },
        at_most(
            "POST p99 on the side match during the fan-out",
            r.post_p99_ms,
            AIM_POST_P99_MS,
            "ms",
        ),
        at_most("idle CPU with everyone connected", r.idle_cores, AIM_IDLE_CORES, "cores"),
    ]
}

/// The problems that fail the run, its aims, and whether it passed: every phase measured and
/// clean (no loss, no duplicate, every client connected), and no memory pressure.
pub fn judge(mut r: MillionReport) -> MillionReport {
    let mut problems = Vec::new();
    for phase in &r.phases {
        let name = format!("{} at {}", phase.name, phase.subscribers);
        if let Some(error) = &phase.error {
            problems.push(format!("{name}: {error}"));
        }
        if let Some(run) = &phase.run {
            problems.extend(run.problems.iter().map(|p| format!("{name}: {p}")));
        }
        if let Some(side) = &phase.side {
            problems.extend(side.problems().iter().map(|p| format!("{name}, side match: {p}")));
        }
        let moved = moved(&phase.kernel_pressure);
        if !moved.is_empty() {
            problems.push(format!("{name}: kernel memory pressure ({})", moved.join(", ")));
        }
    }
    if r.subscribers_connected < r.subscribers {
        problems.push(format!(
            "{} of {} subscribers connected",
            r.subscribers_connected, r.subscribers
        ));
    }
    r.aims = aims(&r);
    r.passed = problems.is_empty() && r.deliveries_expected > 0;
    r.problems = problems;
    r
}

/// An aim of at most `limit`: not met when it was not measured.
fn at_most(what: &str, value: Option<f64>, limit: f64, unit: &str) -> Aim {
    let space = if unit == "x" { "" } else { " " };
    Aim {
        what: what.into(),
        aim: format!("<= {limit}{space}{unit}"),
        measured: value.map_or("not measured".into(), |v| format!("{v:.2}{space}{unit}")),
        met: value.is_some_and(|v| v <= limit),
    }
}

/// The floor phase and the scorecast phase at its subscriber count.
fn floor_pair(phases: &[Phase]) -> (Option<&Phase>, Option<&Phase>) {
    let floor = phases.iter().find(|p| p.name == "floor");
    let beside = floor.and_then(|f| {
        phases.iter().find(|p| p.name == "scorecast" && p.subscribers == f.subscribers)
    });
    (floor, beside)
}

/// The highest goal p99 ÷ the median goal's, and which goal that is (0-based); `None` when a
/// goal has no p99 (nothing arrived) or there are none.
pub fn goal_spread(p99s: &[Option<f64>]) -> (Option<f64>, Option<usize>) {
    let Some(mut sorted) = p99s.iter().copied().collect::<Option<Vec<f64>>>() else {
        return (None, None);
    };
    if sorted.is_empty() {
        return (None, None);
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    let median = match sorted.len() % 2 {
        0 => (sorted[mid - 1] + sorted[mid]) / 2.0,
        _ => sorted[mid],
    };
    let worst =
        p99s.iter().enumerate().max_by(|a, b| a.1.unwrap_or(0.0).total_cmp(&b.1.unwrap_or(0.0)));
    (ratio(sorted.last().copied(), Some(median)), worst.map(|(i, _)| i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_goal_spread_is_the_slowest_goal_against_the_median_one() {
        // The run at a million: 18.2 / 32.3 / 13.2 s per goal, goal 2 at 1.77x.
        let (spread, worst) = goal_spread(&[Some(18_200.0), Some(32_300.0), Some(13_200.0)]);
        assert_eq!(worst, Some(1));
        assert!((spread.unwrap() - 32_300.0 / 18_200.0).abs() < 1e-9, "{spread:?}");
        let (even, _) = goal_spread(&[Some(10.0), Some(20.0), Some(30.0), Some(60.0)]);
        assert_eq!(even, Some(60.0 / 25.0));
        assert_eq!(goal_spread(&[Some(10.0), None]), (None, None), "a goal nobody got");
        assert_eq!(goal_spread(&[]), (None, None));
    }

    #[test]
    fn an_aim_not_measured_is_not_met() {
        assert!(!at_most("idle", None, AIM_IDLE_CORES, "cores").met);
        let met = at_most("POST p99", Some(500.0), AIM_POST_P99_MS, "ms");
        assert!(met.met && met.measured == "500.00 ms" && met.aim == "<= 500 ms", "{met:?}");
        assert!(!at_most("ratio", Some(1.21), AIM_CPU_RATIO, "x").met);
    }
}
