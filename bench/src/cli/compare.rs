//! `compare` flags: two binaries (or the floor and a binary), the subscriber counts and rounds,
//! and the fan-out's load and output groups.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{LoadArgs, Outcome, OutputArgs};
use crate::common::duration::parse_duration;
use crate::common::sport::Sport;
use crate::compare::{run_compare, Baseline, CompareConfig};

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("against").required(true).args(["baseline", "baseline_floor"]))]
pub struct CompareArgs {
    /// The scorecast binary measured against (e.g. built from the commit before a change).
    #[arg(long, value_name = "PATH", help_heading = "Binaries")]
    pub baseline: Option<PathBuf>,
    /// Measure the candidate against the floor (the bench's own broadcaster, fresh every run)
    /// instead of a binary: p99 and CPU per delivery within 1.05x of it pass; memory is reported.
    #[arg(long, requires = "candidate", help_heading = "Binaries")]
    pub baseline_floor: bool,
    /// The scorecast binary under judgement [default: the baseline, to compare two sports].
    #[arg(long, value_name = "PATH", help_heading = "Binaries")]
    pub candidate: Option<PathBuf>,
    /// The sport of the baseline's match (its events: football's home goals, another sport's
    /// scoring events).
    #[arg(long, value_enum, default_value_t = Sport::Football, help_heading = "Binaries")]
    pub baseline_sport: Sport,
    /// The sport of the candidate's match, e.g. tennis (points, the sides alternating).
    #[arg(long, value_enum, default_value_t = Sport::Football, help_heading = "Binaries")]
    pub candidate_sport: Sport,
    /// What the baseline is, for the report (e.g. its git commit).
    #[arg(long, value_name = "TEXT", help_heading = "Binaries")]
    pub baseline_label: Option<String>,
    /// What the candidate is, for the report (e.g. its git commit).
    #[arg(long, value_name = "TEXT", help_heading = "Binaries")]
    pub candidate_label: Option<String>,
    /// Extra flag for both spawned servers, e.g. --server-arg=--workers=2 (repeatable).
    #[arg(long = "server-arg", value_name = "FLAG", allow_hyphen_values = true)]
    #[arg(help_heading = "Binaries")]
    pub server_args: Vec<String>,
    /// Subscriber counts, comma-separated; each is measured every round for both binaries.
    #[arg(short = 'n', long, value_delimiter = ',', default_value = "5000,18000")]
    #[arg(help_heading = "Load")]
    pub subscribers: Vec<usize>,
    /// Rounds per subscriber count; the order of the two binaries alternates from round to round.
    #[arg(long, default_value_t = 3, help_heading = "Load")]
    pub rounds: usize,
    /// Longest one fan-out may take; beyond it the run is stopped and fails.
    #[arg(long, default_value = "10m", value_parser = parse_duration, help_heading = "Load")]
    pub run_timeout: Duration,
    #[command(flatten)]
    pub load: LoadArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub async fn run(args: CompareArgs) -> anyhow::Result<Outcome> {
    let largest = args.subscribers.iter().copied().max().unwrap_or(1);
    let (baseline, candidate) = match (args.baseline, args.candidate) {
        (Some(baseline), candidate) => {
            (Baseline::Binary(baseline.clone()), candidate.unwrap_or(baseline))
        }
        (None, Some(candidate)) => (Baseline::Floor, candidate),
        (None, None) => anyhow::bail!("--baseline-floor needs --candidate"),
    };
    let cfg = CompareConfig {
        baseline,
        candidate,
        baseline_sport: args.baseline_sport,
        candidate_sport: args.candidate_sport,
        baseline_label: args.baseline_label,
        candidate_label: args.candidate_label,
        subscribers: args.subscribers,
        rounds: args.rounds,
        server_args: args.server_args,
        // Checked at the largest count; each run replaces the count.
        load: args.load.to_config(largest)?,
        run_timeout: args.run_timeout,
    };
    args.output.publish(&mut run_compare(cfg).await?)
}
