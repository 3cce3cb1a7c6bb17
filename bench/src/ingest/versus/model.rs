//! The side-by-side result, as written to JSON: every run's whole ingest report, and per level
//! the medians of both sides and the candidate ÷ baseline verdict.

use serde::{Deserialize, Serialize};

use super::VersusConfig;
use crate::common::meta::Meta;
use crate::common::percentiles::ratio;
use crate::common::sport::SportMix;
use crate::compare::model::median;
use crate::ingest::model::{IngestReport, Level};

/// Aim (issue 24): the candidate's events per second at least this share of the baseline's.
pub const MIN_RATIO: f64 = 0.9;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersusReport {
    pub meta: Meta,
    pub database: String,
    pub baseline: SportMix,
    pub candidate: SportMix,
    /// The binaries the sides spawned, when they differ (`--baseline-binary`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binaries: Option<Binaries>,
    pub rounds: usize,
    pub matches: usize,
    pub levels: Vec<LevelVersus>,
    /// In the order they ran.
    pub runs: Vec<Run>,
    pub problems: Vec<String>,
    pub passed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Binaries {
    pub baseline: String,
    pub candidate: String,
}

/// One ingest run of one side.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    /// 1-based.
    pub round: usize,
    /// 1 when this side ran first in its round.
    pub position: usize,
    pub candidate: bool,
    pub report: IngestReport,
}

/// One level, both sides: medians over their rounds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LevelVersus {
    pub mode: String,
    pub concurrency: usize,
    pub target_rate: Option<f64>,
    pub baseline: LevelMedians,
    pub candidate: LevelMedians,
    /// Candidate ÷ baseline events per second.
    pub ratio_events_per_s: Option<f64>,
    pub met: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LevelMedians {
    pub events_per_s: Option<f64>,
    pub post_p99_ms: Option<f64>,
    pub delivery_p99_ms: Option<f64>,
    pub server_cpu_us_per_event: Option<f64>,
    pub update_bytes: Option<f64>,
}

impl LevelMedians {
    fn of(levels: &[&Level]) -> Self {
        let m = |f: fn(&Level) -> Option<f64>| median(levels.iter().filter_map(|l| f(l)).collect());
        Self {
            events_per_s: m(|l| Some(l.events_per_s)),
            post_p99_ms: m(|l| l.post_ms.as_ref().map(|p| p.p99)),
            delivery_p99_ms: m(|l| l.delivery_ms.as_ref().map(|p| p.p99)),
            server_cpu_us_per_event: m(|l| l.server_cpu_us_per_event),
            update_bytes: m(|l| l.update_bytes_mean),
        }
    }
}

impl VersusReport {
    pub fn judge(meta: Meta, database: String, cfg: &VersusConfig, runs: Vec<Run>) -> Self {
        let level_count = runs.iter().map(|r| r.report.levels.len()).min().unwrap_or(0);
        let side = |candidate: bool, i: usize| -> Vec<&Level> {
            runs.iter().filter(|r| r.candidate == candidate).map(|r| &r.report.levels[i]).collect()
        };
        let mut levels = Vec::new();
        for i in 0..level_count {
            let first = &runs[0].report.levels[i];
            let (baseline, candidate) =
                (LevelMedians::of(&side(false, i)), LevelMedians::of(&side(true, i)));
            let ratio_events_per_s = ratio(candidate.events_per_s, baseline.events_per_s);
            levels.push(LevelVersus {
                mode: first.mode.clone(),
                concurrency: first.concurrency,
                target_rate: first.target_rate,
                met: ratio_events_per_s.is_some_and(|r| r >= MIN_RATIO),
                ratio_events_per_s,
                baseline,
                candidate,
            });
        }
        let mut problems: Vec<String> = runs
            .iter()
            .flat_map(|r| {
                let side = if r.candidate { "candidate" } else { "baseline" };
                r.report.problems.iter().map(move |p| format!("round {} {side}: {p}", r.round))
            })
            .collect();
        for l in levels.iter().filter(|l| !l.met) {
            problems.push(format!(
                "{} {} clients: candidate ÷ baseline events/s {} is below {MIN_RATIO}",
                l.mode,
                l.concurrency,
                l.ratio_events_per_s.map_or("-".into(), |r| format!("{r:.3}"))
            ));
        }
        Self {
            meta,
            database,
            baseline: cfg.baseline.clone(),
            candidate: cfg.candidate.clone(),
            binaries: cfg
                .baseline_binary
                .as_ref()
                .zip(cfg.ingest.server.spawn_server.as_ref())
                .map(|(baseline, candidate)| Binaries {
                    baseline: baseline.display().to_string(),
                    candidate: candidate.display().to_string(),
                }),
            rounds: cfg.rounds,
            matches: cfg.ingest.matches,
            passed: problems.is_empty() && !levels.is_empty(),
            levels,
            runs,
            problems,
        }
    }
}
